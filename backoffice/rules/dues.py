"""What a member may pay now (应缴), with the breakdown the kiosk shows (docs/rules.md).

- Flexible employment (an individual's active pension / medical enrolment): every unpaid month
  of the current calendar year (the member may pay ahead to December), at the minimum base by
  default, plus the member's own arrears of earlier years (补缴) no older than
  `[payment] back_payment_months` before the current month, at the base they were assessed at;
  each month with its late fee (滞纳金) from the day after its due date. Never a month before the
  enrolment's start, after its end (`until`), after the retirement month, or already counted.
  Older arrears are listed as `counter_only`: the counter settles them. A member whose only
  arrears are that old still gets the due, with no lines, so the kiosk can say so.
- Residents' pension: the year's tier (档次) if the year is unpaid; the state's subsidy shown.
- Residents' medical: the year's fee if unpaid (from September, next year's).

`flexible_line` prices one month at a chosen base: the payments' quote uses it too.

A flexible worker's registration (backoffice/flexible.py) gives the base the lines are priced
at by default (`bases`, kept within the year's limits) and the months stopped (暂停: `paused`),
which are never offered. A member of a fee-reduction category (代缴, `reduction`) pays a
residents' contribution less the government's part (backoffice/rules/fee_reductions.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from backoffice.policy import AverageWageMissing, Policy
from kiosk.domain import Enrolment, EnrolmentStatus, Money, Period, Scheme
from kiosk.domain.dues import Due, DueKind, DueLine, FeeCategory, Tier

FLEXIBLE_SCHEMES = (Scheme.PENSION, Scheme.MEDICAL)

# (scheme, year, contribution) -> the part the government pays (代缴); Money.zero(): none.
GovernmentPart = Callable[[Scheme, int, Money], Money]


def _no_reduction(_scheme: Scheme, _year: int, _contribution: Money) -> Money:
    return Money.zero()


def paused_month(paused: Sequence[tuple[Period, Period | None]], period: Period) -> bool:
    """Is `period` within a stop (first .. last, both included; last None: still stopped)?"""
    return any(first <= period and (last is None or period <= last) for first, last in paused)


def due_date(policy: Policy, period: Period) -> dt.date:
    """A month is due by the policy's deadline day of that month."""
    return dt.date(period.year, period.month, policy.deadline_day)


def flexible_rates(policy: Policy, scheme: Scheme) -> tuple[Decimal, Decimal]:
    """(rate charged, rate credited to the personal account) of a flexible worker's scheme."""
    if scheme is Scheme.PENSION:
        return policy.flexible_pension_rate, policy.flexible_pension_account_rate
    if scheme is Scheme.MEDICAL:
        return policy.flexible_medical_rate, policy.flexible_medical_account_rate
    raise ValueError(f"no flexible-employment rate for {scheme}")


def days_late(policy: Policy, period: Period, paid_on: dt.date) -> int:
    """Days from the day after the due date to the day paid, both counted: paid_on - due date
    (January 2024, due 01-15, paid 04-20: 16 + 29 + 31 + 20 = 96); 0 when paid on time."""
    return max((paid_on - due_date(policy, period)).days, 0)


def late_fee(policy: Policy, amount: Money, period: Period, today: dt.date) -> Money:
    """滞纳金: amount x late_fee_per_day x days late, rounded once to the fen; none for months
    of the current year where the city waives it (late_fee_in_year = false); at most the amount
    itself where late_fee_cap = "principal"."""
    if period.year == today.year and not policy.late_fee_in_year:
        return Money.zero()
    days = days_late(policy, period, today)
    if not days or not policy.late_fee_per_day:
        return Money.zero()
    fee = amount.times(policy.late_fee_per_day * days)
    if policy.late_fee_cap == "principal" and fee > amount:
        return amount
    return fee


def flexible_line(
    policy: Policy,
    scheme: Scheme,
    period: Period,
    base: Money,
    today: dt.date,
    *,
    back_payment: bool | None = None,
) -> DueLine:
    """One month at `base`: amount = base x rate, to the account base x account rate, each
    rounded to the fen. back_payment (补缴) defaults to "the month is of an earlier year"."""
    rate, account_rate = flexible_rates(policy, scheme)
    amount = base.times(rate)
    return DueLine(
        period=period,
        base=base,
        amount=amount,
        to_account=base.times(account_rate),
        late_fee=late_fee(policy, amount, period, today),
        due_date=due_date(policy, period),
        back_payment=period.year < today.year if back_payment is None else back_payment,
    )


