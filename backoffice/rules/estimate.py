"""The pension estimate under the national formula (2005 reform):

basic pension / month   = W x (1 + I) / 2 x years x 1%
    W: provincial average monthly wage of the year before retirement (projected),
    I: average contribution index (each month's base / the previous year's average monthly
       wage; deemed months at 1.0), rounded to 4 places,
    years: contribution years at retirement (months / 12: deemed + on record + future);
account pension / month = projected account balance / months divisor (计发月数 by age).

The retirement month is the month the member reaches the age (birth month + retirement_age
years). As in the dues (backoffice.rules.dues.last_payable), the member pays up to and including
that month and the pension starts the month after (缴费至达到法定退休年龄当月，次月起领取).

Months are counted once: a month on record (paid, back paid, transferred in) is never also a
future month, so the month paid this month is not counted twice. The account is projected by
the national interest method (backoffice.rules.interest). The member's own months come from
their record; future months, wages and interest are assumptions, each returned with the result
as a plain sentence in both languages so the kiosk can show them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from backoffice.errors import BackOfficeServerError
from backoffice.policy import Policy
from backoffice.rules.interest import account_years as interest_years
from kiosk.domain import PENSION_MINIMUM_MONTHS, AccountYear, Money, Period
from kiosk.domain.estimate import Assumption, PensionEstimate

# 计发月数 by retirement age (national table).
MONTHS_DIVISOR = {
    50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170, 56: 164, 57: 158,
    58: 152, 59: 145, 60: 139, 61: 132, 62: 125, 63: 117, 64: 109, 65: 101,
}  # fmt: skip

DEEMED_INDEX = Decimal(1)  # contribution index of a deemed month (视同缴费)
INDEX_PLACES = Decimal("0.0001")  # the average index is kept to 4 places, as offices do
MIN_INDEX, MAX_INDEX = Decimal("0.6"), Decimal("3")  # the base limits, 60%-300%


class EstimateError(BackOfficeServerError, ValueError):
    """The estimate cannot be made (already retired, retirement age outside the table)."""


def projected_monthly_wage(policy: Policy, year: int, growth: Decimal) -> Money:
    """Average monthly wage of a year: the policy's stated annual figure, or the nearest stated
    one grown (or shrunk) by `growth` a year, rounded to the fen; then / 12, rounded."""
    known = {**policy.average_wage_fallbacks, **policy.average_wages}
    first, last = min(known), max(known)
    if year in known:
        annual = known[year]
    elif year > last:
        annual = known[last].times((1 + growth) ** (year - last))
    else:
        annual = Money.of(known[first].yuan / (1 + growth) ** (first - year))
    return Money.of(annual.yuan / 12)


@dataclass(frozen=True)
class _Inputs:
    policy: Policy
    now: Period
    retire: Period
    retirement_age: int
    recorded: dict[Period, int]  # month -> base in fen, each month once
    deemed_months: int
    closed_balance: Money  # the account's balance at the end of `closed_year`
    closed_year: int  # the last year whose interest is credited (before now's year)
    this_year_credits: Money  # credited so far in now's year
    growth: Decimal
    rate: Decimal  # assumed crediting rate for years the policy has no rate for
    future_index: Decimal
    index_from_record: bool  # future_index is the average of the last 12 months on record


def estimate_pension(
    policy: Policy,
    today: dt.date,
    *,
    birth_date: dt.date,
    retirement_age: int,
    contributing: bool,
    pension_rows: Iterable[tuple[int, int]],
    account_years: Sequence[AccountYear] = (),
    account_balance: Money | None = None,
    deemed_months: int = 0,
    wage_growth: Decimal | None = None,
    crediting_rate: Decimal | None = None,
    future_index: Decimal | None = None,
    continue_contributing: bool = True,
) -> PensionEstimate:
    """pension_rows: (YYYYMM, base in fen) of every month paid, back paid or transferred in.
    account_years: the pension account by year (the current year's row, if any, holds this
    year's credits so far); or account_balance: the balance at the end of last year.

    When the 15-year minimum is not reached, the result carries `if_continued`: the same
    estimate with contributions every month from now until retirement."""
    if retirement_age not in MONTHS_DIVISOR:
        raise EstimateError(f"retirement age must be {min(MONTHS_DIVISOR)}-{max(MONTHS_DIVISOR)}")
    if deemed_months < 0:
        raise EstimateError("deemed months cannot be negative")
    growth = policy.wage_growth if wage_growth is None else wage_growth
    retire = Period(birth_date.year + retirement_age, birth_date.month)
    now = Period.of(today)
    if retire < now:
        # In the retirement month itself the member may still pay it: estimated, not refused.
        raise EstimateError("the member has reached retirement age")
    recorded: dict[Period, int] = {}
    for yyyymm, base in pension_rows:
        p = Period(yyyymm // 100, yyyymm % 100)
        # Two rows of one month (e.g. transferred in and paid) still make one month.
        recorded[p] = max(base, recorded.get(p, 0))
    closed_year, closed, this_year = _account_start(now, account_years, account_balance)
    index_from_record = future_index is None
    if future_index is None:
        last12 = [
            contribution_index(policy, p.year, b, growth) for p, b in sorted(recorded.items())[-12:]
        ]
        future_index = (sum(last12, Decimal(0)) / len(last12)) if last12 else MIN_INDEX
    inputs = _Inputs(
        policy=policy,
        now=now,
        retire=retire,
        retirement_age=retirement_age,
        recorded=recorded,
        deemed_months=deemed_months,
        closed_balance=closed,
        closed_year=closed_year,
        this_year_credits=this_year,
        growth=growth,
        rate=policy.crediting_rate_assumed if crediting_rate is None else crediting_rate,
        future_index=max(MIN_INDEX, min(MAX_INDEX, future_index)).quantize(INDEX_PLACES),
        index_from_record=index_from_record,
    )
    result = _project(inputs, continuing=continue_contributing and contributing)
    if not result.eligible:
        result = replace(result, if_continued=_project(inputs, continuing=True))
    return result


def contribution_index(policy: Policy, year: int, base_fen: int, growth: Decimal) -> Decimal:
    """A month's contribution index: its base / the previous year's average monthly wage."""
    return Decimal(base_fen) / Decimal(projected_monthly_wage(policy, year - 1, growth).fen)


def average_index(index_sum: Decimal, months: int) -> Decimal:
    """The average contribution index of `months` months, kept to 4 places."""
    return (index_sum / months).quantize(INDEX_PLACES)


def basic_pension(wage: Money, index: Decimal, months: int) -> Money:
    """W x (1 + I) / 2 x years x 1% a month, years = months / 12 (W: the average monthly wage
    of the year before retirement; I: the average contribution index)."""
    return Money.of(wage.yuan * (1 + index) / 2 * months / 12 / 100)


def account_pension(balance: Money, retirement_age: int) -> Money:
    """The account's balance at retirement / the months divisor (计发月数) of the age."""
    return Money.of(balance.yuan / MONTHS_DIVISOR[retirement_age])


def _account_start(
    now: Period, years: Sequence[AccountYear], balance: Money | None
) -> tuple[int, Money, Money]:
    """(last closed year, its closing balance, this year's credits so far) of the account."""
    closed = [y for y in years if y.year < now.year]
    current = [y for y in years if y.year == now.year]
    credits = current[0].principal if current else Money.zero()
    if closed:
        last = max(closed, key=lambda y: y.year)
        return last.year, last.balance, credits
    return now.year - 1, balance or Money.zero(), credits


def future_periods(now: Period, retire: Period, recorded: Iterable[Period]) -> list[Period]:
    """The months from now to the retirement month, included, that are not on record."""
    done = set(recorded)
    out: list[Period] = []
    p = now
    while p <= retire:
        if p not in done:
            out.append(p)
        p = p.next()
    return out


def _project(i: _Inputs, *, continuing: bool) -> PensionEstimate:
    policy = i.policy
    future = future_periods(i.now, i.retire, i.recorded) if continuing else []
    months = i.deemed_months + len(i.recorded) + len(future)
    if months == 0:
        raise EstimateError("no pension contributions on record")
    index_sum = sum(
        (contribution_index(policy, p.year, b, i.growth) for p, b in i.recorded.items()),
        Decimal(0),
    )
    index_sum += DEEMED_INDEX * i.deemed_months + i.future_index * len(future)
    avg_index = average_index(index_sum, months)
    wage = projected_monthly_wage(policy, i.retire.year - 1, i.growth)
    basic = basic_pension(wage, avg_index, months)
    # Future months credit the account's share of (index x the previous year's average wage).
    credits: dict[int, Money] = defaultdict(Money.zero)
    credits[i.now.year] = i.this_year_credits
    for p in future:
        base = projected_monthly_wage(policy, p.year - 1, i.growth).times(i.future_index)
        credits[p.year] += base.times(policy.employee_pension_account_rate)
    # Interest by the national method for every year that closes before retirement; the
    # retirement year's own interest is not yet credited when the pension is first computed
    # (its credits, the retirement month's included, only add to the balance).
    years = interest_years(
        credits,
        lambda y: _rate_of(i, y),
        first_year=i.closed_year + 1,
        last_year=i.retire.year,
        current_year=i.retire.year,
        opening=i.closed_balance,
    )
    projected = years[-1].closing if years else i.closed_balance
    divisor = MONTHS_DIVISOR[i.retirement_age]
    return PensionEstimate(
        retirement_period=i.retire,
        retirement_age=i.retirement_age,
        contribution_months=months,
        average_index=avg_index,
        average_monthly_wage=wage,
        basic_pension=basic,
        account_balance=projected,
        months_divisor=divisor,
        account_pension=account_pension(projected, i.retirement_age),
        assumptions=_assumptions(i, len(future), wage, divisor),
        eligible=months >= PENSION_MINIMUM_MONTHS,
        recorded_months=len(i.recorded),
        deemed_months=i.deemed_months,
        future_months=len(future),
    )


def _rate_of(i: _Inputs, year: int) -> Decimal:
    """The published rate of a year; the assumed one after the policy's table."""
    if year in i.policy.crediting_rates or year < min(i.policy.crediting_rates):
        return i.policy.crediting_rate(year)
    return i.rate


def _pct(d: Decimal) -> str:
    return f"{(d * 100).quantize(Decimal('0.01'))}%"


def _zh_month(p: Period) -> str:
    return f"{p.year}年{p.month:02d}月"


def _assumptions(i: _Inputs, future: int, wage: Money, divisor: int) -> tuple[Assumption, ...]:
    """Every assumption as key and value (for programs) and a sentence in each language."""
    last_wage_year = max(i.policy.average_wages)
    last_rate_year = max(i.policy.crediting_rates)
    idx = str(i.future_index)
    out = [
        Assumption(
            "retirement_age",
            str(i.retirement_age),
            "退休年龄",
            "Retirement age",
            f"按 {i.retirement_age} 岁退休，{_zh_month(i.retire.next())}开始领取养老金。",
            f"You retire at {i.retirement_age}; the pension starts in {i.retire.next()}.",
        ),
        Assumption(
            "retirement_month",
            str(i.retire),
            "退休年月",
            "Retirement month",
            f"退休年月为{_zh_month(i.retire)}（出生年月加退休年龄），缴费算到当月。",
            f"Retirement month {i.retire} (birth month plus the retirement age); "
            "contributions run to that month.",
        ),
        Assumption(
            "recorded_months",
            str(len(i.recorded)),
            "已有缴费月数",
            "Months on record",
            f"缴费记录中已缴、补缴和转入的月份共 {len(i.recorded)} 个月，每月只计一次。",
            f"Your record holds {len(i.recorded)} months paid, back paid or transferred in, "
            "each counted once.",
        ),
    ]
    if i.deemed_months:
        out.append(
            Assumption(
                "deemed_months",
                str(i.deemed_months),
                "视同缴费月数",
                "Deemed months",
                f"视同缴费 {i.deemed_months} 个月计入缴费年限，缴费指数按 1.0 计算。",
                f"{i.deemed_months} deemed months (视同缴费) count as contribution years, "
                "at a contribution index of 1.0.",
            )
        )
    if future:
        cont_zh = f"从本月起每月继续缴费直到退休，共 {future} 个月（已缴的月份不重复计算）。"
        cont_en = (
            f"You keep paying every month until retirement: {future} more "
            f"month{'' if future == 1 else 's'} "
            "(months already paid are not counted again)."
        )
    else:
        cont_zh = "今后不再缴费，只计算已有的缴费记录。"
        cont_en = "No further contributions: only the months on record count."
    out.append(
        Assumption(
            "continue_contributing",
            "yes" if future else "no",
            "继续缴费至退休",
            "Contributions continue until retirement",
            cont_zh,
            cont_en,
        )
    )
    if i.index_from_record:
        source_zh, source_en = "取最近 12 个月缴费的平均", "the average of your last 12 months"
    else:
        source_zh, source_en = "按所选", "as chosen"
    out += [
        Assumption(
            "future_index",
            idx,
            "今后缴费指数",
            "Future contribution index",
            f"今后的缴费基数为上年社会平均工资的 {idx} 倍（{source_zh}，限 0.6 至 3 倍）。",
            f"Future bases are {idx} times the previous year's average wage ({source_en}, "
            "within 0.6 to 3).",
        ),
        Assumption(
            "wage_growth",
            _pct(i.growth),
            "社平工资年增长率",
            "Average wage growth a year",
            f"{last_wage_year} 年以后社会平均工资每年增长 {_pct(i.growth)}。",
            f"The average wage grows {_pct(i.growth)} a year after {last_wage_year}.",
        ),
        Assumption(
            "crediting_rate",
            _pct(i.rate),
            "个人账户记账利率",
            "Account crediting rate",
            f"个人账户 {last_rate_year} 年及以前按公布的记账利率，以后每年按 {_pct(i.rate)} "
            "计息（当年记账额按半年计：× 1.083 ÷ 2）。",
            f"The account earns the published rates up to {last_rate_year} and "
            f"{_pct(i.rate)} a year after (a year's credits earn half a year: × 1.083 ÷ 2).",
        ),
        Assumption(
            "reference_wage",
            f"{wage.yuan:.2f}",
            "退休上年度月平均工资",
            "Average monthly wage, year before retirement",
            f"退休上一年（{i.retire.year - 1} 年）的月平均工资按 {wage.display()} 计算。",
            f"The average monthly wage of {i.retire.year - 1}, the year before retirement, "
            f"is taken as {wage.display()}.",
        ),
        Assumption(
            "months_divisor",
            str(divisor),
            "计发月数",
            "Months divisor",
            f"{i.retirement_age} 岁退休的计发月数为 {divisor} 个月：账户余额 ÷ {divisor}。",
            f"Retiring at {i.retirement_age}, the account is divided by {divisor} months.",
        ),
    ]
    if i.deemed_months:
        out.append(
            Assumption(
                "transitional_pension",
                "not estimated",
                "过渡性养老金",
                "Transitional pension",
                "视同缴费年限的过渡性养老金按各省办法另行计算，不在本测算中。",
                "The transitional pension for deemed years, set by each province, is not included.",
            )
        )
    return tuple(out)
