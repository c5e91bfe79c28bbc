"""Two secretaries at once, on PostgreSQL: one receipt, one 409; letter numbers never repeat."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.transfers.models import Transfer
from tests.conftest import run_together


def _post(path, token, body=None):
    """A call for :func:`run_together`: POST /api/v1{path} with the token -> (status, JSON)."""

    def call(client):
        response = client.post(
            "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code, response.get_json()

    return call


def test_two_secretaries_receive_the_same_letter(
    app, backend, api, start, world, make_user, token_for
):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locks")
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    second = make_user("secretary", world.a2)
    tokens = [token_for(world.sec_a2), token_for(second)]
    db.session.commit()
    results = run_together(app, [_post(f"/transfers/{t['id']}/receive", tok, {}) for tok in tokens])
    codes = sorted(code for code, _ in results)
    assert codes == [200, 409], results
    conflict = next(body for code, body in results if code == 409)
    assert conflict["message"].startswith("Transfer is received; cannot receive")
    db.session.expire_all()
    assert db.session.get(Member, world.member.id).org_id == world.a2.id
    stmt = select(func.count()).where(AuditEntry.action == "transfer.receive")
    assert db.session.scalar(stmt) == 1


def test_concurrent_issues_get_distinct_numbers(app, backend, api, world, make_member, token_for):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locks")
    ids = []
    for _ in range(4):
        m = make_member(org=world.a1)
        body = {"member_id": m.id, "to_org_id": world.a2.id, "reason": "Moves"}
        ids.append(api.as_(world.sec_a1).post("/transfers", json=body).get_json()["id"])
    token = token_for(world.admin_top)
    db.session.commit()
    results = run_together(app, [_post(f"/transfers/{i}/approve", token) for i in ids])
    assert [code for code, _ in results] == [200] * 4, results
    numbers = sorted(body["letter_no"] for _, body in results)
    year = results[0][1]["issued_on"][:4]
    assert numbers == [f"DH-{year}-{n:04d}" for n in range(1, 5)]
    assert db.session.scalar(select(func.count(func.distinct(Transfer.letter_no)))) == 4
