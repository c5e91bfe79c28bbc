"""Benchmark: assess one month of dues for the whole tree (flowmember.dues.services.assess_month)
against a hand-written single INSERT ... SELECT into the same table, measured in the same run.

Usage:
    .venv/bin/python bench/bench_assess.py [--members N] [--branches B] [--repeat R]
                                           [--database-url URL]

Default: 1,000,000 members on a temporary SQLite file. With
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` the script creates its own
database next to the one named, and drops it at the end. Data is generated set-based
(generate_series on PostgreSQL, a recursive CTE on SQLite): members spread over B branches, a
base for the year for every member but 1 in 200, 1 in 100 joined after the month, 1 in 97
transferred out, 1 in 1000 with an approved exemption. Each timed run starts from an empty
assessments table; the best of ``--repeat`` runs of each is reported, with the ratio
(goal: assess_month within 1.5x of the lower bound)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import database, timed  # noqa: E402
from sqlalchemy import text  # noqa: E402

YEAR, MONTH = 2026, 11


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--branches", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    return parser.parse_args()


def generate(db, dialect: str, members: int, branches: int) -> None:
    """Orgs through the service; members, bases and exemptions with one statement each."""
    from flowmember.core.auth import SYSTEM
    from flowmember.core.months import index
    from flowmember.orgs.services import create_org

    top = create_org(SYSTEM, name="Bench committee", kind="committee", parent_id=None)
    first_branch = None
    for b in range(branches):
        org = create_org(SYSTEM, name=f"Branch {b}", kind="branch", parent_id=top.id)
        first_branch = first_branch or org.id
    db.session.commit()
    month = index(YEAR, MONTH)
    if dialect == "postgresql":
        series = "generate_series(1, :n) AS s(i)"
        pad = "lpad(i::text, 18, '0')"
        phone = "'+86' || lpad(i::text, 11, '0')"
        day = "DATE '2015-01-01' + (i % 3000)"
        late = "DATE '2027-03-01'"
        now = "now()"
        prefix, source = "", series
    else:
        prefix = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
        source = "s"
        pad = "printf('%018d', i)"
        phone = "'+86' || printf('%011d', i)"
        day = "date('2015-01-01', '+' || (i % 3000) || ' days')"
        late = "'2027-03-01'"
        now = "datetime('now')"
    conn = db.session.connection()
    conn.execute(
        text(
            f"{prefix}INSERT INTO members (name, gender, id_number, birth_date, phone, category, "
            "stage, status, joined_on, org_id, retired, flag_lapse_risk, flag_unreachable, "
            "entered_month, tracked_since_month, created_at, updated_at) "
            f"SELECT 'Member ' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, {pad}, "
            f"{day}, {phone}, 'graduate', 'full', "
            "CASE WHEN i % 97 = 0 THEN 'transferred_out' ELSE 'active' END, "
            f"CASE WHEN i % 100 = 0 THEN {late} ELSE {day} END, "
            # Month 0: tracked in FlowMember since joining (counting starts at the join month).
            f":first + (i % :branches), false, false, false, 0, 0, {now}, {now} FROM {source}"
        ),
        {"n": members, "first": first_branch, "branches": branches},
    )
    conn.execute(
        text(
            "INSERT INTO dues_bases (member_id, year, kind, base_fen, monthly_fen, rule, rate, "
            "capped, from_month, updated_at) "
            "SELECT id, :year, 'employed', 400000 + (id % 7) * 100000, "
            "CASE WHEN id % 7 < 2 THEN 4000 + (id % 7) * 1000 ELSE 6000 + (id % 7) * 1500 END, "
            "'in_work_3000_5000', '0.01', false, :from_month, "
            f"{now} FROM members WHERE id % 200 <> 0"
        ),
        {"year": YEAR, "from_month": index(YEAR, 1)},
    )
    conn.execute(
        text(
            "INSERT INTO dues_exemptions (member_id, from_month, to_month, kind, monthly_fen, "
            "reason, status, created_at) "
            "SELECT id, :first, :last, CASE WHEN id % 2000 = 0 THEN 'exempt' ELSE 'reduced' END, "
            f"100, 'hardship', 'approved', {now} FROM members WHERE id % 1000 = 0"
        ),
        {"first": month - 3, "last": month + 3},
    )
    db.session.commit()
    conn = db.session.connection()
    conn.execute(text("ANALYZE"))
    db.session.commit()


LOWER_BOUND = """
INSERT INTO dues_assessments
    (member_id, month, org_id, charged_fen, amount_fen, status, reduced, rule, created_at)
SELECT m.id, :month, m.org_id, b.monthly_fen, b.monthly_fen, 'unpaid', false, b.rule, :now
FROM members m JOIN dues_bases b ON b.member_id = m.id AND b.year = :year
WHERE m.status = 'active' AND m.joined_on <= :last_day
"""


def empty(db, dialect: str) -> None:
    conn = db.session.connection()
    if dialect == "postgresql":
        conn.execute(text("TRUNCATE dues_assessments"))
    else:
        conn.execute(text("DELETE FROM dues_assessments"))
    db.session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE dues_assessments"))


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="flowmember-bench-") as tmpdir:
        with database(args.database_url, Path(tmpdir)) as url:
            run(url, args)


def run(url: str, args) -> None:
    from flowmember import create_app
    from flowmember.core.auth import SYSTEM
    from flowmember.core.months import index, last_day
    from flowmember.core.time import now_utc
    from flowmember.dues.services import assess_month
    from flowmember.extensions import db

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False})
    with app.app_context():
        dialect = db.engine.dialect.name
        db.create_all()
        start = time.perf_counter()
        generate(db, dialect, args.members, args.branches)
        print(
            f"{dialect}: generated {args.members:,} members in {args.branches} branches "
            f"in {time.perf_counter() - start:.1f} s"
        )
        month = index(YEAR, MONTH)

        def lower_bound() -> int:
            result = db.session.execute(
                text(LOWER_BOUND),
                {"month": month, "now": now_utc(), "year": YEAR, "last_day": last_day(month)},
            )
            db.session.commit()
            return result.rowcount

        def service() -> int:
            added = assess_month(SYSTEM, month)
            db.session.commit()
            return added

        best_sql = best_svc = float("inf")
        rows_sql = rows_svc = 0
        for _ in range(max(1, args.repeat)):
            empty(db, dialect)
            seconds, rows_sql = timed(lower_bound)
            best_sql = min(best_sql, seconds)
            empty(db, dialect)
            seconds, rows_svc = timed(service)
            best_svc = min(best_svc, seconds)
        again, added_again = timed(service)
        print(
            f"lower bound (one hand-written INSERT ... SELECT): {best_sql:.2f} s, {rows_sql:,} rows"
        )
        print(
            f"assess_month (whole tree):                        {best_svc:.2f} s, {rows_svc:,} rows"
        )
        print(
            f"assess_month again (nothing to add):              {again:.2f} s, {added_again:,} rows"
        )
        print(f"ratio assess_month / lower bound: {best_svc / best_sql:.2f}x (goal <= 1.5x)")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
