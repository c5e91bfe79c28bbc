"""Dues through the API: calculator, bases, assessment, the member's dues, exemptions."""

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.core.months import index
from flowmember.dues import paid_through, services
from flowmember.dues.models import DuesAssessment, DuesBase, LedgerEntry
from flowmember.extensions import db
from flowmember.members.models import Member

from .conftest import NOV, assess, set_base


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the calculator ---------------------------------------------------------------------------

QUOTES = [
    ({"base": "3000.00", "kind": "employed"}, "15.00", "0.005", "in_work_upto_3000", False),
    ({"base": "3000.01", "kind": "employed"}, "30.00", "0.01", "in_work_3000_5000", False),
    ({"base": "5000.00", "kind": "employed"}, "50.00", "0.01", "in_work_3000_5000", False),
    ({"base": "5000.01", "kind": "employed"}, "75.00", "0.015", "in_work_5000_10000", False),
    ({"base": "10000.00", "kind": "employed"}, "150.00", "0.015", "in_work_5000_10000", False),
    ({"base": "10000.01", "kind": "employed"}, "200.00", "0.02", "in_work_over_10000", False),
    ({"base": "5000.00", "kind": "retired"}, "25.00", "0.005", "retired_upto_5000", False),
    ({"base": "5000.01", "kind": "retired"}, "50.00", "0.01", "retired_over_5000", False),
    ({"base": "60000", "kind": "employed"}, "1000.00", "0.02", "cap_1000", True),
    # a voluntary amount above the cap replaces it: nothing is capped (issue 11)
    (
        {"base": "60000", "kind": "employed", "voluntary": "1200.00"},
        "1200.00",
        "0.02",
        "voluntary",
        False,
    ),
    # volunteering exactly the capped amount changes nothing: still capped
    (
        {"base": "60000", "kind": "employed", "voluntary": "1000.00"},
        "1000.00",
        "0.02",
        "cap_1000",
        True,
    ),
    ({"base": "2999.00", "kind": "employed"}, "15.00", "0.005", "in_work_upto_3000", False),
    ({"base": "0", "kind": "student"}, "0.20", None, "fixed_0_20", False),
    ({"base": "0", "kind": "farmer", "farmer_amount": "0.20"}, "0.20", None, "farmer_fixed", False),
    ({"base": "0", "kind": "farmer", "farmer_amount": "1.00"}, "1.00", None, "farmer_fixed", False),
    ({"base": 3000.01, "kind": "self_employed"}, "30.00", "0.01", "in_work_3000_5000", False),
    ({"base": "3000.00", "kind": "scholarship"}, "15.00", "0.005", "in_work_upto_3000", False),
]


