"""Who a request says it is, read in one place for every guard and dependency.

A header sent twice used to be read as its first value by one guard and its last by another
(a list of pairs; dict() keeps the last, FastAPI's Header the first): KIOSK-0002 could pass
the API-key check as itself and the card-session check as KIOSK-0001. So the identity headers
are read here only, and a request carrying any of them more than once is refused with 400
REPEATED_HEADER by whichever guard reads first.

`claimed(scope)` is what the request claims (not yet checked); `authenticated(scope)` is the
terminal the API key proved (set by the `terminal` dependency), for the access log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from backoffice.errors import ApiError
from common.signing import KEY_ID, NONCE, SIGNATURE, TIMESTAMP

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


def set_authenticated(scope: Any, terminal_id: str) -> None:
    scope.setdefault("state", {})[AUTHENTICATED] = terminal_id


def authenticated(scope: Any) -> str | None:
    """The terminal whose API key this request presented correctly, if any."""
    state = scope.get("state")
    return state.get(AUTHENTICATED) if isinstance(state, dict) else None
