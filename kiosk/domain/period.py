"""Contribution months (费款所属期)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.domain.errors import DomainError


@dataclass(frozen=True, order=True)
class Period:
    """A contribution month (费款所属期), e.g. Period(2024, 3) shown as 2024-03 / 202403."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1900 <= self.year <= 2200) or not (1 <= self.month <= 12):
            raise DomainError(f"not a month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Accept '2024-03' and '202403'."""
        t = text.strip().replace("-", "")
        # isdigit() alone takes full-width and other Unicode digits (and "²", which int() refuses).
        if len(t) != 6 or not (t.isascii() and t.isdigit()):
            raise DomainError(f"not a month (YYYY-MM): {text!r}")
        return cls(int(t[:4]), int(t[4:]))

    @classmethod
    def of(cls, day: dt.date) -> Period:
        return cls(day.year, day.month)

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def months_until(self, other: Period) -> int:
        """Months from self to other (other - self)."""
        return (other.year - self.year) * 12 + (other.month - self.month)

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def compact(self) -> str:
        return f"{self.year:04d}{self.month:02d}"


def period_range(first: Period, last: Period) -> list[Period]:
    """Every month from first to last, both included."""
    out: list[Period] = []
    p = first
    while p <= last:
        out.append(p)
        p = p.next()
    return out
