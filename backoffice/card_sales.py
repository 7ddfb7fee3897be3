"""Posting an order paid by a card sale (issue 16): the kiosk's EMV sale went to the acquirer
(ISO 8583) and the card gave its TC; the kiosk then asks the back office to post the order.

The back office posts only what the acquirer's records show as an approved, not reversed sale
of this kiosk's terminal for the order's amount, once per order and once per sale, in the same
transaction that writes the member's months (backoffice.orders.Payments._post_line). In the
lab the acquirer's records are the reference acquirer's table in the same database
(backoffice/storage/acquirer.py); a real acquirer would answer the same question through its
query interface (SaleRecords is the seam).

    POST /v1/orders/{no}/card-sale {terminal_no, trace, txn_date, amount, rrn, auth_code}
    -> the order (posted); 409 CARD_SALE_UNKNOWN / CARD_SALE_REVERSED / CARD_SALE_NOT_APPROVED /
       CARD_SALE_AMOUNT / CARD_SALE_TERMINAL / CARD_SALE_USED / ORDER_NOT_PAYABLE /
       IDEMPOTENCY_CONFLICT"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select

from backoffice.errors import ConflictProblem
from backoffice.orders import Payments, order_view
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqTerminalRow, AcqTxnRow
from backoffice.storage.payments import OrderRow
from kiosk.domain.payments import OrderState

log = logging.getLogger("backoffice.payments")


@dataclass(frozen=True)
class CardSaleClaim:
    """What the kiosk says it was paid with (no card data: the sale's key and its answer)."""

    terminal_no: str  # the acquirer's terminal number (field 41)
    trace: int  # field 11
    txn_date: dt.date  # the kiosk's local date (field 13 with its year)
    amount_fen: int
    rrn: str
    auth_code: str

    @property
    def sale_id(self) -> str:
        """The sale's key as the order keeps it (gateway_txn)."""
        return f"card:{self.terminal_no}:{self.txn_date:%Y%m%d}:{self.trace:06d}"

    def digest(self) -> str:
        text = f"card-sale|{self.sale_id}|{self.amount_fen}|{self.rrn}|{self.auth_code}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SaleRecord:
    state: str  # approved / declined / reversed / tombstone
    amount_fen: int
    kiosk_id: str  # the back office terminal the acquirer's terminal belongs to
    pan_masked: str
    rrn: str
    auth_code: str


class SaleRecords(Protocol):
    def find(self, terminal_no: str, trace: int, txn_date: dt.date) -> SaleRecord | None: ...


class ReferenceAcquirerRecords:
    """The reference acquirer's table, read in the back office's database (the lab)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def find(self, terminal_no: str, trace: int, txn_date: dt.date) -> SaleRecord | None:
        with self.db.session() as s:
            txn = s.get(AcqTxnRow, (terminal_no, trace, txn_date))
            if txn is None:
                return None
            term = s.get(AcqTerminalRow, terminal_no)
            return SaleRecord(
                state=txn.state,
                amount_fen=txn.amount_fen,
                kiosk_id="" if term is None else term.kiosk_id,
                pan_masked=txn.pan_masked,
                rrn=txn.rrn,
                auth_code=txn.auth_code,
            )


def _refuse(code: str, zh: str, en: str) -> ConflictProblem:
    return ConflictProblem(zh, en, code=code)


def check_sale(claim: CardSaleClaim, record: SaleRecord | None, terminal_id: str) -> SaleRecord:
    """The acquirer's record must show the claimed sale approved, not reversed, of this kiosk's
    terminal, for the claimed amount; else 409 with the reason's code."""
    if record is None or record.state == "tombstone":
        raise _refuse(
            "CARD_SALE_UNKNOWN", "收单机构没有这笔交易", "The acquirer has no such card sale"
        )
    if record.kiosk_id != terminal_id:
        raise _refuse(
            "CARD_SALE_TERMINAL",
            "这笔银行卡交易不是本终端的",
            "This card sale belongs to another terminal",
        )
    if record.state == "reversed":
        raise _refuse("CARD_SALE_REVERSED", "这笔银行卡交易已冲正", "This card sale was reversed")
    if record.state != "approved":
        raise _refuse(
            "CARD_SALE_NOT_APPROVED",
            "这笔银行卡交易未获批准",
            f"This card sale was not approved ({record.state})",
        )
    if record.amount_fen != claim.amount_fen or (claim.rrn and claim.rrn != record.rrn):
        raise _refuse(
            "CARD_SALE_AMOUNT",
            "银行卡交易与申报不符",
            "The card sale's amount or reference differs from the claim",
        )
    return record


def post_card_sale(
    payments: Payments,
    records: SaleRecords,
    terminal_id: str,
    order_no: str,
    key: str,
    claim: CardSaleClaim,
) -> dict[str, Any]:
    """Post the order for an approved, not reversed card sale; a repeat answers the order."""
    ctx = payments.ctx
    digest = claim.digest()
    with ctx.db.session() as s:
        row = payments._load(s, order_no, terminal_id)
    if row.pay_key is not None:
        if row.pay_key == key and row.pay_hash == digest:
            return order_view(row, ctx.settings.public_url)  # a retry: the order as it is
        raise _refuse(
            "IDEMPOTENCY_CONFLICT" if row.pay_key == key else "ORDER_ALREADY_PAYING",
            "该订单已有另一笔支付",
            "This order is already paid or being paid by another request",
        )
    if row.state != OrderState.CREATED:
        raise _refuse(
            "ORDER_NOT_PAYABLE", "该订单已不能支付", f"This order cannot be paid: it is {row.state}"
        )
    if claim.amount_fen != row.total_fen:
        raise _refuse(
            "CARD_SALE_AMOUNT",
            "银行卡交易金额与订单不符",
            f"The card sale's amount differs from the order's {row.total_fen} fen",
        )
    record = check_sale(
        claim, records.find(claim.terminal_no, claim.trace, claim.txn_date), terminal_id
    )
    with ctx.db.session() as s:
        used = s.scalars(
            select(OrderRow.order_no).where(
                OrderRow.gateway_txn == claim.sale_id, OrderRow.order_no != order_no
            )
        ).first()
        if used is not None:
            raise _refuse(
                "CARD_SALE_USED",
                "这笔银行卡交易已用于另一订单",
                "This card sale paid another order",
            )
        now = ctx.settings.now()
        if not payments._cas_in(
            s,
            order_no,
            (OrderState.CREATED,),
            OrderState.POSTED,
            gateway_txn=claim.sale_id,
            paid_at=now,
            reason=None,
            pay_key=key,
            pay_hash=digest,
            method="card",
            account_masked=record.pan_masked,
        ):
            s.rollback()
            current = payments._get(order_no)
            if current.pay_key == key and current.pay_hash == digest:
                return order_view(current, ctx.settings.public_url)  # a concurrent repeat won
            raise _refuse(
                "ORDER_NOT_PAYABLE",
                "该订单已不能支付",
                f"This order cannot be paid: it is {current.state}",
            )
        posted = s.get(OrderRow, order_no)
        assert posted is not None
        paid_on = ctx.settings.current_date()
        for line in json.loads(posted.lines_json):
            payments._post_line(s, posted, line, paid_on, now)
        s.commit()
    log.info("order %s posted for card sale %s (%s)", order_no, claim.sale_id, record.pan_masked)
    return order_view(payments._get(order_no), ctx.settings.public_url)
