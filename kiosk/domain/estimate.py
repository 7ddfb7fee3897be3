"""The pension estimate (养老金测算) under the national formula, with every assumption shown."""

from __future__ import annotations

from collections.abc import Callable
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

    # The month the member reaches the age (birth month + age): paid up to it, included; the
    # pension starts the month after.
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


@dataclass(frozen=True)
class EstimateText:
    """What the estimate page shows: the headline, the figures, the assumptions."""

    headline: str
    parts: tuple[str, ...]
    assumptions: tuple[str, ...]


def describe(e: PensionEstimate, tr: Callable[..., str], language: str) -> EstimateText:
    """The page's text in `language` (tr: the kiosk's translator, kiosk/locale/screens.toml).
    Below the 15-year minimum the headline is the months missing, never a monthly amount."""
    if e.eligible:
        headline = tr("estimate.monthly", amount=e.monthly_total.display())
    else:
        one = e.months_missing == 1  # "1 month short", not "1 months"
        headline = tr("estimate.short_one" if one else "estimate.short", months=e.months_missing)
    parts = [
        tr(
            "estimate.at",
            period=str(e.retirement_period),
            age=e.retirement_age,
            months=e.contribution_months,
        ),
        tr(
            "estimate.months_detail",
            deemed=e.deemed_months,
            recorded=e.recorded_months,
            future=e.future_months,
        ),
    ]
    if e.eligible:
        parts += [
            tr("estimate.basic", amount=e.basic_pension.display()),
            tr(
                "estimate.account",
                amount=e.account_pension.display(),
                balance=e.account_balance.display(),
                divisor=e.months_divisor,
            ),
        ]
    else:
        parts += [
            tr("estimate.not_eligible"),
            tr("estimate.account_only", balance=e.account_balance.display()),
        ]
        c = e.if_continued
        if c is not None and c.eligible:
            parts.append(
                tr(
                    "estimate.if_continued",
                    future=c.future_months,
                    months=c.contribution_months,
                    amount=c.monthly_total.display(),
                )
            )
        elif c is not None:
            key = "estimate.still_short" if c.future_months else "estimate.short_at_retirement"
            parts.append(
                tr(
                    key,
                    future=c.future_months,
                    months=c.contribution_months,
                    missing=c.months_missing,
                )
            )
    return EstimateText(
        headline=headline,
        parts=tuple(parts),
        assumptions=tuple(a.text(language) for a in e.assumptions),
    )
