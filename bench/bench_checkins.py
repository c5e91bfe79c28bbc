"""Benchmark: the check-in summaries, the staff list and the write paths of issue 4.

Generates N members (default 200,000) under 500 branches, 12 months of check-ins for most of them
(about 10 N rows), one activity per branch per month with attendance for the last four months
(4 N rows) and contact attempts for a fifth of the members; the summary columns start empty.
Then times, on the same database:

- ``rebuild_summaries()`` repairing every member, against the lower bound: one hand-written
  ``UPDATE members ... FROM (GROUP BY aggregates)`` statement setting the same three columns;
- ``rebuild_summaries(check_only=True)`` in the steady state (nothing differs), against one
  hand-written SELECT counting the members whose columns differ from the aggregates;
- the missing-check-in list for the whole tree (count + first page, as the API pages it),
  against one hand-written ``SELECT count(*)`` on the summary column;
- ``submit_checkin`` (validation, consent, audit, summary) per call, against a bare INSERT;
- bulk attendance of a 50-member branch per call, against 50 bare INSERTs in one statement.

Usage::

    .venv/bin/python bench/bench_checkins.py [--members N]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

With a PostgreSQL URL the script creates its own database next to the given one and drops it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import database  # noqa: E402
from sqlalchemy import text  # noqa: E402

TODAY = date(2026, 11, 21)
ORGS = 500


def timed(label: str, fn, results: dict):
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    results[label] = elapsed
    print(f"  {label:<44} {elapsed * 1000:10.1f} ms")
    return value


def generate(db, n: int) -> None:
    from flowmember.core import months

    conn = db.session.connection()
    pg = conn.dialect.name == "postgresql"
    now = "'2026-11-21 01:00:00+00'" if pg else "'2026-11-21 01:00:00.000000'"
    false = "false" if pg else "0"

    def seq(k: int) -> tuple[str, str]:
        if pg:
            return "", f"(SELECT generate_series(1, {k}) AS i) s"
        return (
            f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {k}) ",
            "s",
        )

    def pad(expr: str, width: int) -> str:
        return (
            f"lpad(CAST({expr} AS TEXT), {width}, '0')" if pg else f"printf('%0{width}d', {expr})"
        )

    conn.execute(
        text(
            "INSERT INTO orgs (id, name, kind, path, depth, created_at) "
            f"VALUES (1, 'committee', 'committee', '/1/', 0, {now})"
        )
    )
    w, s = seq(ORGS)
    conn.execute(
        text(
            w + "INSERT INTO orgs (id, name, kind, parent_id, path, depth, created_at) "
            f"SELECT i + 1, 'branch ' || i, 'branch', 1, '/1/' || (i + 1) || '/', 1, {now} "
            f"FROM {s}"
        )
    )
    w, s = seq(n)
    conn.execute(
        text(
            w + "INSERT INTO members (id, name, gender, id_number, birth_date, phone, category,"
            " stage, status, joined_on, org_id, retired, flag_lapse_risk, flag_unreachable,"
            " entered_month, tracked_since_month, created_at, updated_at) "
            f"SELECT i, 'member ' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,"
            f" {pad('i', 18)}, '1995-01-01', '+86138' || {pad('i', 8)},"
            " CASE WHEN i % 10 < 5 THEN 'graduate' WHEN i % 10 < 8 THEN 'migrant'"
            " ELSE 'inflow' END, 'full', 'active', '2018-03-01', 2 + (i % "
            f"{ORGS}), {false}, {false}, {false}, 0, 0, {now}, {now} FROM {s}"
        )
    )
    current = months.of(TODAY)
    window = ", ".join(f"({m})" for m in range(current - 11, current + 1))
    conn.execute(text("CREATE TABLE bench_months (m INTEGER)"))
    conn.execute(text(f"INSERT INTO bench_months (m) VALUES {window}"))
    # Most members check in every month; 1 in 7 stopped some months ago; 1 in 20 never did.
    conn.execute(
        text(
            "INSERT INTO checkins (member_id, month, report, revision, created_at, updated_at,"
            " province_code, city_code) "
            f"SELECT m.id, b.m, 'report', 1, {now}, {now}, '420000', '420100' "
            "FROM members m CROSS JOIN bench_months b "
            f"WHERE m.id % 20 <> 0 AND (m.id % 7 <> 0 OR b.m < {current} - (m.id % 6))"
            f" AND NOT (b.m = {current} AND m.id % 3 = 0)"
        )
    )
    held_on = (
        "make_date(b.m / 12, b.m % 12 + 1, 10)"
        if pg
        else "printf('%04d-%02d-10', b.m / 12, b.m % 12 + 1)"
    )
    conn.execute(
        text(
            "INSERT INTO activities (org_id, kind, title, held_on, month, online, code,"
            " created_at) "
            f"SELECT o.id, 'member_meeting', 'meeting', {held_on}, b.m, {false},"
            f" 'C' || o.id || 'M' || b.m, {now} "
            "FROM orgs o CROSS JOIN bench_months b WHERE o.kind = 'branch'"
        )
    )
    conn.execute(text("DROP TABLE bench_months"))
    conn.execute(
        text(
            "INSERT INTO attendances (activity_id, member_id, status, recorded_at) "
            "SELECT a.id, m.id, CASE WHEN (m.id + a.month) % 4 = 0 THEN 'absent'"
            " WHEN (m.id + a.month) % 4 = 1 THEN 'excused' ELSE 'present' END, "
            f"{now} FROM activities a JOIN members m ON m.org_id = a.org_id "
            f"WHERE a.month > {current} - 4"
        )
    )
    conn.execute(
        text(
            "INSERT INTO contact_attempts (member_id, at, channel, outcome, created_at) "
            f"SELECT id, {now}, 'phone', CASE WHEN id % 2 = 0 THEN 'reached' ELSE 'no_answer'"
            f" END, {now} FROM members WHERE id % 5 = 0"
        )
    )
    db.session.commit()
    if pg:
        conn = db.session.connection()
        conn.execute(text("ANALYZE"))
        db.session.commit()


def lower_bound_update(db) -> None:
    """The hand-written repair: one UPDATE ... FROM of grouped aggregates."""
    db.session.execute(
        text(
            "UPDATE members SET last_checkin_month = x.c, last_attended_month = x.a,"
            " last_reached_at = x.r FROM ("
            " SELECT m.id, c.c, a.a, CASE WHEN c.t IS NULL THEN k.r WHEN k.r IS NULL THEN c.t"
            "  WHEN c.t > k.r THEN c.t ELSE k.r END AS r"
            " FROM members m"
            " LEFT JOIN (SELECT member_id, max(month) c, max(updated_at) t FROM checkins"
            "   GROUP BY member_id) c ON c.member_id = m.id"
            " LEFT JOIN (SELECT t.member_id, max(a.month) a FROM attendances t"
            "   JOIN activities a ON a.id = t.activity_id WHERE t.status IN ('present','online')"
            "   GROUP BY t.member_id) a ON a.member_id = m.id"
            " LEFT JOIN (SELECT member_id, max(at) r FROM contact_attempts"
            "   WHERE outcome = 'reached' GROUP BY member_id) k ON k.member_id = m.id"
            ") x WHERE x.id = members.id"
        )
    )


def lower_bound_check(db) -> int:
    """The hand-written comparison: one SELECT joining the three grouped aggregates."""
    return db.session.scalar(
        text(
            "SELECT count(*) FROM members m"
            " LEFT JOIN (SELECT member_id, max(month) c, max(updated_at) t FROM checkins"
            "   GROUP BY member_id) c ON c.member_id = m.id"
            " LEFT JOIN (SELECT t.member_id, max(a.month) a FROM attendances t"
            "   JOIN activities a ON a.id = t.activity_id WHERE t.status IN ('present','online')"
            "   GROUP BY t.member_id) a ON a.member_id = m.id"
            " LEFT JOIN (SELECT member_id, max(at) r FROM contact_attempts"
            "   WHERE outcome = 'reached' GROUP BY member_id) k ON k.member_id = m.id"
            " WHERE (m.last_checkin_month IS NULL) <> (c.c IS NULL)"
            "  OR m.last_checkin_month <> c.c"
            "  OR (m.last_attended_month IS NULL) <> (a.a IS NULL)"
            "  OR m.last_attended_month <> a.a"
            "  OR m.last_reached_at <> CASE WHEN c.t IS NULL THEN k.r WHEN k.r IS NULL THEN c.t"
            "   WHEN c.t > k.r THEN c.t ELSE k.r END"
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--calls", type=int, default=300, help="service calls to time")
    args = parser.parse_args()

    from flowmember import create_app
    from flowmember.config import TestingConfig
    from flowmember.core import time as fm_time
    from flowmember.extensions import db

    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    with tempfile.TemporaryDirectory() as tmp:
        with database(args.database_url, Path(tmp)) as url:
            app = create_app({**config, "DATABASE_URL": url})
            with app.app_context():
                db.create_all()
                fm_time.set_clock(lambda: datetime(2026, 11, 21, 4, tzinfo=UTC))
                run(db, args)
                db.session.remove()
                db.engine.dispose()


def run(db, args) -> None:
    from sqlalchemy import func, select

    from flowmember.checkins import activities, services
    from flowmember.checkins.models import Checkin
    from flowmember.checkins.summaries import rebuild_summaries
    from flowmember.core import months
    from flowmember.core.auth import SYSTEM
    from flowmember.members.models import Member

    n = args.members
    print(f"backend {db.engine.dialect.name}, {n:,} members")
    r: dict[str, float] = {}
    timed("generate", lambda: generate(db, n), r)
    rows = db.session.scalar(select(func.count()).select_from(Checkin))
    print(f"  check-ins: {rows:,}")

    def repair():
        report = rebuild_summaries()
        db.session.commit()
        return report

    report = timed("rebuild_summaries() from empty", repair, r)
    print(f"    repaired {report['total_mismatches']:,} column values")
    db.session.execute(
        text(
            "UPDATE members SET last_checkin_month = NULL, last_attended_month = NULL,"
            " last_reached_at = NULL"
        )
    )
    db.session.commit()

    def bound():
        lower_bound_update(db)
        db.session.commit()

    timed("lower bound: one UPDATE ... FROM aggregates", bound, r)
    report = timed("rebuild_summaries(check_only=True)", lambda: rebuild_summaries(True), r)
    assert report["total_mismatches"] == 0, report
    timed("lower bound: one SELECT of differences", lambda: lower_bound_check(db), r)

    current = months.of(TODAY)

    def missing_list():
        stmt = services.members_missing_checkin(SYSTEM, 1, current)
        count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        page = db.session.scalars(stmt.limit(20)).all()
        return count, page

    count, _ = timed("missing check-ins: count + first page", missing_list, r)
    print(f"    {count:,} members owe this month's report")
    timed(
        "lower bound: SELECT count(*) on the summary",
        lambda: db.session.scalar(
            text(
                "SELECT count(*) FROM members WHERE status = 'active'"
                " AND category IN ('graduate', 'migrant')"
                f" AND (last_checkin_month IS NULL OR last_checkin_month < {current})"
            )
        ),
        r,
    )

    owing = db.session.scalars(
        services.members_missing_checkin(SYSTEM, 1, current).limit(args.calls)
    ).all()

    def submit_all():
        for member in owing:
            services.submit_checkin(SYSTEM, member, report="bench")
            db.session.commit()

    timed(f"submit_checkin x {len(owing)}", submit_all, r)
    free = db.session.scalars(
        select(Member.id).where(Member.last_checkin_month < current).limit(args.calls)
    ).all()
    lo_m = current - 20

    def bare_inserts():
        for member_id in free:
            db.session.execute(
                text(
                    "INSERT INTO checkins (member_id, month, report, revision, created_at,"
                    " updated_at) VALUES (:m, :mo, 'bench', 1, :t, :t)"
                ),
                {"m": member_id, "mo": lo_m, "t": datetime(2026, 11, 21, 4, tzinfo=UTC)},
            )
            db.session.commit()

    timed(f"lower bound: bare INSERT + commit x {len(free)}", bare_inserts, r)

    branch_members = db.session.scalars(
        select(Member.id).where(Member.org_id == 2).order_by(Member.id).limit(50)
    ).all()
    act = activities.create_activity(SYSTEM, org_id=2, kind="lecture", title="bench", held_on=TODAY)
    db.session.commit()
    rounds = 20

    def bulk():
        for i in range(rounds):
            status = ("present", "absent")[i % 2]
            activities.set_attendance_bulk(
                SYSTEM, act, [{"member_id": m, "status": status} for m in branch_members]
            )
            db.session.commit()

    timed(f"bulk attendance of {len(branch_members)} x {rounds}", bulk, r)
    act2 = activities.create_activity(
        SYSTEM, org_id=2, kind="lecture", title="bench2", held_on=TODAY
    )
    db.session.commit()

    def bulk_bound():
        for i in range(rounds):
            db.session.execute(
                text("DELETE FROM attendances WHERE activity_id = :a"), {"a": act2.id}
            )
            db.session.execute(
                text(
                    "INSERT INTO attendances (activity_id, member_id, status, recorded_at) "
                    "VALUES (:a, :m, :s, :t)"
                ),
                [
                    {
                        "a": act2.id,
                        "m": m,
                        "s": ("present", "absent")[i % 2],
                        "t": datetime(2026, 11, 21, 4, tzinfo=UTC),
                    }
                    for m in branch_members
                ],
            )
            db.session.commit()

    timed(f"lower bound: 50-row INSERT x {rounds}", bulk_bound, r)
    # (The lower-bound writes bypass the summaries; the service writes kept them current.)

    def ratio(a, b):
        return r[a] / r[b] if r[b] else float("nan")

    print("ratios against the lower bound:")
    pairs = [
        ("rebuild (repair all)", "rebuild_summaries() from empty", "lower bound: one UPDATE"),
        ("rebuild --check", "rebuild_summaries(check_only=True)", "lower bound: one SELECT"),
        ("missing list", "missing check-ins: count + first page", "lower bound: SELECT count"),
    ]
    for name, mine, bound_prefix in pairs:
        bound_key = next(k for k in r if k.startswith(bound_prefix))
        print(f"  {name:<25} {ratio(mine, bound_key):6.2f}")
    submit = next(k for k in r if k.startswith("submit_checkin"))
    bare = next(k for k in r if k.startswith("lower bound: bare INSERT"))
    print(
        f"  submit_checkin per call   {ratio(submit, bare):6.2f}"
        f"  ({r[submit] / max(len(owing), 1) * 1000:.2f} ms vs"
        f" {r[bare] / max(len(free), 1) * 1000:.2f} ms)"
    )
    bk = next(k for k in r if k.startswith("bulk attendance"))
    bb = next(k for k in r if k.startswith("lower bound: 50-row"))
    print(
        f"  bulk attendance of 50     {ratio(bk, bb):6.2f}"
        f"  ({r[bk] / rounds * 1000:.2f} ms vs {r[bb] / rounds * 1000:.2f} ms per request)"
    )


if __name__ == "__main__":
    main()
