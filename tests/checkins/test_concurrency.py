"""Two first check-ins of the same month at the same moment: one row, the second amends it."""

from functools import partial

import pytest
from sqlalchemy import select

from flowmember.checkins.models import Checkin
from flowmember.core import months
from flowmember.extensions import db
from flowmember.members.models import Member
from tests.conftest import run_together


def test_simultaneous_first_checkins_make_one_row(
    app, backend, make_member, make_member_user, branch, token_for
):
    if backend == "sqlite":
        pytest.skip("needs PostgreSQL row locking and concurrent writers")
    member = make_member(org=branch, category="migrant")
    user = make_member_user(member)
    token = token_for(user)

    def submit(i: int, client) -> int:
        return client.post(
            "/api/v1/me/checkins",
            json={"report": f"report {i}"},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code

    statuses = run_together(app, [partial(submit, i) for i in range(4)])
    assert sorted(statuses) == [200, 200, 200, 201]
    db.session.expire_all()
    rows = db.session.scalars(select(Checkin)).all()
    assert len(rows) == 1
    assert rows[0].revision == 4
    current = rows[0].month
    assert db.session.get(Member, member.id).last_checkin_month == current
    assert months.to_str(current)
