"""Interest on the pension personal account (记账利率), by the national method.

Each year's interest is credited at the year's end:

    interest = opening balance x rate + the year's credits x rate x 1.083 x 1/2

(the credits of a year earn, on average, about half a year; 1.083 is the national factor that
stands for the months of that half year compounded). Rounded to the fen, half up. The year in
progress has no interest yet: its credits only add to the balance. This one function serves the
seeder, the importer, the account page and the estimate."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from kiosk.domain import Money

HALF_YEAR_FACTOR = Decimal("1.083")


@dataclass(frozen=True)
class InterestYear:
    year: int
    opening: Money
    credits: Money
    rate: Decimal
    interest: Money  # zero for the year in progress
    closing: Money


def year_interest(opening: Money, credits: Money, rate: Decimal) -> Money:
    """The national formula for one whole year."""
    return Money.of(opening.yuan * rate + credits.yuan * rate * HALF_YEAR_FACTOR / 2)


def account_years(
    credits: Mapping[int, Money],
    rate_of: Callable[[int], Decimal],
    *,
    first_year: int | None = None,
    last_year: int,
    current_year: int,
    opening: Money | None = None,
) -> list[InterestYear]:
    """Every year from the first credit (or first_year) to last_year: opening balance, the
    year's credits, the rate, the interest (none for current_year and later) and the closing
    balance."""
    if not credits and first_year is None:
        return []
    start = first_year if first_year is not None else min(credits)
    balance = opening or Money.zero()
    out: list[InterestYear] = []
    for year in range(start, last_year + 1):
        got = credits.get(year, Money.zero())
        rate = rate_of(year)
        interest = year_interest(balance, got, rate) if year < current_year else Money.zero()
        closing = balance + got + interest
        out.append(InterestYear(year, balance, got, rate, interest, closing))
        balance = closing
    return out
