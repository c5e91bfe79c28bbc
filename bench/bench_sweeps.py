"""Benchmark: the nightly lapse and contact sweeps over N members with 12 months of history.

Generates N members (default 1,000,000) under 1,000 branches with their summary columns, 12 months
of dues assessments (12 N rows), one activity per branch per month (some branches skip months),
failed contact attempts for the members out of touch, some valid reasons and exemptions. Then
times, on the same database:

- ``lapse_sweep(as_of)``: the first run (opens cases, writes warnings and flags) and a second,
  steady-state run (what every following night looks like);
- the lower bound: one hand-written SQL statement computing the same candidate set (the members
  with a run of 3+ and 6+ months after valid reasons, org gaps and the dues trim);
- ``contact_sweep(as_of)`` likewise against a single-statement lower bound;
- optionally (``--naive N``) a naive ORM loop (load each member, its assessments and valid
  reasons, apply the pure rules in Python, set the flag) over a sample, extrapolated to N.

Usage::

    .venv/bin/python bench/bench_sweeps.py [--members N] [--naive 20000]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

With a PostgreSQL URL the script creates its own database next to the given one and drops it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import database  # noqa: E402
from sqlalchemy import text  # noqa: E402

AS_OF = date(2026, 11, 30)
ORGS = 1000
TARGET_RATIO = 1.5


class Dialect:
    def __init__(self, name: str):
        self.pg = name == "postgresql"

    def seq(self, n: int) -> str:
        """A CTE-ready source of integers 1..n named s(i)."""
        if self.pg:
            return f"(SELECT generate_series(1, {n}) AS i) s"
        return "s"

    def with_seq(self, n: int) -> str:
        if self.pg:
            return ""
        return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "

    def pad(self, expr: str, width: int) -> str:
        if self.pg:
            return f"lpad(CAST({expr} AS TEXT), {width}, '0')"
        return f"printf('%0{width}d', {expr})"

    def ts(self, text_: str) -> str:
        """A UTC timestamp literal as SQLAlchemy stores it."""
        return f"'{text_}+00'" if self.pg else f"'{text_}.000000'"

    def cast_date(self, expr: str) -> str:
        return f"CAST({expr} AS DATE)" if self.pg else expr

    def cast_ts(self, expr: str) -> str:
        return f"CAST({expr} AS TIMESTAMPTZ)" if self.pg else expr

    @property
    def false(self) -> str:
        return "false" if self.pg else "0"

    @property
    def greatest(self) -> str:
        return "GREATEST" if self.pg else "MAX"

    @property
    def least(self) -> str:
        return "LEAST" if self.pg else "MIN"


def lag(expr_mod: str, common: int, short: int) -> str:
    """Months behind the last judged month: mostly 0, some 1..5, a few 6..12."""
    return (
        f"CASE WHEN {expr_mod} < {common} THEN 0 "
        f"WHEN {expr_mod} < {short} THEN 1 + ({expr_mod} % 5) "
        f"ELSE 6 + ({expr_mod} % 7) END"
    )


def generate(db, n: int, last: int) -> dict:
    from flowmember.core import months

    conn = db.session.connection()
    d = Dialect(conn.dialect.name)
    now = d.ts("2026-11-30 00:00:00")
    counts = {}
    conn.execute(
        text(
            "INSERT INTO orgs (id, name, kind, path, depth, created_at) "
            f"VALUES (1, 'committee', 'committee', '/1/', 0, {now})"
        )
    )
    conn.execute(
        text(
            d.with_seq(ORGS)
            + "INSERT INTO orgs (id, name, kind, parent_id, path, depth, created_at) "
            f"SELECT i + 1, 'branch ' || i, 'branch', 1, '/1/' || (i + 1) || '/', 1, {now} "
            f"FROM {d.seq(ORGS)}"
        )
    )
    # Spread without overflowing 32-bit integers (PostgreSQL) at a million members.
    h1, h2 = "((i * 37 + i / 7) % 100)", "((i * 53 + i / 11) % 100)"
    h3, h4 = "((i * 71 + i / 13) % 100)", "((i * 31 + i / 3) % 100)"
    reached = d.cast_ts(
        f"CASE WHEN {h4} < 92 THEN {d.ts('2026-11-02 03:00:00')}"
        f" ELSE {d.ts('2026-03-15 03:00:00')} END"
    )
    joined = d.cast_date("CASE WHEN i % 50 = 0 THEN '2026-08-10' ELSE '2018-03-01' END")
    conn.execute(
        text(
            d.with_seq(n)
            + "INSERT INTO members (id, name, gender, id_number, birth_date, phone, category,"
            " stage, status, joined_on, org_id, retired, flag_lapse_risk, flag_unreachable,"
            " created_at, updated_at, paid_through_month, last_checkin_month, last_attended_month,"
            " last_reached_at, entered_month, tracked_since_month) "
            f"SELECT i, 'member ' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END,"
            f" {d.pad('i', 18)}, '1995-01-01', '+86138' || {d.pad('i', 8)},"
            " CASE WHEN i % 10 < 4 THEN 'graduate' WHEN i % 10 < 7 THEN 'migrant'"
            " WHEN i % 10 < 9 THEN 'inflow' ELSE 'other' END,"
            " CASE WHEN i % 20 = 0 THEN 'probationary' ELSE 'full' END, 'active',"
            f" {joined}, 2 + (i % {ORGS}),"
            f" {d.false}, {d.false}, {d.false}, {now}, {now},"
            f" {last} - ({lag(h1, 85, 95)}), {last} - ({lag(h2, 80, 93)}),"
            # Month 0: tracked in FlowMember since joining (counting starts at the join month).
            f" {last} - ({lag(h3, 75, 92)}), {reached}, 0, 0 "
            f"FROM {d.seq(n)}"
        )
    )
    counts["members"] = n
    window = ", ".join(f"({m})" for m in range(last - 11, last + 1))
    conn.execute(text("CREATE TABLE bench_months (m INTEGER)"))
    conn.execute(text(f"INSERT INTO bench_months (m) VALUES {window}"))
    conn.execute(
        text(
            "INSERT INTO dues_assessments (member_id, month, org_id, charged_fen, amount_fen,"
            " status, reduced, rule, created_at) "
            "SELECT m.id, b.m, m.org_id, 1000, 1000,"
            " CASE WHEN b.m <= m.paid_through_month THEN 'paid' ELSE 'unpaid' END,"
            f" {d.false}, 'bench', {now} "
            "FROM members m CROSS JOIN bench_months b"
        )
    )
    counts["dues_assessments"] = n * 12
    held_on = (
        "make_date(b.m / 12, b.m % 12 + 1, 10)"
        if d.pg
        else "printf('%04d-%02d-10', b.m / 12, b.m % 12 + 1)"
    )
    conn.execute(
        text(
            "INSERT INTO activities"
            " (org_id, kind, title, held_on, month, online, code, created_at) "
            f"SELECT o.id, 'member_meeting', 'meeting', {held_on}, b.m, {d.false},"
            f" 'b' || o.id || '-' || b.m, {now} "
            "FROM orgs o CROSS JOIN bench_months b "
            "WHERE o.kind = 'branch' AND NOT (o.id % 10 = 0 AND b.m % 4 = 0)"
        )
    )
    conn.execute(text("DROP TABLE bench_months"))
    for when in ("2026-09-10 02:00:00", "2026-10-10 02:00:00"):
        conn.execute(
            text(
                "INSERT INTO contact_attempts (member_id, at, channel, outcome, created_at) "
                f"SELECT id, {d.ts(when)}, 'phone', 'no_answer', {now} FROM members "
                f"WHERE last_reached_at < {d.ts('2026-06-01 00:00:00')}"
            )
        )
    first = months.parse("2026-07")
    conn.execute(
        text(
            "INSERT INTO valid_reasons (member_id, kind, from_month, to_month, created_at) "
            f"SELECT id, 'illness', {first}, {first}, {now} FROM members WHERE id % 100 = 7"
        )
    )
    conn.execute(
        text(
            "INSERT INTO member_exemptions (member_id, starts_on, ends_on, reason, created_at) "
            f"SELECT id, '2026-01-01', NULL, 'elderly', {now} FROM members WHERE id % 200 = 11"
        )
    )
    db.session.commit()
    if d.pg:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return counts


def lower_bound_lapse_sql(d: Dialect, last: int, window: int) -> str:
    """The candidate set of the lapse sweep in one statement (read only)."""
    g, lst = d.greatest, d.least
    last_day = f"'{_last_day(last)}'"
    month_of = (
        "(CAST(EXTRACT(YEAR FROM {0}) AS INTEGER) * 12"
        " + CAST(EXTRACT(MONTH FROM {0}) AS INTEGER) - 1)"
        if d.pg
        else "(CAST(strftime('%Y', {0}) AS INTEGER) * 12"
        " + CAST(strftime('%m', {0}) AS INTEGER) - 1)"
    )
    wins = " UNION ALL ".join(f"SELECT {m} AS m" for m in range(last - window + 1, last + 1))
    return f"""
    WITH v AS (
        SELECT member_id, MAX(brk) AS brk FROM (
            SELECT member_id, {lst}(to_month, {last}) AS brk FROM valid_reasons
             WHERE from_month <= {last}
            UNION ALL
            SELECT member_id, CASE WHEN ends_on IS NULL OR ends_on > {last_day} THEN {last}
                                   ELSE {month_of.format("ends_on")} END
              FROM member_exemptions WHERE starts_on <= {last_day}
        ) x GROUP BY member_id
    ), w AS ({wins}),
    g AS (
        SELECT o.id AS org_id, MAX(w.m) AS gap FROM orgs o CROSS JOIN w
         WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.org_id = o.id AND a.month = w.m)
         GROUP BY o.id
    ), s AS (
        SELECT m.id, {g}(fl, COALESCE(m.paid_through_month, -1),
                         COALESCE(m.carried_paid_through_month, -1)) + 1 AS dues_from,
               {g}(fl, COALESCE(m.last_attended_month, -1), COALESCE(m.carried_org_life_month, -1),
                   COALESCE(g.gap, {last - window})) + 1 AS org_life_from,
               CASE WHEN m.category IN ('graduate', 'migrant')
                    THEN {g}(fl, m.entered_month - 1, COALESCE(m.last_checkin_month, -1)) + 1
                    ELSE {last + 1} END AS reports_from
          FROM (SELECT m.*, {g}({month_of.format("m.joined_on")} - 1, m.tracked_since_month - 1,
                                COALESCE(m.org_since_month, -1) - 1, COALESCE(v.brk, -1)) AS fl
                  FROM members m LEFT JOIN v ON v.member_id = m.id
                 WHERE m.status = 'active') m
          LEFT JOIN g ON g.org_id = m.org_id
    ), c AS (
        SELECT id, dues_from, org_life_from, reports_from FROM s
         WHERE {lst}(dues_from, org_life_from, reports_from) <= {last - 2}
    ), t AS (
        SELECT id, org_life_from, reports_from,
               CASE WHEN dues_from > {last - 2} THEN dues_from ELSE {g}(dues_from, {last + 1} - (
                   SELECT COUNT(*) FROM (
                       SELECT a.month, ROW_NUMBER() OVER (ORDER BY a.month DESC) AS rn
                         FROM dues_assessments a
                        WHERE a.member_id = c.id AND a.status IN ('unpaid', 'reduced')
                          AND a.month <= {last} AND a.month >= c.dues_from) q
                    WHERE q.month + q.rn = {last + 1})) END AS dues_from
          FROM c
    )
    SELECT SUM(CASE WHEN {lst}(dues_from, org_life_from, reports_from) <= {last - 2}
                    THEN 1 ELSE 0 END),
           SUM(CASE WHEN {lst}(dues_from, org_life_from, reports_from) <= {last - 5}
                    THEN 1 ELSE 0 END)
      FROM t
    """


def lower_bound_contact_sql(d: Dialect, first_silent: int) -> str:
    from flowmember.core import months
    from flowmember.lapse.sweeps import local_midnight

    fmt = "%Y-%m-%d %H:%M:%S"
    start = local_midnight(months.first_day(first_silent)).strftime(fmt)
    end = local_midnight(months.first_day(first_silent + 3)).strftime(fmt)
    return f"""
    SELECT COUNT(*) FROM members m
     WHERE m.status = 'active'
       AND (m.last_reached_at IS NULL OR m.last_reached_at < {d.ts(start)})
       AND (m.last_checkin_month IS NULL OR m.last_checkin_month < {first_silent})
       AND m.joined_on <= '{_last_day(first_silent)}'
       AND m.tracked_since_month <= {first_silent} AND m.entered_month <= {first_silent}
       AND COALESCE(m.org_since_month, 0) <= {first_silent}
       AND m.id IN (
           SELECT f.member_id FROM (
               SELECT member_id, at FROM contact_attempts
                WHERE outcome NOT IN ('reached', 'refused')
               UNION ALL
               SELECT member_id, COALESCE(sent_at, created_at) FROM reminders
                WHERE member_id IS NOT NULL AND (status = 'failed' OR bounced = true)
           ) f
            WHERE f.at >= {d.ts(start)} AND f.at < {d.ts(end)}
            GROUP BY f.member_id HAVING COUNT(*) >= 2)
    """


def _last_day(month: int) -> str:
    from flowmember.core import months

    return months.last_day(month).isoformat()


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def naive_loop(db, sample: int) -> float:
    """The naive ORM way: one member at a time, history loaded per member, rules in Python."""
    from sqlalchemy import select

    from flowmember.dues.models import DuesAssessment
    from flowmember.lapse import rules
    from flowmember.lapse.models import ValidReason
    from flowmember.members.models import Member

    t0 = time.perf_counter()
    members = db.session.scalars(select(Member).order_by(Member.id).limit(sample)).all()
    for member in members:
        dues = {
            a.month: a.status.value
            for a in db.session.scalars(
                select(DuesAssessment).where(DuesAssessment.member_id == member.id)
            )
        }
        valid = [
            (v.from_month, v.to_month)
            for v in db.session.scalars(
                select(ValidReason).where(ValidReason.member_id == member.id)
            )
        ]
        last = rules.last_judged_month(AS_OF)
        attended = [] if member.last_attended_month is None else [member.last_attended_month]
        reported = [] if member.last_checkin_month is None else [member.last_checkin_month]
        ev = rules.evidence(
            AS_OF,
            joined_on=member.joined_on,
            category=member.category.value,
            dues=dues,
            held=range(last - 11, last + 1),
            attended=attended,
            reported=range(0, (member.last_checkin_month or -1) + 1) if reported else [],
            valid=valid,
        )
        member.flag_lapse_risk = ev.longest >= 3
    db.session.flush()
    elapsed = time.perf_counter() - t0
    db.session.rollback()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--naive", type=int, default=0, help="sample size of the naive ORM loop")
    args = parser.parse_args()

    from flowmember import create_app
    from flowmember.config import TestingConfig
    from flowmember.core.transaction import committed
    from flowmember.extensions import db
    from flowmember.lapse import rules
    from flowmember.lapse.sweeps import run_contact_sweep, run_lapse_sweep

    # Each sweep as a job run does it: one transaction, committed at the end.
    lapse_sweep = committed(run_lapse_sweep)
    contact_sweep = committed(run_contact_sweep)

    config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with database(args.database_url, workdir) as url:
            app = create_app({**config, "DATABASE_URL": url})
            with app.app_context():
                db.create_all()
                dialect = Dialect(db.engine.dialect.name)
                last = rules.last_judged_month(AS_OF)
                print(
                    f"backend: {db.engine.dialect.name}; members: {args.members:,}; as_of {AS_OF}"
                )
                secs, counts = timed(lambda: generate(db, args.members, last))
                print(f"generated in {secs:.1f} s: {counts}")

                lb_sql = text(lower_bound_lapse_sql(dialect, last, rules.ORG_LIFE_WINDOW))
                lb_secs, (lb_risk, lb_lapsed) = timed(lambda: db.session.execute(lb_sql).one())
                db.session.rollback()
                first_secs, first = timed(lambda: lapse_sweep(AS_OF))
                second_secs, second = timed(lambda: lapse_sweep(AS_OF))
                lb2_secs, _ = timed(lambda: db.session.execute(lb_sql).one())
                db.session.rollback()
                lb_best = min(lb_secs, lb2_secs)
                print(
                    f"lapse lower bound (one SELECT): {lb_best:.2f} s "
                    f"-> {lb_risk} at risk, {lb_lapsed} lapsed"
                )
                print(
                    f"lapse_sweep first run:  {first_secs:.2f} s {first} "
                    f"ratio {first_secs / lb_best:.2f}x"
                )
                print(
                    f"lapse_sweep steady run: {second_secs:.2f} s {second} "
                    f"ratio {second_secs / lb_best:.2f}x (goal <= {TARGET_RATIO}x)"
                )
                agree = first["at_risk"] == lb_risk and first["opened"] == lb_lapsed
                print(f"same candidate set as the lower bound: {'yes' if agree else 'NO'}")

                first_silent = last - rules.UNREACHABLE_MONTHS + 1
                c_sql = text(lower_bound_contact_sql(dialect, first_silent))
                c_lb_secs, (c_lb,) = timed(lambda: db.session.execute(c_sql).one())
                db.session.rollback()
                c_first_secs, c_first = timed(lambda: contact_sweep(AS_OF))
                c_second_secs, c_second = timed(lambda: contact_sweep(AS_OF))
                c_lb2_secs, _ = timed(lambda: db.session.execute(c_sql).one())
                db.session.rollback()
                c_best = min(c_lb_secs, c_lb2_secs)
                print(f"contact lower bound (one SELECT): {c_best:.2f} s -> {c_lb} unreachable")
                print(
                    f"contact_sweep first run:  {c_first_secs:.2f} s {c_first} "
                    f"ratio {c_first_secs / c_best:.2f}x"
                )
                print(
                    f"contact_sweep steady run: {c_second_secs:.2f} s {c_second} "
                    f"ratio {c_second_secs / c_best:.2f}x (goal <= {TARGET_RATIO}x)"
                )
                print(f"same unreachable set: {'yes' if c_first['unreachable'] == c_lb else 'NO'}")

                if args.naive:
                    sample = min(args.naive, args.members)
                    naive_secs = naive_loop(db, sample)
                    projected = naive_secs * args.members / sample
                    print(
                        f"naive ORM loop: {naive_secs:.2f} s for {sample:,} members -> "
                        f"~{projected:.0f} s for {args.members:,} "
                        f"({projected / lb_best:.0f}x the lower bound)"
                    )
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
