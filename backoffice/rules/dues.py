"""What a member may pay now (应缴), with the breakdown the kiosk shows.

- Flexible employment (an individual's active pension / medical enrolment): every unpaid month
  of the current calendar year (the member may pay ahead to December), at the minimum base by
  default, plus the member's own arrears of earlier years within the back-payment window (补缴),
  each with its late fee (滞纳金) from its due date.
- Residents' pension: the year's tier (档次) if the year is unpaid; the state's subsidy shown.
- Residents' medical: the year's fee if unpaid (from September, next year's).

`flexible_line` prices one month at a chosen base: the payments' quote uses it too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from backoffice.policy import Policy
from kiosk.domain import Enrolment, EnrolmentStatus, Money, Period, Scheme
from kiosk.domain.dues import Due, DueKind, DueLine, Tier

FLEXIBLE_SCHEMES = (Scheme.PENSION, Scheme.MEDICAL)


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


def late_fee(policy: Policy, amount: Money, period: Period, today: dt.date) -> Money:
    """0.05% (policy) a day from the due date; none for months of the current year unless the
    city charges within the year."""
    if period.year == today.year and not policy.late_fee_within_year:
        return Money.zero()
    days = (today - due_date(policy, period)).days
    if days <= 0 or not policy.late_fee_per_day:
        return Money.zero()
    return amount.times(policy.late_fee_per_day * days)


def flexible_line(
    policy: Policy,
    scheme: Scheme,
    period: Period,
    base: Money,
    today: dt.date,
    *,
    back_payment: bool = False,
) -> DueLine:
    rate, account_rate = flexible_rates(policy, scheme)
    amount = base.times(rate)
    return DueLine(
        period=period,
        base=base,
        amount=amount,
        to_account=base.times(account_rate),
        late_fee=late_fee(policy, amount, period, today),
        due_date=due_date(policy, period),
        back_payment=back_payment,
    )


def current_deadline(policy: Policy, today: dt.date) -> dt.date:
    """The current month's deadline, or next month's once this one has passed."""
    this = dt.date(today.year, today.month, policy.deadline_day)
    if today <= this:
        return this
    nxt = Period.of(today).next()
    return dt.date(nxt.year, nxt.month, policy.deadline_day)


def compute_dues(
    policy: Policy,
    today: dt.date,
    enrolments: Iterable[Enrolment],
    rows: Iterable[tuple[str, int, int, int, int, str, str | None]],
    *,
    retired: bool,
) -> list[Due]:
    """Dues from the member's enrolments and contribution rows (scheme, YYYYMM, base, employer,
    personal, status, payer) of the window the rules look at (back-payment years to now)."""
    if retired:
        return []
    by_scheme = {e.scheme: e for e in enrolments}
    paid: dict[str, set[int]] = {}
    arrears: dict[str, list[tuple[int, int, int]]] = {}
    for scheme, period, base, er, pe, status, payer, *_rest in rows:
        if status == "arrears":
            if payer is None:  # the member's own arrears; an employer's are the employer's debt
                arrears.setdefault(scheme, []).append((period, base, er + pe))
        else:
            paid.setdefault(scheme, set()).add(period)
    out: list[Due] = []
    year = today.year
    lo, hi = policy.base_range(year)
    for scheme in FLEXIBLE_SCHEMES:
        e = by_scheme.get(scheme)
        if e is None or e.status is not EnrolmentStatus.ACTIVE or e.employer is not None:
            continue
        rate, account_rate = flexible_rates(policy, scheme)
        lines: list[DueLine] = []
        if policy.back_payment_years > 0:
            oldest = year - policy.back_payment_years
            for period, base, _amount in sorted(arrears.get(scheme.value, [])):
                p = Period(period // 100, period % 100)
                if oldest <= p.year < year:
                    lines.append(
                        flexible_line(
                            policy, scheme, p, Money.from_fen(base), today, back_payment=True
                        )
                    )
        done = paid.get(scheme.value, set())
        periods = [Period(year, m) for m in range(1, 13) if year * 100 + m not in done]
        lines.extend(flexible_line(policy, scheme, p, lo, today) for p in periods)
        if not lines:
            continue
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
                base_default=lo,
                tiers=(),
                annual_fee=None,
                lines=tuple(lines),
                deadline=current_deadline(policy, today),
                late_fee_rate_per_day=policy.late_fee_per_day,
            )
        )
    e = by_scheme.get(Scheme.RESIDENT_PENSION)
    if (
        e is not None
        and e.status is EnrolmentStatus.ACTIVE
        and year * 100 + 1 not in paid.get(Scheme.RESIDENT_PENSION.value, set())
    ):
        tiers = tuple(Tier(t, policy.resident_subsidy(t)) for t in policy.resident_pension_tiers)
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
                        amount=low.amount,
                        to_account=low.amount + low.subsidy,
                        late_fee=Money.zero(),
                        due_date=dt.date(year, 12, 31),
                        back_payment=False,
                    ),
                ),
                deadline=dt.date(year, 12, 31),
                late_fee_rate_per_day=Decimal(0),
            )
        )
    e = by_scheme.get(Scheme.RESIDENT_MEDICAL)
    if e is not None and e.status is EnrolmentStatus.ACTIVE:
        done = paid.get(Scheme.RESIDENT_MEDICAL.value, set())
        # Collection for next year opens in September (集中缴费期).
        fee_year = year + 1 if today.month >= 9 and year * 100 + 1 in done else year
        if fee_year * 100 + 1 not in done:
            fee = policy.resident_medical_fee
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
                            amount=fee,
                            to_account=Money.zero(),
                            late_fee=Money.zero(),
                            due_date=dt.date(fee_year, 12, 31),
                            back_payment=False,
                        ),
                    ),
                    deadline=dt.date(fee_year, 12, 31),
                    late_fee_rate_per_day=Decimal(0),
                )
            )
    return out
