"""What a member may pay now (应缴): per scheme, the payable months or year, the base range or
tiers, and the amounts with their breakdown, as the back office computes them.

The kiosk shows these figures; it never computes an amount itself."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import Scheme


class DueKind(enum.StrEnum):
    FLEXIBLE = "flexible"  # 灵活就业: choose a base in a range, choose the months
    RESIDENT_TIER = "resident_tier"  # 城乡居民养老: choose a tier (档次) for the year
    RESIDENT_ANNUAL = "resident_annual"  # 城乡居民医保: a fixed annual fee


@dataclass(frozen=True)
class DueLine:
    """One payable month (or year) at the shown base: amount = base x rate, plus any late fee."""

    period: Period
    base: Money
    amount: Money
    to_account: Money  # the part credited to the personal account
    late_fee: Money  # 滞纳金
    due_date: dt.date
    back_payment: bool  # 补缴: a month of an earlier calendar year (posted as back_paid)
    # 代缴: the part of the contribution (base) the government pays for the member (a fee
    # reduction, residents' schemes); `amount` is the member's own part, base - this.
    paid_by_government: Money = field(default_factory=Money.zero)

    @property
    def total(self) -> Money:
        return self.amount + self.late_fee


@dataclass(frozen=True)
class Tier:
    """A residents' pension tier (档次): what the member pays a year and the state adds."""

    amount: Money
    subsidy: Money
    paid_by_government: Money = field(default_factory=Money.zero)  # 代缴 (a fee reduction)

    @property
    def member_part(self) -> Money:
        """What the member pays of the tier: amount - 代缴."""
        return self.amount - self.paid_by_government


@dataclass(frozen=True)
class FeeCategory:
    """The member's fee-reduction category (低保, 重度残疾 ...) whose contributions the
    government pays in part (代缴)."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Due:
    """One scheme the member may pay now."""

    scheme: Scheme
    kind: DueKind
    year: int
    periods: tuple[Period, ...]
    rate: Decimal  # share of the base charged (0 for tiers and annual fees)
    account_rate: Decimal  # share of the base credited to the personal account
    base_min: Money | None
    base_max: Money | None
    base_default: Money | None
    tiers: tuple[Tier, ...]
    annual_fee: Money | None
    lines: tuple[DueLine, ...]  # computed at base_default (flexible) or the fee / lowest tier
    deadline: dt.date  # last day to pay the current period without a late fee
    late_fee_rate_per_day: Decimal
    # Arrears older than the back-payment window: never payable here, only at the counter.
    counter_only: tuple[Period, ...] = ()
    # Flexible: the annual average wage (of average_wage_year, the year before) the base limits
    # come from; a base of share s is average_wage x s / 12, rounded once.
    average_wage: Money | None = None
    average_wage_year: int | None = None
    # 代缴: the member's fee-reduction category (None: none); each line's paid_by_government.
    fee_category: FeeCategory | None = None

    def base_at(self, share: Decimal) -> Money | None:
        """The monthly base at `share` of the average wage, within base_min..base_max."""
        if self.average_wage is None or self.base_min is None or self.base_max is None:
            return None
        base = Money.of(self.average_wage.yuan * share / 12)
        return min(max(base, self.base_min), self.base_max)

    @property
    def amount(self) -> Money:
        total = Money.zero()
        for line in self.lines:
            total = total + line.amount
        return total

    @property
    def late_fee(self) -> Money:
        total = Money.zero()
        for line in self.lines:
            total = total + line.late_fee
        return total

    @property
    def paid_by_government(self) -> Money:
        total = Money.zero()
        for line in self.lines:
            total = total + line.paid_by_government
        return total

    @property
    def total(self) -> Money:
        return self.amount + self.late_fee
