"""Small portable SQL functions the sweeps need (SQLite and PostgreSQL spell them differently)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_of(FunctionElement):
    """Month index (year * 12 + month - 1) of a DATE expression."""

    type = Integer()
    inherit_cache = True
    name = "month_of"


@compiles(month_of)
def _month_of_default(element, compiler, **kw):
    (arg,) = list(element.clauses)
    expr = compiler.process(arg, **kw)
    return (
        f"(CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER) * 12"
        f" + CAST(EXTRACT(MONTH FROM {expr}) AS INTEGER) - 1)"
    )


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    (arg,) = list(element.clauses)
    expr = compiler.process(arg, **kw)
    return (
        f"(CAST(strftime('%Y', {expr}) AS INTEGER) * 12"
        f" + CAST(strftime('%m', {expr}) AS INTEGER) - 1)"
    )


class month_str(FunctionElement):
    """``"YYYY-MM"`` of a month-index expression."""

    type = String()
    inherit_cache = True
    name = "month_str"


@compiles(month_str)
def _month_str_default(element, compiler, **kw):
    (arg,) = list(element.clauses)
    expr = compiler.process(arg, **kw)
    return (
        f"(LPAD(CAST(({expr}) / 12 AS TEXT), 4, '0') || '-' || "
        f"LPAD(CAST(MOD(({expr}), 12) + 1 AS TEXT), 2, '0'))"
    )


@compiles(month_str, "sqlite")
def _month_str_sqlite(element, compiler, **kw):
    (arg,) = list(element.clauses)
    expr = compiler.process(arg, **kw)
    return f"printf('%04d-%02d', ({expr}) / 12, ({expr}) % 12 + 1)"


class greatest(FunctionElement):
    """GREATEST of non-null integer expressions (SQLite: multi-argument max())."""

    type = Integer()
    inherit_cache = True
    name = "greatest"


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"GREATEST({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"MAX({compiler.process(element.clauses, **kw)})"


class least(FunctionElement):
    type = Integer()
    inherit_cache = True
    name = "least"


@compiles(least)
def _least_default(element, compiler, **kw):
    return f"LEAST({compiler.process(element.clauses, **kw)})"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"MIN({compiler.process(element.clauses, **kw)})"
