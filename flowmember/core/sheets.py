"""Cells for the spreadsheets the app writes (.xlsx through openpyxl, .csv through ``csv``).

Every exporter passes every cell through :func:`cell` (or a whole row through :func:`row`), so
text a member typed is never evaluated by a spreadsheet (OWASP "CSV injection") and never makes
openpyxl refuse the file:

- characters a spreadsheet cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF) are
  removed;
- text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``, so
  it is text in every spreadsheet, and in an .xlsx a string cell, never a formula (openpyxl makes
  a formula of any string starting with ``=``). A plain number written as text (``+8613800000000``,
  ``-5``) is left as it is: evaluated, it is a number and can reach nothing;
- numbers, dates and booleans stay what they are.

:func:`uncell` undoes the ``'`` on the way back in, so a file the app exported imports unchanged.
Text that itself starts with quotes before such a character gets one more quote, so the pair is
exact: ``uncell(cell(text)) == text`` for any text without removed characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

#: What a spreadsheet evaluates at the start of a cell (OWASP CSV injection).
_TRIGGER = "=+\\-@\t\r"
#: Text to quote: any quotes, then a trigger character.
_NEEDS_QUOTE = re.compile(f"'*[{_TRIGGER}]")
#: Text the export quoted: one quote more than the original.
_QUOTED = re.compile(f"'+[{_TRIGGER}]")
#: A plain number as text: a spreadsheet reads it as that number, which reaches nothing.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
#: Beyond openpyxl's own refusal, what breaks the XML of an .xlsx when written.
_UNWRITABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")

_AS_IS = (int, float, Decimal, date, datetime, time, timedelta)  # bool is an int


def cell(value):
    """``value`` as a spreadsheet cell: text cleaned and made inert, anything else as it is."""
    if value is None or isinstance(value, _AS_IS):
        return value
    text = _UNWRITABLE.sub("", ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    if _NEEDS_QUOTE.match(text) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def row(values: Iterable) -> list:
    """A row of :func:`cell` values, for ``worksheet.append`` or ``csv.writer.writerow``."""
    return [cell(v) for v in values]


def uncell(text: str) -> str:
    """Text read back from a cell, without the quote :func:`cell` added."""
    return text[1:] if _QUOTED.match(text) else text
