"""Transfers fixtures: two committee trees, a centre, their staff and a member to move."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from flowmember.core import months


@dataclass
class World:
    top: object  #: Town committee (code DH) ...
    a1: object  #: ... its branch holding the member
    a2: object  #: ... another of its branches
    other: object  #: City committee (code SZ), another tree
    b1: object  #: its branch
    centre: object  #: a talent-service centre (code RC)
    sec_a1: object
    sec_a2: object
    clerk_a1: object
    admin_top: object
    sec_b1: object
    admin_other: object
    admin_centre: object
    member: object


@pytest.fixture
def world(make_org, make_user, make_member):
    top = make_org("committee", name="Town committee", code="DH")
    a1 = make_org("branch", parent=top, name="Village branch A1")
    a2 = make_org("branch", parent=top, name="Village branch A2")
    other = make_org("committee", name="City committee", code="SZ")
    b1 = make_org("branch", parent=other, name="Street branch B1")
    centre = make_org("centre", name="Talent-service centre", code="RC")
    member = make_member(
        org=a1,
        name="Member Alpha",
        ethnicity="汉",
        paid_through_month=months.index(2026, 10),
        category="migrant",
    )
    return World(
        top=top,
        a1=a1,
        a2=a2,
        other=other,
        b1=b1,
        centre=centre,
        sec_a1=make_user("secretary", a1),
        sec_a2=make_user("secretary", a2),
        clerk_a1=make_user("clerk", a1),
        admin_top=make_user("admin", top),
        sec_b1=make_user("secretary", b1),
        admin_other=make_user("admin", other),
        admin_centre=make_user("admin", centre),
        member=member,
    )


@pytest.fixture
def start(api, world):
    """``start(to=world.a2, **fields)`` -> the created transfer's JSON (as the A1 secretary)."""

    def make(to=None, to_name=None, user=None, **fields):
        body = {"member_id": world.member.id, "reason": "Works in the city", **fields}
        if to_name is not None:
            body["to_org_name"] = to_name
        else:
            body["to_org_id"] = (to or world.a2).id
        response = api.as_(user or world.sec_a1).post("/transfers", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
