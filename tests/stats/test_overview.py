"""GET /stats/overview: the figures of an org subtree, and nothing from outside it."""

from datetime import date

import pytest

from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse.models import LapseCase
from flowmember.transfers.models import Transfer

NOV = months.parse("2026-11")


@pytest.fixture
def town(make_org, make_member):
    top = make_org("committee", name="Town")
    a = make_org("branch", parent=top, name="A")
    b = make_org("branch", parent=top, name="B")
    other = make_org("committee", name="Elsewhere")
    people = {
        "grad": make_member(
            a,
            category="graduate",
            province_code="440000",
            city_code="440100",
            last_checkin_month=NOV,
        ),
        "migrant": make_member(
            a, category="migrant", province_code="440000", city_code="440100", flag_unreachable=True
        ),
        "inflow": make_member(b, category="inflow", province_code="110000", city_code="110100"),
        "removed": make_member(b, category="migrant", status="removed"),
        "outsider": make_member(make_org("branch", parent=other), category="graduate"),
    }
    return {"top": top, "a": a, "b": b, "other": other, **people}


def test_overview_of_a_subtree(api, make_user, make_assessment, town, freeze):
    freeze("2026-11-21")
    make_assessment(town["grad"], NOV, "paid", 1500)
    make_assessment(town["migrant"], NOV, "unpaid", 500)
    make_assessment(town["outsider"], NOV, "unpaid", 9900)
    db.session.add(
        LapseCase(
            member_id=town["migrant"].id,
            org_id=town["a"].id,
            opened_on=date(2026, 11, 1),
            status="open",
        )
    )
    db.session.add(
        Transfer(
            member_id=town["grad"].id,
            from_org_id=town["a"].id,
            to_org_name="Outside org",
            status="issued",
            reason="work",
            validity_days=30,
            issued_on=date(2026, 9, 1),
            expires_on=date(2026, 10, 1),
        )
    )
    db.session.commit()
    admin = make_user("admin", town["top"])
    body = api.as_(admin).get("/stats/overview").get_json()
    assert body["month"] == "2026-11"
    assert body["members"]["total"] == 4 and body["members"]["active"] == 3
    assert body["members"]["by_category"] == {"graduate": 1, "migrant": 1, "inflow": 1}
    assert body["members"]["by_status"] == {"active": 3, "removed": 1}
    assert body["members"]["by_province"][0] == {"code": "440000", "name": "广东省", "count": 2}
    assert body["dues"] == {
        "month": "2026-11",
        "assessed_members": 2,
        "paid_members": 1,
        "assessed": "20.00",
        "paid": "15.00",
        "collection_rate": 0.75,
    }
    assert body["checkins"] == {"expected": 2, "done": 1}
    assert body["open_lapse_cases"] == 1
    assert body["unreachable"] == 1
    assert body["overdue_transfers"] == 1


def test_overview_of_a_branch_and_scope(api, make_user, town):
    secretary = make_user("secretary", town["b"])
    body = api.as_(secretary).get("/stats/overview").get_json()
    assert body["members"]["by_category"] == {"inflow": 1}
    assert body["dues"]["collection_rate"] is None
    assert api.as_(secretary).get(f"/stats/overview?org_id={town['a'].id}").status_code == 404
    assert api.as_(secretary).get(f"/stats/overview?org_id={town['other'].id}").status_code == 404
