"""A bank / QR payment gateway that can be told to fail.

The gateway knows merchant orders by order number, and that number is its dedup key: a second
debit of the same order returns the first transaction and never takes money again. Reversal
(冲正) of an order refunds it if it was charged and, either way, closes the order at the gateway,
so a debit that arrives late is refused. Every state change is one compare-and-set UPDATE (or a
primary-key INSERT), so a debit racing a reversal ends either charged-then-refunded or refused.

Its ledger lives in the gw_txn table; the back office reads it only through `query` and `bill`,
as it would read a real gateway's API."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from backoffice.errors import BackOfficeServerError
from backoffice.gateway.switches import Switches
from backoffice.storage import Database
from backoffice.storage.payments import GatewayTxnRow


class GatewayError(BackOfficeServerError):
    """Root of what the gateway answers other than success."""


class GatewayDeclined(GatewayError):
    """The bank said no (insufficient funds, order closed): nothing was taken."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class GatewayTimeout(GatewayError):
    """No answer in time: the debit may or may not have been charged."""


@dataclass(frozen=True)
class GatewayTxn:
    order_no: str
    txn_id: str
    terminal_id: str
    method: str
    account_masked: str
    amount_fen: int
    state: str  # open / charged / reversed / voided
    charges: int
    business_date: dt.date
    charged_at: dt.datetime | None
    reversed_at: dt.datetime | None

    @property
    def net_fen(self) -> int:
        """What the member is out of pocket for this order now."""
        return self.amount_fen if self.state == "charged" else 0


def _txn(r: GatewayTxnRow) -> GatewayTxn:
    return GatewayTxn(
        order_no=r.order_no,
        txn_id=r.txn_id,
        terminal_id=r.terminal_id,
        method=r.method,
        account_masked=r.account_masked,
        amount_fen=r.amount_fen,
        state=r.state,
        charges=r.charges,
        business_date=r.business_date,
        charged_at=r.charged_at,
        reversed_at=r.reversed_at,
    )


