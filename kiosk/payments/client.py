"""HTTP calls of the payments API (docs/payments.md), through the back office client's transport.

Composition: the `BackOfficeClient` gives the transport (kiosk.backoffice.transport: one
session, headers, TLS, signing, timeouts, the retry policy and the errors of
kiosk.backoffice.errors); the answers become kiosk.domain.payments objects with
kiosk.domain.wire. Calls that spend money (create order, card debit, QR) carry the payment
intent's Idempotency-Key and are retried only with that very key, on connection errors,
timeouts, 500 and 502-504: the back office answers a repeat with the first result, so a retry
after a lost answer never pays twice. Every method blocks: call from a worker thread."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import NotFound, ProtocolError
from kiosk.backoffice.transport import PAYMENTS, Retry, decode
from kiosk.domain import Money, Period, Scheme, wire
from kiosk.domain.payments import Order, Quote


class PaymentClient:
    """`attempts` sends in all per call, `backoff` seconds before the second (doubling)."""

    def __init__(
        self,
        backoffice: BackOfficeClient,
        *,
        attempts: int = PAYMENTS.attempts,
        backoff: float = PAYMENTS.backoff,
    ) -> None:
        self.bo = backoffice
        self.attempts = max(1, attempts)
        self.backoff = backoff

    @property
    def retry(self) -> Retry:
        return Retry(attempts=max(1, self.attempts), backoff=self.backoff)

    # --- quotes and orders ---------------------------------------------------------------

    def quote(
        self,
        member_no: str,
        scheme: Scheme,
        *,
        base: Money | None = None,
        periods: Sequence[Period] | None = None,
        tier: Money | None = None,
    ) -> Quote:
        body = {
            "scheme": scheme.value,
            "base": None if base is None else f"{base.yuan:.2f}",
            "periods": None if periods is None else [str(p) for p in periods],
            "tier": None if tier is None else f"{tier.yuan:.2f}",
        }
        # A quote changes nothing that matters: repeating it is harmless (under a fresh key).
        return decode(wire.quote, self._post(f"/v1/members/{member_no}/quotes", body))

    def create_order(self, key: str, quote_id: str, member_no: str, amount: Money) -> Order:
        body = {"quote_id": quote_id, "member_no": member_no, "amount": f"{amount.yuan:.2f}"}
        return decode(wire.order, self._post("/v1/orders", body, key=key))

    def order(self, order_no: str) -> Order:
        return decode(wire.order, self._get(f"/v1/orders/{order_no}"))

    def order_by_key(self, key: str) -> Order | None:
        try:
            return decode(wire.order, self._get(f"/v1/orders/by-key/{key}"))
        except NotFound:
            return None

    def pay_card(self, order_no: str, key: str, account: str) -> Order:
        body = {"method": "card", "account": account}
        return decode(wire.order, self._post(f"/v1/orders/{order_no}/pay", body, key=key))

    def card_sale(
        self,
        order_no: str,
        key: str,
        *,
        terminal_no: str,
        trace: int,
        txn_date: dt.date,
        amount_fen: int,
        rrn: str,
        auth_code: str,
    ) -> Order:
        """Post the order paid by an approved card sale (the back office checks the sale with
        the acquirer first); repeating it answers the order as it is."""
        body = {
            "terminal_no": terminal_no,
            "trace": trace,
            "txn_date": txn_date.isoformat(),
            "amount": f"{Money.from_fen(amount_fen).yuan:.2f}",
            "rrn": rrn,
            "auth_code": auth_code,
        }
        return decode(wire.order, self._post(f"/v1/orders/{order_no}/card-sale", body, key=key))

    def open_qr(self, order_no: str, key: str) -> Order:
        return decode(wire.order, self._post(f"/v1/orders/{order_no}/qr", {}, key=key))

    def cancel(self, order_no: str) -> Order:
        # Cancelling twice answers the order as it is: repeating is harmless.
        return decode(wire.order, self._post(f"/v1/orders/{order_no}/cancel", {}))

    def cancel_by_key(self, key: str) -> Order:
        return decode(wire.order, self._post(f"/v1/orders/by-key/{key}/cancel", {}))

    def reconcile(self, day: dt.date, journal: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
        body = {"date": day.isoformat(), "journal": None if journal is None else list(journal)}
        out = self._post("/v1/reconciliation", body)
        if not isinstance(out, dict):
            raise ProtocolError("reconciliation: not an object")
        return out

    def _get(self, path: str) -> Any:
        return self.bo.transport.get(path, retry=self.retry)

    def _post(self, path: str, body: Any, *, key: str | None = None) -> Any:
        """`key`: the payment intent's Idempotency-Key; without one, a fresh key per call."""
        return self.bo.transport.post(path, body, key=key, retry=self.retry)
