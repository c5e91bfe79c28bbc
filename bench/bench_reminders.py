"""Benchmark: queue the month's check-in reminders for the whole tree (the checkin_reminders job,
one INSERT ... SELECT ... ON CONFLICT DO NOTHING) against a hand-written single INSERT ... SELECT
into the same table, and dispatch a batch of reminders against one UPDATE marking them sent,
measured in the same run.

Usage:
    .venv/bin/python bench/bench_reminders.py [--members N] [--dispatch D] [--repeat R]
                                              [--database-url URL]

Default: 200,000 members on a temporary SQLite file, 2,000 reminders dispatched through the
console SMS provider (no network). With
``--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres`` the script creates its own
database next to the one named, and drops it at the end. Members: 3 in 4 away (graduate or
migrant), 1 in 3 already checked in this month, 1 in 50 suspended. Each timed enqueue starts from
an empty reminders table; the best of ``--repeat`` runs is reported with the ratio."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import database, timed  # noqa: E402
from sqlalchemy import text  # noqa: E402

AS_OF = date(2026, 11, 21)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--dispatch", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    return parser.parse_args()


def generate(db, dialect: str, members: int) -> None:
    from flowmember.core.auth import SYSTEM
    from flowmember.core.months import of
    from flowmember.orgs.services import create_org

    top = create_org(SYSTEM, name="Bench committee", kind="committee", parent_id=None)
    branch = create_org(SYSTEM, name="Bench branch", kind="branch", parent_id=top.id)
    db.session.commit()
    if dialect == "postgresql":
        prefix, source = "", "generate_series(1, :n) AS s(i)"
        pad = "lpad(i::text, 18, '0')"
        phone = "'+86' || lpad(i::text, 11, '0')"
        day = "DATE '2015-01-01' + (i % 3000)"
        now = "now()"
    else:
        prefix = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) "
        source = "s"
        pad = "printf('%018d', i)"
        phone = "'+86' || printf('%011d', i)"
        day = "date('2015-01-01', '+' || (i % 3000) || ' days')"
        now = "datetime('now')"
    conn = db.session.connection()
    conn.execute(
        text(
            f"{prefix}INSERT INTO members (name, gender, id_number, birth_date, phone, category, "
            "stage, status, joined_on, org_id, retired, flag_lapse_risk, flag_unreachable, "
            "last_checkin_month, entered_month, tracked_since_month, created_at, updated_at) "
            f"SELECT 'Member ' || i, CASE WHEN i % 2 = 0 THEN 'male' ELSE 'female' END, {pad}, "
            f"{day}, {phone}, "
            "CASE i % 4 WHEN 0 THEN 'inflow' WHEN 1 THEN 'migrant' ELSE 'graduate' END, 'full', "
            "CASE WHEN i % 50 = 0 THEN 'suspended' ELSE 'active' END, "
            f"{day}, :org, false, false, false, "
            "CASE WHEN i % 3 = 0 THEN :this_month ELSE :this_month - 1 - (i % 5) END, 0, 0, "
            f"{now}, {now} FROM {source}"
        ),
        {"n": members, "org": branch.id, "this_month": of(AS_OF)},
    )
    db.session.commit()
    conn = db.session.connection()
    conn.execute(text("ANALYZE"))
    db.session.commit()


LOWER_BOUND = """
INSERT INTO reminders (member_id, kind, period, status, attempts, channel_attempts, bounced,
                       created_at)
SELECT id, 'checkin_due', :period, 'queued', 0, 0, false, :now
FROM members
WHERE status = 'active' AND category IN ('graduate', 'migrant')
  AND (last_checkin_month IS NULL OR last_checkin_month < :month) AND joined_on <= :last_day
