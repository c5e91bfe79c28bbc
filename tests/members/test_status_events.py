"""The plain status edit (DOMAIN §8): ``POST /members/{id}/status-events`` and the member page
record a death or correct a mistaken one; removal, suspension and restoration are refused there
(409) because they have their workflows, approved by a higher committee."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member, MemberStatusEvent
from tests.conftest import login, page_and_token


@pytest.fixture
def edit(api, secretary):
    """``edit(member, status, on="2026-05-01", lang=None)``: the secretary's status edit."""

    def post(member, status, on="2026-05-01", lang=None, reason="Entered by the branch"):
        path = f"/members/{member.id}/status-events" + (f"?lang={lang}" if lang else "")
        return api.as_(secretary).post(path, json={"status": status, "on": on, "reason": reason})

    return post


def _status(member_id: int) -> tuple[str, date | None]:
    db.session.expire_all()
    member = db.session.get(Member, member_id)
    return member.status.value, member.status_since


def _events(member_id: int) -> list[MemberStatusEvent]:
    return db.session.scalars(
        select(MemberStatusEvent)
        .where(MemberStatusEvent.member_id == member_id)
        .order_by(MemberStatusEvent.id)
    ).all()


def _actions(member_id: int) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "members", AuditEntry.entity_id == member_id)
        .order_by(AuditEntry.id)
    ).all()


@pytest.mark.parametrize(
    ("status", "english", "chinese"),
    [
        ("removed", "removed only through a workflow", "除名只能经由上级党委批准的流程"),
        ("suspended", "suspended only through a suspension request", "停止党籍只能经由"),
        ("transferred_out", "transfer workflow", "组织关系转接"),
    ],
)
def test_workflow_statuses_are_refused_with_a_translated_409(
    edit, branch, make_member, status, english, chinese
):
    member = make_member(org=branch)
    response = edit(member, status)
    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == 409 and body["status"] == "Conflict"
    assert chinese in body["message"]  # zh_CN is the default language
    assert "status" in body["errors"]
    assert english in edit(member, status, lang="en").get_json()["message"]
    assert _status(member.id)[0] == "active"
    assert _events(member.id) == []


@pytest.mark.parametrize("suspended_on", [date(2024, 1, 10), date(2026, 6, 1)])
def test_a_suspended_member_is_not_set_back_to_active(edit, branch, make_member, suspended_on):
    """Suspended over two years ago (or not): restoration is its own workflow."""
    member = make_member(org=branch, status="suspended", status_since=suspended_on)
    response = edit(member, "active", lang="en")
    assert response.status_code == 409
    assert "restoration request" in response.get_json()["message"]
    assert _status(member.id) == ("suspended", suspended_on)
    assert _events(member.id) == []


@pytest.mark.parametrize("current", ["active", "suspended"])
def test_a_death_is_recorded_as_a_dated_audited_event(
    edit, secretary, branch, make_member, current
):
    member = make_member(org=branch, status=current, status_since=date(2025, 3, 1))
    response = edit(member, "deceased", on="2026-05-01", reason="Death certificate seen")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["from_status"], body["status"], body["on"]) == (current, "deceased", "2026-05-01")
    assert body["approver_id"] == secretary.id
    assert _status(member.id) == ("deceased", date(2026, 5, 1))
    assert _actions(member.id) == ["member.status_edit"]


def test_a_mistaken_death_is_corrected_back_keeping_the_suspension_clock(
    edit, api, secretary, branch, make_member
):
    member = make_member(org=branch, status="suspended", status_since=date(2025, 6, 1))
    # The suspension came through its workflow; the member page then recorded a death by mistake.
    db.session.add(
        MemberStatusEvent(
            member_id=member.id,
            from_status="active",
            status="suspended",
            effective_on=date(2025, 6, 1),
            reason="Suspension approved",
            approver_name="committee",
        )
    )
    db.session.commit()
    assert edit(member, "deceased", on="2026-05-01").status_code == 201

    # Only the status before the mistake is a correction.
    wrong = edit(member, "active", on="2026-05-02", lang="en")
    assert wrong.status_code == 409
    assert wrong.get_json()["errors"]["status"] == ["Allowed here: suspended."]

    corrected = edit(member, "suspended", on="2026-05-02", reason="Entered for the wrong member")
    assert corrected.status_code == 201, corrected.get_json()
    assert corrected.get_json()["from_status"] == "deceased"
    # Back to suspended since the original date: the two-year clock is not reset.
    assert _status(member.id) == ("suspended", date(2025, 6, 1))
    assert _actions(member.id) == ["member.status_edit", "member.status_correction"]
    history = api.as_(secretary).get(f"/members/{member.id}/status-events").get_json()
    assert [e["status"] for e in history] == ["suspended", "deceased", "suspended"]


