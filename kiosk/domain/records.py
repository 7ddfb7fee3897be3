"""Schemes, enrolments, contribution months and personal accounts (参保与缴费记录)."""

from __future__ import annotations

import datetime as dt
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
    BACK_PAID = "back_paid"  # ◆ 补缴: paid after its year, on the date the row carries

    @property
    def symbol(self) -> str:
        return _MONTH_STATUS[self.value][0]

    @property
    def zh(self) -> str:
        return _MONTH_STATUS[self.value][1]

    @property
    def en(self) -> str:
        return _MONTH_STATUS[self.value][2]

    @property
    def counted(self) -> bool:
        """Whether the month counts toward cumulative months (every status but arrears)."""
        return self is not MonthStatus.ARREARS


_MONTH_STATUS = {
    "paid": ("●", "已缴", "Paid"),
    "arrears": ("△", "欠缴", "In arrears"),
    "transferred_in": ("○", "转入", "Transferred in"),
    "back_paid": ("◆", "补缴", "Back paid"),
}

# Residents' schemes are paid by the year: one row (month 01) stands for 12 months, on the
# screen, on paper and on the verification page alike.
YEARLY_SCHEMES = frozenset({Scheme.RESIDENT_PENSION, Scheme.RESIDENT_MEDICAL})


def months_covered(scheme: Scheme) -> int:
    """How many months one row of `scheme` stands for."""
    return 12 if scheme in YEARLY_SCHEMES else 1


PENSION_MINIMUM_MONTHS = 180  # 15 years: the national minimum for a monthly pension


@dataclass(frozen=True)
class Enrolment:
    """One scheme a member is (or was) enrolled in (参保基本情况)."""

    scheme: Scheme
    status: EnrolmentStatus
    since: Period
    employer: str | None  # None: paid as an individual (个人/灵活就业)
    cumulative_months: int
    until: Period | None = None  # the last month covered, once terminated

    @property
    def pension_progress(self) -> float | None:
        """Share of the 15-year minimum reached, for pension schemes; None for others."""
        if self.scheme not in (Scheme.PENSION, Scheme.RESIDENT_PENSION):
            return None
        return min(1.0, self.cumulative_months / PENSION_MINIMUM_MONTHS)


class MonthFigures:
    """What a month's row computes from its own figures: the contribution history's rows and the
    attested rows of a certificate both have them."""

    scheme: Scheme
    employer_part: Money
    personal_part: Money

    @property
    def total(self) -> Money:
        """What was paid for the month (employer and member); the subsidy is not part of it."""
        return self.employer_part + self.personal_part

    @property
    def months(self) -> int:
        return months_covered(self.scheme)


@dataclass(frozen=True)
class ContributionMonth(MonthFigures):
    """One row of the contribution history (缴费明细)."""

    scheme: Scheme
    period: Period
    base: Money  # 缴费基数
    employer_part: Money
    personal_part: Money
    status: MonthStatus
    payer: str  # employer name, or "个人" when the member paid
    subsidy: Money = field(default_factory=Money.zero)  # 政府补贴 (residents' pension)
    paid_on: dt.date | None = None  # the day it was paid, where known (always for 补缴)


@dataclass(frozen=True)
class AccountYear:
    """One year of the pension personal account: principal credited, interest, closing balance."""

    year: int
    principal: Money
    interest: Money
    balance: Money


@dataclass(frozen=True)
class MedicalAccountYear:
    """One year of the medical personal account: credited, spent, closing balance."""

    year: int
    credits: Money
    spending: Money
    balance: Money


@dataclass(frozen=True)
class PersonalAccounts:
    pension_years: tuple[AccountYear, ...] = field(default_factory=tuple)
    pension_balance: Money = field(default_factory=Money.zero)
    medical_balance: Money = field(default_factory=Money.zero)
    medical_years: tuple[MedicalAccountYear, ...] = field(default_factory=tuple)
