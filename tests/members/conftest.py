"""Fixtures of the member ledger's tests."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from flowmember.members.identity import build_id_number


@pytest.fixture
def branch(make_org):
    """A branch with a code (an import names its org by code); a module may override it."""
    return make_org("branch", code="B1")


@pytest.fixture
def secretary(make_user, branch):
    return make_user("secretary", branch)


def write_csv(path, rows: list[dict]):
    """``rows`` as a UTF-8 (with BOM) .csv at ``path``, headed by the first row's keys."""
    keys = list(rows[0])
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(keys)
        for r in rows:
            writer.writerow([r.get(k, "") for k in keys])
    return path


@pytest.fixture
def member_payload():
    """A valid POST /members body for an org (``member_payload(org, **overrides)``)."""
    counter = iter(range(100, 999))

    def make(org, **overrides):
        n = next(counter)
        birth = date(1996, 5, 17)
        body = {
            "name": f"A member {n}",
            "gender": "female",
            "id_number": build_id_number("420102", birth, n * 2),
            "phone": f"139{n:08d}",
            "category": "graduate",
            "stage": "full",
            "joined_on": "2019-06-01",
            "org_id": org.id,
            "university": "A university",
            "graduation_year": 2019,
        }
        body.update(overrides)
        return body

    return make
