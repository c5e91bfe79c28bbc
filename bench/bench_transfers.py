"""Benchmark: overdue letters and the transfer lists.

Generates N members in a committee with 20 branches and one transfer per member in a mix of
states (about a third issued, some past validity, some re-issued), then times:

1. ``queries.overdue(as_of)`` (ORM objects) against a hand-written single SQL statement
   returning the same rows (the lower bound);
2. the staff list ``GET /transfers?overdue=true`` query for one branch (first page of 20 plus
   the COUNT the pager runs) against hand-written SQL doing the same;
3. letter number allocation (counter row UPDATE ... RETURNING) for 1,000 letters against
   1,000 bare UPDATEs of a one-row table.

Usage::

    .venv/bin/python bench/bench_transfers.py [--members N]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

With a PostgreSQL URL the script creates its own database next to the given one and drops it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import database  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

AS_OF = date(2026, 11, 20)


def timed(fn, repeat: int = 3):
    best = None
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def populate(db, n: int) -> dict:
    from flowmember.core.auth import SYSTEM
    from flowmember.members.identity import build_id_number
    from flowmember.members.models import Member
    from flowmember.orgs.services import create_org
    from flowmember.transfers.models import Transfer

    top = create_org(SYSTEM, name="Bench committee", kind="committee", parent_id=None, code="BX")
    branches = [
        create_org(SYSTEM, name=f"Bench branch {i}", kind="branch", parent_id=top.id)
        for i in range(20)
    ]
    db.session.commit()
    members = []
    for i in range(n):
        birth = date(1970 + (i // 1000) % 40, 1 + (i // 1000) % 12, 1 + (i // 1000) % 28)
        members.append(
            {
                "name": f"党员{i}",
                "gender": "male" if i % 2 else "female",
                "id_number": build_id_number("420102", birth, i % 1000),
                "birth_date": birth,
                "phone": f"+8613{i:09d}",
                "category": "migrant",
                "stage": "full",
                "status": "active",
                "joined_on": date(2015, 1, 1),
                "org_id": branches[i % 20].id,
                "retired": False,
                "flag_lapse_risk": False,
                "flag_unreachable": False,
            }
        )
    for chunk in range(0, n, 5000):
        db.session.execute(insert(Member), members[chunk : chunk + 5000])
    db.session.commit()
    ids = [row[0] for row in db.session.execute(text("SELECT id, org_id FROM members"))]
    org_of = dict(db.session.execute(text("SELECT id, org_id FROM members")).all())
    states = ["requested", "issued", "received", "issued", "returned", "cancelled", "issued"]
    rows = []
    for k, member_id in enumerate(ids):
        status = states[k % len(states)]
        issued = AS_OF - timedelta(days=k % 70) if status != "requested" else None
        rows.append(
            {
                "member_id": member_id,
                "direction": "out",
                "status": status,
                "from_org_id": org_of[member_id],
                "issuing_committee_id": top.id,
                "to_org_name": "Outside org",
                "reason_kind": "work_move",
                "reason": "bench",
                "validity_days": 30 if k % 3 else 90,
                "needs_committee_approval": True,
                "letter_no": f"BX-2026-{k:06d}" if issued else None,
                "letter_year": 2026 if issued else None,
                "letter_seq": k if issued else None,
                "issued_on": issued,
                "expires_on": issued + timedelta(days=30 if k % 3 else 90) if issued else None,
                "member_name": f"党员{k}",
            }
        )
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(Transfer), rows[chunk : chunk + 5000])
    db.session.commit()
    # re-issue: every 50th returned letter points at an earlier one
    db.session.execute(
        text(
            "UPDATE transfers SET reissued_from_id = id - 1 "
            "WHERE status = 'returned' AND id % 50 = 0"
        )
    )
    db.session.commit()
    return {"top_id": top.id, "branch_id": branches[3].id, "branch_path": branches[3].path}


LOWER_OVERDUE = """
SELECT t.* FROM transfers t
WHERE t.direction = 'out' AND t.status IN ('issued', 'expired')
  AND (t.expires_on < :as_of OR t.issued_on < :cutoff)
  AND NOT EXISTS (SELECT 1 FROM transfers n WHERE n.reissued_from_id = t.id)
