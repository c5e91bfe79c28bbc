"""Money: integer fen in storage, ``Decimal`` yuan in computation, rounded half up to the fen.
The API speaks yuan as strings with exactly two decimals (``"12.50"``)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

FEN = Decimal("0.01")


def round_fen(amount: Decimal) -> Decimal:
    """Round a yuan amount half up to the fen."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal | str | int) -> int:
    """Yuan (Decimal, str or int) -> integer fen, rounding half up."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int(round_fen(value) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def fmt(fen: int | None) -> str | None:
    """Integer fen -> ``"12.50"``."""
    if fen is None:
        return None
    return str(from_fen(fen))


def parse_yuan(text: str | int | Decimal) -> Decimal:
    """Parse a yuan amount; raises ValueError for anything that is not a finite number."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError("Not an amount in yuan.") from exc
    if not value.is_finite():
        raise ValueError("Not an amount in yuan.")
    return value