class GatewaySimulator:
    available = True  # a gateway is connected (backoffice.gateway.seam)

    def __init__(
        self,
        db: Database,
        switches: Switches,
        *,
        now: Callable[[], dt.datetime],
        today: Callable[[], dt.date],
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.db = db
        self.switches = switches
        self._now = now
        self._today = today
        self.notify = notify  # the back office's "order paid" callback (QR payments)

    # --- card debit ----------------------------------------------------------------------

    def debit(
        self, terminal_id: str, order_no: str, amount_fen: int, account_masked: str
    ) -> GatewayTxn:
        """Take `amount_fen` from the card's account for this order, at most once."""
        sw = self.switches
        t = terminal_id
        if sw.take("decline", t):
            raise GatewayDeclined("insufficient_funds")
        if sw.take("timeout_before", t):
            self._slow(t)
            raise GatewayTimeout("timed out before charging")
        txn = self._charge_new(terminal_id, order_no, amount_fen, "card", account_masked)
        if sw.take("timeout_after", t):
            self._slow(t)
            raise GatewayTimeout("timed out after charging")
        self._slow(t)
        return txn

    def _record(self, s, *, prefix: str, **fields) -> None:
        """Add the order's gateway transaction once: the order number is the key, so a second
        attempt (a retry, a race) keeps the first row."""
        s.add(
            GatewayTxnRow(
                txn_id=prefix + uuid.uuid4().hex[:20].upper(),
                business_date=self._today(),
                **fields,
            )
        )
        try:
            s.commit()
        except IntegrityError:
            s.rollback()

    def _charge_new(
        self, terminal_id: str, order_no: str, amount_fen: int, method: str, account: str
    ) -> GatewayTxn:
        now = self._now()
        with self.db.session() as s:
            self._record(
                s,
                order_no=order_no,
                prefix="T",
                terminal_id=terminal_id,
                method=method,
                account_masked=account,
                amount_fen=amount_fen,
                state="charged",
                charges=1,
                created_at=now,
                charged_at=now,
            )
        found = self.query(order_no)
        assert found is not None
        if found.state != "charged":
            # Reversed or voided before this debit: the order is closed at the gateway.
            raise GatewayDeclined(f"order_{found.state}")
        return found  # the first (and only) charge of this order

    # --- QR ------------------------------------------------------------------------------

    def open_qr(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        """Open a QR payment for the order (idempotent)."""
        with self.db.session() as s:
            self._record(
                s,
                order_no=order_no,
                prefix="Q",
                terminal_id=terminal_id,
                method="qr",
                account_masked="",
                amount_fen=amount_fen,
                state="open",
                charges=0,
                created_at=self._now(),
            )
        found = self.query(order_no)
        assert found is not None
        return found

    def qr_pay(self, order_no: str, payer: str = "wallet") -> GatewayTxn:
        """The member's phone pays an open QR order. Then the back office is notified."""
        found = self.query(order_no)
        if found is None:
            raise GatewayDeclined("no_such_qr")
        if found.state == "open":
            changed = self._cas(
                order_no,
                ("open",),
                state="charged",
                charges=GatewayTxnRow.charges + 1,
                charged_at=self._now(),
                account_masked=payer[:32],
            )
            found = self.query(order_no)
            assert found is not None
            if not changed and found.state != "charged":
                raise GatewayDeclined(f"order_{found.state}")
        elif found.state != "charged":
            raise GatewayDeclined(f"order_{found.state}")
        self._slow(found.terminal_id)
        self._notify(order_no, found.terminal_id)
        return found

    def _notify(self, order_no: str, terminal_id: str) -> None:
        if self.notify is None or self.switches.flag("drop_notify", terminal_id):
            return
        if self.switches.flag("duplicate_notify", terminal_id):
            # Two notifications at once, as gateways do after a lost acknowledgement.
            t = threading.Thread(target=self.notify, args=(order_no,), daemon=True)
            t.start()
            self.notify(order_no)
            t.join()
        else:
            self.notify(order_no)

    # --- query, reversal, close ----------------------------------------------------------

    def query(self, order_no: str) -> GatewayTxn | None:
        with self.db.session() as s:
            row = s.get(GatewayTxnRow, order_no)
            return None if row is None else _txn(row)

    def reverse(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        """冲正: refund the order if it was charged; close it at the gateway either way."""
        self._void_if_absent(terminal_id, order_no, amount_fen)
        now = self._now()
        self._cas(order_no, ("charged",), state="reversed", reversed_at=now)
        self._cas(order_no, ("open",), state="voided", reversed_at=now)
        found = self.query(order_no)
        assert found is not None
        return found

    def close(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        """Close an unpaid QR order. A paid one stays charged (the caller must settle it)."""
        self._void_if_absent(terminal_id, order_no, amount_fen)
        self._cas(order_no, ("open",), state="voided", reversed_at=self._now())
        found = self.query(order_no)
        assert found is not None
        return found

    def _void_if_absent(self, terminal_id: str, order_no: str, amount_fen: int) -> None:
        # A marker row, so a debit or QR payment arriving after the reversal is refused.
        with self.db.session() as s:
            if s.get(GatewayTxnRow, order_no) is not None:
                return
            self._record(
                s,
                order_no=order_no,
                prefix="V",
                terminal_id=terminal_id,
                method="none",
                account_masked="",
                amount_fen=amount_fen,
                state="voided",
                charges=0,
                created_at=self._now(),
                reversed_at=self._now(),
            )

    def _cas(self, order_no: str, old: tuple[str, ...], **values: object) -> bool:
        with self.db.session() as s:
            # An UPDATE's result is a CursorResult (Session.execute is typed for any statement).
            result = cast(
                CursorResult[Any],
                s.execute(
                    update(GatewayTxnRow)
                    .where(GatewayTxnRow.order_no == order_no, GatewayTxnRow.state.in_(old))
                    .values(**values)
                ),
            )
            s.commit()
            return bool(result.rowcount)

    def _slow(self, terminal_id: str) -> None:
        delay = self.switches.slow_seconds(terminal_id)
        if delay > 0:
            time.sleep(delay)

    # --- the daily bill ------------------------------------------------------------------

    def bill(self, terminal_id: str | None, day: dt.date | None) -> list[GatewayTxn]:
        """Every transaction of a terminal (None: all) on a business day (None: all days)."""
        q = select(GatewayTxnRow).order_by(GatewayTxnRow.created_at, GatewayTxnRow.order_no)
        if terminal_id is not None:
            q = q.where(GatewayTxnRow.terminal_id == terminal_id)
        if day is not None:
            q = q.where(GatewayTxnRow.business_date == day)
        with self.db.session() as s:
            return [_txn(r) for r in s.scalars(q)]