ORDER BY t.issued_on, t.id
"""

LOWER_LIST = """
SELECT t.* FROM transfers t
WHERE (t.from_org_id IN (SELECT id FROM orgs WHERE path LIKE :p)
       OR t.to_org_id IN (SELECT id FROM orgs WHERE path LIKE :p))
  AND t.from_org_id IN (SELECT id FROM orgs WHERE path LIKE :p)
  AND t.direction = 'out' AND t.status IN ('issued', 'expired')
  AND (t.expires_on < :as_of OR t.issued_on < :cutoff)
  AND NOT EXISTS (SELECT 1 FROM transfers n WHERE n.reissued_from_id = t.id)
ORDER BY t.created_at DESC, t.id DESC LIMIT 20
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from flowmember import create_app
    from flowmember.config import TestingConfig

    with tempfile.TemporaryDirectory() as tmp:
        with database(args.database_url, Path(tmp)) as url:
            config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
            app = create_app({**config, "DATABASE_URL": url})
            app.instance_path = tmp
            with app.app_context():
                run(app, args.members, url)


def run(app, n: int, url: str) -> None:
    from sqlalchemy import func, select

    from flowmember.accounts.models import User
    from flowmember.extensions import db
    from flowmember.transfers import queries
    from flowmember.transfers.letters import allocate_letter_no

    db.create_all()
    start = time.perf_counter()
    ctx = populate(db, n)
    print(f"backend: {url.split(':')[0]}; members/transfers: {n:,}")
    print(f"populate: {time.perf_counter() - start:.1f} s")

    cutoff = AS_OF - timedelta(days=30)
    t_orm, rows = timed(lambda: queries.overdue(AS_OF))
    db.session.expunge_all()
    t_sql, raw = timed(
        lambda: db.session.execute(text(LOWER_OVERDUE), {"as_of": AS_OF, "cutoff": cutoff}).all()
    )
    assert len(rows) == len(raw), (len(rows), len(raw))
    print(
        f"overdue(as_of): {len(rows):,} letters in {t_orm * 1000:.0f} ms; "
        f"single SQL {t_sql * 1000:.0f} ms; ratio {t_orm / t_sql:.2f}"
    )

    actor = User(id=None, username="bench", role="secretary", org_id=ctx["branch_id"])
    stmt = queries.list_query(actor, overdue=True, direction="out", as_of=AS_OF)

    def page():
        items = db.session.scalars(stmt.limit(20)).all()
        count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        return items, count

    t_list, (items, count) = timed(page)
    db.session.expunge_all()
    params = {"p": ctx["branch_path"] + "%", "as_of": AS_OF, "cutoff": cutoff}

    def lower_page():
        got = db.session.execute(text(LOWER_LIST), params).all()
        total = db.session.execute(
            text("SELECT count(*) FROM (" + LOWER_LIST.replace("LIMIT 20", "") + ") s"), params
        ).scalar()
        return got, total

    t_lower, (lower_items, lower_count) = timed(lower_page)
    assert count == lower_count and len(items) == len(lower_items), (count, lower_count)
    print(
        f"branch overdue list page + count: {count:,} rows total, {t_list * 1000:.1f} ms; "
        f"single SQL {t_lower * 1000:.1f} ms; ratio {t_list / t_lower:.2f}"
    )

    committee_id = ctx["top_id"]

    def allocate():
        for _ in range(1000):
            allocate_letter_no(committee_id, date(2027, 1, 5))
        db.session.commit()

    t_alloc, _ = timed(allocate, repeat=1)
    db.session.execute(text("CREATE TABLE bench_counter (k INTEGER PRIMARY KEY, v INTEGER)"))
    db.session.execute(text("INSERT INTO bench_counter VALUES (1, 0)"))
    db.session.commit()

    def bare():
        for _ in range(1000):
            db.session.execute(text("UPDATE bench_counter SET v = v + 1 WHERE k = 1"))
        db.session.commit()

    t_bare, _ = timed(bare, repeat=1)
    print(
        f"1,000 letter numbers: {t_alloc * 1000:.0f} ms; 1,000 bare counter UPDATEs "
        f"{t_bare * 1000:.0f} ms; ratio {t_alloc / t_bare:.2f}"
    )


if __name__ == "__main__":
    main()
