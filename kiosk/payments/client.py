"""HTTP calls of the payments API (docs/payments.md), on the back office client's session.

Composition: the `BackOfficeClient` gives the requests session (headers, TLS, connection reuse),
the base URL and the timeouts; the errors are kiosk.backoffice.errors. Calls that change
something carry an Idempotency-Key and are retried only with that very key, on connection
errors, timeouts and 5xx: the back office answers a repeat with the first result, so a retry
after a lost answer never pays twice. Every method blocks: call from a worker thread."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import requests

from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import (
    BackOfficeUnavailable,
    NotFound,
    ProtocolError,
    Rejected,
    Unauthorized,
)
from kiosk.domain import DomainError, Money, Period, Scheme
from kiosk.domain.payments import Order, OrderState, PayMethod, Quote, QuoteLine

log = logging.getLogger("kiosk.payments.http")
_T = TypeVar("_T")


class PaymentClient:
    def __init__(
        self,
        backoffice: BackOfficeClient,
        *,
        attempts: int = 3,
        backoff: float = 0.2,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.bo = backoffice
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self._sleep = sleep

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
        # A quote changes nothing that matters: retrying it is harmless.
        return _parse(_quote, self._call("POST", f"/v1/members/{member_no}/quotes", body))

    def create_order(self, key: str, quote_id: str, member_no: str, amount: Money) -> Order:
        body = {"quote_id": quote_id, "member_no": member_no, "amount": f"{amount.yuan:.2f}"}
        return _parse(_order, self._call("POST", "/v1/orders", body, key=key))

    def order(self, order_no: str) -> Order:
        return _parse(_order, self._call("GET", f"/v1/orders/{order_no}"))

    def order_by_key(self, key: str) -> Order | None:
        try:
            return _parse(_order, self._call("GET", f"/v1/orders/by-key/{key}"))
        except NotFound:
            return None

    def pay_card(self, order_no: str, key: str, account: str) -> Order:
        body = {"method": "card", "account": account}
        return _parse(_order, self._call("POST", f"/v1/orders/{order_no}/pay", body, key=key))

    def open_qr(self, order_no: str, key: str) -> Order:
        return _parse(_order, self._call("POST", f"/v1/orders/{order_no}/qr", {}, key=key))

    def cancel(self, order_no: str) -> Order:
        return _parse(_order, self._call("POST", f"/v1/orders/{order_no}/cancel", {}))

    def cancel_by_key(self, key: str) -> Order:
        return _parse(_order, self._call("POST", f"/v1/orders/by-key/{key}/cancel", {}))

    def reconcile(self, day: dt.date, journal: Sequence[dict[str, Any]] | None) -> dict[str, Any]:
        body = {"date": day.isoformat(), "journal": None if journal is None else list(journal)}
        out = self._call("POST", "/v1/reconciliation", body)
        if not isinstance(out, dict):
            raise ProtocolError("reconciliation: not an object")
        return out

    # --- transport -----------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None, *, key: str | None = None) -> Any:
        url = self.bo.base_url + path
        headers = {"Idempotency-Key": key} if key else {}
        last = ""
        for attempt in range(self.attempts):
            if attempt:
                self._sleep(self.backoff * 2 ** (attempt - 1))
            try:
                r = self.bo.session.request(
                    method, url, json=body, headers=headers, timeout=self.bo.timeout
                )
            except requests.Timeout:
                last = "timeout"
            except requests.ConnectionError:
                last = "cannot connect"
            except requests.RequestException as e:
                raise BackOfficeUnavailable(f"{method} {path}: {e}") from None
            else:
                if r.status_code >= 500:
                    last = f"HTTP {r.status_code}"
                else:
                    return _answer(method, path, r)
            log.warning("payments %s %s: %s (attempt %d)", method, path, last, attempt + 1)
        raise BackOfficeUnavailable(f"{method} {path}: {last} after {self.attempts} attempts")


def _answer(method: str, path: str, r: requests.Response) -> Any:
    try:
        body = r.json()
    except ValueError:
        body = None
    if 200 <= r.status_code < 300:
        if body is None:
            raise ProtocolError(f"{method} {path}: {r.status_code} without JSON")
        return body
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("code", "message_zh", "message_en")
    ):
        raise ProtocolError(f"{method} {path}: HTTP {r.status_code} without the error body")
    cls = {401: Unauthorized, 404: NotFound}.get(r.status_code, Rejected)
    raise cls(r.status_code, body["code"], body["message_zh"], body["message_en"])


def _parse(fn: Callable[[Any], _T], body: Any) -> _T:
    try:
        return fn(body)
    except (KeyError, TypeError, ValueError, AttributeError, DomainError) as e:
        raise ProtocolError(f"unexpected answer: {type(e).__name__}: {e}") from None


def _opt_money(text: str | None) -> Money | None:
    return None if text is None else Money.of(text)


def _quote(b: dict[str, Any]) -> Quote:
    choice = b["choice"]
    q = Quote(
        quote_id=b["quote_id"],
        member_no=b["member_no"],
        scheme=Scheme(b["scheme"]),
        kind=b["kind"],
        lines=tuple(
            QuoteLine(
                period=Period.parse(x["period"]),
                base=Money.of(x["base"]),
                amount=Money.of(x["amount"]),
                late_fee=Money.of(x["late_fee"]),
                to_account=Money.of(x["to_account"]),
                back_payment=bool(x["back_payment"]),
            )
            for x in b["lines"]
        ),
        amount=Money.of(b["amount"]),
        late_fee=Money.of(b["late_fee"]),
        subsidy=Money.of(b["subsidy"]),
        total=Money.of(b["total"]),
        as_of=dt.date.fromisoformat(b["as_of"]),
        rate=b["rate"],
        base=_opt_money(choice.get("base")),
        tier=_opt_money(choice.get("tier")),
    )
    if not q.check():
        raise ProtocolError("the quote's lines do not add up to its total")
    return q


def _order(b: dict[str, Any]) -> Order:
    paid = b.get("paid_at")
    method = b.get("method")
    return Order(
        order_no=b["order_no"] or "",
        idempotency_key=b["idempotency_key"],
        state=OrderState(b["state"]),
        total=Money.of(b.get("total") or "0"),
        method=None if method is None else PayMethod(method),
        qr_url=b.get("qr_url"),
        gateway_txn=b.get("gateway_txn"),
        reason=b.get("reason"),
        reason_zh=b.get("reason_zh"),
        reason_en=b.get("reason_en"),
        paid_at=None if paid is None else dt.datetime.fromisoformat(paid),
    )