"""


def empty(db, dialect: str) -> None:
    conn = db.session.connection()
    conn.execute(text("DELETE FROM reminder_deliveries"))
    conn.execute(text("DELETE FROM reminders"))
    db.session.commit()
    if dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE reminders"))


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="flowmember-bench-") as tmpdir:
        with database(args.database_url, Path(tmpdir)) as url:
            run(url, args, tmpdir)


def run(url: str, args, tmpdir: str) -> None:
    from flowmember import create_app
    from flowmember.core import months
    from flowmember.core import time as fm_time
    from flowmember.core.time import LOCAL_TZ, now_utc
    from flowmember.extensions import db
    from flowmember.reminders.dispatch import dispatch
    from jobs import checkin_reminders

    logging.disable(logging.INFO)
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": False, "SMS_PROVIDER": "console"}
    )
    app.instance_path = tmpdir
    from datetime import datetime

    noon = datetime(2026, 11, 21, 12, 0, tzinfo=LOCAL_TZ)
    fm_time.set_clock(lambda: noon)  # outside the SMS quiet hours
    with app.app_context():
        dialect = db.engine.dialect.name
        db.create_all()
        start = time.perf_counter()
        generate(db, dialect, args.members)
        print(
            f"{dialect}: generated {args.members:,} members in {time.perf_counter() - start:.1f} s"
        )
        month = months.of(AS_OF)

        def lower_bound() -> int:
            result = db.session.execute(
                text(LOWER_BOUND),
                {
                    "period": months.to_str(month),
                    "now": now_utc(),
                    "month": month,
                    "last_day": months.last_day(month),
                },
            )
            db.session.commit()
            return result.rowcount

        def job() -> int:
            counts = checkin_reminders.run(AS_OF)
            db.session.commit()
            return counts["checkin_due"]

        best_sql = best_job = float("inf")
        rows_sql = rows_job = 0
        for _ in range(max(1, args.repeat)):
            empty(db, dialect)
            seconds, rows_sql = timed(lower_bound)
            best_sql = min(best_sql, seconds)
            empty(db, dialect)
            seconds, rows_job = timed(job)
            best_job = min(best_job, seconds)
        again, added_again = timed(job)
        print(
            f"lower bound (one hand-written INSERT ... SELECT): {best_sql:.2f} s, {rows_sql:,} rows"
        )
        print(
            f"checkin_reminders job (ON CONFLICT DO NOTHING):   {best_job:.2f} s, {rows_job:,} rows"
        )
        print(
            f"checkin_reminders again (nothing to add):         {again:.2f} s, {added_again:,} rows"
        )
        print(f"ratio enqueue / lower bound: {best_job / best_sql:.2f}x")

        # Dispatch: keep only --dispatch queued rows, send them, compare with one UPDATE.
        def keep_first(n: int) -> None:
            db.session.execute(
                text(
                    "UPDATE reminders SET status = 'skipped' WHERE id NOT IN "
                    "(SELECT id FROM reminders ORDER BY id LIMIT :n)"
                ),
                {"n": n},
            )
            db.session.execute(
                text(
                    "UPDATE reminders SET status = 'queued', sent_at = NULL, attempts = 0 "
                    "WHERE id IN (SELECT id FROM reminders ORDER BY id LIMIT :n)"
                ),
                {"n": n},
            )
            db.session.execute(text("DELETE FROM reminder_deliveries"))
            db.session.commit()

        def update_bound() -> int:
            result = db.session.execute(
                text(
                    "UPDATE reminders SET status = 'sent', sent_at = :now, attempts = 1 "
                    "WHERE status = 'queued'"
                ),
                {"now": now_utc()},
            )
            db.session.commit()
            return result.rowcount

        def send() -> int:
            return dispatch(limit=200, rounds=10_000)["sent"]

        keep_first(args.dispatch)
        bound_s, bound_rows = timed(update_bound)
        keep_first(args.dispatch)
        send_s, sent = timed(send)
        print(
            f"lower bound (one UPDATE ... SET status='sent'): {bound_s:.3f} s, {bound_rows:,} rows"
        )
        print(
            f"dispatch (render, send, record, commit each): {send_s:.2f} s, {sent:,} sent, "
            f"{sent / send_s:,.0f} reminders/s"
        )
        print(
            f"ratio dispatch / lower bound: {send_s / max(bound_s, 1e-6):.0f}x "
            "(per-row by design: one commit per send, so a crash never sends twice)"
        )
        db.session.remove()
        db.engine.dispose()
    fm_time.set_clock(None)


if __name__ == "__main__":
    main()
