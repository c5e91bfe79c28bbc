"""Human explanations of the dues rules, translated at the edge (the rules speak in codes)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from flowmember.core.money import fmt

RULE_TEXTS = {
    "in_work_upto_3000": _l(
        "In work, base up to 3,000 yuan inclusive: %(rate)s of the base.", rate="0.5%"
    ),
    "in_work_3000_5000": _l(
        "In work, base over 3,000 up to 5,000 yuan: %(rate)s of the base.", rate="1%"
    ),
    "in_work_5000_10000": _l(
        "In work, base over 5,000 up to 10,000 yuan: %(rate)s of the base.", rate="1.5%"
    ),
    "in_work_over_10000": _l("In work, base over 10,000 yuan: %(rate)s of the base.", rate="2%"),
    "retired_upto_5000": _l(
        "Retired, base up to 5,000 yuan inclusive: %(rate)s of the base.", rate="0.5%"
    ),
    "retired_over_5000": _l("Retired, base over 5,000 yuan: %(rate)s of the base.", rate="1%"),
    "fixed_0_20": _l(
        "Students, unemployed members and members living on relief or minimum-subsistence "
        "allowance pay a fixed 0.20 yuan a month."
    ),
    "farmer_fixed": _l("Farmers pay a fixed amount set by the branch (0.20 to 1.00 yuan)."),
    "cap_1000": _l("Monthly dues are at most 1,000 yuan; the member may volunteer more."),
    "voluntary": _l("The member volunteered a monthly amount above the dues the rule gives."),
}

PAYEE_TEXTS = {
    "managing_inflow_org": _l("You pay the organisation that manages you in the inflow area."),
    "entrusted_inflow_org": _l(
        "You pay the inflow-area organisation your home branch entrusted with managing you."
    ),
    "home_org": _l(
        "No receiving organisation is settled where you are: you pay your home (outflow) "
        "organisation, or back-pay the inflow organisation once one is settled."
    ),
    "relation_org": _l("You pay the organisation that holds your membership relation."),
}

KIND_LABELS = {
    "employed": _l("In work (monthly pay)"),
    "self_employed": _l("Self-employed (previous quarter's average)"),
    "scholarship": _l("Graduate student on a scholarship"),
    "retired": _l("Retired"),
    "student": _l("Student"),
    "unemployed": _l("Laid off or unemployed"),
    "relief": _l("Living on relief or a hardship pension"),
    "subsistence": _l("On minimum-subsistence allowance"),
    "farmer": _l("Farmer"),
}

STATUS_LABELS = {
    "paid": _l("Paid"),
    "unpaid": _l("Unpaid"),
    "exempt": _l("Exempt"),
    "reduced": _l("Reduced, unpaid"),
}

METHOD_LABELS = {
    "cash": _l("Cash"),
    "bank": _l("Bank transfer"),
    "proxy": _l("Paid on the member's behalf"),
    "online": _l("Online"),
}


def rule_text(code: str | None) -> str | None:
    if code is None:
        return None
    text = RULE_TEXTS.get(code)
    return str(text) if text is not None else code


def payee_text(code: str) -> str:
    return str(PAYEE_TEXTS.get(code, code))


def base_explanation(kind: str, base_fen: int, monthly_fen: int, rule: str) -> str:
    """One sentence for the member: base, kind, the rule and the monthly amount."""
    return _(
        "Base %(base)s yuan (%(kind)s): %(rule)s Monthly dues: %(monthly)s yuan.",
        base=fmt(base_fen),
        kind=str(KIND_LABELS.get(kind, kind)),
        rule=rule_text(rule),
        monthly=fmt(monthly_fen),
    )
