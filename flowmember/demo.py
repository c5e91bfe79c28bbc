"""Demo data: a city with a talent-service centre for graduates and a town committee whose
village branches have members working far away. Deterministic for a given seed.

Domain packages add their own demo records (check-ins, dues, letters ...) with a
``seed_demo(ctx)`` function listed in :data:`SEEDERS`; it receives a
:class:`~flowmember.demo_context.DemoContext`.
The demo is one transaction: the ``flowmember demo`` command commits it."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import func, select

from flowmember.accounts.services import create_user
from flowmember.checkins import demo as checkins_demo
from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.core.time import today_local
from flowmember.demo_context import DemoContext
from flowmember.dues import demo as dues_demo
from flowmember.extensions import db
from flowmember.lapse import demo as lapse_demo
from flowmember.members import demo as members_demo
from flowmember.members.identity import build_id_number
from flowmember.members.models import Category, Gender, Member, Stage
from flowmember.orgs.models import Org
from flowmember.orgs.services import create_org
from flowmember.reminders import demo as reminders_demo
from flowmember.transfers import demo as transfers_demo

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩然"
    "子轩梓涵一诺欣怡雨泽思远佳琪晨阳文博嘉怡俊杰"
)
EMPLOYERS = [
    "东湖软件园某科技有限公司",
    "个体经营",
    "求职中",
    "东湖市某物流公司",
    "某建筑劳务公司",
    "自由职业（设计）",
    "某连锁餐饮公司",
    "某电商直播公司",
    "某外卖配送站点",
]
UNIVERSITIES = ["东湖大学", "东湖理工学院", "省师范大学", "省财经大学", "某职业技术学院"]
REGIONS = ["110101", "310104", "440106", "420102", "510104", "330106", "370202"]


#: Seeders run after orgs, staff and members exist, in this order.
SEEDERS: list[Callable[[DemoContext], None]] = [
    members_demo.seed_demo,
    checkins_demo.seed_demo,
    dues_demo.seed_demo,
    transfers_demo.seed_demo,
    lapse_demo.seed_demo,
    reminders_demo.seed_demo,
]


def has_data() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(Org)))


def _org(ctx: DemoContext, key: str, name: str, kind: str, parent: str | None, code: str) -> None:
    parent_id = ctx.orgs[parent].id if parent else None
    ctx.orgs[key] = create_org(SYSTEM, name=name, kind=kind, parent_id=parent_id, code=code)


def _build_orgs(ctx: DemoContext) -> None:
    _org(ctx, "city", "中共东湖市委流动党员工作委员会", "committee", None, "DH000")
    _org(ctx, "centre", "东湖市人才服务中心党委", "centre", "city", "DH100")
    _org(ctx, "gb", "人才服务中心流动党员党总支", "general_branch", "centre", "DH110")
    _org(ctx, "grad1", "高校毕业生流动党员第一党支部", "branch", "gb", "DH111")
    _org(ctx, "grad2", "高校毕业生流动党员第二党支部", "branch", "gb", "DH112")
    _org(ctx, "inflow", "流入党员党支部", "branch", "centre", "DH120")
    _org(ctx, "grad1_g1", "第一党小组", "group", "grad1", "DH1111")
    _org(ctx, "town", "中共西山镇委员会", "committee", "city", "DH200")
    _org(ctx, "v1", "石门村党支部", "branch", "town", "DH201")
    _org(ctx, "v2", "柳林村党支部", "branch", "town", "DH202")


def _build_staff(ctx: DemoContext) -> None:
    accounts = [
        ("admin", "市委流动党员工委管理员", "admin", "city"),
        ("centre-admin", "人才服务中心管理员", "admin", "centre"),
        ("grad1-secretary", "第一党支部书记", "secretary", "grad1"),
        ("centre-clerk", "人才服务中心党费管理员", "clerk", "centre"),
        ("town-admin", "西山镇党委组织委员", "admin", "town"),
        ("v1-secretary", "石门村党支部书记", "secretary", "v1"),
    ]
    for username, display, role, org in accounts:
        ctx.staff[username] = create_user(
            SYSTEM,
            username=username,
            password=ctx.password,
            display_name=display,
            role=role,
            org_id=ctx.orgs[org].id,
        )
    ctx.summary.append(f"Staff logins (password {ctx.password!r}): {', '.join(ctx.staff)}")


def _person(ctx: DemoContext, i: int, age_range: tuple[int, int]) -> dict:
    rng = ctx.rng
    gender = rng.choice([Gender.male, Gender.female])
    age = rng.randint(*age_range)
    birth = date(ctx.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    seq = (i * 2 + (1 if gender == Gender.male else 0)) % 1000
    name = rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice([1, 2])))
    return {
        "name": name,
        "gender": gender,
        "birth_date": birth,
        "id_number": build_id_number(rng.choice(REGIONS), birth, seq),
        "phone": f"+86{rng.choice(['138', '139', '150', '186', '177', '199'])}{i:08d}",
    }


def _build_members(ctx: DemoContext, count: int) -> None:
    rng = ctx.rng
    plan = [
        ("grad1", Category.graduate, (23, 35)),
        ("grad2", Category.graduate, (23, 35)),
        ("grad1_g1", Category.graduate, (24, 33)),
        ("inflow", Category.inflow, (25, 50)),
        ("v1", Category.migrant, (22, 58)),
        ("v2", Category.migrant, (22, 58)),
    ]
    for i in range(count):
        org_key, category, ages = plan[i % len(plan)]
        person = _person(ctx, i + 1, ages)
        joined = ctx.today - timedelta(days=rng.randint(200, 3650))
        stage = Stage.probationary if (ctx.today - joined).days < 365 else Stage.full
        graduate = category == Category.graduate
        # The demo centre has kept its ledger in FlowMember for a year: the seeders write that
        # year's history.
        tracked = max(months.of(joined), months.of(ctx.today) - 12)
        member = Member(
            entered_month=tracked,
            tracked_since_month=tracked,
            **person,
            category=category,
            stage=stage,
            joined_on=joined,
            full_on=None if stage == Stage.probationary else joined + timedelta(days=365),
            org_id=ctx.orgs[org_key].id,
            home_org_name="某省某县某村党支部" if category == Category.inflow else None,
            employer=rng.choice(EMPLOYERS),
            university=rng.choice(UNIVERSITIES) if graduate else None,
            graduation_year=rng.randint(ctx.today.year - 8, ctx.today.year) if graduate else None,
            away_since=(ctx.today - timedelta(days=rng.randint(20, 900)))
            if category == Category.migrant
            else None,
            ethnicity="汉族",
        )
        db.session.add(member)
        ctx.members.append(member)
    db.session.flush()
    ctx.summary.append(f"Members: {len(ctx.members)}")


def load_demo(*, member_count: int = 240, seed: int = 2026, today: date | None = None) -> list[str]:
    """Create the demo in the caller's transaction (flushed; the ``demo`` command commits it);
    returns lines to show the user."""
    ctx = DemoContext(rng=random.Random(seed), today=today or today_local())
    _build_orgs(ctx)
    _build_staff(ctx)
    _build_members(ctx, member_count)
    for seed_demo in SEEDERS:
        seed_demo(ctx)
        db.session.flush()
    ctx.summary.insert(0, f"Demo loaded: {len(ctx.orgs)} orgs, {len(ctx.staff)} staff.")
    return ctx.summary
