"""The one place the kiosk talks HTTP to the back office: `Transport` sends, retries, and turns
every answer into a JSON body or one of kiosk.backoffice.errors. The records client
(kiosk.backoffice.client), the payments client (kiosk.payments.client) and the card session
(kiosk.backoffice.card_session) all call through one Transport; none of them imports requests.

Every call
    One `requests.Session` per kiosk (connection reuse), with the terminal's id and API key, the
    TLS trust and client certificate of [backoffice] (ca_file switches trust_env off, so
    $REQUESTS_CA_BUNDLE cannot widen it), every request signed when signing_key_file is set
    (kiosk.backoffice.signing: a retry is signed afresh), and the (connect, read) timeouts of
    [backoffice] on every send. Every method blocks: call from a worker thread, never the UI's.

The retry policy (which requests are sent again, on what, how often)
    - GET is retried: reading twice changes nothing.
    - POST carries an Idempotency-Key and is retried only with that very key: the caller's (a
      payment intent's key, kept in the journal) or a fresh one per call, the same on every
      attempt. Where the back office records keys (orders, card debit, QR, certificates) a
      repeat gets the first answer, so a retry after a lost answer never pays or issues twice;
      the other POSTs (quotes, cancel, reconciliation, heartbeat) are harmless to repeat.
    - `once=True` (a POST without a key, and DELETE): sent once, never retried. The card
      session's calls are such: a challenge is answered once, so repeating the answer after a
      lost reply would be refused and the genuine card taken for a fake.
    - Transient, so retried: no connection, a connect or read timeout, a connection dropped
      mid-answer (the request may have been done: hence the key), and 502, 503, 504 (a proxy
      or the back office saying "not now"). A 500 is retried only for a request with a key: it
      may come after the work was committed, and the keyed repeat fetches the first answer;
      on a read a 500 is a fault the repeat would meet again.
    - Never retried: any 4xx (the back office answered: Rejected, NotFound, Unauthorized; a 409
      of a payment is its answer, e.g. ORDER_OPEN or another amount for that key, never a
      transient error), any other 5xx, a malformed answer.
    - How often: the caller's `Retry` (attempts, backoff doubling from the first pause). The
      records client: 4 sends, 0.25 s, 0.5 s, 1 s between (a member waits for the page). The
      payments client: 3 sends, 0.2 s, 0.4 s; after that the payment service's recovery asks
      again with the same key (the journal holds it).
    - When the attempts are spent: BackOfficeUnavailable ("try later"); for a payment, the
      payment service treats it as "in doubt" once the request may have reached the back
      office, and never as "not charged".

Answers
    2xx: the JSON body (None when empty); anything else is ProtocolError. 401 Unauthorized,
    404 NotFound, other 4xx Rejected (status, code, message_zh, message_en) from the API's error
    body, or ProtocolError without it. 5xx: BackOfficeUnavailable. `decode` builds the domain
    object with a parser of kiosk.domain.wire and turns a malformed body into ProtocolError.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import InvalidOperation
from typing import Any, TypeVar

import requests

from kiosk.backoffice.errors import (
    BackOfficeUnavailable,
    NotFound,
    ProtocolError,
    Rejected,
    Unauthorized,
)
from kiosk.backoffice.signing import secure_session
from kiosk.config import BackOfficeConfig

log = logging.getLogger("kiosk.backoffice.transport")
T = TypeVar("T")

HttpSession = requests.Session  # for callers that pass or reach the session (tests mount adapters)
IDEMPOTENCY_KEY = "Idempotency-Key"
TRANSIENT_STATUS = frozenset({502, 503, 504})
KEYED_TRANSIENT_STATUS = TRANSIENT_STATUS | {500}


@dataclass(frozen=True)
class Retry:
    """How many sends in all, and the pause before the second (doubling after)."""

    attempts: int = 4
    backoff: float = 0.25

    def pause(self, attempt: int) -> float:
        """The pause before send number `attempt` (0-based; 0: none)."""
        return 0.0 if attempt == 0 else self.backoff * 2 ** (attempt - 1)


RECORDS = Retry(attempts=4, backoff=0.25)
PAYMENTS = Retry(attempts=3, backoff=0.2)
ONCE = Retry(attempts=1, backoff=0.0)


class Transport:
    """One terminal's HTTP link to the back office. Call close() when done."""

    def __init__(
        self,
        config: BackOfficeConfig,
        terminal_id: str,
        *,
        retry: Retry = RECORDS,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = config.url.rstrip("/")
        self.timeout: tuple[float, float] = (config.connect_timeout, config.read_timeout)
        self.retry = retry
        self._sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update(
            {
                "X-Terminal-Id": terminal_id,
                "Authorization": f"Bearer {config.api_key}",
                "Accept": "application/json",
                "User-Agent": "shebao-kiosk/1",
            }
        )
        if config.ca_file is not None:
            self.session.verify = str(config.ca_file)
        if config.client_cert is not None:
            self.session.cert = (
                (str(config.client_cert), str(config.client_key))
                if config.client_key is not None
                else str(config.client_cert)
            )
        secure_session(self.session, config, terminal_id)

    def close(self) -> None:
        self.session.close()

    def set_header(self, name: str, value: str | None) -> None:
        """A header on every later request (None: no longer), e.g. the card session's token."""
        if value is None:
            self.session.headers.pop(name, None)
        else:
            self.session.headers[name] = value

    # --- the calls -------------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, str] | None = None, *, retry: Retry | None = None
    ) -> Any:
        return self.send("GET", path, params=params, retry=retry)

    def post(
        self,
        path: str,
        payload: Any,
        *,
        key: str | None = None,
        once: bool = False,
        retry: Retry | None = None,
    ) -> Any:
        """`key`: the Idempotency-Key (a fresh one when None). `once`: no key, no retry."""
        if once:
            return self.send("POST", path, json=payload, retry=ONCE)
        headers = {IDEMPOTENCY_KEY: key or uuid.uuid4().hex}
        return self.send("POST", path, json=payload, headers=headers, retry=retry)

    def delete(self, path: str, *, headers: Mapping[str, str] | None = None) -> Any:
        return self.send("DELETE", path, headers=headers, retry=ONCE)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        retry: Retry | None = None,
    ) -> Any:
        """Send under the policy above; the answer's JSON body, or an error of ours."""
        keyed = headers is not None and IDEMPOTENCY_KEY in headers
        retryable = method == "GET" or (method == "POST" and keyed)
        transient = KEYED_TRANSIENT_STATUS if keyed else TRANSIENT_STATUS
        attempts = max(1, (retry or self.retry).attempts) if retryable else 1
        url = self.base_url + path
        last = ""
        for attempt in range(attempts):
            if attempt:
                self._sleep((retry or self.retry).pause(attempt))
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=dict(headers or {}),
                    timeout=self.timeout,
                )
            except requests.Timeout as e:
                last = f"timeout: {type(e).__name__}"
            except requests.ConnectionError as e:
                last = f"cannot connect: {type(e).__name__}"
            except requests.RequestException as e:
                raise BackOfficeUnavailable(f"{method} {path}: {e}") from None
            else:
                if response.status_code not in transient:
                    return answer(method, path, response)
                last = f"HTTP {response.status_code}"
            log.warning("back office %s %s: %s (attempt %d)", method, path, last, attempt + 1)
        raise BackOfficeUnavailable(f"{method} {path}: {last} after {attempts} attempts")


def answer(method: str, path: str, response: requests.Response) -> Any:
    """An answer that is not retried: its JSON body, or the error it means."""
    status = response.status_code
    try:
        body, is_json = (response.json(), True) if response.content else (None, True)
    except ValueError:
        body, is_json = None, False
    if 200 <= status < 300:
        if not is_json:
            raise ProtocolError(f"{method} {path}: HTTP {status} without a JSON body", status)
        return body
    if status >= 500:
        raise BackOfficeUnavailable(f"{method} {path}: HTTP {status}")
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("code", "message_zh", "message_en")
    ):
        raise ProtocolError(f"{method} {path}: HTTP {status} without the API's error body", status)
    cls = {401: Unauthorized, 404: NotFound}.get(status, Rejected)
    raise cls(status, body["code"], body["message_zh"], body["message_en"])


def decode(parse: Callable[[Any], T], body: Any) -> T:
    """`parse` (a kiosk.domain.wire parser) applied to an answer's body; whatever it finds wrong
    with the body is a ProtocolError."""
    try:
        return parse(body)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as e:
        raise ProtocolError(f"unexpected answer: {type(e).__name__}: {e}") from None
