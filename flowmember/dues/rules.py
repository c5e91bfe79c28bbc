"""Dues rules (DOMAIN §6): pure functions of values, no Flask, no session.

``monthly_dues`` turns a declared base into the monthly amount and names the rule that produced
it, so the member's page can explain the figure. Money is ``Decimal`` yuan here, rounded half up to
the fen; storage is integer fen (see :mod:`flowmember.core.money`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from flowmember.core.errors import ValidationError
from flowmember.core.money import FEN, round_fen

CAP = Decimal("1000.00")
#: A base above this is taken for a typing mistake (product bound).
MAX_BASE = Decimal("10000000.00")
FARMER_MIN = Decimal("0.20")
FARMER_MAX = Decimal("1.00")
FIXED_AMOUNT = Decimal("0.20")
#: Back-payment normally covers at most this many months before the current one (DOMAIN §6).
BACKPAY_MONTHS = 6
#: A payment (or an online order) covers at most this many months at a time.
MAX_PAY_MONTHS = 24
#: Large dues (大额党费): a voluntary single extra payment above this amount.
LARGE_DUES_THRESHOLD = Decimal("1000.00")


class DuesKind(enum.StrEnum):
    employed = "employed"  #: 按月领取工资 / 年薪制
    self_employed = "self_employed"  #: 个体经营者: previous quarter's average monthly net income
    scholarship = "scholarship"  #: 研究生: the state scholarship actually received
    retired = "retired"  #: 离退休: basic pension + annuity + non-pooled pension
    student = "student"  #: 学生 (secondary school to undergraduate)
    unemployed = "unemployed"  #: 下岗失业
    relief = "relief"  #: 依靠抚恤或救济生活
    subsistence = "subsistence"  #: 领取最低生活保障金
    farmer = "farmer"  #: 农民: a fixed amount set by the branch


IN_WORK = frozenset({DuesKind.employed, DuesKind.self_employed, DuesKind.scholarship})
FIXED = frozenset({DuesKind.student, DuesKind.unemployed, DuesKind.relief, DuesKind.subsistence})

#: (upper bound inclusive or None, rate, rule code). A rate applies to the whole base.
IN_WORK_BRACKETS: tuple[tuple[Decimal | None, Decimal, str], ...] = (
    (Decimal("3000"), Decimal("0.005"), "in_work_upto_3000"),
    (Decimal("5000"), Decimal("0.01"), "in_work_3000_5000"),
    (Decimal("10000"), Decimal("0.015"), "in_work_5000_10000"),
    (None, Decimal("0.02"), "in_work_over_10000"),
)
RETIRED_BRACKETS: tuple[tuple[Decimal | None, Decimal, str], ...] = (
    (Decimal("5000"), Decimal("0.005"), "retired_upto_5000"),
    (None, Decimal("0.01"), "retired_over_5000"),
)

#: Every rule code a quote can carry (the explanation texts live in explain.py).
RULES = frozenset(
    [code for _, _, code in IN_WORK_BRACKETS + RETIRED_BRACKETS]
    + ["fixed_0_20", "farmer_fixed", "cap_1000", "voluntary"]
)

#: Assessment statuses. ``reduced`` means a reduced amount is owed and not yet paid; once paid the
#: month is ``paid`` (with ``reduced`` kept as a flag on the row).
UNPAID_STATUSES = ("unpaid", "reduced")
SETTLED_STATUSES = ("paid", "exempt")


@dataclass(frozen=True)
class Quote:
    """The monthly amount and how it was reached."""

    monthly: Decimal
    #: The rate applied to the base, or None for a fixed amount.
    rate: Decimal | None
    #: Rule code, e.g. ``in_work_3000_5000`` (see explain.RULE_TEXTS).
    rule: str
    #: The bracket's result exceeded 1,000 yuan and the monthly amount is that result cut down
    #: to the cap (False when a voluntary amount replaces the capped one).
    capped: bool
    #: The bracket rule before cap or voluntary amount.
    bracket_rule: str
    #: The amount the bracket gives before the cap.
    computed: Decimal

    @property
    def monthly_fen(self) -> int:
        return int(self.monthly * 100)


def parse_amount(value, field: str, *, allow_zero: bool = True) -> Decimal:
    """A yuan amount from the API (string or number) -> Decimal with at most 2 decimals.

    Raises ValidationError naming ``field`` for anything non-numeric, negative or finer than
    a fen."""
    if isinstance(value, bool) or value is None:
        raise ValidationError({field: ['Must be an amount in yuan, e.g. "12.50".']})
    if isinstance(value, float):
        value = repr(value)
    try:
        amount = Decimal(str(value).strip())
    except Exception:  # decimal.InvalidOperation and friends
        raise ValidationError({field: ['Must be an amount in yuan, e.g. "12.50".']}) from None
    if not amount.is_finite():
        raise ValidationError({field: ['Must be an amount in yuan, e.g. "12.50".']})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: ["Must not be negative." if amount < 0 else "Must be > 0."]})
    if amount > MAX_BASE:
        raise ValidationError({field: ["Too large."]})
    if amount != amount.quantize(FEN):
        raise ValidationError({field: ["At most two decimals (fen)."]})
    return amount.quantize(FEN)


def _bracket(base: Decimal, brackets) -> tuple[Decimal, str]:
    for upper, rate, code in brackets:
        if upper is None or base <= upper:
            return rate, code
    raise AssertionError("brackets end with an open bound")  # pragma: no cover


def monthly_dues(
    base,
    kind: DuesKind | str,
    *,
    farmer_amount=None,
    voluntary=None,
) -> Quote:
    """Monthly dues for a base (yuan/month) and kind (DOMAIN §6).

    - in work (employed, self-employed, scholarship): 0.5% / 1% / 1.5% / 2% of the whole base
      for bases up to 3,000 / 5,000 / 10,000 / above (upper bounds inclusive);
    - retired: 0.5% up to 5,000 inclusive, 1% above;
    - student, unemployed, relief, subsistence: 0.20 fixed;
    - farmer: ``farmer_amount`` set by the branch, 0.20 to 1.00;
    - at most 1,000.00 a month; ``voluntary`` (a monthly amount the member chooses, not below
      the dues after the cap) replaces that amount;
    - ``capped`` is True exactly when the bracket's result was above 1,000.00 and the monthly
      amount is 1,000.00 (the result was reduced to the cap; a voluntary amount above the cap
      means nothing was capped).

    Results are rounded half up to the fen. Raises ValidationError naming the bad field."""
    try:
        kind = DuesKind(kind)
    except ValueError:
        raise ValidationError({"kind": ["Unknown kind of dues payer."]}) from None
    base = parse_amount(base, "base")
    if kind in IN_WORK:
        rate, code = _bracket(base, IN_WORK_BRACKETS)
        computed = round_fen(base * rate)
    elif kind == DuesKind.retired:
        rate, code = _bracket(base, RETIRED_BRACKETS)
        computed = round_fen(base * rate)
    elif kind in FIXED:
        rate, code, computed = None, "fixed_0_20", FIXED_AMOUNT
    else:  # farmer
        if farmer_amount is None:
            raise ValidationError({"farmer_amount": ["Required for farmers (0.20 to 1.00)."]})
        amount = parse_amount(farmer_amount, "farmer_amount")
        if not FARMER_MIN <= amount <= FARMER_MAX:
            raise ValidationError({"farmer_amount": ["Must be between 0.20 and 1.00."]})
        rate, code, computed = None, "farmer_fixed", amount
    monthly, rule = computed, code
    if computed > CAP:
        monthly, rule = CAP, "cap_1000"
    if voluntary is not None:
        extra = parse_amount(voluntary, "voluntary")
        if extra < monthly:
            raise ValidationError(
                {"voluntary": ["A voluntary amount cannot be below the dues it replaces."]}
            )
        if extra > monthly:
            monthly, rule = extra, "voluntary"
    # Capped only when the amount charged is the bracket's result cut down to the cap: a
    # voluntary amount above the cap replaces it, and nothing is capped then.
    capped = computed > CAP and monthly == CAP
    return Quote(
        monthly=monthly, rate=rate, rule=rule, capped=capped, bracket_rule=code, computed=computed
    )


def rate_percent(rate: Decimal | None) -> str | None:
    """``Decimal("0.015")`` -> ``"1.5%"``."""
    if rate is None:
        return None
    text = format((rate * 100).normalize(), "f")
    return f"{text}%"


def backpay_needs_approval(month: int, current_month: int) -> bool:
    """A month more than :data:`BACKPAY_MONTHS` months before the current one needs approval
    (staff record it with the branch's approval; a member cannot pay it online)."""
    return current_month - month > BACKPAY_MONTHS


def is_large_dues(amount: Decimal) -> bool:
    """A voluntary single payment above 1,000 yuan is large dues (recorded apart)."""
    return amount > LARGE_DUES_THRESHOLD


@dataclass(frozen=True)
class Payee:
    org_id: int | None
    #: ``managing_inflow_org`` | ``entrusted_inflow_org`` | ``home_org`` | ``relation_org``
    rule: str


def payee(
    *,
    relation_org_id: int,
    home_org_id: int | None = None,
    relation_in_inflow_area: bool = False,
    away: bool = False,
    inflow_org_id: int | None = None,
) -> Payee:
    """Where a member pays dues (DOMAIN §6, "where a mobile member pays").

    ``relation_org_id`` is the org in this system holding the member's relation (Member.org_id);
    ``home_org_id`` the outflow org when it is in the system; ``relation_in_inflow_area`` says the
    relation org is an inflow-area org (an inflow member); ``inflow_org_id`` an inflow-area org
    entrusted with managing the member without holding the relation; ``away`` whether the member
    is away from the relation org's locality with no receiving org settled.

    - relation held in the inflow area (home org elsewhere): pay that managing inflow org;
    - away, relation at home, an inflow org entrusted: pay that inflow org;
    - away with no receiving org settled: pay the home (outflow) org (back-pay to the inflow
      org once one is settled);
    - otherwise: the org holding the relation."""
    if relation_in_inflow_area or (home_org_id is not None and home_org_id != relation_org_id):
        return Payee(relation_org_id, "managing_inflow_org")
    if away and inflow_org_id is not None and inflow_org_id != relation_org_id:
        return Payee(inflow_org_id, "entrusted_inflow_org")
    if away:
        return Payee(home_org_id or relation_org_id, "home_org")
    return Payee(relation_org_id, "relation_org")


def paid_through(months: dict[int, str], carried: int | None = None) -> int | None:
    """The month dues are paid through (党费交至), or None.

    ``months`` maps month index -> assessment status; ``carried`` is the month an old ledger or
    a paper letter vouches dues were paid through (``Member.carried_paid_through_month``).

    Let F be the first assessed month that is unpaid (``unpaid``, or ``reduced`` and not yet
    paid), if any. The answer is the latest *settled* month before F (every month when there
    is no F), where the settled months are

    - the assessed months that are ``paid`` or ``exempt``, and
    - the carried month, which stands for every month up to it: it counts exactly when no unpaid
      assessed month lies at or before it (``carried < F``). An unpaid assessment at or before
      the carried month means FlowMember's own books contradict the old ledger, and the books win.

    Months neither assessed nor covered by the carried month are no gap (nothing was owed).
    None when nothing is settled before F. Pure twin of the set-based SQL in
    :func:`flowmember.dues.paid_through.paid_through_expr`."""
    first_unpaid = min((m for m, s in months.items() if s in UNPAID_STATUSES), default=None)
    settled = [m for m, s in months.items() if s in SETTLED_STATUSES]
    if carried is not None:
        settled.append(carried)
    return max((m for m in settled if first_unpaid is None or m < first_unpaid), default=None)


def receipt_number(org_code: str, year: int, seq: int) -> str:
    """``DH100-2026-000123``: unique per org per year."""
    return f"{org_code}-{year:04d}-{seq:06d}"
