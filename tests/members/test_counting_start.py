"""The months that decide when lapse counting starts (DOMAIN §8), through POST/PATCH /members,
the staff form and the import: the tracking start, and the history an old ledger vouches for
(dues paid through 党费交至, last org life)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.extensions import db
from flowmember.members.ledger_io import import_members
from flowmember.members.models import Member
from tests.conftest import csrf_token, login

from .conftest import write_csv

EN = {"Accept-Language": "en"}


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-20")
    return freeze


def _post(api, user, body):
    return api.as_(user).post("/members", json=body, headers=EN)


def test_a_new_member_is_tracked_from_this_month_with_no_history(
    api, secretary, branch, member_payload
):
    r = _post(api, secretary, member_payload(branch))
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["tracked_since"] == "2026-11"
    assert (body["dues_paid_through"], body["last_org_life"], body["org_since"]) == (None,) * 3
    assert body["paid_through"] is None


def test_an_earlier_tracking_start_with_the_history_it_vouches_for(
    api, secretary, branch, member_payload
):
    body = member_payload(
        branch, tracked_since="2024-01", dues_paid_through="2026-09", last_org_life="2026-08"
    )
    r = _post(api, secretary, body)
    assert r.status_code == 201, r.get_json()
    out = r.get_json()
    assert (out["tracked_since"], out["dues_paid_through"], out["last_org_life"]) == (
        "2024-01",
        "2026-09",
        "2026-08",
    )
    assert out["paid_through"] == "2026-09"  # the carried month counts as settled
    assert api.as_(secretary).get(f"/members/{out['id']}").get_json()["tracked_since"] == "2024-01"


@pytest.mark.parametrize(
    "given, field, message",
    [
        (
            {"tracked_since": "2024-01"},
            "tracked_since",
            "A tracking start before 2026-11 needs the history it vouches for: give dues paid "
            "through and last org life too, or leave it empty.",
        ),
        (
            {"tracked_since": "2024-01", "dues_paid_through": "2026-09"},
            "tracked_since",
            "A tracking start before 2026-11 needs the history it vouches for: give dues paid "
            "through and last org life too, or leave it empty.",
        ),
        (
            {"tracked_since": "2026-12"},
            "tracked_since",
            "Cannot be later than the current month (2026-11).",
        ),
        (
            {"dues_paid_through": "2026-12"},
            "dues_paid_through",
            "Cannot be later than the current month (2026-11).",
        ),
        (
            {"last_org_life": "2027-01"},
            "last_org_life",
            "Cannot be later than the current month (2026-11).",
        ),
        (
            {"dues_paid_through": "2019-05"},
            "dues_paid_through",
            "Cannot be before the month of joining (2019-06).",
        ),
        (
            {"last_org_life": "2018-12"},
            "last_org_life",
            "Cannot be before the month of joining (2019-06).",
        ),
        ({"tracked_since": "2026-13"}, "tracked_since", "Not a month; expected YYYY-MM."),
        ({"dues_paid_through": "2026-9"}, "dues_paid_through", "Not a month; expected YYYY-MM."),
        ({"last_org_life": 202608}, "last_org_life", "Not a month; expected YYYY-MM."),
    ],
)
def test_counting_months_that_break_the_rules_are_422_and_nothing_is_written(
    api, secretary, branch, member_payload, given, field, message
):
    r = _post(api, secretary, member_payload(branch, **given))
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["errors"][field] == [message]
    assert db.session.scalars(select(Member)).all() == []


def test_one_422_names_the_counting_months_and_the_identity_together(
    api, secretary, branch, member_payload
):
    body = member_payload(branch, id_number="110105194912310021", dues_paid_through="2027-01")
    r = _post(api, secretary, body)
    assert r.status_code == 422
    assert {"id_number", "dues_paid_through"} <= set(r.get_json()["errors"])


def test_a_tracking_start_before_joining_is_read_as_the_month_of_joining(
    api, secretary, branch, member_payload
):
    body = member_payload(
        branch,
        joined_on="2024-03-15",
        tracked_since="2020-01",
        dues_paid_through="2026-10",
        last_org_life="2026-10",
    )
    r = _post(api, secretary, body)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["tracked_since"] == "2024-03"


def test_the_messages_are_translated(api, secretary, branch, member_payload):
    r = api.as_(secretary).post(
        "/members",
        json=member_payload(branch, dues_paid_through="2027-01"),
        headers={"Accept-Language": "zh-CN"},
    )
    assert r.status_code == 422
    (message,) = r.get_json()["errors"]["dues_paid_through"]
    # zh_CN once the catalogue is compiled; the English text until then.
    assert message in (
        "不能晚于本月（2026-11）。",
        "Cannot be later than the current month (2026-11).",
    )


# --- PATCH ----------------------------------------------------------------------------------


def _created(api, secretary, branch, member_payload, **fields) -> int:
    r = _post(api, secretary, member_payload(branch, **fields))
    assert r.status_code == 201, r.get_json()
    return r.get_json()["id"]


def test_patch_moves_the_tracking_start_earlier_only_with_history(
    api, secretary, branch, member_payload
):
    member_id = _created(api, secretary, branch, member_payload)
    patch = api.as_(secretary).patch
    r = patch(f"/members/{member_id}", json={"tracked_since": "2026-02"}, headers=EN)
    assert r.status_code == 422 and "tracked_since" in r.get_json()["errors"]
    r = patch(
        f"/members/{member_id}",
        json={
            "tracked_since": "2026-02",
            "dues_paid_through": "2026-10",
            "last_org_life": "2026-09",
        },
        headers=EN,
    )
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["tracked_since"], r.get_json()["paid_through"]) == ("2026-02", "2026-10")
    # The history the earlier start rests on cannot be dropped on its own ...
    r = patch(f"/members/{member_id}", json={"dues_paid_through": None}, headers=EN)
    assert r.status_code == 422
    assert r.get_json()["errors"]["dues_paid_through"] == [
        "Required while the tracking start (2026-02) is before the month the record entered "
        "FlowMember (2026-11)."
    ]
    # ... only together with the earlier start.
    r = patch(
        f"/members/{member_id}",
        json={"tracked_since": "2026-11", "dues_paid_through": None, "last_org_life": None},
        headers=EN,
    )
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert (out["tracked_since"], out["dues_paid_through"], out["paid_through"]) == (
        "2026-11",
        None,
        None,
    )


def test_patch_never_puts_the_tracking_start_after_the_record_entered(
    api, secretary, branch, member_payload, freeze
):
    member_id = _created(api, secretary, branch, member_payload)
    freeze("2027-02-10")
    r = api.as_(secretary).patch(
        f"/members/{member_id}", json={"tracked_since": "2027-01"}, headers=EN
    )
    assert r.status_code == 422
    assert r.get_json()["errors"]["tracked_since"] == [
        "Cannot be later than the month the record entered FlowMember (2026-11)."
    ]


def test_patch_of_other_fields_leaves_the_counting_months_alone(
    api, secretary, branch, make_member
):
    member = make_member(org=branch, joined_on=date(2015, 7, 1))  # tracked since joining
    r = api.as_(secretary).patch(f"/members/{member.id}", json={"employer": "某公司"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["tracked_since"] == "2015-07"


def test_counting_months_are_audited(api, secretary, branch, member_payload):
    from flowmember.core.audit import AuditEntry

    member_id = _created(
        api,
        secretary,
        branch,
        member_payload,
        tracked_since="2025-06",
        dues_paid_through="2026-10",
        last_org_life="2026-10",
    )
    entry = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "member.create", AuditEntry.entity_id == member_id
        )
    ).one()
    assert entry.after["tracked_since_month"] == months.parse("2025-06")
    assert entry.after["carried_paid_through_month"] == months.parse("2026-10")


# --- the staff form -------------------------------------------------------------------------


def test_the_member_form_takes_the_months_of_the_paper_ledger(
    client, secretary, branch, member_payload
):
    login(client, secretary)
    body = member_payload(branch)
    form = {k: str(v) for k, v in body.items()}
    form.update(
        csrf_token=csrf_token(client, "/members/new"),
        tracked_since="2025-03",
        dues_paid_through="2026-10",
        last_org_life="",
    )
    r = client.post("/members/new", data=form)
    assert r.status_code == 422
    assert "tracked_since" in r.get_data(as_text=True)
    form.update(last_org_life="2026-07", csrf_token=csrf_token(client, "/members/new"))
    r = client.post("/members/new", data=form)
    assert r.status_code in (302, 303), r.get_data(as_text=True)[:2000]
    member = db.session.scalars(select(Member)).one()
    assert (
        member.tracked_since_month,
        member.carried_paid_through_month,
        member.carried_org_life_month,
    ) == (months.parse("2025-03"), months.parse("2026-10"), months.parse("2026-07"))
    edit = client.get(f"/members/{member.id}/edit").get_data(as_text=True)
    assert 'name="tracked_since" type="month" value="2025-03"' in edit
    assert 'name="last_org_life" type="month" value="2026-07"' in edit


# --- the import: the same rules per row -----------------------------------------------------


def _row(n: int, **overrides) -> dict:
    from flowmember.members.identity import build_id_number

    row = {
        "姓名": f"导入党员{n}",
        "性别": "男",
        "身份证号": build_id_number("420102", date(1990, 3, 1), n),
        "手机号": f"136{n:08d}",
        "类别": "外出务工",
        "党员类型": "正式党员",
        "入党日期": "2015-07-01",
        "所在组织": "B1",
        "纳入管理月份": "",
        "党费交至": "",
        "最近参加组织生活月份": "",
    }
    row.update(overrides)
    return row


def test_import_rows_follow_the_same_rules_and_name_the_column(tmp_path, branch):
    rows = [
        _row(1),  # tracked from now
        _row(2, 纳入管理月份="2024年1月", 党费交至="2026/9", 最近参加组织生活月份="2026-08-15"),
        _row(3, 纳入管理月份="2024-01"),  # no history
        _row(4, 党费交至="2026-12"),  # future
        _row(5, 最近参加组织生活月份="2015-06"),  # before joining
        _row(6, 纳入管理月份="2010-01", 党费交至="2026-10", 最近参加组织生活月份="2026-10"),
        _row(7, 党费交至="去年九月"),  # not a month
    ]
    report = import_members(SYSTEM, write_csv(tmp_path / "m.csv", rows))
    db.session.commit()
    assert report.created == 3
    errors = {r.number: r.error_text() for r in report.rejected}
    assert set(errors) == {4, 5, 6, 8}
    assert errors[4].startswith("纳入管理月份 tracked_since: ")
    assert errors[5].startswith("党费交至 dues_paid_through: ")
    assert errors[6].startswith("最近参加组织生活月份 last_org_life: ")
    assert "2015-07" in errors[6]
    assert errors[8].startswith("党费交至 dues_paid_through: ")
    got = {
        m.name: (m.tracked_since_month, m.carried_paid_through_month, m.carried_org_life_month)
        for m in db.session.scalars(select(Member))
    }
    assert got == {
        "导入党员1": (months.parse("2026-11"), None, None),
        "导入党员2": (months.parse("2024-01"), months.parse("2026-09"), months.parse("2026-08")),
        # Before joining: read as the month of joining.
        "导入党员6": (months.parse("2015-07"), months.parse("2026-10"), months.parse("2026-10")),
    }
    member = db.session.scalars(select(Member).where(Member.name == "导入党员2")).one()
    assert member.paid_through_month == months.parse("2026-09")


def test_an_update_by_import_never_moves_the_tracking_start_later(tmp_path, branch, freeze):
    vouched = _row(1, 纳入管理月份="2024-01", 党费交至="2026-09", 最近参加组织生活月份="2026-08")
    plain = _row(2)
    report = import_members(SYSTEM, write_csv(tmp_path / "a.csv", [vouched, plain]))
    db.session.commit()
    assert report.created == 2
    freeze("2027-03-05")
    # The same ledger again, with later starts (or none): nothing moves later.
    later = dict(vouched, 纳入管理月份="2026-06")
    plain_later = dict(plain, 纳入管理月份="2027-03")
    report = import_members(SYSTEM, write_csv(tmp_path / "b.csv", [later, plain_later]))
    db.session.commit()
    assert (report.updated, report.unchanged, len(report.rejected)) == (0, 2, 0)
    starts = dict(db.session.execute(select(Member.name, Member.tracked_since_month)).all())
    assert starts == {"导入党员1": months.parse("2024-01"), "导入党员2": months.parse("2026-11")}
    # An earlier start for the member tracked since November needs the history too ...
    earlier = dict(plain, 纳入管理月份="2026-01")
    report = import_members(SYSTEM, write_csv(tmp_path / "c.csv", [earlier]))
    assert [r.number for r in report.rejected] == [2]
    assert "tracked_since" in report.rejected[0].errors
    db.session.rollback()
    # ... and with it, it moves earlier.
    earlier.update(党费交至="2027-01", 最近参加组织生活月份="2026-12")
    report = import_members(SYSTEM, write_csv(tmp_path / "d.csv", [earlier]))
    db.session.commit()
    assert report.updated == 1
    member = db.session.scalars(select(Member).where(Member.name == "导入党员2")).one()
    assert member.tracked_since_month == months.parse("2026-01")
    assert member.paid_through_month == months.parse("2027-01")
    # A blank history cell removes history only where no earlier start rests on it.
    cleared = dict(earlier, 纳入管理月份="", 党费交至="")
    report = import_members(SYSTEM, write_csv(tmp_path / "e.csv", [cleared]))
    assert "dues_paid_through" in report.rejected[0].errors
    db.session.rollback()


@pytest.mark.parametrize(
    "cell, text",
    [
        ("2026-09", "2026-09"),
        ("2026/9", "2026-09"),
        ("2026.09", "2026-09"),
        ("2026年9月", "2026-09"),
        ("2026年9月1日", "2026-09"),
        (date(2026, 9, 1), "2026-09"),  # a spreadsheet turned the month into a date
        (2026.1, "2026.1"),  # a number: October or January? left for the schema to refuse
        ("  ", None),
        # Full-width digits are left as written, for the one Month field to refuse (as the API
        # and the forms do).
        ("２０２５-０１", "２０２５-０１"),
    ],
)
def test_month_cells_read_as_months(cell, text):
    from flowmember.members.columns import cell_text

    assert cell_text("dues_paid_through", cell) == text


def test_import_template_explains_the_month_columns(tmp_path):
    from openpyxl import load_workbook

    from flowmember.members.ledger_io import write_template

    wb = load_workbook(write_template(tmp_path / "t.xlsx"))
    header = [c.value for c in wb["members"][1]]
    assert header[-3:] == [
        "纳入管理月份 tracked_since",
        "党费交至 dues_paid_through",
        "最近参加组织生活月份 last_org_life",
    ]
    notes = {row[0]: row[1] for row in wb["说明 notes"].iter_rows(values_only=True)}
    assert "党费交至" in notes["tracked_since"] and "最近参加组织生活月份" in notes["tracked_since"]
    # Month cells are text: a typed 2026-09 stays 2026-09.
    column = header.index("党费交至 dues_paid_through") + 1
    assert wb["members"].cell(row=2, column=column).number_format == "@"