@pytest.mark.parametrize("body,monthly,rate,rule,capped", QUOTES)
def test_quote(api, books, make_member_user, body, monthly, rate, rule, capped):
    # any role, including a member
    member_login = make_member_user(books["member"])
    response = api.as_(member_login).post("/dues/quote", json=body)
    assert response.status_code == 200, response.get_json()
    out = response.get_json()
    assert (out["monthly"], out["rate"], out["rule"], out["capped"]) == (
        monthly,
        rate,
        rule,
        capped,
    )
    assert out["rule_text"]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"base": "-1", "kind": "employed"}, "base"),
        ({"base": "abc", "kind": "employed"}, "base"),
        ({"base": "12.345", "kind": "employed"}, "base"),
        ({"kind": "employed"}, "base"),
        ({"base": "100", "kind": "pirate"}, "kind"),
        ({"base": "0", "kind": "farmer", "farmer_amount": "0.19"}, "farmer_amount"),
        ({"base": "0", "kind": "farmer", "farmer_amount": "1.01"}, "farmer_amount"),
        ({"base": "5000", "kind": "employed", "voluntary": "10"}, "voluntary"),
    ],
)
def test_quote_rejects_bad_input_naming_the_field(api, books, body, field):
    response = api.as_(books["clerk"]).post("/dues/quote", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


# --- bases ------------------------------------------------------------------------------------


def test_put_base_before_assessment_applies_at_once(api, books):
    member = books["member"]
    response = api.as_(books["clerk"]).put(
        f"/members/{member.id}/dues-base/2026", json={"base": "4000.00", "kind": "employed"}
    )
    assert response.status_code == 200, response.get_json()
    out = response.get_json()
    assert (out["status"], out["monthly"], out["rule"], out["from_month"]) == (
        "applied",
        "40.00",
        "in_work_3000_5000",
        "2026-01",
    )
    base = db.session.scalars(select(DuesBase)).one()
    assert (base.base_fen, base.monthly_fen) == (400000, 4000)


def test_put_base_for_a_member_who_joined_mid_year_starts_that_month(api, books, make_member):
    late = make_member(org=books["a"], joined_on=date(2026, 4, 20))
    out = api.as_(books["clerk"]).put(
        f"/members/{late.id}/dues-base/2026", json={"base": "2000", "kind": "employed"}
    )
    assert out.get_json()["from_month"] == "2026-04"
    # April to November; the fixture member has no base and is skipped
    assert assess(*range(index(2026, 1), NOV + 1)) == 8
    months = [r.month for r in db.session.scalars(select(DuesAssessment))]
    assert min(months) == index(2026, 4)
    assert len(months) == 8


def test_put_base_bad_input_writes_nothing(api, books):
    member = books["member"]
    response = api.as_(books["clerk"]).put(
        f"/members/{member.id}/dues-base/2026", json={"base": "-5", "kind": "employed"}
    )
    assert response.status_code == 422
    assert "base" in response.get_json()["errors"]
    assert count(DuesBase) == 0


def test_mid_year_change_is_pending_until_approved_and_applies_next_month(api, books):
    member = books["member"]
    set_base(member, base="4000.00")
    assess(index(2026, 10), NOV)
    clerk = api.as_(books["clerk"])
    response = clerk.put(
        f"/members/{member.id}/dues-base/2026", json={"base": "8000.00", "kind": "employed"}
    )
    assert response.status_code == 200
    out = response.get_json()
    assert (out["status"], out["monthly"]) == ("pending", "120.00")
    assert db.session.scalars(select(DuesBase)).one().monthly_fen == 4000  # unchanged
    # a clerk may not approve; the branch secretary may
    assert clerk.post(f"/dues-base-changes/{out['change_id']}/approve").status_code == 403
    approved = api.as_(books["secretary"]).post(f"/dues-base-changes/{out['change_id']}/approve")
    assert approved.status_code == 200
    assert approved.get_json()["effective_month"] == "2026-12"
    assess(index(2026, 12))
    rows = {r.month: r.amount_fen for r in db.session.scalars(select(DuesAssessment))}
    assert rows == {index(2026, 10): 4000, NOV: 4000, index(2026, 12): 12000}


# --- assessment -------------------------------------------------------------------------------


def test_assess_twice_assesses_nothing_twice(api, books, make_member):
    other = make_member(org=books["b"], joined_on=date(2020, 1, 1))
    set_base(books["member"])
    set_base(other, base="12000", kind="employed")
    admin = api.as_(books["admin"])
    first = admin.post("/dues/assess", json={"month": "2026-11"})
    assert first.status_code == 200
    assert first.get_json()["assessed"] == 2
    again = admin.post("/dues/assess", json={"month": "2026-11"})
    assert again.get_json()["assessed"] == 0
    assert count(DuesAssessment) == 2
    amounts = {r.member_id: r.amount_fen for r in db.session.scalars(select(DuesAssessment))}
    assert amounts == {books["member"].id: 4000, other.id: 24000}


def test_assess_is_limited_to_the_subtree(api, books, make_member):
    other = make_member(org=books["b"])
    set_base(books["member"])
    set_base(other)
    out = api.as_(books["secretary"]).post("/dues/assess", json={"month": "2026-11"})
    assert out.get_json()["assessed"] == 1
    assert db.session.scalars(select(DuesAssessment.member_id)).all() == [books["member"].id]
    # another branch's org id is "not found"
    response = api.as_(books["secretary"]).post(
        "/dues/assess", json={"month": "2026-11", "org_id": books["b"].id}
    )
    assert response.status_code == 404


def test_months_before_joining_are_never_assessed(books, make_member):
    late = make_member(org=books["a"], joined_on=date(2026, 9, 30))
    set_base(late)
    assert assess(index(2026, 7), index(2026, 8)) == 0
    assert assess(index(2026, 9)) == 1


def test_members_without_a_base_are_skipped_and_listed(api, books, make_member):
    no_base = make_member(org=books["a"])
    set_base(books["member"])
    out = api.as_(books["clerk"]).post("/dues/assess", json={"month": "2026-11"}).get_json()
    assert out["assessed"] == 1
    assert out["missing_base"] == [no_base.id]


def test_inactive_members_are_not_assessed(books, make_member):
    gone = make_member(org=books["a"], status="transferred_out")
    set_base(gone)
    assert assess(NOV) == 0


@pytest.mark.parametrize("month", ["2026-13", "26-11", "", "2026/11"])
def test_assess_bad_month(api, books, month):
    response = api.as_(books["clerk"]).post("/dues/assess", json={"month": month})
    assert response.status_code == 422
    assert "month" in response.get_json()["errors"]


# --- the member's dues ------------------------------------------------------------------------


def test_member_dues_month_by_month_with_the_rule(api, books, make_member_user):
    member = books["member"]
    set_base(member, base="4000.00")
    assess(index(2026, 9), index(2026, 10), NOV)
    api.as_(books["clerk"]).post(
        f"/members/{member.id}/payments",
        json={"months": ["2026-09"], "amount": "40.00", "method": "cash"},
    )
    staff_view = api.as_(books["clerk"]).get(f"/members/{member.id}/dues").get_json()
    mine = api.as_(make_member_user(member)).get("/me/dues")
    assert mine.status_code == 200
    out = mine.get_json()
    assert out["paid_through"] == "2026-09" == staff_view["paid_through"]
    assert out["arrears"] == [
        {"month": "2026-10", "amount": "40.00"},
        {"month": "2026-11", "amount": "40.00"},
    ]
    assert out["total_arrears"] == "80.00"
    assert [(m["month"], m["status"]) for m in out["months"]] == [
        ("2026-09", "paid"),
        ("2026-10", "unpaid"),
        ("2026-11", "unpaid"),
    ]
    assert out["months"][0]["receipt_no"].startswith("DH101-2026-")
    assert out["base"]["rule"] == "in_work_3000_5000"
    assert "4000.00" in out["explanation"]
    assert out["payee"] == {
        "org_id": books["a"].id,
        "org_name": "Branch A",
        "rule": "relation_org",
        "rule_text": out["payee"]["rule_text"],
    }


def test_staff_cannot_use_me_and_members_cannot_read_others(api, books, make_member_user):
    assert api.as_(books["clerk"]).get("/me/dues").status_code == 403
    member_login = make_member_user(books["member"])
    assert api.as_(member_login).get(f"/members/{books['member'].id}/dues").status_code == 403


def test_other_branch_members_are_not_found(api, books, make_member):
    other = make_member(org=books["b"])
    assert api.as_(books["secretary"]).get(f"/members/{other.id}/dues").status_code == 404


def test_inflow_member_pays_the_managing_inflow_org(api, books, make_member):
    inflow = make_member(org=books["b"], category="inflow", home_org_name="A village branch")
    out = api.as_(books["admin"]).get(f"/members/{inflow.id}/dues").get_json()
    assert (out["payee"]["org_id"], out["payee"]["rule"]) == (books["b"].id, "managing_inflow_org")
    migrant = make_member(org=books["a"], category="migrant", away_since=date(2026, 1, 1))
    out = api.as_(books["admin"]).get(f"/members/{migrant.id}/dues").get_json()
    assert (out["payee"]["org_id"], out["payee"]["rule"]) == (books["a"].id, "home_org")


# --- paid-through -----------------------------------------------------------------------------


def test_recompute_paid_through_rebuilds_the_summary(books, make_member):
    member = books["member"]
    set_base(member)
    assess(index(2026, 9), index(2026, 10))
    assert db.session.get(Member, member.id).paid_through_month is None
    rows = db.session.scalars(select(DuesAssessment).order_by(DuesAssessment.month)).all()
    rows[0].status = "paid"
    db.session.flush()
    assert paid_through.recompute_paid_through() == 1
    assert db.session.get(Member, member.id).paid_through_month == index(2026, 9)
    assert paid_through.recompute_paid_through() == 0  # nothing to change


# --- exemptions -------------------------------------------------------------------------------


def test_exemption_pending_then_approved_by_admin(api, books):
    member = books["member"]
    set_base(member)
    assess(index(2026, 9), index(2026, 10), NOV)
    secretary = api.as_(books["secretary"])
    created = secretary.post(
        f"/members/{member.id}/dues-exemptions",
        json={"from_month": "2026-10", "to_month": "2026-12", "kind": "exempt", "reason": "Ill"},
    )
    assert created.status_code == 201
    exemption = created.get_json()
    assert exemption["status"] == "pending"
    # not a retiree: the branch secretary may not approve
    assert secretary.post(f"/dues-exemptions/{exemption['id']}/approve").status_code == 403
    approved = api.as_(books["admin"]).post(f"/dues-exemptions/{exemption['id']}/approve")
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    statuses = {r.month: r.status for r in db.session.scalars(select(DuesAssessment))}
    assert statuses == {index(2026, 9): "unpaid", index(2026, 10): "exempt", NOV: "exempt"}
    assert services.ledger_balance(member.id) == 4000
    # December is assessed exempt from the start
    assess(index(2026, 12))
    dec = db.session.scalars(select(DuesAssessment).where(DuesAssessment.month == NOV + 1)).one()
    assert (dec.status, dec.amount_fen) == ("exempt", 0)
    # approving twice is a conflict
    again = api.as_(books["admin"]).post(f"/dues-exemptions/{exemption['id']}/approve")
    assert again.status_code == 409


def test_retiree_reduction_may_be_approved_by_the_branch_secretary(api, books, make_member):
    retiree = make_member(org=books["a"], retired=True)
    set_base(retiree, base="6000", kind="retired")  # 60.00
    assess(NOV)
    secretary = api.as_(books["secretary"])
    created = secretary.post(
        f"/members/{retiree.id}/dues-exemptions",
        json={
            "from_month": "2026-11",
            "to_month": "2027-06",
            "kind": "reduced",
            "monthly": "10.00",
            "reason": "Hardship",
        },
    ).get_json()
    assert secretary.post(f"/dues-exemptions/{created['id']}/approve").status_code == 200
    row = db.session.scalars(select(DuesAssessment)).one()
    assert (row.status, row.amount_fen, row.charged_fen) == ("reduced", 1000, 6000)
    assert row.reduced is True
    waiver = db.session.scalars(select(LedgerEntry)).one()
    assert (waiver.kind, waiver.amount_fen) == ("waiver", -5000)
    out = api.as_(books["clerk"]).get(f"/members/{retiree.id}/dues").get_json()
    assert out["arrears"] == [{"month": "2026-11", "amount": "10.00"}]
    paid = api.as_(books["clerk"]).post(
        f"/members/{retiree.id}/payments",
        json={"months": ["2026-11"], "amount": "10.00", "method": "cash"},
    )
    assert paid.status_code == 201
    row = db.session.scalars(select(DuesAssessment)).one()
    assert (row.status, row.reduced) == ("paid", True)
    assert db.session.get(Member, retiree.id).paid_through_month == NOV


@pytest.mark.parametrize(
    "body,field",
    [
        ({"from_month": "2026-12", "to_month": "2026-11", "kind": "exempt"}, "to_month"),
        ({"from_month": "2026-13", "to_month": "2026-12", "kind": "exempt"}, "from_month"),
        ({"from_month": "2026-11", "to_month": "2026-12", "kind": "reduced"}, "monthly"),
        ({"from_month": "2026-11", "to_month": "2026-12", "kind": "maybe"}, "kind"),
        (
            {"from_month": "2026-11", "to_month": "2026-12", "kind": "reduced", "monthly": "-1"},
            "monthly",
        ),
    ],
)
def test_exemption_bad_input(api, books, body, field):
    response = api.as_(books["clerk"]).post(
        f"/members/{books['member'].id}/dues-exemptions", json={"reason": "r", **body}
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_overlapping_approved_exemptions_conflict(api, books):
    member = books["member"]
    admin = api.as_(books["admin"])
    ids = [
        admin.post(
            f"/members/{member.id}/dues-exemptions",
            json={"from_month": f, "to_month": t, "kind": "exempt", "reason": "r"},
        ).get_json()["id"]
        for f, t in [("2026-01", "2026-06"), ("2026-06", "2026-08")]
    ]
    assert admin.post(f"/dues-exemptions/{ids[0]}/approve").status_code == 200
    assert admin.post(f"/dues-exemptions/{ids[1]}/approve").status_code == 409
