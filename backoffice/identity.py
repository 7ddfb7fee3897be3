"""Who a request says it is, read in one place for every guard and dependency.

A header sent twice used to be read as its first value by one guard and its last by another
(a list of pairs; dict() keeps the last, FastAPI's Header the first): KIOSK-0002 could pass
the API-key check as itself and the card-session check as KIOSK-0001. So the identity headers
are read here only, and a request carrying any of them more than once is refused with 400
REPEATED_HEADER by whichever guard reads first.

`claimed(scope)` is what the request claims (not yet checked); `authenticate(scope, ctx)` is
the one check of the API key (by backoffice.limits.RequestGate, from the headers alone, before
any byte of the body is read); `authenticated(scope)` is the terminal it proved, for the
routes' `terminal` dependency and the access log.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool

from backoffice.errors import ApiError, UnauthorizedProblem
from common.signing import KEY_ID, NONCE, SIGNATURE, TIMESTAMP

if TYPE_CHECKING:
    from backoffice.context import Context

CARD_SESSION = "X-Card-Session"
# ASGI header name (lower case) -> field of Claimed.
FIELDS: dict[bytes, str] = {
    b"x-terminal-id": "terminal_id",
    b"authorization": "authorization",
    CARD_SESSION.lower().encode(): "card_session",
    KEY_ID.lower().encode(): "key_id",
    TIMESTAMP.lower().encode(): "timestamp",
    NONCE.lower().encode(): "nonce",
    SIGNATURE.lower().encode(): "signature",
}
_NAMES = {b"x-terminal-id": "X-Terminal-Id", b"authorization": "Authorization"} | {
    k: n for n in (CARD_SESSION, KEY_ID, TIMESTAMP, NONCE, SIGNATURE) for k in [n.lower().encode()]
}
AUTHENTICATED = "authenticated_terminal"  # key in the ASGI scope's "state"


class RepeatedHeader(ApiError):
    status = 400
    code = "REPEATED_HEADER"

    def __init__(self, name: str) -> None:
        super().__init__(f"请求头 {name} 重复", f"The header {name} must be sent once")
        self.name = name

    async def send(self, send: Any) -> None:
        """The refusal as an ASGI response (for the guards, which are plain middlewares)."""
        body = json.dumps(self.body(), ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


@dataclass(frozen=True)
class Claimed:
    """The identity headers of one request, each at most once (None: absent)."""

    terminal_id: str | None = None
    authorization: str | None = None
    card_session: str | None = None
    key_id: str | None = None
    timestamp: str | None = None
    nonce: str | None = None
    signature: str | None = None

    @property
    def bearer(self) -> str | None:
        """The API key of `Authorization: Bearer <key>`, or None."""
        if self.authorization is None or not self.authorization.startswith("Bearer "):
            return None
        return self.authorization.removeprefix("Bearer ").strip() or None

    @property
    def any_terminal(self) -> bool:
        """The request authenticates as a terminal (so it must be signed, where signing is on)."""
        return self.terminal_id is not None or self.authorization is not None


def claimed(scope: Any) -> Claimed:
    """The identity headers of an ASGI scope; RepeatedHeader if one of them comes twice."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", ()):
        field = FIELDS.get(name.lower())
        if field is None:
            continue
        if field in found:
            raise RepeatedHeader(_NAMES[name.lower()])
        found[field] = value.decode("latin-1")
    return Claimed(**found)


def not_authenticated() -> UnauthorizedProblem:
    return UnauthorizedProblem(
        "终端未认证", "Terminal not authenticated: send X-Terminal-Id and Authorization: Bearer"
    )


async def authenticate(scope: Any, ctx: Context) -> str:
    """The terminal whose API key the request's headers present, recorded in the scope for
    `authenticated`; UnauthorizedProblem (401) or RepeatedHeader (400) otherwise. No I/O while
    the terminal's key is in the context's cache (AUTH_CACHE_SECONDS), else one query on a
    worker thread."""
    claim = claimed(scope)
    key = claim.bearer
    if not claim.terminal_id or key is None:
        raise not_authenticated()
    known = ctx.cached_terminal(claim.terminal_id)
    if known is None:
        known = await run_in_threadpool(ctx.load_terminal, claim.terminal_id)
    given = hashlib.sha256(key.encode()).hexdigest()
    if known is None or not known[1] or not hmac.compare_digest(known[0], given):
        raise UnauthorizedProblem("终端未登记或密钥错误", "Unknown terminal or wrong key")
    set_authenticated(scope, claim.terminal_id)
    return claim.terminal_id


def set_authenticated(scope: Any, terminal_id: str) -> None:
    scope.setdefault("state", {})[AUTHENTICATED] = terminal_id


def authenticated(scope: Any) -> str | None:
    """The terminal whose API key this request presented correctly, if any."""
    state = scope.get("state")
    return state.get(AUTHENTICATED) if isinstance(state, dict) else None


# The identity headers as the OpenAPI document names them (backoffice.api.openapi puts them on
# each operation): described here, beside the one reader of the headers.
TERMINAL_ID_SCHEME = "terminalId"
TERMINAL_KEY_SCHEME = "terminalKey"
CARD_SESSION_SCHEME = "cardSession"

SECURITY_SCHEMES: dict[str, dict[str, str]] = {
    TERMINAL_ID_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "X-Terminal-Id",
        "description": "the terminal's id (终端编号), e.g. KIOSK-0001; sent once",
    },
    TERMINAL_KEY_SCHEME: {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <the terminal's API key>; sent once",
    },
    CARD_SESSION_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": CARD_SESSION,
        "description": "the token of an open card session (POST /v1/card-sessions) of this "
        "member on this terminal; required by the production service (card sessions on), "
        "ignored where they are off",
    },
}
