"""Money: Decimal yuan, always whole fen; the gateway takes integer fen."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kiosk.domain.errors import DomainError

FEN = Decimal("0.01")


@dataclass(frozen=True, order=True)
class Money:
    """An amount in yuan, always a whole number of fen."""

    yuan: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.yuan, Decimal):
            raise DomainError(f"Money needs a Decimal, got {type(self.yuan).__name__}")
        if not self.yuan.is_finite():
            raise DomainError(f"Money must be finite, got {self.yuan}")
        if self.yuan != self.yuan.quantize(FEN):
            raise DomainError(f"Money must be whole fen, got {self.yuan} (use Money.of to round)")

    @classmethod
    def of(cls, value: Decimal | int | str) -> Money:
        """Round a yuan amount to the fen, half up. Floats are refused: they are not money."""
        if isinstance(value, float | bool):
            raise DomainError(f"Money from {type(value).__name__} is refused: pass str or Decimal")
        if isinstance(value, str) and not value.isascii():
            # Decimal() reads any Unicode digit: "３３０" would be 330 yuan.
            raise DomainError(f"not an amount of money (ASCII digits only): {value!r}")
        try:
            d = Decimal(value)
        except (InvalidOperation, TypeError):
            raise DomainError(f"not an amount of money: {value!r}") from None
        if not d.is_finite():
            raise DomainError(f"not an amount of money: {value!r}")
        return cls(d.quantize(FEN, rounding=ROUND_HALF_UP))

    @classmethod
    def from_fen(cls, fen: int) -> Money:
        if isinstance(fen, bool) or not isinstance(fen, int):
            raise DomainError(f"fen must be an integer, got {fen!r}")
        return cls(Decimal(fen).scaleb(-2).quantize(FEN))

    @classmethod
    def zero(cls) -> Money:
        return cls(Decimal("0.00"))

    @property
    def fen(self) -> int:
        return int(self.yuan * 100)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.yuan + other.yuan)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return Money(self.yuan - other.yuan)

    def times(self, factor: Decimal | int) -> Money:
        """Multiply by a rate or a count, rounding the result to the fen (half up)."""
        if isinstance(factor, float):
            raise DomainError("multiply Money by a Decimal rate, not a float")
        return Money.of(self.yuan * Decimal(factor))

    def __neg__(self) -> Money:
        return Money(-self.yuan)

    def __bool__(self) -> bool:
        return self.yuan != 0

    def __str__(self) -> str:
        return f"{self.yuan:,.2f}"

    def display(self) -> str:
        """'￥1,234.50': the full-width yuan sign that thermal printers' GB18030 fonts hold."""
        sign = "-" if self.yuan < 0 else ""
        return f"{sign}￥{abs(self.yuan):,.2f}"


def money_sum(amounts: list[Money] | tuple[Money, ...]) -> Money:
    total = Money.zero()
    for a in amounts:
        total = total + a
    return total
