"""The pension estimate under the national formula (2005 reform):

basic pension / month   = W x (1 + I) / 2 x years x 1%
    W: provincial average monthly wage of the year before retirement (projected),
    I: average contribution index (each month's base / that year's reference wage),
    years: contribution years at retirement (months / 12);
account pension / month = projected account balance / months divisor (计发月数 by age).

The member's own months come from their record; future months, wages and interest are
assumptions, each returned with the result so the kiosk can show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from backoffice.policy import Policy
from kiosk.domain import Money, Period
from kiosk.domain.estimate import Assumption, PensionEstimate

# 计发月数 by retirement age (national table).
MONTHS_DIVISOR = {
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158,
    58: 152, 59: 145, 60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101,
}  # fmt: skip


class EstimateError(ValueError):
    """The estimate cannot be made (already retired, retirement age outside the table)."""


def projected_monthly_wage(policy: Policy, year: int, growth: Decimal) -> Money:
    """Average monthly wage of a year: the policy's figure, or the last known grown by `growth`."""
    last = max(policy.average_wages)
    if year <= last:
        return policy.average_monthly_wage(year)
    return policy.average_monthly_wage(last).times((1 + growth) ** (year - last))


def estimate_pension(
    policy: Policy,
    today: dt.date,
    *,
    birth_date: dt.date,
    retirement_age: int,
    contributing: bool,
    pension_rows: Iterable[tuple[int, int]],
    account_balance: Money,
    wage_growth: Decimal | None = None,
    crediting_rate: Decimal | None = None,
    future_index: Decimal | None = None,
    continue_contributing: bool = True,
) -> PensionEstimate:
    """pension_rows: (YYYYMM, base in fen) of every month paid or transferred in."""
    if retirement_age not in MONTHS_DIVISOR:
        raise EstimateError(f"retirement age must be {min(MONTHS_DIVISOR)}-{max(MONTHS_DIVISOR)}")
    growth = policy.wage_growth if wage_growth is None else wage_growth
    rate = policy.crediting_rate_assumed if crediting_rate is None else crediting_rate
    retire = Period(birth_date.year + retirement_age, birth_date.month)
    now = Period.of(today)
    if retire <= now:
        raise EstimateError("the member has reached retirement age")
    indexes: list[Decimal] = []
    for p, base in sorted(pension_rows):
        ref = projected_monthly_wage(policy, p // 100 - 1, growth)
        indexes.append(Decimal(base) / Decimal(ref.fen))
    recent = indexes[-12:]
    if future_index is None:
        future_index = (sum(recent, Decimal(0)) / len(recent)) if recent else Decimal("0.6")
    future_index = max(Decimal("0.6"), min(Decimal("3"), future_index))
    future_months = now.months_until(retire) if (continue_contributing and contributing) else 0
    n_past = len(indexes)
    months = n_past + future_months
    if months == 0:
        raise EstimateError("no pension contributions on record")
    avg_index = (sum(indexes, Decimal(0)) + future_index * future_months) / months
    wage = projected_monthly_wage(policy, retire.year - 1, growth)
    basic = wage.times((1 + avg_index) / 2 * Decimal(months) / 12 / 100)
    # The account: this year's balance earns the assumed rate each year; future months credit
    # 8% of (index x that year's reference wage).
    balance = account_balance.yuan
    p = now
    for _ in range(future_months):
        ref = projected_monthly_wage(policy, p.year - 1, growth)
        balance += (ref.yuan * future_index * policy.employee_pension_account_rate).quantize(
            Decimal("0.01")
        )
        if p.month == 12:
            balance += (balance * rate).quantize(Decimal("0.01"))
        p = p.next()
    projected = Money.of(balance)
    divisor = MONTHS_DIVISOR[retirement_age]
    account_pension = Money.of(projected.yuan / divisor)
    pct = lambda d: f"{(d * 100).quantize(Decimal('0.01'))}%"  # noqa: E731
    assumptions = (
        Assumption("retirement_age", str(retirement_age), "退休年龄", "Retirement age"),
        Assumption("retirement_month", str(retire), "退休年月", "Retirement month"),
        Assumption(
            "continue_contributing",
            "yes" if future_months else "no",
            "继续缴费至退休",
            "Contributions continue until retirement",
        ),
        Assumption(
            "future_index",
            str(future_index.quantize(Decimal("0.01"))),
            "今后缴费指数",
            "Future contribution index",
        ),
        Assumption("wage_growth", pct(growth), "社平工资年增长率", "Average wage growth a year"),
        Assumption("crediting_rate", pct(rate), "个人账户记账利率", "Account crediting rate"),
        Assumption(
            "reference_wage",
            f"{wage.yuan:.2f}",
            "退休上年度月平均工资",
            "Average monthly wage, year before retirement",
        ),
        Assumption("months_divisor", str(divisor), "计发月数", "Months divisor"),
    )
    return PensionEstimate(
        retirement_period=retire,
        retirement_age=retirement_age,
        contribution_months=months,
        average_index=avg_index.quantize(Decimal("0.0001")),
        average_monthly_wage=wage,
        basic_pension=basic,
        account_balance=projected,
        months_divisor=divisor,
        account_pension=account_pension,
        assumptions=assumptions,
        eligible=months >= 180,
    )
