"""The lapse CLI commands and the demo's lapse records."""

import json

from sqlalchemy import func, select

from flowmember.core import months
from flowmember.extensions import db
from flowmember.lapse.models import EscalationContact, LapseCase, SweepRun, ValidReason


def test_cli_sweeps_with_as_of(cli_runner, make_member):
    make_member(category="migrant", last_checkin_month=months.parse("2026-04"))
    result = cli_runner.invoke(args=["lapse", "sweep", "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["opened"] == 1
    again = cli_runner.invoke(args=["lapse", "sweep", "--as-of", "2026-11-30"])
    assert json.loads(again.output)["opened"] == 0
    contact = cli_runner.invoke(args=["lapse", "contact-sweep", "--as-of", "2026-11-30"])
    assert contact.exit_code == 0 and "flagged" in json.loads(contact.output)
    runs = db.session.scalars(select(SweepRun).order_by(SweepRun.id)).all()
    assert [r.name for r in runs] == ["lapse_sweep", "lapse_sweep", "contact_sweep"]
    assert runs[0].counts["opened"] == 1 and runs[0].finished_at is not None
    bad = cli_runner.invoke(args=["lapse", "sweep", "--as-of", "30/11/2026"])
    assert bad.exit_code != 0


def test_demo_has_valid_reasons_contacts_and_runs_the_sweeps(app):
    from flowmember.demo import load_demo

    load_demo(member_count=60)
    assert db.session.scalar(select(func.count()).select_from(ValidReason)) == 2
    assert db.session.scalar(select(func.count()).select_from(EscalationContact)) >= 20
    names = db.session.scalars(select(SweepRun.name)).all()
    assert "lapse_sweep" in names and "contact_sweep" in names
    # Cases, if any, carry their evidence months.
    for case in db.session.scalars(select(LapseCase)):
        assert any(case.criteria.values())
