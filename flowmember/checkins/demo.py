"""Check-ins, contacts and organisation life: demo data.

A year of monthly check-ins for most members (regular ones with the odd gap, some who stopped
a few months ago, a few who never did), an activity per branch per month with attendance, and
contact attempts for the members who went quiet. Rows are inserted directly (no audit trail for
invented history); the summary columns are then rebuilt from them in one set-based pass."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import or_, select

from flowmember.checkins import rules
from flowmember.checkins.models import (
    Activity,
    ActivityKind,
    Attendance,
    AttendanceStatus,
    Checkin,
    ContactAttempt,
    ContactChannel,
    ContactOutcome,
)
from flowmember.checkins.summaries import rebuild_summaries
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.time import LOCAL_TZ
from flowmember.extensions import db
from flowmember.members import services as member_services
from flowmember.members.models import Member, MemberStatus
from flowmember.orgs.models import Org, OrgKind

#: Real GB/T 2260 codes (province, city, district) where the demo's members live and work.
PLACES = [
    ("420000", "420100", "420106"),  # 武汉 武昌
    ("420000", "420100", "420111"),  # 武汉 洪山
    ("440000", "440100", "440106"),  # 广州 天河
    ("440000", "440300", "440305"),  # 深圳 南山
    ("110000", "110100", "110105"),  # 北京 朝阳
    ("310000", "310100", "310115"),  # 上海 浦东
    ("330000", "330100", "330106"),  # 杭州 西湖
    ("510000", "510100", "510104"),  # 成都 锦江
]
REPORTS = [
    "本月按时参加线上学习，工作稳定，思想上没有新的变化。",
    "在新单位适应良好，利用业余时间学习党的二十大精神。",
    "本月在外地出差较多，通过学习强国坚持学习。",
    "找工作中，参加了两次招聘会，心态积极。",
    "参加了社区志愿服务活动，协助做好老人关爱工作。",
    "工作较忙，按时交纳党费，学习了党章有关内容。",
]
TITLES = {
    ActivityKind.theme_day: "主题党日：重温入党誓词",
    ActivityKind.member_meeting: "支部党员大会",
    ActivityKind.lecture: "党课：学习贯彻党的二十大精神",
    ActivityKind.group_meeting: "党小组学习会",
}


def _local(d: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=LOCAL_TZ).astimezone(UTC)


def _ensure_locations(ctx, members: list[Member]) -> None:
    """Most members have agreed to share their city (through the members package's service)."""
    for member in members:
        if member.city_code or ctx.rng.random() > 0.8:
            continue
        if member_services.latest_consent(member.id) is not None:
            continue
        member_services.set_consent(SYSTEM, member, "location", True)
        place = ctx.rng.choice(PLACES)
        member_services.record_location(SYSTEM, member, *place, source="demo")


def seed_demo(ctx) -> None:
    """Add this package's demo records (ctx: flowmember.demo.DemoContext)."""
    rng = ctx.rng
    today = ctx.today
    now = _local(today, 9)
    current = months.of(today)
    members = [m for m in ctx.members if m.status in (None, MemberStatus.active)]
    _ensure_locations(ctx, members)

    # Check-ins: regular members (odd gap), members who stopped 3-7 months ago, a few never.
    profile: dict[int, int | None] = {}  # member id -> last month they were in touch
    checkins = 0
    for member in members:
        roll = rng.random()
        stop = current if roll < 0.75 else (current - rng.randint(3, 7) if roll < 0.92 else None)
        profile[member.id] = stop
        if stop is None:
            continue
        first = max(current - 11, months.of(member.joined_on))
        for month in range(first, stop + 1):
            if month == current and today.day < 10 and rng.random() < 0.6:
                continue  # not yet this month
            if stop == current and rng.random() < 0.08:
                continue  # the odd missed month
            day = months.first_day(month) + timedelta(days=rng.randint(0, 25))
            if day > today:
                day = today
            at = _local(day, rng.randint(8, 22), rng.randint(0, 59))
            if at > now:
                at = now
            has_place = member.city_code is not None
            db.session.add(
                Checkin(
                    member_id=member.id,
                    month=month,
                    province_code=member.province_code if has_place else None,
                    city_code=member.city_code if has_place else None,
                    district_code=member.district_code if has_place else None,
                    phone=member.phone,
                    employer=member.employer,
                    report=rng.choice(REPORTS),
                    revision=1,
                    created_at=at,
                    updated_at=at,
                )
            )
            checkins += 1

    # Organisation life: each branch holds a theme day every month and a lecture each quarter.
    branches = [o for o in ctx.orgs.values() if o.kind == OrgKind.branch]
    activity_count = attendance_count = 0
    for branch in branches:
        subtree = select(Org.id).where(Org.path.startswith(branch.path))
        eligible = [
            m
            for m in db.session.scalars(
                select(Member).where(
                    or_(Member.org_id.in_(subtree), Member.home_org_id.in_(subtree))
                )
            )
            if m.id in profile
        ]
        for month in range(current - 11, current + 1):
            plan = [(ActivityKind.theme_day, 15, False)]
            if month % 3 == 1:
                plan.append((ActivityKind.lecture, 25, True))
            for kind, day, online in plan:
                held_on = months.first_day(month) + timedelta(days=day - 1)
                if held_on > today:
                    continue
                activity = Activity(
                    org_id=branch.id,
                    kind=kind,
                    title=TITLES[kind],
                    held_on=held_on,
                    month=month,
                    online=online,
                    code=rules.new_activity_code(),
                    created_at=_local(held_on, 8),
                )
                db.session.add(activity)
                db.session.flush()
                activity_count += 1
                for member in eligible:
                    stop = profile[member.id]
                    if stop is None or month > stop:
                        status = AttendanceStatus.absent
                    else:
                        r = rng.random()
                        status = (
                            AttendanceStatus.online
                            if online and r < 0.6
                            else AttendanceStatus.present
                            if r < 0.7
                            else AttendanceStatus.excused
                            if r < 0.85
                            else AttendanceStatus.absent
                        )
                    db.session.add(
                        Attendance(
                            activity_id=activity.id,
                            member_id=member.id,
                            status=status,
                            recorded_at=_local(held_on, 20),
                        )
                    )
                    attendance_count += 1

    # Contact attempts for members who went quiet: unanswered calls, the odd reply.
    contacts = 0
    for member in members:
        stop = profile[member.id]
        if stop is not None and stop >= current - 1:
            continue
        for _ in range(rng.randint(1, 4)):
            day = today - timedelta(days=rng.randint(1, 150))
            outcome = rng.choice(
                [ContactOutcome.no_answer] * 5
                + [ContactOutcome.wrong_number, ContactOutcome.bounced, ContactOutcome.reached]
            )
            db.session.add(
                ContactAttempt(
                    member_id=member.id,
                    at=_local(day, rng.randint(9, 18)),
                    channel=rng.choice(
                        [ContactChannel.phone, ContactChannel.sms, ContactChannel.wechat]
                    ),
                    outcome=outcome,
                    note="电话无人接听" if outcome == ContactOutcome.no_answer else None,
                    recorded_by_id=None,
                    created_at=_local(day, 19),
                )
            )
            contacts += 1
    db.session.flush()
    rebuild_summaries()
    ctx.summary.append(
        f"Check-ins: {checkins}; activities: {activity_count} with {attendance_count} "
        f"attendance records; contact attempts: {contacts}"
    )
