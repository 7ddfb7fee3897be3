"""The payment gateway as the back office's payments see it (`backoffice.orders.Payments`).

`GatewaySimulator` is the lab's implementation (the simulated bank). `NoGateway` is what a
production back office has until a real bank's gateway is connected: it charges nothing and the
payments API refuses card and QR payments with 503 PAYMENT_GATEWAY_MISSING before an order is
claimed (an order never waits on a gateway that does not exist)."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from backoffice.gateway.simulator import GatewayError, GatewayTxn


class PaymentGateway(Protocol):
    available: bool

    def debit(
        self, terminal_id: str, order_no: str, amount_fen: int, account_masked: str
    ) -> GatewayTxn: ...

    def open_qr(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn: ...

    def query(self, order_no: str) -> GatewayTxn | None: ...

    def reverse(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn: ...

    def close(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn: ...

    def bill(self, terminal_id: str | None, day: dt.date | None) -> list[GatewayTxn]: ...


class GatewayUnavailable(GatewayError):
    """No payment gateway is connected to this back office."""


class NoGateway:
    """No bank: nothing was ever charged, nothing can be."""

    available = False

    def _refuse(self) -> GatewayTxn:
        raise GatewayUnavailable("no payment gateway is connected")

    def debit(
        self, terminal_id: str, order_no: str, amount_fen: int, account_masked: str
    ) -> GatewayTxn:
        return self._refuse()

    def open_qr(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        return self._refuse()

    def query(self, order_no: str) -> GatewayTxn | None:
        return None

    def reverse(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        return self._refuse()

    def close(self, terminal_id: str, order_no: str, amount_fen: int) -> GatewayTxn:
        return self._refuse()

    def bill(self, terminal_id: str | None, day: dt.date | None) -> list[GatewayTxn]:
        return []
