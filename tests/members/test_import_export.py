"""Import (.xlsx/.csv) and export of the ledger, through the services and the CLI."""

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from flowmember.core import months
from flowmember.core.audit import AuditEntry
from flowmember.core.auth import SYSTEM
from flowmember.core.time import today_local
from flowmember.extensions import db
from flowmember.members.columns import ERRORS_HEADER, header_row
from flowmember.members.identity import build_id_number
from flowmember.members.ledger_io import export_members, import_members
from flowmember.members.models import Member, MemberLocation

from .conftest import write_csv


def _row(n: int, org_code: str, **overrides) -> dict:
    birth = date(1990, 1 + n % 12, 1 + n % 28)
    row = {
        "name": f"导入党员{n}",
        "gender": "男" if n % 2 else "女",
        "id_number": build_id_number("420102", birth, n),
        "phone": f"136{n:08d}",
        "category": "外出务工",
        "stage": "正式党员",
        "joined_on": "2015-07-01",
        "org": org_code,
        "employer": "某物流公司",
    }
    row.update(overrides)
    return row


def _xlsx(path, rows: list[dict]):
    wb = Workbook()
    ws = wb.active
    keys = [h.split()[-1] for h in header_row()]
    ws.append(header_row())
    for r in rows:
        ws.append([r.get(k) for k in keys])
    wb.save(path)
    return path


def _count(model=Member) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


BAD = {
    3: {"id_number": "110105194912310021"},  # wrong check digit
    5: {"phone": "garbage", "gender": "unknown"},  # two errors in one row
    8: {"joined_on": "2015-02-30", "org": "NOPE"},
}


def test_three_bad_rows_of_a_thousand_import_997_and_write_the_three(tmp_path, branch):
    rows = [_row(n, "B1", **BAD.get(n, {})) for n in range(1000)]
    path = _xlsx(tmp_path / "members.xlsx", rows)
    report = import_members(SYSTEM, path)
    db.session.commit()
    assert (report.created, len(report.rejected)) == (997, 3)
    assert _count() == 997
    assert report.rejected_file == tmp_path / "members.rejected.xlsx"
    ws = load_workbook(report.rejected_file).active
    table = list(ws.iter_rows(values_only=True))
    assert table[0][-1] == ERRORS_HEADER
    errors = {r[0]: r[-1] for r in table[1:]}
    assert "校验位" in errors["导入党员3"]  # in the reader's language (zh_CN by default)
    assert "phone:" in errors["导入党员5"] and "gender:" in errors["导入党员5"]
    assert "joined_on:" in errors["导入党员8"] and "org:" in errors["导入党员8"]
    assert [r.number for r in report.rejected] == [5, 7, 10]  # spreadsheet rows


def test_dry_run_changes_nothing(tmp_path, branch):
    rows = [_row(n, "B1", **BAD.get(n, {})) for n in range(1000)]
    path = _xlsx(tmp_path / "m.xlsx", rows)
    audit_before = _count(AuditEntry)
    report = import_members(SYSTEM, path, dry_run=True)
    db.session.rollback()
    assert (report.created, len(report.rejected)) == (997, 3)
    assert _count() == 0
    assert _count(AuditEntry) == audit_before


