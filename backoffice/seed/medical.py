"""Seeded medical settlements (门诊 / 住院结算) of last year and this year, from a generator of
the member's own (seed, index): every other row is the same with or without them.

They agree with the medical account the life already holds (backoffice.seed.lives): a year's
outpatient settlements pay from the account exactly that year's spending (split among them,
never more in a month than the account holds at its end), so the account's months
(backoffice/rules/medical.py) add up to its year. Each total is split by the rules' FUND_SHARES
(the fund's part half-up, the member the rest: total = fund + member); an outpatient total is
at least twice its account part plus a fen, so the member's part covers it. About 1 in 6
members has a stay in hospital (inpatient) in a year, paid by the fund and in cash.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import NamedTuple

from backoffice.rules.medical import SettlementKind, check_parts, fund_part

MEDICAL_SCHEMES = ("medical", "resident_medical")


class SettlementRecord(NamedTuple):
    """A settlement (table medical_settlement), in its key's order."""

    member_id: int
    settled_on: dt.date
    settlement_no: str
    kind: str
    institution: str
    total_fen: int
    fund_fen: int
    member_fen: int
    account_fen: int


def institutions(city: str) -> tuple[str, ...]:
    return (
        f"{city}第一人民医院",
        f"{city}人民医院",
        f"{city}中医医院",
        f"{city}妇幼保健院",
        f"{city}第二人民医院",
        "城东社区卫生服务中心",
        "城西社区卫生服务中心",
        "康宁大药房",
    )


class MedicalDrawer:
    def __init__(self, seed: int, as_of: dt.date, city: str) -> None:
        self.seed = seed
        self.as_of = as_of
        self.places = institutions(city)

    def draw(
        self,
        index: int,
        member_id: int,
        credits: dict[int, int],
        years: dict[int, tuple[int, int]],
        insured: bool,
    ) -> list[SettlementRecord]:
        """`credits`: fen credited to the account per month (YYYYMM); `years`: year ->
        (spending, closing balance) of the account; `insured`: any medical scheme."""
        if not insured:
            return []
        rng = random.Random(f"{self.seed}/medical-settlements/{index}")
        out: list[SettlementRecord] = []
        for year in (self.as_of.year - 1, self.as_of.year):
            last_month = 12 if year < self.as_of.year else self.as_of.month
            spent, _ = years.get(year, (0, 0))
            before = [y for y in years if y < year]
            opening = years[max(before)][1] if before else 0
            room = []  # what the account holds at each month's end, before spending
            total = opening
            for m in range(1, last_month + 1):
                total += credits.get(year * 100 + m, 0)
                room.append(total)
            n = rng.randint(1 if spent else 0, 2 + last_month // 2)
            days = sorted(self._day(rng, year, rng.randint(1, last_month)) for _ in range(n))
            if spent and days[-1].month != last_month:
                days[-1] = self._day(rng, year, last_month)
            weights = [rng.randint(1, 10) for _ in days]
            left, paid = spent, 0
            for k, day in enumerate(days):
                want = left if k == len(days) - 1 else spent * weights[k] // sum(weights)
                part = max(0, min(want, left, room[day.month - 1] - paid))
                left -= part
                paid += part
                out.append(self._outpatient(rng, member_id, day, k, part))
            if rng.random() < 1 / 6:
                day = self._day(rng, year, rng.randint(1, last_month))
                out.append(self._inpatient(rng, member_id, day, len(days)))
        return out

    def _day(self, rng: random.Random, year: int, month: int) -> dt.date:
        day = dt.date(year, month, rng.randint(1, 28))
        return min(day, self.as_of)

    def _outpatient(
        self, rng: random.Random, member_id: int, day: dt.date, k: int, account: int
    ) -> SettlementRecord:
        total = max(rng.randint(50_00, 800_00), 2 * account + 1)
        return self._record(member_id, day, k, SettlementKind.OUTPATIENT, rng, total, account)

    def _inpatient(
        self, rng: random.Random, member_id: int, day: dt.date, k: int
    ) -> SettlementRecord:
        total = rng.randint(3_000_00, 60_000_00)
        return self._record(member_id, day, k, SettlementKind.INPATIENT, rng, total, 0)

    def _record(
        self,
        member_id: int,
        day: dt.date,
        k: int,
        kind: SettlementKind,
        rng: random.Random,
        total: int,
        account: int,
    ) -> SettlementRecord:
        fund = fund_part(kind, total)
        member = total - fund
        check_parts(total, fund, member, account)
        prefix = "MZ" if kind is SettlementKind.OUTPATIENT else "ZY"
        place = self.places[rng.randrange(len(self.places) - (kind is SettlementKind.INPATIENT))]
        number = f"{prefix}{day:%Y%m%d}{member_id % 10000:04d}{k:02d}"
        return SettlementRecord(
            member_id, day, number, kind.value, place, total, fund, member, account
        )
