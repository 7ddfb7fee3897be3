"""Benefits received (待遇): pension payments to retirees, unemployment benefit payments."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.domain.money import Money
from kiosk.domain.period import Period


class BenefitKind(enum.StrEnum):
    PENSION = "pension"  # 基本养老金
    UNEMPLOYMENT = "unemployment"  # 失业保险金

    @property
    def zh(self) -> str:
        return {"pension": "基本养老金", "unemployment": "失业保险金"}[self.value]

    @property
    def en(self) -> str:
        return {"pension": "Pension", "unemployment": "Unemployment benefit"}[self.value]


@dataclass(frozen=True)
class BenefitPayment:
    """One monthly payment of a benefit."""

    kind: BenefitKind
    period: Period
    amount: Money


@dataclass(frozen=True)
class Benefits:
    """GET /v1/members/{no}/benefits: the payments, and whether the pension is suspended because
    the retiree's annual certification (养老金领取资格认证) is overdue."""

    payments: tuple[BenefitPayment, ...]
    suspended: bool
    suspended_from: Period | None  # the first month withheld until the retiree certifies
