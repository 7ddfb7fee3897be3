"""Payment orders: creation with idempotency keys, card debit, QR, cancellation, settlement.

Order states (every change is a compare-and-set on the current state, so two threads or two
processes racing on one order cannot both win):

    created --pay--> charging --charged--> posted
       |                |--declined--> failed
       |                '--timeout / in doubt--> reversing --> reversed   (冲正)
       |--qr--> qr_pending --paid (notify or query)--> posted
       |           '--cancel--> cancelling --> cancelled  (or posted, if the phone paid first)
       '--cancel--> cancelled

`posted` is reached in the same transaction that writes the member's contribution months, so
the history shows a payment at once and never shows one that was not charged. An order left in
`charging` (its request died) is resolved on the next query once it is older than
`in_doubt_after`: charged at the gateway -> posted, else reversed."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import insert, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backoffice import records
from backoffice.api.encode import instant
from backoffice.context import Context
from backoffice.errors import (
    ApiError,
    BadRequestProblem,
    ConflictProblem,
    NotFoundProblem,
    receipt_not_found,
)
from backoffice.gateway import (
    GatewayDeclined,
    GatewaySimulator,
    GatewayTimeout,
    GatewayTxn,
    Switches,
)
from backoffice.gateway.seam import NoGateway, PaymentGateway
from backoffice.quotes import Choice, Priced, lines_json, member_dues, ordered_quote, price
from backoffice.storage.members import (
    AccountYearRow,
    ContributionRow,
    MedicalAccountYearRow,
    MemberRow,
)
from backoffice.storage.payments import IdempotencyRow, OrderRow, PostingRow, QuoteRow
from kiosk.domain import Money, Period, mask_card_number
from kiosk.domain.dues import Due
from kiosk.domain.payments import OrderState

log = logging.getLogger("backoffice.payments")

# An order's state is stored as the enum's value (a string column); code compares and sets the enum.
OPEN = tuple(s for s in OrderState if not s.final)  # created .. cancelling: may still change
TOMBSTONE = "cancelled-before-created"

REASONS = {
    "insufficient_funds": ("余额不足，支付被拒绝", "Declined: insufficient funds"),
    "gateway_timeout": (
        "银行未及时应答，本笔支付已冲正，未扣款",
        "The bank did not answer in time; the payment was reversed, nothing was taken",
    ),
    "in_doubt": (
        "支付结果不明，已冲正，未扣款",
        "The payment's outcome was unknown; it was reversed, nothing was taken",
    ),
    "cancelled": ("已取消，未扣款", "Cancelled; nothing was taken"),
}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


_INSERT_QUOTE = insert(QuoteRow)


@dataclass
class Payments:
    """The payments area of one back office process."""

    ctx: Context
    switches: Switches
    gateway: PaymentGateway
    in_doubt_after: float = 5.0  # seconds before a `charging` order with no answer is resolved

    @classmethod
    def create(cls, ctx: Context, *, gateway: str = "simulator") -> Payments:
        """gateway: "simulator" (the lab's simulated bank) or "none" (backoffice.parts)."""
        switches = Switches()
        if gateway == "none":
            return cls(ctx, switches, NoGateway())
        made: list[Payments] = []  # the gateway's notification calls back into this object
        simulator = GatewaySimulator(
            ctx.db,
            switches,
            now=lambda: ctx.settings.now(),
            today=lambda: ctx.settings.current_date(),
            notify=lambda order_no: made[0].on_gateway_paid(order_no),
        )
        made.append(cls(ctx, switches, simulator))
        return made[0]

    # --- helpers -------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return self.ctx.settings.now()

    def _dues(self, s: Session, member: records.Member) -> list[Due]:
        return member_dues(s, member, self.ctx.policy, self.ctx.settings.current_date())

    def _price(self, s: Session, member: records.Member, choice: Choice) -> Priced:
        today = self.ctx.settings.current_date()
        return price(self.ctx.policy, today, self._dues(s, member), choice)

    def _load(self, s: Session, order_no: str, terminal_id: str) -> OrderRow:
        row = s.get(OrderRow, order_no)
        if row is None or row.terminal_id != terminal_id:
            raise NotFoundProblem("没有这笔订单", "No such order", code="ORDER_NOT_FOUND")
        return row

    def _get(self, order_no: str) -> OrderRow:
        with self.ctx.db.session() as s:
            row = s.get(OrderRow, order_no)
            assert row is not None
            return row

    def _cas(
        self, order_no: str, old: tuple[OrderState, ...], new: OrderState, **values: Any
    ) -> bool:
        with self.ctx.db.session() as s:
            ok = self._cas_in(s, order_no, old, new, **values)
            s.commit()
            return ok

    def _cas_in(
        self, s: Session, order_no: str, old: tuple[OrderState, ...], new: OrderState, **values: Any
    ) -> bool:
        # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
        result = cast(
            CursorResult[Any],
            s.execute(
                update(OrderRow)
                .where(OrderRow.order_no == order_no, OrderRow.state.in_([o.value for o in old]))
                .values(state=new.value, state_since=self._now(), **values),
            ),
        )
        return bool(result.rowcount)

    # --- quote ---------------------------------------------------------------------------

    def quote(self, terminal_id: str, member_no: str, choice: Choice) -> dict[str, Any]:
        with self.ctx.db.session() as s:
            member = records.find_member(s, member_no)
            priced = self._price(s, member, choice)
            today = self.ctx.settings.current_date()
            values = {
                "quote_id": "Q" + uuid.uuid4().hex[:16].upper(),
                "terminal_id": terminal_id,
                "member_id": member.id,
                "scheme": choice.scheme.value,
                "choice_json": json.dumps(choice.as_json()),
                "lines_json": json.dumps(lines_json(priced.lines)),
                "total_fen": priced.total.fen,
                "as_of": today,
                "created_at": self._now(),
            }
            # A plain INSERT: the ORM's unit of work (flush) cost more than pricing the quote.
            s.connection().execute(_INSERT_QUOTE, values)
            s.commit()
            return quote_json(QuoteRow(**values), member_no, priced, choice)

    # --- orders --------------------------------------------------------------------------

    def create_order(
        self, terminal_id: str, key: str, quote_id: str, member_no: str, amount: str
    ) -> tuple[int, dict[str, Any]]:
        """(status, body). The first answer for a key is stored and given again for the same
        parameters; other parameters with that key -> 409."""
        request_hash = _sha(json.dumps([quote_id, member_no, amount]))
        with self.ctx.db.session() as s:
            seen = s.get(IdempotencyRow, (terminal_id, key))
            if seen is not None:
                return self._replay(seen, request_hash)
        try:
            status, body, order = self._new_order(terminal_id, key, quote_id, member_no, amount)
        except ApiError as e:
            status, body, order = e.status, e.body(), None
        with self.ctx.db.session() as s:
            if order is not None:
                s.add(order)
            s.add(
                IdempotencyRow(
                    terminal_id=terminal_id,
                    idem_key=key,
                    request_hash=request_hash,
                    status=status,
                    body_json=json.dumps(body, ensure_ascii=False),
                    order_no=None if order is None else order.order_no,
                    created_at=self._now(),
                )
            )
            try:
                s.commit()
            except IntegrityError:
                # The same key raced in twice: the other request's answer is the first one.
                s.rollback()
                seen = s.get(IdempotencyRow, (terminal_id, key))
                assert seen is not None
                return self._replay(seen, request_hash)
        return status, body

    def _replay(self, seen: IdempotencyRow, request_hash: str) -> tuple[int, dict[str, Any]]:
        if seen.request_hash == TOMBSTONE:
            return 409, ConflictProblem(
                "该笔缴费已取消，请重新开始",
                "This payment was cancelled; please start again",
                code="KEY_CANCELLED",
            ).body()
        if seen.request_hash != request_hash:
            return 409, ConflictProblem(
                "同一请求号的参数不同",
                "This idempotency key was used with other parameters",
                code="IDEMPOTENCY_CONFLICT",
            ).body()
        if seen.order_no is not None:
            return seen.status, self.order(seen.order_no, seen.terminal_id)
        return seen.status, json.loads(seen.body_json)

    def _new_order(
        self, terminal_id: str, key: str, quote_id: str, member_no: str, amount: str
    ) -> tuple[int, dict[str, Any], OrderRow]:
        with self.ctx.db.session() as s:
            member = records.find_member(s, member_no)
            quote = ordered_quote(s.get(QuoteRow, quote_id), terminal_id, member.id)
            try:
                shown = Money.of(amount)
            except Exception:
                raise BadRequestProblem(
                    "金额格式错误", "Not an amount", code="BAD_AMOUNT"
                ) from None
            if shown.fen != quote.total_fen:
                raise ConflictProblem(
                    "显示的金额与后台核定金额不一致，请重新核算",
                    "The amount shown differs from the back office's; please re-quote",
                    code="AMOUNT_MISMATCH",
                )
            choice = Choice.from_json(json.loads(quote.choice_json))
            try:
                priced = self._price(s, member, choice)
            except ApiError:
                priced = None
            if priced is None or lines_json(priced.lines) != json.loads(quote.lines_json):
                raise ConflictProblem(
                    "应缴金额已变化（例如已过缴费截止日或已有缴费），请重新核算",
                    "What is due has changed (a deadline passed or a month was paid); "
                    "please re-quote",
                    code="QUOTE_CHANGED",
                )
            periods = [int(Period.parse(x["period"]).compact) for x in lines_json(priced.lines)]
            busy = s.scalars(
                select(OrderRow).where(
                    OrderRow.member_id == member.id,
                    OrderRow.scheme == quote.scheme,
                    OrderRow.state.in_([o.value for o in OPEN]),
                )
            ).all()
            for other in busy:
                theirs = {
                    int(Period.parse(x["period"]).compact) for x in json.loads(other.lines_json)
                }
                if theirs & set(periods):
                    raise ConflictProblem(
                        "这些月份有一笔未完成的缴费，请稍后再试",
                        "An unfinished payment covers these months; try again later",
                        code="ORDER_OPEN",
                    )
            now = self._now()
            order = OrderRow(
                order_no=_order_no(terminal_id, self.ctx.settings.current_date()),
                terminal_id=terminal_id,
                idem_key=key,
                member_id=member.id,
                member_no=member_no,
                scheme=quote.scheme,
                quote_id=quote_id,
                lines_json=quote.lines_json,
                total_fen=quote.total_fen,
                late_fee_fen=priced.late_fee.fen,
                state=OrderState.CREATED.value,
                business_date=self.ctx.settings.current_date(),
                created_at=now,
                state_since=now,
            )
        return 201, order_view(order, self.ctx.settings.public_url), order

    def order(self, order_no: str, terminal_id: str) -> dict[str, Any]:
        """The order now, after resolving what can be resolved (query first, then finish)."""
        with self.ctx.db.session() as s:
            row = self._load(s, order_no, terminal_id)
        row = self._resolve(row)
        return order_view(row, self.ctx.settings.public_url)

    def order_by_key(self, terminal_id: str, key: str) -> dict[str, Any]:
        with self.ctx.db.session() as s:
            seen = s.get(IdempotencyRow, (terminal_id, key))
        if seen is None:
            raise NotFoundProblem("没有这笔订单", "No order for this key", code="ORDER_NOT_FOUND")
        if seen.order_no is None:
            return {
                "order_no": None,
                "idempotency_key": key,
                "state": OrderState.NONE.value,
                "final": True,
            }
        return self.order(seen.order_no, terminal_id)

    def _resolve(self, row: OrderRow) -> OrderRow:
        age = (self._now() - row.state_since).total_seconds()
        if row.state == OrderState.QR_PENDING:
            txn = self.gateway.query(row.order_no)
            if txn is not None and txn.state == "charged":
                self._settle(row.order_no, (OrderState.QR_PENDING,), txn)
        elif row.state == OrderState.CHARGING and age >= self.in_doubt_after:
            txn = self.gateway.query(row.order_no)
            if txn is not None and txn.state == "charged":
                self._settle(row.order_no, (OrderState.CHARGING,), txn)
            else:
                self._reverse(row, "in_doubt")
        elif row.state == OrderState.REVERSING:
            self._reverse(row, row.reason or "in_doubt")
        elif row.state == OrderState.CANCELLING:
            self._close(row)
        return self._get(row.order_no)

    # --- paying --------------------------------------------------------------------------

    def _claim_payment(
        self, row: OrderRow, key: str, method: str, params: str, new_state: OrderState, masked: str
    ) -> bool:
        """Move created -> new_state for this pay request; False if it was not `created`."""
        pay_hash = _sha(f"{method}|{params}")
        if row.pay_key is not None:
            if row.pay_key == key and row.pay_hash == pay_hash:
                return False  # a retry of the same request: answer with the order as it is
            raise ConflictProblem(
                "该订单已在支付中，参数不同" if row.pay_key == key else "该订单已有另一笔支付",
                "This key was used with other parameters"
                if row.pay_key == key
                else "This order is already being paid by another request",
                code="IDEMPOTENCY_CONFLICT" if row.pay_key == key else "ORDER_ALREADY_PAYING",
            )
        if row.state != OrderState.CREATED:
            return False
        return self._cas(
            row.order_no,
            (OrderState.CREATED,),
            new_state,
            pay_key=key,
            pay_hash=pay_hash,
            method=method,
            account_masked=masked,
        )

    def pay_card(self, terminal_id: str, order_no: str, key: str, account: str) -> dict[str, Any]:
        with self.ctx.db.session() as s:
            row = self._load(s, order_no, terminal_id)
        masked = mask_card_number(account)
        if not self._claim_payment(row, key, "card", account, OrderState.CHARGING, masked):
            row = self._get(order_no)
            if row.pay_key is None:
                self._not_payable(row)
            return self.order(order_no, terminal_id)
        try:
            txn = self.gateway.debit(terminal_id, order_no, row.total_fen, masked)
        except GatewayDeclined as e:
            self._cas(order_no, (OrderState.CHARGING,), OrderState.FAILED, reason=e.reason[:40])
        except GatewayTimeout:
            self._reverse(self._get(order_no), "gateway_timeout")
        else:
            self._settle(order_no, (OrderState.CHARGING,), txn)
        return order_view(self._get(order_no), self.ctx.settings.public_url)

    def open_qr(self, terminal_id: str, order_no: str, key: str) -> dict[str, Any]:
        with self.ctx.db.session() as s:
            row = self._load(s, order_no, terminal_id)
        if self._claim_payment(row, key, "qr", "", OrderState.QR_PENDING, ""):
            self.gateway.open_qr(terminal_id, order_no, row.total_fen)
        else:
            row = self._get(order_no)
            if row.pay_key is None:
                self._not_payable(row)
            if row.state == OrderState.QR_PENDING:
                self.gateway.open_qr(terminal_id, order_no, row.total_fen)  # idempotent
        return self.order(order_no, terminal_id)

    def _not_payable(self, row: OrderRow) -> None:
        raise ConflictProblem(
            "该订单已不能支付",
            f"This order cannot be paid: it is {row.state}",
            code="ORDER_NOT_PAYABLE",
        )

    def on_gateway_paid(self, order_no: str) -> None:
        """The gateway's notification that a QR order was paid (may come twice)."""
        txn = self.gateway.query(order_no)
        if txn is not None and txn.state == "charged":
            self._settle(order_no, (OrderState.QR_PENDING, OrderState.CANCELLING), txn)

    # --- cancel / reverse ----------------------------------------------------------------

    def cancel(self, terminal_id: str, order_no: str) -> dict[str, Any]:
        """Cancel what was not charged; a charged order stays posted (the answer says so)."""
        with self.ctx.db.session() as s:
            row = self._load(s, order_no, terminal_id)
        if row.state == OrderState.CREATED:
            self._cas(order_no, (OrderState.CREATED,), OrderState.CANCELLED, reason="cancelled")
        elif row.state == OrderState.QR_PENDING and self._cas(
            order_no, (OrderState.QR_PENDING,), OrderState.CANCELLING
        ):
            self._close(self._get(order_no))
        return self.order(order_no, terminal_id)

    def cancel_by_key(self, terminal_id: str, key: str) -> dict[str, Any]:
        """Cancel the order created with `key`, or make sure none ever will be."""
        with self.ctx.db.session() as s:
            s.add(
                IdempotencyRow(
                    terminal_id=terminal_id,
                    idem_key=key,
                    request_hash=TOMBSTONE,
                    status=409,
                    body_json="{}",
                    order_no=None,
                    created_at=self._now(),
                )
            )
            try:
                s.commit()
                return {
                    "order_no": None,
                    "idempotency_key": key,
                    "state": OrderState.NONE.value,
                    "final": True,
                }
            except IntegrityError:
                s.rollback()
            seen = s.get(IdempotencyRow, (terminal_id, key))
            assert seen is not None
        if seen.order_no is None:
            return {
                "order_no": None,
                "idempotency_key": key,
                "state": OrderState.NONE.value,
                "final": True,
            }
        return self.cancel(terminal_id, seen.order_no)

    def _reverse(self, row: OrderRow, reason: str) -> None:
        # Claim the order first, so a late "charged" answer cannot post it while we reverse.
        self._cas(row.order_no, (OrderState.CHARGING,), OrderState.REVERSING, reason=reason)
        current = self._get(row.order_no)
        if current.state != OrderState.REVERSING:
            return
        txn = self.gateway.reverse(row.terminal_id, row.order_no, row.total_fen)
        log.info("order %s reversed at the gateway (%s): %s", row.order_no, reason, txn.state)
        self._cas(
            row.order_no, (OrderState.REVERSING,), OrderState.REVERSED, gateway_txn=txn.txn_id
        )

    def _close(self, row: OrderRow) -> None:
        txn = self.gateway.close(row.terminal_id, row.order_no, row.total_fen)
        if txn.state == "charged":
            self._settle(row.order_no, (OrderState.CANCELLING,), txn)
        else:
            self._cas(
                row.order_no, (OrderState.CANCELLING,), OrderState.CANCELLED, reason="cancelled"
            )

    # --- settlement and posting ----------------------------------------------------------

    def _settle(self, order_no: str, old: tuple[OrderState, ...], txn: GatewayTxn) -> bool:
        """Mark the order posted and post its months, in one transaction."""
        with self.ctx.db.session() as s:
            now = self._now()
            if not self._cas_in(
                s,
                order_no,
                old,
                OrderState.POSTED,
                gateway_txn=txn.txn_id,
                paid_at=now,
                reason=None,
            ):
                s.rollback()
                return False
            row = s.get(OrderRow, order_no)
            assert row is not None
            paid_on = self.ctx.settings.current_date()
            for line in json.loads(row.lines_json):
                self._post_line(s, row, line, paid_on, now)
            s.commit()
        log.info("order %s posted (%s)", order_no, txn.txn_id)
        return True

    def _post_line(
        self, s: Session, row: OrderRow, line: dict[str, Any], paid_on: dt.date, now: dt.datetime
    ) -> None:
        """One paid month (or residents' year) into the record and the member's accounts.

        The member paid it all, so there is no employer part: the amount is the personal part;
        the account share goes to the pension (or medical) account of the year it was paid in
        (interest on it is credited at that year's end); a residents' pension year keeps the
        government's subsidy in its own column. A month of an earlier year is 补缴 (back_paid)."""
        period = int(Period.parse(line["period"]).compact)
        base, amount = Money.of(line["base"]).fen, Money.of(line["amount"]).fen
        late = Money.of(line["late_fee"]).fen
        to_account = Money.of(line["to_account"]).fen
        # 代缴: the government paid this part of the contribution for the member; the row keeps
        # the whole contribution (the tier or fee) as the personal part, as without it.
        contribution = amount + Money.of(line.get("paid_by_government", "0")).fen
        subsidy = to_account - contribution if row.scheme == "resident_pension" else 0
        status = "back_paid" if line.get("back_payment") else "paid"
        s.add(
            PostingRow(
                order_no=row.order_no,
                period=period,
                member_id=row.member_id,
                scheme=row.scheme,
                base_fen=base,
                amount_fen=amount,
                late_fee_fen=late,
                posted_at=now,
            )
        )
        month = s.get(ContributionRow, (row.member_id, row.scheme, period))
        if month is None:
            month = ContributionRow(member_id=row.member_id, scheme=row.scheme, period=period)
            s.add(month)
        month.base_fen = base
        month.employer_fen = 0
        month.personal_fen = contribution
        month.account_fen = to_account
        month.subsidy_fen = subsidy
        month.status = status
        month.payer_id = None
        month.paid_on = paid_on
        if row.scheme == "pension":
            _credit_pension_account(s, row.member_id, paid_on.year, to_account)
        elif row.scheme == "medical":
            _credit_medical_account(s, row.member_id, paid_on.year, to_account)

    def receipt_page(self, order_no: str) -> str:
        with self.ctx.db.session() as s:
            row = s.get(OrderRow, order_no)
        if row is None or row.state != OrderState.POSTED:
            raise receipt_not_found()
        from backoffice.receipt_html import receipt_html

        return receipt_html(row, self.ctx.settings)


def _credit_pension_account(s: Session, member_id: int, year: int, fen: int) -> None:
    """Add a credit to the year's pension account row (made from last year's closing balance
    when it is the year's first); its interest comes at the year's end."""
    if fen <= 0:
        return
    row = s.get(AccountYearRow, (member_id, year))
    if row is None:
        before = s.scalars(
            select(AccountYearRow)
            .where(AccountYearRow.member_id == member_id, AccountYearRow.year < year)
            .order_by(AccountYearRow.year.desc())
            .limit(1)
        ).first()
        opening = 0 if before is None else before.balance_fen
        row = AccountYearRow(
            member_id=member_id, year=year, principal_fen=0, interest_fen=0, balance_fen=opening
        )
        s.add(row)
    row.principal_fen += fen
    row.balance_fen += fen


def _credit_medical_account(s: Session, member_id: int, year: int, fen: int) -> None:
    if fen <= 0:
        return
    member = s.get(MemberRow, member_id)
    assert member is not None
    row = s.get(MedicalAccountYearRow, (member_id, year))
    if row is None:
        row = MedicalAccountYearRow(
            member_id=member_id,
            year=year,
            credit_fen=0,
            spending_fen=0,
            balance_fen=member.medical_balance_fen,
        )
        s.add(row)
    row.credit_fen += fen
    row.balance_fen += fen
    member.medical_balance_fen += fen


def _order_no(terminal_id: str, day: dt.date) -> str:
    tail = "".join(c for c in terminal_id if c.isalnum())[-4:].upper()
    return f"P{day:%Y%m%d}{tail}{uuid.uuid4().hex[:10].upper()}"


def quote_json(row: QuoteRow, member_no: str, priced: Priced, choice: Choice) -> dict[str, Any]:
    return {
        "quote_id": row.quote_id,
        "member_no": member_no,
        "scheme": row.scheme,
        "kind": priced.due.kind.value,
        "choice": choice.as_json(),
        "lines": json.loads(row.lines_json),
        "amount": f"{priced.amount.yuan:.2f}",
        "late_fee": f"{priced.late_fee.yuan:.2f}",
        "subsidy": f"{priced.subsidy.yuan:.2f}",
        "paid_by_government": f"{priced.paid_by_government.yuan:.2f}",
        "total": f"{priced.total.yuan:.2f}",
        "as_of": row.as_of.isoformat(),
        "rate": format(priced.due.rate.normalize(), "f"),
        "base_min": None if priced.due.base_min is None else f"{priced.due.base_min.yuan:.2f}",
        "base_max": None if priced.due.base_max is None else f"{priced.due.base_max.yuan:.2f}",
    }


def order_view(row: OrderRow, public_url: str) -> dict[str, Any]:
    reason = REASONS.get(row.reason or "")
    if reason is None and row.reason:
        reason = ("支付被拒绝", f"Declined: {row.reason}")
    return {
        "order_no": row.order_no,
        "idempotency_key": row.idem_key,
        "member_no": row.member_no,
        "scheme": row.scheme,
        "state": row.state,
        "final": OrderState(row.state).final,
        "lines": json.loads(row.lines_json),
        "total": f"{Money.from_fen(row.total_fen).yuan:.2f}",
        "late_fee": f"{Money.from_fen(row.late_fee_fen).yuan:.2f}",
        "method": row.method,
        "account_masked": row.account_masked,
        "qr_url": f"{public_url.rstrip('/')}/sim/gateway/qr/{row.order_no}"
        if row.method == "qr"
        else None,
        "gateway_txn": row.gateway_txn,
        "reason": row.reason,
        "reason_zh": reason[0] if reason else None,
        "reason_en": reason[1] if reason else None,
        "business_date": row.business_date.isoformat(),
        "created_at": instant(row.created_at),
        "paid_at": None if row.paid_at is None else instant(row.paid_at),
    }
