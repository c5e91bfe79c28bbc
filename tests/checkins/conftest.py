"""Fixtures for check-ins, contacts and organisation life."""

from __future__ import annotations

import pytest

from flowmember.extensions import db

BEIJING = {"province_code": "110000", "city_code": "110100", "district_code": "110101"}
GUANGZHOU = {"province_code": "440000", "city_code": "440100", "district_code": "440106"}


@pytest.fixture
def branch(make_org):
    committee = make_org("committee")
    return make_org("branch", parent=committee)


@pytest.fixture
def secretary(make_user, branch):
    return make_user("secretary", branch)


@pytest.fixture
def grant_consent(app):
    """Record the member's location consent through the members package's service."""

    def grant(member, granted: bool = True):
        from flowmember.core.auth import SYSTEM
        from flowmember.members.services import set_consent

        set_consent(SYSTEM, member, "location", granted)
        db.session.commit()

    return grant


@pytest.fixture
def member_login(make_member, make_member_user, branch, api):
    """A migrant member of ``branch`` with a login: returns (member, api client as them)."""

    def make(**fields):
        fields.setdefault("category", "migrant")
        member = make_member(org=fields.pop("org", branch), **fields)
        user = make_member_user(member)
        return member, api.as_(user)

    return make
