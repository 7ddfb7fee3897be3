"""Who may send a body, and how large: the terminal is authenticated from its headers before any
byte of the body is read, and every route takes at most its body limit (issue 15: a 39 MB body
without credentials was read and parsed for 2.7 s before its 401; an authenticated heartbeat
with 2.5 M devices stored a 44 MB row).

`RequestGate` is a plain ASGI middleware in front of the signature guard and the routes
(backoffice.app.create_app):

- every /v1 path but PUBLIC_V1 is authenticated by `backoffice.identity.authenticate` (the one
  key check; the routes' `terminal` dependency reads its result) and refused with 401 at once;
- a body announced (Content-Length) larger than the route's limit is refused with 413
  BODY_TOO_LARGE before it is read; a chunked body is counted as it is received and refused
  once it passes the limit (the application holds at most the limit plus one message of the
  server's, at most its 64 KiB read buffer);
- a refusal while a body is still coming closes the connection (`Connection: close`), so the
  server never reads the rest; so does any answer to a chunked body not read to its end.

LIMITS is the one table (docs/api.md, "Limits", says the same; a test compares them); what it
does not name takes DEFAULT_LIMIT (no body, or an empty JSON object). The signature guard of
the production app sits inside the gate: the body it reads for the signature is already
bounded here. Imports of member files never go through the API (`python -m backoffice import`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backoffice.errors import ApiError, UnauthorizedProblem
from backoffice.identity import authenticate

if TYPE_CHECKING:
    from backoffice.context import Context

KiB = 1024


@dataclass(frozen=True)
class BodyLimit:
    method: str
    path: str  # the route's template, as the app and docs/api.md write it
    max_bytes: int


LIMITS: tuple[BodyLimit, ...] = (
    # 32 devices of 40 + 200 characters are under 8 KiB as JSON; room for escapes and the head.
    BodyLimit("POST", "/v1/terminals/heartbeat", 16 * KiB),
    BodyLimit("POST", "/v1/cards/{card_identifier}/loss", 1 * KiB),
    BodyLimit("POST", "/v1/cards/{card_identifier}/loss/cancel", 1 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/certificates", 1 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/certifications", 1 * KiB),
    # A phone and at most 5 job wishes of 20 characters: 600 bytes as \u escapes.
    BodyLimit("POST", "/v1/members/{member_no}/unemployment/registration", 2 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/unemployment/application/stop", 1 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/unemployment/skill-subsidies", 1 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/flexible/registration", 1 * KiB),
    BodyLimit("POST", "/v1/members/{member_no}/transfer/vouchers", 1 * KiB),  # {kind}
    BodyLimit("POST", "/v1/members/{member_no}/transfer/requests", 1 * KiB),  # {from_city}
    # MAX_MONTHS (240) months of 11 bytes each ("2024-03", ) and the scheme, base and tier.
    BodyLimit("POST", "/v1/members/{member_no}/quotes", 4 * KiB),
    BodyLimit("POST", "/v1/orders", 1 * KiB),
    BodyLimit("POST", "/v1/orders/{order_no}/pay", 1 * KiB),
    BodyLimit("POST", "/v1/orders/{order_no}/card-sale", 1 * KiB),
    # MAX_JOURNAL_ROWS (10,000) rows of at most 194 bytes (the longest key, order number,
    # state and amount): 1.94 MB.
    BodyLimit("POST", "/v1/reconciliation", 2048 * KiB),
    BodyLimit("POST", "/v1/card-sessions/challenge", 1 * KiB),
    BodyLimit("POST", "/v1/card-sessions", 1 * KiB),
    BodyLimit("POST", "/v1/face/challenges", 1 * KiB),
    # 8 frames of at most 250,000 base64 characters (backoffice/api/face.py: a JPEG of 187 KB;
    # a 640x480 frame is 40-80 KB) are 2,000,000 bytes; 2 MiB leaves 97 KB for the JSON.
    BodyLimit("POST", "/v1/face/verifications", 2048 * KiB),
    BodyLimit("POST", "/v1/id-sessions", 1 * KiB),
    BodyLimit("POST", "/v1/id-sessions/current/upgrade", 1 * KiB),
    # The lab's simulator controls (backoffice.gateway.api and the reference acquirer's; never
    # in the production app).
    BodyLimit("POST", "/sim/gateway/switches", 4 * KiB),
    BodyLimit("POST", "/sim/acquirer/switches", 4 * KiB),
    BodyLimit("POST", "/sim/clock", 1 * KiB),
)
DEFAULT_LIMIT = 1 * KiB  # any other request: the routes that take no body
PUBLIC_V1 = frozenset({"/v1/health"})  # /v1 paths answered without a terminal's key


class LimitTable:
    """The limit of a (method, path), found without a regular expression: a dict for the
    routes without parameters, else a segment-by-segment match of the few templated ones."""

    def __init__(self, limits: tuple[BodyLimit, ...]) -> None:
        self._exact: dict[tuple[str, str], int] = {}
        self._templated: dict[str, list[tuple[tuple[str | None, ...], int]]] = {}
        for r in limits:
            if "{" not in r.path:
                self._exact[(r.method, r.path)] = r.max_bytes
                continue
            parts = tuple(None if p.startswith("{") else p for p in r.path.split("/"))
            self._templated.setdefault(r.method, []).append((parts, r.max_bytes))

    def limit(self, method: str, path: str) -> int:
        found = self._exact.get((method, path))
        if found is not None:
            return found
        shapes = self._templated.get(method)
        if shapes:
            parts = path.split("/")
            for shape, max_bytes in shapes:
                if len(shape) == len(parts) and all(
                    p if s is None else s == p for s, p in zip(shape, parts, strict=True)
                ):
                    return max_bytes
        return DEFAULT_LIMIT


TABLE = LimitTable(LIMITS)


def limit_for(method: str, path: str) -> int:
    """The most bytes of body a request to this route may carry."""
    return TABLE.limit(method, path)


class BodyTooLarge(ApiError):
    status = 413
    code = "BODY_TOO_LARGE"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"请求内容过大：此接口最多接受 {limit} 字节",
            f"Request body too large: this route takes at most {limit} bytes",
        )


async def send_problem(send: Any, problem: ApiError, *, close: bool) -> None:
    """The refusal as an ASGI response. `close`: the request's body is (maybe) still coming,
    and the server must not read it: it closes the connection after the answer."""
    body = json.dumps(problem.body(), ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if isinstance(problem, UnauthorizedProblem):
        headers.append((b"www-authenticate", b"Bearer"))
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def announced(scope: Any) -> tuple[int | None, bool]:
    """(Content-Length or None, chunked) of the request's head."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None
                chunked = True  # unreadable: count what comes, as for a chunked body
        elif name == b"transfer-encoding":
            chunked = True
    return length, chunked


