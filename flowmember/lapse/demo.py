"""Lapse and lost contact: demo data — a few valid reasons and escalation contacts; the cases,
warnings and unreachable flags come from running both sweeps on the demo's history."""

from __future__ import annotations

from flowmember.core import months
from flowmember.core.auth import SYSTEM
from flowmember.demo_context import DemoContext
from flowmember.lapse import services
from flowmember.lapse.sweeps import run_contact_sweep, run_lapse_sweep

FAMILY = ["父亲", "母亲", "配偶", "姐姐"]


def seed_demo(ctx: DemoContext) -> None:
    """Add this package's demo records."""
    active = [m for m in ctx.members if m.status.value == "active"]
    last = months.of(ctx.today) - 1
    for member, kind, note in zip(
        active[:2], ("illness", "leave"), ("住院治疗", "经支部批准请假（外出培训）"), strict=False
    ):
        services.add_valid_reason(
            SYSTEM, member.id, kind=kind, from_month=last - 2, to_month=last - 1, note=note
        )
    added = 0
    for i, member in enumerate(active[2:12]):
        services.add_escalation_contact(
            SYSTEM,
            member.id,
            {
                "kind": "introducer",
                "name": f"入党介绍人（{member.name[0]}同志）",
                "phone": f"+8613900{i:06d}",
                "note": None,
            },
        )
        services.add_escalation_contact(
            SYSTEM,
            member.id,
            {
                "kind": "family",
                "name": FAMILY[i % len(FAMILY)],
                "phone": f"+8613700{i:06d}",
                "note": None,
            },
        )
        if member.employer:
            services.add_escalation_contact(
                SYSTEM,
                member.id,
                {"kind": "employer", "name": member.employer, "phone": None, "note": None},
            )
        added += 1
    lapse = run_lapse_sweep(ctx.today)
    contact = run_contact_sweep(ctx.today)
    ctx.summary.append(
        f"Lapse: {lapse['opened']} cases opened, {lapse['warned']} warnings; "
        f"{contact['unreachable']} unreachable; escalation contacts for {added} members."
    )
