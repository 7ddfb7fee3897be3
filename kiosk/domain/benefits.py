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
