"""The pension estimate (养老金测算) under the national formula, with every assumption shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.domain.money import Money
from kiosk.domain.period import Period


@dataclass(frozen=True)
class Assumption:
    """One input of the estimate, shown to the member: key, value as text, and labels."""

    key: str
    value: str
    zh: str
    en: str


@dataclass(frozen=True)
class PensionEstimate:
    """Basic pension + personal account pension per month at retirement (2005 formula)."""

    retirement_period: Period
    retirement_age: int
    contribution_months: int  # at retirement, counting assumed future months
    average_index: Decimal  # average contribution index (平均缴费指数)
    average_monthly_wage: Money  # provincial average monthly wage of the year before retirement
    basic_pension: Money  # 基础养老金
    account_balance: Money  # projected personal account at retirement
    months_divisor: int  # 计发月数
    account_pension: Money  # 个人账户养老金
    assumptions: tuple[Assumption, ...]
    eligible: bool  # the 15-year minimum is reached at retirement

    @property
    def monthly_total(self) -> Money:
        return self.basic_pension + self.account_pension