def current_deadline(policy: Policy, today: dt.date) -> dt.date:
    """The current month's deadline, or next month's once this one has passed."""
    this = dt.date(today.year, today.month, policy.deadline_day)
    if today <= this:
        return this
    nxt = Period.of(today).next()
    return dt.date(nxt.year, nxt.month, policy.deadline_day)


def months_back(period: Period, n: int) -> Period:
    """The month n months before `period`."""
    index = period.year * 12 + period.month - 1 - n
    return Period(index // 12, index % 12 + 1)


def oldest_payable(policy: Policy, today: dt.date) -> Period:
    """The oldest month payable at the kiosk: back_payment_months before the current month
    (60 on 2024-12-31: 2019-12), never later than this year's January."""
    return min(months_back(Period.of(today), policy.back_payment_months), Period(today.year, 1))


def retirement_month(birth_date: dt.date, retirement_age: int) -> Period:
    """The month the member reaches retirement age: birth month + retirement_age years."""
    return Period(birth_date.year + retirement_age, birth_date.month)


def last_payable(enrolment: Enrolment, retirement: Period | None, year: int) -> Period:
    """The last month a member may pay in `year`: December, or the enrolment's end (until) or
    the retirement month if earlier."""
    last = Period(year, 12)
    for bound in (enrolment.until, retirement):
        if bound is not None and bound < last:
            last = bound
    return last


def compute_dues(
    policy: Policy,
    today: dt.date,
    enrolments: Iterable[Enrolment],
    rows: Iterable[tuple[str, int, int, int, int, str, str | None, *tuple[object, ...]]],
    *,
    retired: bool,
    retirement: Period | None = None,
    bases: Mapping[Scheme, Money] | None = None,
    paused: Sequence[tuple[Period, Period | None]] = (),
    reduction: GovernmentPart = _no_reduction,
    fee_category: FeeCategory | None = None,
) -> list[Due]:
    """Dues from the member's enrolments and contribution rows (scheme, YYYYMM, base, employer,
    personal, status, payer, ...) from rows_from(policy, today) on; `retirement` is the
    member's retirement month (retirement_month), None when unknown. `bases`: the flexible
    worker's chosen base per scheme (default: the minimum); `paused`: the months stopped;
    `reduction` and `fee_category`: the member's 代缴."""
    if retired:
        return []
    by_scheme = {e.scheme: e for e in enrolments}
    # Paid, back_paid, transferred_in, or an employer's arrears (the employer's debt): not the
    # member's to pay here.
    taken: dict[str, set[int]] = {}
    arrears: dict[str, list[tuple[int, int]]] = {}
    for scheme, period, base, _er, _pe, status, payer, *_rest in rows:
        if status == "arrears" and payer is None:
            arrears.setdefault(scheme, []).append((period, base))
        else:
            taken.setdefault(scheme, set()).add(period)
    out: list[Due] = []
    year = today.year
    oldest = oldest_payable(policy, today)
    for scheme in FLEXIBLE_SCHEMES:
        e = by_scheme.get(scheme)
        if e is None or e.status is not EnrolmentStatus.ACTIVE or e.employer is not None:
            continue
        last = last_payable(e, retirement, year)
        lines: list[DueLine] = []
        too_old: list[Period] = []
        done = taken.get(scheme.value, set())
        for period, base in sorted(arrears.get(scheme.value, [])):
            p = Period(period // 100, period % 100)
            if p.year >= year or p < e.since or p > last or period in done:
                continue  # this year's months are priced below, at the chosen base
            if p < oldest:
                too_old.append(p)
            else:
                # An earlier year's month keeps the base it was assessed at.
                lines.append(flexible_line(policy, scheme, p, Money.from_fen(base), today))
        first = max(e.since, Period(year, 1))
        periods = [
            Period(year, m)
            for m in range(1, 13)
            if first <= Period(year, m) <= last
            and year * 100 + m not in done
            and not paused_month(paused, Period(year, m))
        ]
        if not lines and not periods and not too_old:
            continue
        # Only arrears older than the window: the due is still answered, with no lines and its
        # counter_only months, so the kiosk can send the member to the counter.
        rate, account_rate = flexible_rates(policy, scheme)
        wage_year = year - 1
        wage: Money | None
        lo: Money | None
        hi: Money | None
        try:
            wage = policy.average_wage(wage_year)
            lo, hi = policy.base_range(year)
        except AverageWageMissing:
            if periods:
                raise  # this year's months need the limits: never guessed
            wage = lo = hi = None  # arrears only: priced at their assessed base
        default = lo
        chosen = (bases or {}).get(scheme)
        if lo is not None and hi is not None and chosen is not None:
            # The base chosen at registration, within this year's limits (a base chosen
            # last year may fall outside this year's band: the nearest limit).
            default = min(max(chosen, lo), hi)
        if default is not None:
            lines.extend(flexible_line(policy, scheme, p, default, today) for p in periods)
        out.append(
            Due(
                scheme=scheme,
                kind=DueKind.FLEXIBLE,
                year=year,
                periods=tuple(line.period for line in lines),
                rate=rate,
                account_rate=account_rate,
                base_min=lo,
                base_max=hi,
                base_default=default,
                tiers=(),
                annual_fee=None,
                lines=tuple(lines),
                deadline=current_deadline(policy, today),
                late_fee_rate_per_day=policy.late_fee_per_day,
                counter_only=tuple(too_old),
                average_wage=wage,
                average_wage_year=wage_year if wage is not None else None,
            )
        )
    e = by_scheme.get(Scheme.RESIDENT_PENSION)
    if (
        e is not None
        and e.status is EnrolmentStatus.ACTIVE
        and year * 100 + 1 not in taken.get(Scheme.RESIDENT_PENSION.value, set())
        and last_payable(e, retirement, year) >= max(e.since, Period(year, 1))
    ):
        tiers = tuple(
            Tier(t, policy.resident_subsidy(t), reduction(Scheme.RESIDENT_PENSION, year, t))
            for t in policy.resident_pension_tiers
        )
        low = tiers[0]
        out.append(
            Due(
                scheme=Scheme.RESIDENT_PENSION,
                kind=DueKind.RESIDENT_TIER,
                year=year,
                periods=(Period(year, 1),),
                rate=Decimal(0),
                account_rate=Decimal(0),
                base_min=None,
                base_max=None,
                base_default=None,
                tiers=tiers,
                annual_fee=None,
                lines=(
                    DueLine(
                        period=Period(year, 1),
                        base=low.amount,
                        amount=low.member_part,
                        to_account=low.amount + low.subsidy,
                        late_fee=Money.zero(),
                        due_date=dt.date(year, 12, 31),
                        back_payment=False,
                        paid_by_government=low.paid_by_government,
                    ),
                ),
                deadline=dt.date(year, 12, 31),
                late_fee_rate_per_day=Decimal(0),
                fee_category=fee_category if any(t.paid_by_government for t in tiers) else None,
            )
        )
    e = by_scheme.get(Scheme.RESIDENT_MEDICAL)
    if e is not None and e.status is EnrolmentStatus.ACTIVE:
        done = taken.get(Scheme.RESIDENT_MEDICAL.value, set())
        # Collection for next year opens in September (集中缴费期).
        fee_year = year + 1 if today.month >= 9 and year * 100 + 1 in done else year
        if fee_year * 100 + 1 not in done:
            fee = policy.resident_medical_fee
            government = reduction(Scheme.RESIDENT_MEDICAL, fee_year, fee)
            out.append(
                Due(
                    scheme=Scheme.RESIDENT_MEDICAL,
                    kind=DueKind.RESIDENT_ANNUAL,
                    year=fee_year,
                    periods=(Period(fee_year, 1),),
                    rate=Decimal(0),
                    account_rate=Decimal(0),
                    base_min=None,
                    base_max=None,
                    base_default=None,
                    tiers=(),
                    annual_fee=fee,
                    lines=(
                        DueLine(
                            period=Period(fee_year, 1),
                            base=fee,
                            amount=fee - government,
                            to_account=Money.zero(),
                            late_fee=Money.zero(),
                            due_date=dt.date(fee_year, 12, 31),
                            back_payment=False,
                            paid_by_government=government,
                        ),
                    ),
                    deadline=dt.date(fee_year, 12, 31),
                    late_fee_rate_per_day=Decimal(0),
                    fee_category=fee_category if government else None,
                )
            )
    return out


def rows_from(policy: Policy, today: dt.date, enrolments: Iterable[Enrolment]) -> int:
    """The first YYYYMM compute_dues needs rows from: the window, and back to the earliest
    flexible enrolment's start for the arrears shown as counter_only."""
    first = oldest_payable(policy, today)
    for e in enrolments:
        if e.scheme in FLEXIBLE_SCHEMES and e.employer is None and e.since < first:
            first = e.since
    return first.year * 100 + first.month
