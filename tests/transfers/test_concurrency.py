"""Two secretaries at once, on PostgreSQL: one receipt, one 409; letter numbers never repeat."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from flowmember.core.audit import AuditEntry
from flowmember.extensions import db
from flowmember.members.models import Member
from flowmember.transfers.models import Transfer


def _race(app, calls):
    """Run ``calls`` (method, path, token, json) in threads released together."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, method, path, token, body):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            response = client.open(
                "/api/v1" + path,
                method=method,
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            )
            results[i] = (response.status_code, response.get_json())
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


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
    results = _race(app, [("POST", f"/transfers/{t['id']}/receive", tok, {}) for tok in tokens])
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
    results = _race(app, [("POST", f"/transfers/{i}/approve", token, None) for i in ids])
    assert [code for code, _ in results] == [200] * 4, results
    numbers = sorted(body["letter_no"] for _, body in results)
    year = results[0][1]["issued_on"][:4]
    assert numbers == [f"DH-{year}-{n:04d}" for n in range(1, 5)]
    assert db.session.scalar(select(func.count(func.distinct(Transfer.letter_no)))) == 4
