"""Regressions of issue 11's money defects, through the API: paid-through for several members
at once, a mid-year base change, an open-ended exemption, and ``capped`` on a voluntary quote."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from flowmember.core import months
from flowmember.core.months import index
from flowmember.dues import services
from flowmember.dues.models import DuesAssessment
from flowmember.dues.paid_through import paid_through_expr, recompute_paid_through
from flowmember.dues.services import assess_month
from flowmember.extensions import db
from flowmember.members.models import Member
from tests import sqlscope
from tests.conftest import id_number_for

SEP, OCT, NOV = index(2026, 9), index(2026, 10), index(2026, 11)


def _put_base(api, actor, member_id, base="4000.00"):
    response = api.as_(actor).put(
        f"/members/{member_id}/dues-base/2026", json={"base": base, "kind": "employed"}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _assess(api, admin, *month_texts):
    for text in month_texts:
        response = api.as_(admin).post("/dues/assess", json={"month": text})
        assert response.status_code == 200, response.get_json()


def _pay(api, clerk, member_id, month_texts, amount):
    response = api.as_(clerk).post(
        f"/members/{member_id}/payments",
        json={"months": month_texts, "amount": amount, "method": "cash"},
    )
    assert response.status_code == 201, response.get_json()


# --- 1. paid-through is the member's own, whatever the others owe ------------------------------


def test_one_members_old_arrears_never_pull_anothers_paid_through_back(api, books, make_member):
    """Issue 11: a member who paid every assessed month showed null (or an early month) because
    another member had an older unpaid month."""
    admin, clerk = books["admin"], books["clerk"]
    payer = books["member"]  # branch A
    late_payer = make_member(org=books["a"], joined_on=date(2024, 3, 1))
    debtor = make_member(org=books["b"], joined_on=date(2023, 1, 1))
    for member in (payer, late_payer, debtor):
        _put_base(api, clerk if member.org_id == books["a"].id else admin, member.id)
    _assess(api, admin, "2026-09", "2026-10", "2026-11")
    _pay(api, clerk, payer.id, ["2026-09", "2026-10", "2026-11"], "120.00")
    _pay(api, clerk, late_payer.id, ["2026-09", "2026-10"], "80.00")
    # the debtor (another branch) pays only November: September and October stay unpaid
    _pay(api, admin, debtor.id, ["2026-11"], "40.00")

    staff = api.as_(admin)
    expected = {payer.id: "2026-11", late_payer.id: "2026-10", debtor.id: None}
    for member_id, paid_through in expected.items():
        assert staff.get(f"/members/{member_id}").get_json()["paid_through"] == paid_through
        assert staff.get(f"/members/{member_id}/dues").get_json()["paid_through"] == paid_through
    # the nightly full recompute agrees with what each write kept current
    recompute_paid_through()
    db.session.commit()
    for member_id, paid_through in expected.items():
        assert staff.get(f"/members/{member_id}").get_json()["paid_through"] == paid_through


def test_a_carried_paid_through_month_counts_as_settled(api, books):
    """A member registered with dues paid through (党费交至) from an old ledger is paid through
    that month; months up to it are not charged again; a later unpaid month leaves it."""
    admin, clerk = books["admin"], books["clerk"]
    birth = date(1992, 4, 9)
    response = api.as_(books["secretary"]).post(
        "/members",
        json={
            "name": "Carried Member",
            "gender": "female",
            "id_number": id_number_for(birth, 77),
            "phone": "13911112222",
            "category": "graduate",
            "stage": "full",
            "joined_on": "2018-05-04",
            "org_id": books["a"].id,
            "dues_paid_through": "2026-10",
        },
    )
    assert response.status_code == 201, response.get_json()
    member = response.get_json()
    assert member["paid_through"] == "2026-10"
    _put_base(api, clerk, member["id"])
    _assess(api, admin, "2026-09", "2026-10", "2026-11")  # Sep and Oct: paid on the old ledger
    dues = api.as_(clerk).get(f"/members/{member['id']}/dues").get_json()
    assert [m["month"] for m in dues["months"]] == ["2026-11"]
    assert dues["paid_through"] == "2026-10"
    assert dues["arrears"] == [{"month": "2026-11", "amount": "40.00"}]
    _pay(api, clerk, member["id"], ["2026-11"], "40.00")
    assert api.as_(clerk).get(f"/members/{member['id']}").get_json()["paid_through"] == "2026-11"


def test_the_paid_through_sql_reads_no_table_uncorrelated():
    """The shape of the bug, checked on the rendered SQL: no subquery reads ``members`` (or any
    table) under the name an enclosing statement already uses."""
    from sqlalchemy.dialects import postgresql, sqlite

    m = Member.__table__
    stmt = update(m).values(paid_through_month=paid_through_expr())
    check = select(m.c.id).where(m.c.paid_through_month.is_distinct_from(paid_through_expr()))
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        for statement in (stmt, check):
            assert sqlscope.uncorrelated_froms(str(statement.compile(dialect=dialect))) == []


def test_every_dues_statement_run_is_correlated(books, make_member):
    """Every statement the dues services and the summaries rebuild run over a small history (the
    set-based assessment with its base-change join, payments, a reversal, an exemption, the
    recomputes) passes the uncorrelated-FROM check."""
    from flowmember.checkins.summaries import rebuild_summaries
    from flowmember.core.auth import SYSTEM
    from flowmember.dues import exemptions, payments

    member = books["member"]
    other = make_member(org=books["b"])
    with sqlscope.capture(db.engine) as statements:
        for m in (member, other):
            services.set_base(SYSTEM, m.id, 2026, {"base": "4000.00", "kind": "employed"})
        assess_month(SYSTEM, SEP)
        change = services.set_base(SYSTEM, member.id, 2026, {"base": "8000", "kind": "employed"})
        services.approve_base_change(SYSTEM, change["change"].id)
        assess_month(SYSTEM, OCT, books["a"].id)
        paid = payments.record_payment(
            SYSTEM, member.id, months_=[SEP, OCT], amount="80.00", method="cash"
        )
        payments.reverse_payment(SYSTEM, paid.id, "wrong member")
        exemption = exemptions.request_exemption(
            SYSTEM,
            other.id,
            {"from_month": SEP, "to_month": index(2026, 12), "kind": "exempt", "reason": "ill"},
        )
        exemptions.approve_exemption(SYSTEM, exemption.id)
        assess_month(SYSTEM, NOV)
        recompute_paid_through()
        rebuild_summaries(check_only=True)
        rebuild_summaries()
    assert len(statements) > 20
    assert sqlscope.check(statements) == []


# --- 4. a mid-year base change applies from the next month -------------------------------------


def test_a_mid_year_change_approved_before_the_month_is_assessed_starts_next_month(api, books):
    """Issue 11: approved in November to apply from December, the change made November's
    assessment charge the new amount."""
    admin, clerk, secretary = books["admin"], books["clerk"], books["secretary"]
    member = books["member"]
    _put_base(api, clerk, member.id, base="4000.00")  # 40.00
    _assess(api, admin, "2026-09", "2026-10")  # November not assessed yet
    pending = _put_base(api, clerk, member.id, base="8000.00")  # 120.00
    assert (pending["status"], pending["monthly"]) == ("pending", "120.00")
    approved = api.as_(secretary).post(f"/dues-base-changes/{pending['change_id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["effective_month"] == "2026-12"

    dues = api.as_(clerk).get(f"/members/{member.id}/dues").get_json()
    assert (dues["base"]["monthly"], dues["base"]["from_month"]) == ("40.00", "2026-01")

    _assess(api, admin, "2026-11", "2026-12")
    dues = api.as_(clerk).get(f"/members/{member.id}/dues").get_json()
    charged = {m["month"]: (m["amount"], m["rule"]) for m in dues["months"]}
    assert charged == {
        "2026-09": ("40.00", "in_work_3000_5000"),
        "2026-10": ("40.00", "in_work_3000_5000"),
        "2026-11": ("40.00", "in_work_3000_5000"),  # the base in force in November
        "2026-12": ("120.00", "in_work_5000_10000"),  # the change, from the next month
    }


def test_the_base_shown_is_the_one_in_force_this_month(api, books, freeze):
    admin, clerk, secretary = books["admin"], books["clerk"], books["secretary"]
    member = books["member"]
    _put_base(api, clerk, member.id, base="4000.00")
    _assess(api, admin, "2026-11")
    pending = _put_base(api, clerk, member.id, base="8000.00")
    api.as_(secretary).post(f"/dues-base-changes/{pending['change_id']}/approve")
    freeze("2026-12-02")
    dues = api.as_(clerk).get(f"/members/{member.id}/dues").get_json()
    base = dues["base"]
    assert (base["base"], base["monthly"], base["from_month"]) == ("8000.00", "120.00", "2026-12")
    assert (base["rate"], base["rule"], base["capped"]) == ("0.015", "in_work_5000_10000", False)


def test_a_month_assessed_late_uses_its_own_base_after_several_changes(books, freeze):
    """Assessment of any month, in any order, uses the base in force for that month."""
    from flowmember.core.auth import SYSTEM

    member = books["member"]
    freeze("2026-03-10")
    services.set_base(SYSTEM, member.id, 2026, {"base": "4000.00", "kind": "employed"})  # 40
    assess_month(SYSTEM, index(2026, 3))
    change = services.set_base(SYSTEM, member.id, 2026, {"base": "8000.00", "kind": "employed"})
    services.approve_base_change(SYSTEM, change["change"].id)  # from April: 120
    freeze("2026-06-10")
    change = services.set_base(SYSTEM, member.id, 2026, {"base": "2000.00", "kind": "employed"})
    services.approve_base_change(SYSTEM, change["change"].id)  # from July: 10
    freeze("2026-11-15")
    for month in (index(2026, 8), index(2026, 5), index(2026, 6), index(2026, 4), index(2026, 7)):
        assess_month(SYSTEM, month)
    db.session.commit()
    amounts = dict(
        db.session.execute(
            select(DuesAssessment.month, DuesAssessment.amount_fen).order_by(DuesAssessment.month)
        ).all()
    )
    assert [amounts[index(2026, m)] for m in range(3, 9)] == [4000, 12000, 12000, 12000, 1000, 1000]


# --- 5. an exemption without an end --------------------------------------------------------------


@pytest.mark.parametrize("body", [{}, {"ends_on": None}])
def test_an_open_ended_exemption_is_recorded_and_shown_open(api, books, body):
    """Issue 11: POST /members/{id}/exemptions without ``ends_on`` answered 500."""
    member = books["member"]
    staff = api.as_(books["secretary"])
    response = staff.post(
        f"/members/{member.id}/exemptions",
        json={"starts_on": "2026-07-20", "reason": "Long-term illness", **body},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["ends_on"] is None
    listed = staff.get(f"/members/{member.id}/exemptions").get_json()
    assert [(x["starts_on"], x["ends_on"]) for x in listed] == [("2026-07-20", None)]
    # in force from July on, with no end: the exempt filter of the member list finds the member
    found = staff.get("/members?flag=exempt").get_json()
    assert [m["id"] for m in found] == [member.id]
    from flowmember.members.services import is_exempt

    assert not is_exempt(member.id, index(2026, 6))
    assert all(is_exempt(member.id, month) for month in (index(2026, 7), NOV, index(2030, 1)))


def test_an_open_ended_exemption_keeps_a_lapse_run_from_opening_a_case(api, books, make_member):
    """The lapse sweep honours the open end: six unpaid months after the exemption began open
    no case for the exempt member, and do for the other one."""
    admin, clerk = books["admin"], books["clerk"]
    exempt = make_member(org=books["a"], category="other", joined_on=date(2024, 1, 1))
    other = make_member(org=books["a"], category="other", joined_on=date(2024, 1, 1))
    for member in (exempt, other):
        _put_base(api, clerk, member.id)
    for month in range(index(2026, 3), NOV):
        _assess(api, admin, months.to_str(month))
    response = api.as_(books["secretary"]).post(
        f"/members/{exempt.id}/exemptions",
        json={"starts_on": "2026-04-01", "reason": "Long-term illness"},
    )
    assert response.status_code == 201, response.get_json()
    swept = api.as_(admin).post("/sweeps/lapse", json={"as_of": "2026-11-15"})
    assert swept.status_code == 200, swept.get_json()
    cases = api.as_(admin).get("/lapse-cases?status=open").get_json()
    opened = {c["member_id"] for c in cases} & {exempt.id, other.id}
    assert opened == {other.id}


# --- 6. capped only when something was capped ---------------------------------------------------


@pytest.mark.parametrize(
    "base,voluntary,monthly,rule,capped",
    [
        ("60000", None, "1000.00", "cap_1000", True),
        ("60000", "1000.00", "1000.00", "cap_1000", True),
        ("60000", "1000.01", "1000.01", "voluntary", False),
        ("60000", "1500.00", "1500.00", "voluntary", False),
        ("50000.00", "1200.00", "1200.00", "voluntary", False),  # exactly 1000: never capped
        ("2000", "1500.00", "1500.00", "voluntary", False),
    ],
)
def test_quote_capped_only_when_the_amount_was_cut_to_the_cap(
    api, books, base, voluntary, monthly, rule, capped
):
    body = {"base": base, "kind": "employed"}
    if voluntary is not None:
        body["voluntary"] = voluntary
    response = api.as_(books["clerk"]).post("/dues/quote", json=body)
    assert response.status_code == 200, response.get_json()
    out = response.get_json()
    assert (out["monthly"], out["rule"], out["capped"]) == (monthly, rule, capped)


def test_a_base_with_a_voluntary_amount_above_the_cap_is_stored_uncapped(api, books):
    member = books["member"]
    out = api.as_(books["clerk"]).put(
        f"/members/{member.id}/dues-base/2026",
        json={"base": "60000", "kind": "employed", "voluntary": "1500.00"},
    )
    assert out.status_code == 200, out.get_json()
    assert (out.get_json()["monthly"], out.get_json()["capped"]) == ("1500.00", False)
    dues = api.as_(books["clerk"]).get(f"/members/{member.id}/dues").get_json()
    assert (dues["base"]["monthly"], dues["base"]["capped"]) == ("1500.00", False)
