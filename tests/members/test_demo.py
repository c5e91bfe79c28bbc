"""The demo gives members locations with consent, exemptions and three phone logins."""

from sqlalchemy import func, select

from flowmember.accounts.models import User
from flowmember.extensions import db
from flowmember.members.models import Member, MemberConsent, MemberExemption


def test_demo_seeds_the_ledger(app, freeze):
    from flowmember.demo import load_demo

    freeze("2026-11-30")
    summary = load_demo(member_count=60)
    from flowmember.members.services import has_location_consent

    located = db.session.scalars(select(Member.id).where(Member.city_code.is_not(None))).all()
    assert len(located) >= 48  # four in five members (other packages' demos may add more)
    assert all(has_location_consent(member_id) for member_id in located)
    assert db.session.scalar(select(func.count()).select_from(MemberConsent)) >= 48
    assert db.session.scalar(select(func.count()).select_from(MemberExemption)) == 2
    logins = db.session.scalars(select(User.username).where(User.role == "member")).all()
    assert len(logins) >= 3
    assert any("Member logins" in line and logins[0] in line for line in summary)