def test_a_correction_of_an_active_member_goes_back_to_active(edit, branch, make_member):
    member = make_member(org=branch, joined_on=date(2019, 6, 1), status_since=date(2019, 6, 1))
    assert edit(member, "deceased").status_code == 201
    assert edit(member, "deceased").status_code == 409  # already deceased
    assert edit(member, "removed").status_code == 409
    assert edit(member, "active", on="2026-05-03").status_code == 201
    assert _status(member.id) == ("active", date(2019, 6, 1))


def test_nothing_leaves_removed_or_transferred_out(edit, branch, make_member):
    removed = make_member(org=branch, status="removed", status_since=date(2026, 1, 5))
    gone = make_member(org=branch, status="transferred_out", status_since=date(2026, 1, 5))
    for member in (removed, gone):
        for status in ("active", "deceased", "suspended"):
            assert edit(member, status).status_code == 409, (member.status, status)
    assert _status(removed.id)[0] == "removed" and _status(gone.id)[0] == "transferred_out"


def test_a_date_in_the_future_or_an_unknown_status_is_422(edit, branch, make_member, freeze):
    freeze("2026-11-30")
    member = make_member(org=branch)
    future = edit(member, "deceased", on="2026-12-01")
    assert future.status_code == 422 and "on" in future.get_json()["errors"]
    unknown = edit(member, "expelled")
    assert unknown.status_code == 422 and "status" in unknown.get_json()["errors"]
    assert _status(member.id)[0] == "active"


def test_a_clerk_may_not_edit_status(api, make_user, branch, make_member):
    member = make_member(org=branch)
    clerk = make_user("clerk", branch)
    response = api.as_(clerk).post(
        f"/members/{member.id}/status-events",
        json={"status": "deceased", "on": "2026-05-01", "reason": "x" * 3},
    )
    assert response.status_code == 403


# --- the member page goes through the same service ------------------------------------------------


def _options(html: str) -> list[str]:
    form = re.search(r'<select name="status">(.*?)</select>', html, re.S)
    return re.findall(r'<option value="([^"]+)"', form.group(1)) if form else []


def test_the_member_page_offers_only_a_death_and_refuses_a_removal(
    client, secretary, branch, make_member
):
    member = make_member(org=branch)
    login(client, secretary)
    html, token = page_and_token(client, f"/members/{member.id}")
    assert _options(html) == ["deceased"]

    response = client.post(
        f"/members/{member.id}/status",
        data={"csrf_token": token, "status": "removed", "on": "2026-05-01", "reason": "Decided"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "除名只能经由上级党委批准的流程" in page
    assert _status(member.id)[0] == "active" and _events(member.id) == []

    response = client.post(
        f"/members/{member.id}/status",
        data={"csrf_token": token, "status": "deceased", "on": "2026-05-01", "reason": "Died"},
    )
    assert response.status_code == 302
    assert _status(member.id)[0] == "deceased"
    html, _ = page_and_token(client, f"/members/{member.id}")
    assert _options(html) == ["active"]  # the correction, and nothing else


def test_the_member_page_hides_the_form_when_nothing_may_be_edited(
    client, secretary, branch, make_member
):
    member = make_member(org=branch, status="removed", status_since=date(2026, 1, 5))
    login(client, secretary)
    html, _ = page_and_token(client, f"/members/{member.id}")
    assert _options(html) == []
    assert 'action="status"' not in html and f"/members/{member.id}/status" not in html
