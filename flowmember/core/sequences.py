"""Numbered series (receipts per org per year, letters per committee per year), one way: a counter
row per series bumped by a single UPDATE ... RETURNING, which holds the row lock until commit so
concurrent numbers queue; the first number of a series inserts the row in a savepoint (a
concurrent insert loses the race and bumps the winner's row). The documents' own unique
constraints are the last guard."""

from __future__ import annotations

from sqlalchemy import Table, insert, update
from sqlalchemy.exc import IntegrityError

from flowmember.core.errors import Conflict
from flowmember.extensions import db


def next_number(table: Table, counter: str, **key: int) -> int:
    """Bump the series ``key`` (the counter table's primary key values) and return its number."""
    where = [table.c[name] == value for name, value in key.items()]
    bump = update(table).where(*where).values({counter: table.c[counter] + 1})
    bump = bump.returning(table.c[counter])
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(table).values(**key, **{counter: 0}))
        except IntegrityError:
            pass  # created meanwhile by another transaction: its row lock now orders us
        number = db.session.execute(bump).scalar()
    if number is None:  # pragma: no cover - the row exists after the insert above
        raise Conflict("Could not allocate a number; retry.")
    return number