class RequestGate:
    """Authenticate /v1 requests from their headers, then hold each body to its route's limit
    (the module's docstring). Costs a request no allocation beyond the key check when the
    body's length is announced (the server itself stops at Content-Length)."""

    def __init__(self, app: Any, context: Context, table: LimitTable = TABLE) -> None:
        self.app = app
        self.context = context
        self.table = table

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        length, chunked = announced(scope)
        if path.startswith("/v1/") and path not in PUBLIC_V1:
            try:
                await authenticate(scope, self.context)
            except ApiError as problem:  # 401, or 400 for an identity header sent twice
                await send_problem(send, problem, close=chunked or bool(length))
                return
        limit = self.table.limit(scope["method"], path)
        if chunked:
            metered = _Metered(receive, send, limit)
            await self.app(scope, metered.receive, metered.send)
        elif length is not None and length > limit:
            await send_problem(send, BodyTooLarge(limit), close=True)
        else:
            await self.app(scope, receive, send)


class _Metered:
    """A chunked body counted as the application receives it. Past the limit: the 413 is sent
    (unless an answer has begun), the application is told the client went away, and whatever
    it answers is dropped. An answer that begins before the body ended closes the connection."""

    __slots__ = ("_receive", "_send", "ended", "limit", "refused", "seen", "started")

    def __init__(self, receive: Any, send: Any, limit: int) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.seen = 0
        self.ended = False
        self.refused = False
        self.started = False

    async def receive(self) -> Any:
        if self.refused:
            return {"type": "http.disconnect"}
        message = await self._receive()
        if message["type"] != "http.request":
            return message
        self.seen += len(message.get("body", b""))
        if self.seen > self.limit:
            self.refused = True
            if not self.started:
                self.started = True
                await send_problem(self._send, BodyTooLarge(self.limit), close=True)
            return {"type": "http.disconnect"}
        self.ended = not message.get("more_body", False)
        return message

    async def send(self, message: Any) -> None:
        if self.refused:
            return
        if message["type"] == "http.response.start":
            self.started = True
            if not self.ended:
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
        await self._send(message)