def test_update_or_insert_by_id_number(tmp_path, branch, make_member):
    existing = make_member(
        org=branch, id_number=build_id_number("420102", date(1990, 2, 2), 1), name="旧名字"
    )
    rows = [_row(1, "B1", birth_date=None), _row(2, "B1")]
    path = write_csv(tmp_path / "m.csv", rows)
    report = import_members(SYSTEM, path)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    db.session.refresh(existing)
    assert existing.name == "导入党员1" and existing.phone == "+8613600000001"
    again = import_members(SYSTEM, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_duplicate_id_in_the_file_rejects_the_second(tmp_path, branch):
    rows = [_row(1, "B1"), _row(1, "B1", name="重复")]
    report = import_members(SYSTEM, write_csv(tmp_path / "d.csv", rows))
    assert report.created == 1
    assert "Same ID number as row 2" in report.rejected[0].error_text()
    assert (tmp_path / "d.rejected.csv").exists()


def test_org_outside_the_actors_subtree_is_rejected(tmp_path, make_org, make_user):
    mine = make_org("branch", code="MINE")
    make_org("branch", code="THEIRS")
    secretary = make_user("secretary", mine)
    rows = [_row(1, "MINE"), _row(2, "THEIRS")]
    report = import_members(secretary, write_csv(tmp_path / "s.csv", rows))
    assert report.created == 1
    assert "org" in report.rejected[0].errors


def test_location_columns_store_location_with_paper_consent(tmp_path, branch):
    from flowmember.members.services import has_location_consent

    rows = [_row(1, "B1", province_code="440000", city_code="440300")]
    import_members(SYSTEM, write_csv(tmp_path / "l.csv", rows))
    db.session.commit()
    member = db.session.scalars(select(Member)).one()
    assert member.city_code == "440300"
    assert has_location_consent(member.id)
    assert _count(MemberLocation) == 1
    rows = [_row(2, "B1", province_code="440000", city_code="1")]
    bad = import_members(SYSTEM, write_csv(tmp_path / "l2.csv", rows))
    assert "location.city_code" in bad.rejected[0].errors


def test_missing_columns_are_a_422(tmp_path, branch):
    from flowmember.core.errors import ValidationError

    path = tmp_path / "x.csv"
    path.write_text("name,phone\nA,13800138000\n", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        import_members(SYSTEM, path)
    assert "file" in exc.value.errors


LEDGER_FIELDS = [
    "name",
    "gender",
    "id_number",
    "birth_date",
    "phone",
    "email",
    "ethnicity",
    "category",
    "stage",
    "status",
    "joined_on",
    "full_on",
    "org_id",
    "home_org_id",
    "home_org_name",
    "employer",
    "university",
    "graduation_year",
    "away_since",
    "away_paper",
    "retired",
    "province_code",
    "city_code",
    "district_code",
    "carried_paid_through_month",
    "carried_org_life_month",
]


def _ledger() -> dict:
    members = db.session.scalars(select(Member).order_by(Member.id_number)).all()
    return {
        m.id_number: tuple(str(getattr(m, f)) for f in LEDGER_FIELDS if f != "id_number")
        for m in members
    }


def test_export_then_import_gives_an_identical_ledger(tmp_path, make_org, make_member):
    from flowmember.members.services import record_location, set_consent

    committee = make_org("committee", code="C1")
    branch = make_org("branch", parent=committee, code="B1")
    other = make_org("branch", parent=committee)  # no code: exported by id
    make_member(org=branch, email="a@example.org", employer="某公司", away_since=date(2026, 1, 3))
    make_member(
        org=other,
        category="inflow",
        home_org_id=branch.id,
        retired=True,
        full_on=date(2021, 1, 1),
        stage="probationary",
    )
    located = make_member(org=branch, home_org_name="某省某村党支部", graduation_year=2018)
    make_member(org=branch, status="suspended")
    # Imported earlier from a paper ledger that vouched for its history (DOMAIN §8).
    this_month = months.of(today_local())
    vouched = make_member(
        org=branch,
        joined_on=date(2016, 5, 4),
        entered_month=this_month,
        tracked_since_month=months.parse("2024-03"),
        carried_paid_through_month=this_month - 2,
        carried_org_life_month=this_month - 3,
    )
    vouched_id_number = vouched.id_number
    set_consent(SYSTEM, located, "location", True)
    record_location(SYSTEM, located, "110000", "110100", "110108", source="checkin")
    db.session.commit()
    before = _ledger()
    path = tmp_path / "ledger.xlsx"
    assert export_members(SYSTEM, path) == 5
    db.session.commit()
    exported = {r[2]: r for r in load_workbook(path).active.iter_rows(values_only=True)}
    keys = [h.split()[-1] for h in header_row()]
    row = dict(zip(keys, exported[vouched_id_number], strict=True))
    assert (row["tracked_since"], row["dues_paid_through"], row["last_org_life"]) == (
        "2024-03",
        months.to_str(this_month - 2),
        months.to_str(this_month - 3),
    )
    # Tracked since it entered FlowMember (2020-01 here): no earlier start to vouch for.
    assert dict(zip(keys, exported[located.id_number], strict=True))["tracked_since"] is None
    # Re-import over the same ledger: nothing to change.
    same = import_members(SYSTEM, path)
    assert (same.created, same.updated, same.unchanged, len(same.rejected)) == (0, 0, 5, 0)
    # Into an emptied ledger: the same records come back.
    from tests.conftest import _empty_tables

    db.session.commit()
    member_tables = ["member_locations", "member_consents", "audit_log", "members"]
    with db.engine.begin() as conn:
        for name in member_tables:
            conn.execute(db.metadata.tables[name].delete())
    db.session.expunge_all()  # the rows went behind the session's back
    report = import_members(SYSTEM, path)
    db.session.commit()
    assert (report.created, len(report.rejected)) == (5, 0), [
        r.error_text() for r in report.rejected
    ]
    assert _ledger() == before
    # The vouched start comes back with its history; the others are tracked from the import
    # (the history behind their earlier start stayed in the emptied ledger).
    starts = dict(db.session.execute(select(Member.id_number, Member.tracked_since_month)).all())
    assert starts.pop(vouched_id_number) == months.parse("2024-03")
    assert set(starts.values()) == {this_month}
    assert _empty_tables  # the shared fixture empties everything after the test


def test_cli_import_dry_run_export_and_template(tmp_path, cli_runner, branch):
    template = tmp_path / "template.xlsx"
    result = cli_runner.invoke(args=["import-template", str(template)])
    assert result.exit_code == 0, result.output
    assert list(load_workbook(template).active.iter_rows(values_only=True))[0] == tuple(
        header_row()
    )
    rows = [_row(n, "", **BAD.get(n, {})) for n in range(6)]
    path = _xlsx(tmp_path / "in.xlsx", rows)
    dry = cli_runner.invoke(
        args=["import", "members", str(path), "--dry-run", "--org-id", str(branch.id), "--quiet"]
    )
    assert dry.exit_code == 0, dry.output
    assert "Would import: 4 new" in dry.output and "2 rejected of 6" in dry.output
    assert _count() == 0
    real = cli_runner.invoke(args=["import", "members", str(path), "--org-id", str(branch.id)])
    assert real.exit_code == 0, real.output
    assert "Imported: 4 new" in real.output
    assert _count() == 4
    out = tmp_path / "out.xlsx"
    exported = cli_runner.invoke(args=["export", "members", str(out)])
    assert exported.exit_code == 0 and "Exported 4 members" in exported.output
    bad = cli_runner.invoke(args=["import", "members", str(path), "--org-id", "999999"])
    assert bad.exit_code != 0 and "org_id" in bad.output
