"""Pricing a member's choice: which scheme, which base, which months, which tier -> the lines.

The same function prices the quote the kiosk shows and re-prices it when the order is created;
if the two differ (the deadline passed, a month was paid meanwhile) the order is refused and the
kiosk asks for a new quote. Prices come from backoffice.rules.dues, never from the kiosk."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backoffice import records
from backoffice.errors import ApiError, BadRequestProblem, ConflictProblem, NotFoundProblem
from backoffice.fee_reductions import member_category
from backoffice.flexible import flexible_terms
from backoffice.policy import Policy
from backoffice.rules.dues import (
    FLEXIBLE_SCHEMES,
    compute_dues,
    flexible_line,
    oldest_payable,
    retirement_month,
    rows_from,
)
from backoffice.storage.payments import QuoteRow
from kiosk.domain import DomainError, Money, Period, Scheme
from kiosk.domain.dues import Due, DueKind, DueLine, FeeCategory


def member_dues(
    session: Session, member: records.Member, policy: Policy, today: dt.date
) -> list[Due]:
    """What `member` may pay on `today`: their enrolments and rows through compute_dues (the
    dues endpoint and the quote / order pricing use this one function)."""
    summary = records.summary(session, member, today)
    rows = records.dues_rows(
        session,
        member.id,
        first=rows_from(policy, today, summary.enrolments),
        this_year=today.year * 100 + 1,
        last=(today.year + 1) * 100 + 12,
    )
    bases, paused = flexible_terms(session, member.id)
    category = policy.fee_reductions.category(member_category(session, member.id))
    return compute_dues(
        policy,
        today,
        summary.enrolments,
        rows,
        retired=member.retired,
        retirement=retirement_month(member.birth_date, member.retirement_age),
        bases=bases,
        paused=paused,
        reduction=functools.partial(
            policy.fee_reductions.government_part, None if category is None else category.code
        ),
        fee_category=None
        if category is None
        else FeeCategory(category.code, category.zh, category.en),
    )


def too_old(month: Period) -> ConflictProblem:
    """The refusal of a month older than the back-payment window: the counter settles it."""
    return ConflictProblem(
        f"{month} 超过补缴期限，请到柜台办理",
        f"{month} is beyond the back-payment period; please go to the counter",
        code="BACK_PAYMENT_TOO_OLD",
    )


class QuoteOfAnotherTerminal(ApiError):
    status = 403
    code = "QUOTE_OTHER_TERMINAL"


def ordered_quote(quote: QuoteRow | None, terminal_id: str, member_id: int) -> QuoteRow:
    """The quote an order names, if it was made for this member by this terminal: a quote
    belongs to the kiosk that showed it (another terminal's order of it was taken, issue 15)."""
    if quote is None or quote.member_id != member_id:
        raise NotFoundProblem("没有这份报价", "No such quote", code="QUOTE_NOT_FOUND")
    if quote.terminal_id != terminal_id:
        raise QuoteOfAnotherTerminal(
            "这份报价不是本机开出的，请在本机重新核算",
            "This quote was made by another terminal; quote again on this one",
        )
    return quote


@dataclass(frozen=True)
class Choice:
    """What the member chose on the screen."""

    scheme: Scheme
    base: Money | None = None  # flexible: the monthly base
    periods: tuple[Period, ...] | None = None  # flexible: the months (None: every month due)
    tier: Money | None = None  # residents' pension: the tier

    def as_json(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme.value,
            "base": None if self.base is None else f"{self.base.yuan:.2f}",
            "periods": None if self.periods is None else [str(p) for p in self.periods],
            "tier": None if self.tier is None else f"{self.tier.yuan:.2f}",
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Choice:
        try:
            return cls(
                scheme=Scheme(data["scheme"]),
                base=None if data.get("base") is None else Money.of(data["base"]),
                periods=None
                if data.get("periods") is None
                else tuple(Period.parse(p) for p in data["periods"]),
                tier=None if data.get("tier") is None else Money.of(data["tier"]),
            )
        except (KeyError, ValueError, DomainError) as e:
            raise BadRequestProblem(
                "缴费选项无效", f"The payment choice is not valid: {e}", code="BAD_CHOICE"
            ) from None


@dataclass(frozen=True)
class Priced:
    due: Due
    lines: tuple[DueLine, ...]
    subsidy: Money

    @property
    def amount(self) -> Money:
        return _sum(line.amount for line in self.lines)

    @property
    def late_fee(self) -> Money:
        return _sum(line.late_fee for line in self.lines)

    @property
    def paid_by_government(self) -> Money:
        """代缴: what the government pays of these lines for the member (not in the total)."""
        return _sum(line.paid_by_government for line in self.lines)

    @property
    def total(self) -> Money:
        return self.amount + self.late_fee


def _sum(values: Any) -> Money:
    total = Money.zero()
    for v in values:
        total = total + v
    return total


def price(policy: Policy, today: dt.date, dues: Sequence[Due], choice: Choice) -> Priced:
    """The lines of `choice` against today's dues; BadRequestProblem / ConflictProblem when it
    cannot be paid (nothing left to pay: the government pays it all, 代缴)."""
    priced = _price(policy, today, dues, choice)
    if not priced.total and priced.paid_by_government:
        raise ConflictProblem(
            "该项费用由政府全额代缴，您无需缴费",
            "The government pays this in full for you (fee reduction): nothing to pay",
            code="PAID_BY_GOVERNMENT",
        )
    return priced


def _price(policy: Policy, today: dt.date, dues: Sequence[Due], choice: Choice) -> Priced:
    if choice.scheme in FLEXIBLE_SCHEMES and choice.periods:
        oldest = oldest_payable(policy, today)
        old = sorted(p for p in choice.periods if p < oldest)
        if old:
            raise too_old(old[0])
    due = next((d for d in dues if d.scheme is choice.scheme), None)
    if due is not None and not due.lines and due.counter_only:
        raise too_old(due.counter_only[0])  # only arrears beyond the window: the counter's
    if due is None or not due.lines:
        raise ConflictProblem(
            "该险种当前没有应缴费用",
            f"Nothing is due for {choice.scheme.value} now",
            code="NOTHING_DUE",
        )
    if due.kind is DueKind.FLEXIBLE:
        return Priced(due, _flexible(policy, today, due, choice), Money.zero())
    if due.kind is DueKind.RESIDENT_TIER:
        # A tier of 0.00 is not "no tier": it is refused like any tier that is not offered.
        tier = due.tiers[0].amount if choice.tier is None else choice.tier
        found = next((t for t in due.tiers if t.amount == tier), None)
        if found is None:
            shown = "、".join(f"{t.amount.yuan:.0f}" for t in due.tiers)
            raise BadRequestProblem(
                f"没有这个缴费档次，可选：{shown}",
                f"No such tier; the tiers are {shown}",
                code="BAD_TIER",
            )
        line = due.lines[0]
        return Priced(
            due,
            (
                DueLine(
                    period=line.period,
                    base=found.amount,
                    amount=found.member_part,  # the tier less 代缴
                    to_account=found.amount + found.subsidy,
                    late_fee=Money.zero(),
                    due_date=line.due_date,
                    back_payment=False,
                    paid_by_government=found.paid_by_government,
                ),
            ),
            found.subsidy,
        )
    return Priced(due, due.lines, Money.zero())


def _flexible(policy: Policy, today: dt.date, due: Due, choice: Choice) -> tuple[DueLine, ...]:
    # A base of 0.00 is a base (below the minimum: refused), not "no base" (the default).
    base = due.base_default if choice.base is None else choice.base
    if due.base_min is None or due.base_max is None:
        # Only arrears of earlier years are due: each keeps the base it was assessed at.
        if choice.base is not None:
            raise BadRequestProblem(
                "补缴月份按原核定基数缴费，不能选择基数",
                "Back-paid months keep the base they were assessed at; no base can be chosen",
                code="BASE_OUT_OF_RANGE",
            )
    elif base is None or not due.base_min <= base <= due.base_max:
        raise BadRequestProblem(
            f"缴费基数须在 {due.base_min} 至 {due.base_max} 元之间",
            f"The base must be from {due.base_min} to {due.base_max} yuan",
            code="BASE_OUT_OF_RANGE",
        )
    order = [line.period for line in due.lines]
    wanted = list(choice.periods) if choice.periods is not None else order
    if not wanted:
        raise BadRequestProblem("请至少选择一个月", "Choose at least one month", code="NO_MONTHS")
    unknown = [p for p in wanted if p not in order]
    if unknown:
        raise ConflictProblem(
            f"{unknown[0]} 不在可缴月份内",
            f"{unknown[0]} cannot be paid now",
            code="PERIOD_NOT_DUE",
        )
    if sorted(wanted) != order[: len(wanted)]:
        # Months are paid in order, oldest first, so the record never has a gap.
        raise BadRequestProblem(
            "请从最早的未缴月份起按顺序缴费",
            "Pay the months in order, starting with the oldest unpaid month",
            code="PERIODS_NOT_IN_ORDER",
        )
    lines = []
    for line in due.lines[: len(wanted)]:
        if line.period.year < due.year or base is None:
            lines.append(line)  # an earlier year's arrear keeps the base it was assessed at
        else:
            lines.append(flexible_line(policy, due.scheme, line.period, base, today))
    return tuple(lines)


def lines_json(lines: Sequence[DueLine]) -> list[dict[str, Any]]:
    """The priced lines as quotes and orders keep them; `paid_by_government` (代缴) only where
    the government pays a part (a line without it is what it always was)."""
    out: list[dict[str, Any]] = []
    for x in lines:
        line: dict[str, Any] = {
            "period": str(x.period),
            "base": f"{x.base.yuan:.2f}",
            "amount": f"{x.amount.yuan:.2f}",
            "late_fee": f"{x.late_fee.yuan:.2f}",
            "to_account": f"{x.to_account.yuan:.2f}",
            "total": f"{x.total.yuan:.2f}",
            "back_payment": x.back_payment,
        }
        if x.paid_by_government:
            line["paid_by_government"] = f"{x.paid_by_government.yuan:.2f}"
        out.append(line)
    return out
