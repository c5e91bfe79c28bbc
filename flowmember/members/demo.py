"""Member ledger: demo data. Locations (with the member's consent) for most members, a few
exemptions, a few activity certificates, and phone logins for three members."""

from __future__ import annotations

from datetime import timedelta

from flowmember.accounts.services import create_member_login
from flowmember.core.auth import SYSTEM
from flowmember.demo_context import DemoContext
from flowmember.members import services
from flowmember.members.rules import add_months

#: Cities members report (province, city): Wuhan, Shenzhen, Guangzhou, Chengdu, Hangzhou,
#: Shanghai, Beijing, Suzhou.
DEMO_CITIES = [
    ("420000", "420100"),
    ("440000", "440300"),
    ("440000", "440100"),
    ("510000", "510100"),
    ("330000", "330100"),
    ("310000", "310100"),
    ("110000", "110100"),
    ("320000", "320500"),
]


def seed_demo(ctx: DemoContext) -> None:
    """Add this package's demo records."""
    rng = ctx.rng
    located = 0
    for i, member in enumerate(ctx.members):
        if i % 5 == 4:
            continue  # some members have not consented
        services.set_consent(SYSTEM, member, "location", True)
        province, city = DEMO_CITIES[rng.randrange(len(DEMO_CITIES))]
        services.record_location(SYSTEM, member, province, city, source="checkin")
        located += 1
    for member in ctx.members[5::40]:
        services.add_exemption(
            SYSTEM,
            member,
            starts_on=ctx.today - timedelta(days=rng.randint(30, 400)),
            ends_on=None,
            reason="年老体弱，经支部研究、党委备案，免予积分和自行脱党认定",
        )
    certified = 0
    for member in ctx.members:
        if member.away_since and rng.random() < 0.5:
            three_months = add_months(member.away_since, 3)
            if three_months <= ctx.today:
                member.away_paper = "activity_certificate"
                member.away_paper_on = member.away_since
                certified += 1
    logins = [create_member_login(member, ctx.password).username for member in ctx.members[:3]]
    ctx.summary.append(
        f"Member ledger: {located} locations with consent, "
        f"{len(ctx.members[5::40])} exemptions, {certified} activity certificates."
    )
    ctx.summary.append(f"Member logins (phone, password {ctx.password!r}): {', '.join(logins)}")
