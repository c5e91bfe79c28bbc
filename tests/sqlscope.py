"""Finds uncorrelated FROMs in set-based SQL: a subquery that reads a table under the same name
as a statement enclosing it.

SQLAlchemy correlates a subquery only to the SELECT (or UPDATE/DELETE) right around it; a
reference two levels down to the outer table puts that table into the inner FROM, and the
subquery silently runs over every row of it (how ``paid_through`` once mixed members up). In the
rendered SQL that shows as the same name exposed by FROM/JOIN at two nested levels. An inner
query that really means an independent scan of the same table gives it an alias, which is also
what a reader needs."""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import contextmanager

from sqlalchemy import event

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^']|'')*')
      | (?P<qid>"(?:[^"]|"")*")
      | (?P<word>[A-Za-z_][A-Za-z0-9_$.]*)
      | (?P<punct>[(),])
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_FROM_WORDS = {"FROM", "JOIN", "UPDATE"}
_END_OF_FROM = {
    "WHERE", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "ON", "USING", "UNION", "EXCEPT",
    "INTERSECT", "SET", "RETURNING", "WINDOW", "LEFT", "RIGHT", "INNER", "OUTER", "FULL", "CROSS",
    "JOIN", "FOR", "VALUES", "SELECT",
}


def _tokens(sql: str) -> list[str]:
    out = []
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "qid":
            value = value[1:-1].replace('""', '"')
        elif kind == "str":
            value = "'"
        out.append(value)
    return out


def uncorrelated_froms(sql: str) -> list[str]:
    """Names a nested query exposes in its FROM that an enclosing level exposes too."""
    tokens = _tokens(sql)
    scopes: list[set[str]] = [set()]
    found: list[str] = []

    def expose(name: str) -> None:
        key = name.lower()
        if any(key in outer for outer in scopes[:-1]):
            found.append(name)
        scopes[-1].add(key)

    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            scopes.append(set())
        elif tok == ")":
            scopes.pop()
            # A derived table's alias belongs to the level around it.
            if i + 2 < len(tokens) and tokens[i + 1].upper() == "AS" and _is_name(tokens[i + 2]):
                scopes[-1].add(tokens[i + 2].lower())
        elif tok.upper() in _FROM_WORDS:
            i += 1
            while i < len(tokens):
                if tokens[i] == "(":
                    i -= 1  # a derived table: handled by the scope logic
                    break
                if not _is_name(tokens[i]) or tokens[i].upper() in _END_OF_FROM:
                    i -= 1
                    break
                name = tokens[i]
                if i + 2 < len(tokens) and tokens[i + 1].upper() == "AS":
                    name = tokens[i + 2]
                    i += 2
                elif i + 1 < len(tokens) and _is_name(tokens[i + 1]) and (
                    tokens[i + 1].upper() not in _END_OF_FROM
                ):
                    name = tokens[i + 1]
                    i += 1
                expose(name.split(".")[-1])
                if i + 1 < len(tokens) and tokens[i + 1] == ",":
                    i += 2
                    continue
                break
        i += 1
    return found


def _is_name(token: str) -> bool:
    return bool(re.match(r"^[A-Za-z_][A-Za-z0-9_$.]*$", token))


def check(statements: Iterable[str]) -> list[tuple[str, list[str]]]:
    """``[(statement, names)]`` for every statement with an uncorrelated FROM."""
    return [(sql, names) for sql in statements if (names := uncorrelated_froms(sql))]


@contextmanager
def capture(engine):
    """Collect the SQL text of every statement run on ``engine`` inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
