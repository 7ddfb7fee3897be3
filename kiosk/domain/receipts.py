"""The amount lines of a payment receipt: one line per run of consecutive months at one base.

A payment of 2021-06, 2021-07 and 2024-04 prints two lines (2021-06 至 2021-07 and 2024-04),
each with its own base and months, never one line "2021-06 至 2024-04 (35个月)". A run also
breaks where a back-paid month (补缴) meets a month paid on time, so 补缴 marks whole lines.
Residents' schemes are paid by the year: a row (month 01) stands for 12 months.

Used by the kiosk's receipt (kiosk.payments.service) and the back office's receipt page alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk.domain.errors import DomainError
from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import Scheme, months_covered


@dataclass(frozen=True)
class PaidPeriod:
    """One month (or, for residents' schemes, one year) of a payment, as the quote priced it."""

    period: Period
    base: Money | None  # None: a flat fee (residents' schemes have no 缴费基数)
    amount: Money  # without the late fee
    back_payment: bool = False


@dataclass(frozen=True)
class ReceiptLine:
    """One printed amount line: consecutive periods at one base, with their months and sum."""

    first: Period
    last: Period  # the last month covered: a residents' year 2024 is 2024-01 至 2024-12
    months: int  # months covered (12 per year for residents' schemes)
    base: Money | None
    amount: Money
    back_payment: bool = False  # 补缴

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise DomainError("a receipt line's first period comes after its last")
        if self.months != self.first.months_until(self.last) + 1:
            raise DomainError("a receipt line covers consecutive months only")

    @property
    def span(self) -> str:
        """'2021-06 至 2021-07' or '2024-04'."""
        return str(self.first) if self.first == self.last else f"{self.first} 至 {self.last}"


def receipt_lines(scheme: Scheme, periods: Iterable[PaidPeriod]) -> tuple[ReceiptLine, ...]:
    """Group the periods (any order) into runs: the next period follows the last one
    (month + 1; year + 1 for residents' schemes), at the same base and 补缴 flag."""
    step = months_covered(scheme)
    ordered = sorted(periods, key=lambda p: p.period)
    if len({p.period for p in ordered}) != len(ordered):
        raise DomainError("a period appears twice in one payment")
    runs: list[list[PaidPeriod]] = []
    for p in ordered:
        if runs:
            last = runs[-1][-1]
            if (
                last.period.months_until(p.period) == step
                and last.base == p.base
                and last.back_payment == p.back_payment
            ):
                runs[-1].append(p)
                continue
        runs.append([p])
    out = []
    for run in runs:
        amount = Money.zero()
        for p in run:
            amount = amount + p.amount
        last_month = run[-1].period
        for _ in range(step - 1):  # a residents' year runs to its December
            last_month = last_month.next()
        out.append(
            ReceiptLine(
                first=run[0].period,
                last=last_month,
                months=len(run) * step,
                base=run[0].base,
                amount=amount,
                back_payment=run[0].back_payment,
            )
        )
    return tuple(out)
