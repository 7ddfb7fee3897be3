"""Schemes, enrolments, contribution months and personal accounts (参保与缴费记录)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from kiosk.domain.money import Money
from kiosk.domain.period import Period


class Scheme(enum.StrEnum):
    """Insurance schemes (险种). Values are the API's codes."""

    PENSION = "pension"  # 企业职工基本养老保险
    MEDICAL = "medical"  # 职工基本医疗保险
    UNEMPLOYMENT = "unemployment"
    WORK_INJURY = "work_injury"
    MATERNITY = "maternity"
    RESIDENT_PENSION = "resident_pension"  # 城乡居民基本养老保险
    RESIDENT_MEDICAL = "resident_medical"  # 城乡居民基本医疗保险

    @property
    def zh(self) -> str:
        return _SCHEME_NAMES[self][0]

    @property
    def en(self) -> str:
        return _SCHEME_NAMES[self][1]

    def name_in(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


_SCHEME_NAMES = {
    Scheme.PENSION: ("养老保险", "Pension"),
    Scheme.MEDICAL: ("医疗保险", "Medical"),
    Scheme.UNEMPLOYMENT: ("失业保险", "Unemployment"),
    Scheme.WORK_INJURY: ("工伤保险", "Work injury"),
    Scheme.MATERNITY: ("生育保险", "Maternity"),
    Scheme.RESIDENT_PENSION: ("城乡居民养老保险", "Residents' pension"),
    Scheme.RESIDENT_MEDICAL: ("城乡居民医疗保险", "Residents' medical"),
}


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"  # 参保缴费
    SUSPENDED = "suspended"  # 暂停缴费
    TERMINATED = "terminated"  # 终止

    @property
    def zh(self) -> str:
        return {"active": "参保缴费", "suspended": "暂停缴费", "terminated": "终止"}[self.value]

    @property
    def en(self) -> str:
        return {"active": "Contributing", "suspended": "Suspended", "terminated": "Ended"}[
            self.value
        ]


class MonthStatus(enum.StrEnum):
    """How a month stands. Each has a symbol, so status is never told by colour alone."""

    PAID = "paid"  # ● 已缴
    ARREARS = "arrears"  # △ 欠缴
    TRANSFERRED_IN = "transferred_in"  # ○ 转入

    @property
    def symbol(self) -> str:
        return {"paid": "●", "arrears": "△", "transferred_in": "○"}[self.value]

    @property
    def zh(self) -> str:
        return {"paid": "已缴", "arrears": "欠缴", "transferred_in": "转入"}[self.value]

    @property
    def en(self) -> str:
        return {"paid": "Paid", "arrears": "In arrears", "transferred_in": "Transferred in"}[
            self.value
        ]


PENSION_MINIMUM_MONTHS = 180  # 15 years: the national minimum for a monthly pension


@dataclass(frozen=True)
class Enrolment:
    """One scheme a member is (or was) enrolled in (参保基本情况)."""

    scheme: Scheme
    status: EnrolmentStatus
    since: Period
    employer: str | None  # None: paid as an individual (个人/灵活就业)
    cumulative_months: int

    @property
    def pension_progress(self) -> float | None:
        """Share of the 15-year minimum reached, for pension schemes; None for others."""
        if self.scheme not in (Scheme.PENSION, Scheme.RESIDENT_PENSION):
            return None
        return min(1.0, self.cumulative_months / PENSION_MINIMUM_MONTHS)


@dataclass(frozen=True)
class ContributionMonth:
    """One row of the contribution history (缴费明细)."""

    scheme: Scheme
    period: Period
    base: Money  # 缴费基数
    employer_part: Money
    personal_part: Money
    status: MonthStatus
    payer: str  # employer name, or "个人" when the member paid

    @property
    def total(self) -> Money:
        return self.employer_part + self.personal_part


@dataclass(frozen=True)
class AccountYear:
    """One year of the pension personal account: principal credited, interest, closing balance."""

    year: int
    principal: Money
    interest: Money
    balance: Money


@dataclass(frozen=True)
class PersonalAccounts:
    pension_years: tuple[AccountYear, ...] = field(default_factory=tuple)
    pension_balance: Money = field(default_factory=Money.zero)
    medical_balance: Money = field(default_factory=Money.zero)
