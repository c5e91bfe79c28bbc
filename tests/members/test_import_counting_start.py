"""A realistic ledger imported through ``flowmember import members``, then the nightly lapse sweep
the next night and a month later: no case opens that DOMAIN §8 does not call for (issue 11).

The town committee's village branches V1 and V2 and the centre's graduate branch G1 have held a
member meeting every month for a year; the centre's branch G2 has held nothing. The spreadsheet
(Chinese headers and values, as staff fill it in) brings 66 rows:

- 40 migrants and graduates with no history columns: tracked from the month of the import, so no
  case until six tracked months have passed;
- 6 migrants of V1 whose old ledger vouches for an earlier tracking start and a last org life
  in March 2026: seven months of V1's meetings missed by October, a case the next night;
- 4 migrants of V2 vouched to May 2026: five months the next night (warnings), six a month later
  (a case);
- 4 graduates of G1 vouched to September 2026, and 4 of G2 vouched to December 2025 (G2 held
  nothing to miss): no case;
- 2 rows giving an earlier tracking start without the history: rejected, with the reason;
- 6 members already in FlowMember since March (inflow members of V1), whose rows give a later
  tracking start: it does not move, so the one who stopped attending in April still gets the
  case his six missed months call for.
"""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse.models import CaseStatus, LapseCase, LapseWarning
from flowmember.lapse.sweeps import run_lapse_sweep
from flowmember.members.identity import build_id_number
from flowmember.members.models import Member

