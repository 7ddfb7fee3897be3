"""The pension estimate (养老金测算) under the national formula, with every assumption shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.records import PENSION_MINIMUM_MONTHS


@dataclass(frozen=True)
class Assumption:
    """One input of the estimate: key, value as text, short labels, and the whole assumption
    as a plain sentence in each language (what the member reads)."""

    key: str
    value: str
    zh: str
    en: str
    text_zh: str = ""
    text_en: str = ""

    def text(self, language: str) -> str:
        """The sentence in `language`; the label and value where no sentence was given."""
        sentence = self.text_zh if language == "zh" else self.text_en
        if sentence:
            return sentence
        return f"{self.zh if language == 'zh' else self.en}：{self.value}"


@dataclass(frozen=True)
class PensionEstimate:
    """Basic pension + personal account pension per month at retirement (2005 formula)."""

    retirement_period: Period
    retirement_age: int
    contribution_months: int  # at retirement: deemed + on record + assumed future months
    average_index: Decimal  # average contribution index (平均缴费指数), 4 places
    average_monthly_wage: Money  # provincial average monthly wage of the year before retirement
    basic_pension: Money  # 基础养老金
    account_balance: Money  # projected personal account at retirement
    months_divisor: int  # 计发月数
    account_pension: Money  # 个人账户养老金
    assumptions: tuple[Assumption, ...]
    eligible: bool  # the 15-year minimum is reached at retirement
    recorded_months: int = 0  # months on record (paid, back paid, transferred in), each once
    deemed_months: int = 0  # 视同缴费月数
    future_months: int = 0  # months assumed paid from now until retirement
    # When not eligible: the same estimate with contributions continuing every month until
    # retirement (None when eligible).
    if_continued: PensionEstimate | None = None

    @property
    def months_missing(self) -> int:
        """Months short of the 15-year minimum at retirement (0 when reached)."""
        return max(0, PENSION_MINIMUM_MONTHS - self.contribution_months)

    @property
    def monthly_total(self) -> Money:
        """Both parts by the formula; payable only when `eligible`."""
        return self.basic_pension + self.account_pension
