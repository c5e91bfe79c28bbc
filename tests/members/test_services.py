"""Services other packages call: consent and location, the history purge, status changes,
exemptions, divisions lookups, paperwork mismatches."""

from datetime import date

import pytest
from sqlalchemy import func, select

from flowmember.core.auth import SYSTEM
from flowmember.core.errors import Conflict, ValidationError
from flowmember.extensions import db
from flowmember.members import divisions, services
from flowmember.members.models import MemberLocation, MemberStatusEvent


def test_record_location_needs_consent_and_keeps_history(app, make_member, freeze):
    freeze("2026-11-30")
    member = make_member()
    with pytest.raises(Conflict):
        services.record_location(SYSTEM, member, "420000", "420100", source="checkin")
    assert services.has_location_consent(member.id) is False
    services.set_consent(SYSTEM, member, "location", True)
    assert services.has_location_consent(member.id) is True
    services.record_location(SYSTEM, member, "420000", "420100", "420106", source="checkin")
    with pytest.raises(ValidationError) as exc:
        services.record_location(SYSTEM, member, "420000", "999999", source="checkin")
    assert "location.city_code" in exc.value.errors
    db.session.commit()
    assert (member.province_code, member.city_code, member.district_code) == (
        "420000",
        "420100",
        "420106",
    )
    assert db.session.scalar(select(func.count()).select_from(MemberLocation)) == 1


def test_purge_location_history_deletes_only_older_rows(app, make_member, freeze):
    member = make_member()
    services.set_consent(SYSTEM, member, "location", True)
    for day in ("2024-11-29", "2024-11-30", "2024-12-01"):
        freeze(day)
        services.record_location(SYSTEM, member, "420000", "420100", source="checkin")
    db.session.commit()
    assert services.purge_location_history(date(2024, 11, 30)) == 1
    db.session.commit()
    left = db.session.scalars(select(MemberLocation.reported_at)).all()
    assert len(left) == 2


def test_change_status_writes_a_dated_event(app, make_member, make_user):
    member = make_member()
    admin = make_user("admin")
    services.change_status(admin, member, "suspended", on=date(2026, 2, 1), reason="Abroad")
    db.session.commit()
    event = db.session.scalars(select(MemberStatusEvent)).one()
    assert (event.from_status, event.status, event.effective_on, event.approver_id) == (
        "active",
        "suspended",
        date(2026, 2, 1),
        admin.id,
    )
    assert member.status == "suspended" and member.status_since == date(2026, 2, 1)
    with pytest.raises(ValidationError):
        services.change_status(admin, member, "active", on=date(2026, 3, 1), reason=" ")


def test_is_exempt_open_ended(app, make_member):
    from flowmember.core import months

    member = make_member()
    assert services.is_exempt(member.id, months.index(2026, 5)) is False
    services.add_exemption(
        SYSTEM, member, starts_on=date(2026, 5, 31), ends_on=None, reason="Elderly"
    )
    assert services.is_exempt(member.id, months.index(2026, 4)) is False
    assert services.is_exempt(member.id, months.index(2026, 5)) is True
    assert services.is_exempt(member.id, months.index(2031, 1)) is True


def test_division_lookups():
    assert divisions.location_view("110000", "110100", "110108") == {
        "province_code": "110000",
        "province_name": "北京市",
        "city_code": "110100",
        "city_name": "北京市",
        "district_code": "110108",
        "district_name": "海淀区",
    }
    assert {c["name"] for c in divisions.cities("420000")} >= {"武汉市", "宜昌市"}
    assert divisions.cities("420100") == []  # a city is not a province
    assert divisions.districts("441900") == []  # Dongguan has no districts
    divisions.validate_location("440000", "441900")
    with pytest.raises(ValidationError) as exc:
        divisions.validate_location(None, None)
    assert set(exc.value.errors) == {"location.province_code", "location.city_code"}


def test_paperwork_mismatches_lists_members_without_the_right_paper(app, make_member, make_user):
    admin = make_user("admin")
    branch_org_id = admin.org_id
    from flowmember.orgs.models import Org

    org = db.session.get(Org, branch_org_id)
    as_of = date(2026, 11, 30)
    letter = make_member(org=org, away_since=date(2026, 10, 1))  # under 3 months
    cert_missing = make_member(org=org, away_since=date(2026, 7, 1))
    make_member(org=org, away_since=date(2026, 7, 1), away_paper="activity_certificate")
    far = make_member(org=org, away_since=date(2025, 1, 1))
    services.set_consent(SYSTEM, far, "location", True)
    services.record_location(SYSTEM, far, "440000", "440300", source="checkin")
    db.session.commit()
    rows = services.paperwork_mismatches(admin, as_of)
    problems = {r["member"].id: (r["paper_needed"], r["problem"]) for r in rows}
    assert letter.id not in problems
    assert problems[cert_missing.id] == ("activity_certificate", "activity_certificate_missing")
    assert problems[far.id] == ("transfer", "transfer_missing")
    assert len(problems) == 2
