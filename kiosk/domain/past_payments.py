"""The member's own past payments (我的缴费凭证) as the kiosk reads them (GET
/v1/members/{no}/payments, docs/api.md), enough to print a receipt again (补打): the lines as
the quote priced them, the late fee, the total paid, the residents' pension subsidy (政府补贴)
and the part the government paid for the member (代缴). A parser raises WireError on a missing
field or a wrong type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kiosk.domain.money import Money
from kiosk.domain.period import Period
from kiosk.domain.receipts import PaidPeriod, ReceiptLine, receipt_lines
from kiosk.domain.records import YEARLY_SCHEMES, Scheme
from kiosk.domain.wire import WireError, _get, _opt


@dataclass(frozen=True)
class PastLine:
    period: Period
    base: Money
    amount: Money  # the member's part, without the late fee
    late_fee: Money
    to_account: Money
    back_payment: bool
    paid_by_government: Money  # 代缴


@dataclass(frozen=True)
class PastPayment:
    order_no: str
    scheme: Scheme
    terminal_id: str
    paid_at: dt.datetime  # aware (UTC as sent)
    business_date: dt.date
    method: str | None  # card / qr
    account_masked: str | None
    gateway_txn: str | None
    lines: tuple[PastLine, ...]
    amount: Money
    late_fee: Money
    total: Money
    subsidy: Money
    paid_by_government: Money
    receipt_url: str

    @property
    def periods(self) -> tuple[Period, ...]:
        return tuple(x.period for x in self.lines)

    def receipt_lines(self) -> tuple[ReceiptLine, ...]:
        """The receipt's amount lines (runs of months at one base), as first printed."""
        flat = self.scheme in YEARLY_SCHEMES  # residents' schemes: a fee, no 缴费基数
        return receipt_lines(
            self.scheme,
            [
                PaidPeriod(x.period, None if flat else x.base, x.amount, x.back_payment)
                for x in self.lines
            ],
        )


def _money(obj: Any, key: str) -> Money:
    return Money.of(_get(obj, key, str))


def past_payment(b: Any) -> PastPayment:
    paid_at = dt.datetime.fromisoformat(_get(b, "paid_at", str))
    if paid_at.tzinfo is None:
        raise WireError("paid_at without its offset")
    p = PastPayment(
        order_no=_get(b, "order_no", str),
        scheme=Scheme(_get(b, "scheme", str)),
        terminal_id=_get(b, "terminal_id", str),
        paid_at=paid_at,
        business_date=dt.date.fromisoformat(_get(b, "business_date", str)),
        method=_opt(b, "method", str),
        account_masked=_opt(b, "account_masked", str),
        gateway_txn=_opt(b, "gateway_txn", str),
        lines=tuple(
            PastLine(
                period=Period.parse(_get(x, "period", str)),
                base=_money(x, "base"),
                amount=_money(x, "amount"),
                late_fee=_money(x, "late_fee"),
                to_account=_money(x, "to_account"),
                back_payment=_get(x, "back_payment", bool),
                paid_by_government=Money.of(_opt(x, "paid_by_government", str) or "0"),
            )
            for x in _get(b, "lines", list)
        ),
        amount=_money(b, "amount"),
        late_fee=_money(b, "late_fee"),
        total=_money(b, "total"),
        subsidy=_money(b, "subsidy"),
        paid_by_government=_money(b, "paid_by_government"),
        receipt_url=_get(b, "receipt_url", str),
    )
    if p.amount + p.late_fee != p.total:
        raise WireError("a payment's amount and late fee do not add up to its total")
    return p


def past_payments(b: Any) -> list[PastPayment]:
    return [past_payment(x) for x in _get(b, "payments", list)]
