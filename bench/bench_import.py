"""Benchmark: importing the member ledger from .xlsx.

Generates an .xlsx of N members (default 10,000; 0.3 % bad rows), then times on a fresh database:
the dry run, the real import (validation + bulk writes + audit entries), and as the lower bound a
single hand-written executemany INSERT of the same prepared member rows. The target is a 10,000
row import in under 20 s.

Usage::

    .venv/bin/python bench/bench_import.py [--members N]
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
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

TARGET_SECONDS = 20.0
REGIONS = ["420102", "420103", "420104", "420105", "420106", "420111", "110101", "310104"]


def make_file(path: Path, n: int) -> int:
    from flowmember.members.columns import header_row
    from flowmember.members.identity import build_id_number

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("members")
    ws.append(header_row())
    bad = 0
    for i in range(n):
        block = i // 1000  # (birth date, sequence) is unique per row
        birth = date(1960 + block % 40, 1 + block % 12, 1 + block % 28)
        id_number = build_id_number(REGIONS[block % len(REGIONS)], birth, i % 1000)
        phone = f"13{i % 10}{i:08d}"
        if i % 333 == 7:  # about 3 bad rows per 1,000
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
            bad += 1
        located = i % 2 == 0
        ws.append(
            [
                f"党员{i}",
                "male" if i % 2 else "female",
                id_number,
                phone,
                None,
                "汉族",
                ["graduate", "migrant", "inflow", "other"][i % 4],
                "full",
                "active",
                date(2010 + i % 15, 7, 1),
                None,
                "BENCH1" if i % 3 else "BENCH2",
                None,
                "某省某县某村党支部" if i % 4 == 2 else None,
                "某科技有限公司",
                "某大学" if i % 4 == 0 else None,
                2015 + i % 10 if i % 4 == 0 else None,
                date(2025, 1 + i % 12, 1) if i % 4 == 1 else None,
                None,
                None,
                False,
                "420000" if located else None,
                "420100" if located else None,
                "420102" if located and i % 4 == 0 else None,
            ]
        )
    wb.save(path)
    return bad


def reset(db) -> None:
    with db.engine.begin() as conn:
        for name in ("member_locations", "member_consents", "audit_log", "members"):
            conn.execute(db.metadata.tables[name].delete())


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the member import.")
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    from flowmember import create_app
    from flowmember.config import TestingConfig
    from flowmember.core.auth import SYSTEM
    from flowmember.extensions import db
    from flowmember.members.ledger_io import import_members
    from flowmember.members.models import Member
    from flowmember.orgs.services import create_org

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with database(args.database_url, workdir) as url:
            config = {k: getattr(TestingConfig, k) for k in dir(TestingConfig) if k.isupper()}
            app = create_app({**config, "DATABASE_URL": url})
            with app.app_context():
                db.create_all()
                top = create_org(SYSTEM, name="bench committee", kind="committee", parent_id=None)
                create_org(SYSTEM, name="b1", kind="branch", parent_id=top.id, code="BENCH1")
                create_org(SYSTEM, name="b2", kind="branch", parent_id=top.id, code="BENCH2")
                db.session.commit()

                path = workdir / "members.xlsx"
                t0 = time.perf_counter()
                bad = make_file(path, args.members)
                print(
                    f"generated {path.name}: {args.members} rows ({bad} bad) in "
                    f"{time.perf_counter() - t0:.2f} s; backend {db.engine.dialect.name}"
                )

                from flowmember.members.ledger_io import read_rows

                t0 = time.perf_counter()
                sheet = read_rows(path)
                read = sum(1 for _ in sheet.rows)
                sheet.close()
                read_s = time.perf_counter() - t0
                print(f"read only:    {read_s:7.2f} s  (openpyxl read_only, {read} rows)")

                t0 = time.perf_counter()
                dry = import_members(SYSTEM, path, dry_run=True)
                db.session.rollback()
                dry_s = time.perf_counter() - t0
                print(
                    f"dry run:      {dry_s:7.2f} s  ({dry.created} would be new, "
                    f"{len(dry.rejected)} rejected)"
                )

                t0 = time.perf_counter()
                report = import_members(SYSTEM, path)
                db.session.commit()
                real_s = time.perf_counter() - t0
                count = db.session.scalar(select(func.count()).select_from(Member))
                print(
                    f"import:       {real_s:7.2f} s  ({report.created} new, "
                    f"{len(report.rejected)} rejected, {count} rows in members)"
                )

                t0 = time.perf_counter()
                again = import_members(SYSTEM, path)
                db.session.commit()
                again_s = time.perf_counter() - t0
                print(
                    f"re-import:    {again_s:7.2f} s  ({again.unchanged} unchanged, "
                    f"{again.updated} updated)"
                )

                # Lower bound: the same member rows, already prepared, in one executemany INSERT.
                prepared = [
                    {c.key: getattr(m, c.key) for c in Member.__table__.columns if c.key != "id"}
                    for m in db.session.scalars(select(Member))
                ]
                db.session.commit()
                reset(db)
                t0 = time.perf_counter()
                with db.engine.begin() as conn:
                    conn.execute(insert(Member.__table__), prepared)
                bound_s = time.perf_counter() - t0
                print(
                    f"lower bound:  {bound_s:7.2f} s  (one executemany INSERT of "
                    f"{len(prepared)} prepared rows)"
                )
                print(
                    f"ratio import / lower bound: {real_s / bound_s:.1f}x; "
                    f"target {TARGET_SECONDS:.0f} s for 10,000 rows: "
                    f"{'met' if real_s < TARGET_SECONDS * args.members / 10_000 else 'MISSED'}"
                )
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
