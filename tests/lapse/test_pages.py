"""Lapse pages: the open cases with their calendar strip, the decision and approval forms, and the
unreachable list with escalation contacts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flowmember.extensions import db
from flowmember.lapse import services, sweeps
from flowmember.lapse.models import LapseCase
from flowmember.members.models import Member
from tests.conftest import browser_login, login, page_and_token


@pytest.fixture
def case(tree, make_member, dues_history, freeze):
    freeze("2026-11-30")
    member = make_member(org=tree.branch, category="other", name="Lapsed member")
    dues_history(member, paid_through="2026-04")
    sweeps.run_lapse_sweep(date(2026, 11, 30))
    db.session.commit()  # as the job runner commits the nightly run
    return db.session.query(LapseCase).one()


def test_open_cases_show_the_evidence_strip(client, tree, case):
    login(client, tree.secretary)
    html = client.get("/lapse").get_data(as_text=True)
    assert "Lapsed member" in html
    # 12 months per criterion, the six evidence months marked
    assert html.count('class="missed"') == 6
    assert 'title="2026-05 · missed"' in html or "2026-05" in html
    assert "/lapse" in client.get("/dashboard").get_data(as_text=True)


def test_decision_and_approval_through_the_forms(client, tree, case):
    login(client, tree.secretary)
    path = f"/lapse/{case.id}"
    page, token = page_and_token(client, path)
    assert 'value="decision"' in page and 'value="approval"' not in page
    # Educate first: a removal needs an education or contact step on the case.
    client.post(path, data={"csrf_token": token, "action": "step", "kind": "education"})
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "action": "decision",
            "decision": "remove",
            "meeting_on": "2026-11-30",
            "reason": "Did not change after education.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(LapseCase, case.id).status.value == "decided"

    client.post("/logout", data={"csrf_token": token})
    login(client, tree.admin)
    page, token = page_and_token(client, path)
    assert 'value="approval"' in page
    client.post(
        path,
        data={"csrf_token": token, "action": "approval", "approved": "yes", "note": "Approved."},
    )
    db.session.expire_all()
    assert db.session.get(LapseCase, case.id).outcome.value == "removed"
    assert db.session.get(Member, case.member_id).status.value == "removed"


def test_form_without_csrf_is_refused(client, tree, case):
    login(client, tree.secretary)
    response = client.post(f"/lapse/{case.id}", data={"action": "step", "kind": "education"})
    assert response.status_code == 400
    assert db.session.get(LapseCase, case.id).steps == []


def test_unreachable_page_lists_escalation_contacts(client, tree, make_member):
    member = make_member(
        org=tree.branch,
        name="Silent member",
        flag_unreachable=True,
        last_reached_at=datetime(2026, 4, 1, tzinfo=UTC),
    )
    services.add_escalation_contact(
        tree.secretary, member.id, {"kind": "family", "name": "A parent", "phone": "+8613900000000"}
    )
    db.session.commit()
    login(client, tree.secretary)
    html = client.get("/lapse/unreachable").get_data(as_text=True)
    assert "Silent member" in html and "A parent" in html and "tel:+8613900000000" in html


def test_case_strip_fits_a_phone_in_chromium(phone_page, tree, case):
    page = phone_page
    browser_login(page, tree.secretary, "**/dashboard")
    page.goto("/lapse")
    assert page.locator(".lapse-strip li.missed").count() == 6
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"/lapse/{case.id}")
    assert page.locator("form select[name=decision]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