HEADERS = [
    "姓名",
    "性别",
    "身份证号",
    "手机号",
    "民族",
    "类别",
    "党员类型",
    "入党日期",
    "转正日期",
    "所在组织",
    "流出地组织名称",
    "工作单位",
    "毕业院校",
    "毕业年份",
    "外出日期",
    "纳入管理月份",
    "党费交至",
    "最近参加组织生活月份",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"]


@pytest.fixture
def orgs(make_org):
    town = make_org("committee", name="某镇党委", code="TOWN")
    centre = make_org("centre", name="某市人才服务中心党委", code="RC")
    return {
        "V1": make_org("branch", parent=town, name="东村党支部", code="V1"),
        "V2": make_org("branch", parent=town, name="西村党支部", code="V2"),
        "G1": make_org("branch", parent=centre, name="毕业生第一党支部", code="G1"),
        "G2": make_org("branch", parent=centre, name="毕业生第二党支部", code="G2"),
    }


def _meetings(org, first: str, last: str) -> None:
    from flowmember.checkins.models import Activity

    for m in months.span(months.parse(first), months.parse(last)):
        db.session.add(
            Activity(
                org_id=org.id,
                kind="theme_day" if m % 3 else "member_meeting",
                title="主题党日" if m % 3 else "支部党员大会",
                held_on=months.first_day(m).replace(day=10),
                month=m,
                online=False,
                code=f"{org.code}{m}",
            )
        )
    db.session.commit()


class Ledger:
    """The spreadsheet being built: one dict per row, keyed by header."""

    def __init__(self):
        self.rows: list[dict] = []
        self.groups: dict[str, list[str]] = {}  #: group -> ID numbers

    def add(self, group: str, n: int, **cells) -> dict:
        birth = date(1975 + n % 25, 1 + n % 12, 1 + n % 27)
        row = {
            "姓名": SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n // 3) % 15],
            "性别": "男" if n % 2 else "女",
            "身份证号": build_id_number("420102", birth, 500 + n),
            "手机号": f"13{n % 10}{n:08d}",
            "民族": "汉",
            **cells,
        }
        self.rows.append(row)
        self.groups.setdefault(group, []).append(row["身份证号"])
        return row

    def migrant(self, group: str, n: int, org: str, **cells) -> dict:
        return self.add(
            group,
            n,
            类别="外出务工",
            党员类型="正式党员",
            入党日期=f"{2003 + n % 15}-07-01",
            转正日期=f"{2004 + n % 15}-07-01",
            所在组织=org,
            工作单位="某建筑公司" if n % 2 else "某物流公司",
            外出日期="2023-03-01",
            **cells,
        )

    def graduate(self, group: str, n: int, org: str, **cells) -> dict:
        year = 2016 + n % 6
        return self.add(
            group,
            n,
            类别="高校毕业生",
            党员类型="正式党员",
            入党日期=f"{year - 1}-05-20",
            转正日期=f"{year}-05-20",
            所在组织=org,
            流出地组织名称="某大学计算机学院学生党支部",
            毕业院校="某大学",
            毕业年份=year,
            **cells,
        )

    def save(self, path):
        wb = Workbook()
        ws = wb.active
        ws.append(HEADERS)
        for row in self.rows:
            ws.append([row.get(h) for h in HEADERS])
        wb.save(path)
        return path


def _existing_members(make_member, v1) -> dict[str, Member]:
    """Six inflow members of V1 in FlowMember since March 2026; five attend, one stopped."""
    march = months.parse("2026-03")
    out = {}
    for n in range(6):
        birth = date(1985, 1 + n, 3)
        out[f"existing{n}"] = make_member(
            org=v1,
            name=f"流入党员{n}",
            birth_date=birth,
            id_number=build_id_number("420102", birth, 900 + n),
            category="inflow",
            joined_on=date(2010, 7, 1),
            entered_month=march,
            tracked_since_month=march,
            last_attended_month=months.parse("2026-04" if n == 0 else "2026-10"),
        )
    return out


def _open_cases() -> dict[str, list]:
    """ID number -> criteria of each open case."""
    rows = db.session.execute(
        select(Member.id_number, LapseCase)
        .join(LapseCase, LapseCase.member_id == Member.id)
        .where(LapseCase.status == CaseStatus.open)
    ).all()
    return {id_number: case.criteria for id_number, case in rows}


def test_a_sweep_after_importing_a_realistic_ledger_opens_only_the_cases_due(
    tmp_path, cli_runner, orgs, make_member, freeze
):
    freeze("2026-11-16T10:00:00+08:00")
    for code in ("V1", "V2", "G1"):
        _meetings(orgs[code], "2025-11", "2026-11")
    existing = _existing_members(make_member, orgs["V1"])

    ledger = Ledger()
    n = iter(range(1, 1000))
    for i in range(24):
        ledger.migrant("plain", next(n), "V1" if i % 2 else "V2")
    for i in range(16):
        ledger.graduate("plain", next(n), "G1" if i % 2 else "G2")
    vouched = {"纳入管理月份": "2025-01", "党费交至": "2026-10"}
    for _ in range(6):
        ledger.migrant("lapsed", next(n), "V1", **vouched, 最近参加组织生活月份="2026-03")
    for _ in range(4):
        ledger.migrant("five", next(n), "V2", **vouched, 最近参加组织生活月份="2026-05")
    for _ in range(4):
        ledger.graduate("recent", next(n), "G1", **vouched, 最近参加组织生活月份="2026-09")
    for _ in range(4):
        ledger.graduate("quiet_org", next(n), "G2", **vouched, 最近参加组织生活月份="2025-12")
    for _ in range(2):
        ledger.migrant("unvouched", next(n), "V1", 纳入管理月份="2024-01")
    for key, member in existing.items():
        ledger.add(
            key,
            next(n),
            姓名=member.name,
            身份证号=member.id_number,
            手机号=member.phone,
            类别="流入党员",
            党员类型="正式党员",
            入党日期="2010-07-01",
            所在组织="V1",
            工作单位="镇上的食品厂",
            纳入管理月份="2026-10",  # later than March: must not move
        )
    assert len(ledger.rows) == 66
    path = ledger.save(tmp_path / "党员台账.xlsx")

    result = cli_runner.invoke(args=["import", "members", str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Imported: 58 new, 6 updated, 0 unchanged; 2 rejected of 66 rows." in result.output
    rejected_file = load_workbook(tmp_path / "党员台账.rejected.xlsx")
    rejected = list(rejected_file.active.iter_rows(values_only=True))
    assert [r[2] for r in rejected[1:]] == ledger.groups["unvouched"]
    assert all(r[-1].startswith("纳入管理月份 tracked_since: ") for r in rejected[1:])
    db.session.expire_all()
    for member in existing.values():
        refreshed = db.session.get(Member, member.id)
        assert refreshed.tracked_since_month == months.parse("2026-03")
        assert refreshed.employer == "镇上的食品厂"

    # The next night: October is the last month judged.
    freeze("2026-11-17T02:00:00+08:00")
    run_lapse_sweep(date(2026, 11, 17))
    db.session.commit()
    cases = _open_cases()
    assert set(cases) == {*ledger.groups["lapsed"], existing["existing0"].id_number}
    for id_number in ledger.groups["lapsed"]:
        assert cases[id_number]["org_life"] == [
            months.to_str(m) for m in months.span(months.parse("2026-04"), months.parse("2026-10"))
        ]
        assert cases[id_number]["dues"] == [] and cases[id_number]["reports"] == []
    assert cases[existing["existing0"].id_number]["org_life"][0] == "2026-05"
    warned = set(
        db.session.scalars(
            select(Member.id_number).join(LapseWarning, LapseWarning.member_id == Member.id)
        )
    )
    assert warned == set(ledger.groups["five"])

    # A month later: November is judged too.
    freeze("2026-12-17T02:00:00+08:00")
    run_lapse_sweep(date(2026, 12, 17))
    db.session.commit()
    assert set(_open_cases()) == {
        *ledger.groups["lapsed"],
        *ledger.groups["five"],
        existing["existing0"].id_number,
    }
