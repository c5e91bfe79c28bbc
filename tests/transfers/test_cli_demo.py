"""The transfers commands and the demo letters."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from flowmember.extensions import db
from flowmember.transfers.models import Transfer


@pytest.fixture(autouse=True)
def _today(freeze):
    freeze("2026-11-01")
    return freeze


def test_overdue_and_mark_expired_commands(cli_runner, api, start, world, _today):
    t = start(to=world.a2)
    api.as_(world.sec_a1).post(f"/transfers/{t['id']}/approve")
    result = cli_runner.invoke(args=["transfers", "overdue", "--as-of", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "0 overdue on 2026-12-01" in result.output
    result = cli_runner.invoke(args=["transfers", "overdue", "--as-of", "2026-12-02"])
    assert "DH-2026-0001" in result.output and "1 overdue" in result.output
    result = cli_runner.invoke(args=["transfers", "mark-expired", "--as-of", "2026-12-02"])
    assert "marked 1" in result.output
    db.session.expire_all()
    assert db.session.get(Transfer, t["id"]).status.value == "expired"
    bad = cli_runner.invoke(args=["transfers", "overdue", "--as-of", "tomorrow"])
    assert bad.exit_code != 0


def test_demo_has_letters_in_every_state(app, cli_runner):
    from flowmember.core.time import today_local
    from flowmember.demo import load_demo

    load_demo(member_count=60)
    today = today_local()
    rows = db.session.scalars(select(Transfer)).all()
    states = Counter(t.effective_status(today).value for t in rows)
    for state in ("requested", "approved", "issued", "received", "returned", "expired"):
        assert states[state] >= 1, states
    assert states["cancelled"] >= 1
    from flowmember.transfers.queries import in_transit_member_ids, overdue

    assert len(overdue(today)) >= 2
    assert db.session.scalars(in_transit_member_ids()).all()
    assert any(t.direction.value == "inflow" for t in rows)
