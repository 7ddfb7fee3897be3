"""Member data only for a card that is present: card sessions opened with a fresh card proof.

    POST   /v1/card-sessions/challenge  {card_identifier}            -> {challenge_id, challenge}
    POST   /v1/card-sessions            {challenge_id, algorithm, answer, pin_verified: true}
                                                                      -> {token, member_no, expires_in}
    DELETE /v1/card-sessions/current    (header X-Card-Session)      -> 204

The back office plays the encryption service: it issues a 16-byte challenge for one card to
one terminal (good for CHALLENGE_SECONDS and one use), the kiosk has the card in its reader
answer it with INTERNAL AUTHENTICATE, and the back office checks the answer with the card's
key diversified from the issuer's master key (common.card_crypto, docs/card-card_crypto.md). A right
answer, a valid card and the kiosk's statement that the card verified the PIN open a session
token bound to terminal, member and card. `CardSessionGuard` then requires that token on every
/v1/members/{member_no}/... request: same terminal, same member, not expired (it expires
IDLE_SECONDS after its last use, and is closed by the kiosk when its session ends).

Tokens are kept in this process's memory (only their SHA-256): a restart ends every card
session, which costs a member a re-insert at worst. Several processes would need a shared store.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.api.common import AUTH_ERRORS
from backoffice.api.deps import Ctx, Terminal
from backoffice.context import Context
from backoffice.errors import ApiError, NotFoundProblem
from backoffice.identity import RepeatedHeader, claimed
from backoffice.storage.members import CardRow, MemberRow
from common import card_crypto

CHALLENGE_SECONDS = 30.0
IDLE_SECONDS = 360.0  # longer than any kiosk page timeout (payment: 300 s)
_MEMBER_PATH = re.compile(r"^/v1/members/([^/]+)/")


class CardProofRefused(ApiError):
    status = 403
    code = "CARD_PROOF_REFUSED"


@dataclass
class _Challenge:
    terminal_id: str
    card_identifier: str
    challenge: bytes
    expires: float


@dataclass
class CardSession:
    terminal_id: str
    member_no: str
    card_identifier: str
    expires: float


class CardSessionStore:
    """Challenges and open sessions, thread-safe (endpoints run on the thread pool)."""

    def __init__(
        self,
        master_keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys = master_keys
        self._clock = clock
        self._lock = threading.Lock()
        self._challenges: dict[str, _Challenge] = {}
        self._sessions: dict[str, CardSession] = {}

    def challenge(self, terminal_id: str, card_identifier: str) -> tuple[str, bytes]:
        now = self._clock()
        cid, value = secrets.token_hex(16), secrets.token_bytes(16)
        with self._lock:
            self._prune(now)
            self._challenges[cid] = _Challenge(
                terminal_id, card_identifier, value, now + CHALLENGE_SECONDS
            )
        return cid, value

    def take_challenge(self, terminal_id: str, challenge_id: str) -> _Challenge | None:
        """The challenge, used up (a second answer to it proves nothing)."""
        with self._lock:
            ch = self._challenges.pop(challenge_id, None)
        if ch is None or ch.terminal_id != terminal_id or ch.expires < self._clock():
            return None
        return ch

    def check_answer(self, ch: _Challenge, algorithm: str, answer: bytes) -> bool:
        key = card_crypto.card_key(algorithm, self.keys.internal, bytes.fromhex(ch.card_identifier))
        return card_crypto.same(
            card_crypto.internal_auth_response(algorithm, key, ch.challenge), answer
        )

    def open(self, terminal_id: str, member_no: str, card_identifier: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            # One member session per terminal: a new card ends the previous card's session.
            for k in [k for k, s in self._sessions.items() if s.terminal_id == terminal_id]:
                del self._sessions[k]
            self._sessions[_digest(token)] = CardSession(
                terminal_id, member_no, card_identifier, self._clock() + IDLE_SECONDS
            )
        return token

    def use(self, token: str, terminal_id: str | None, member_no: str) -> str | None:
        """None if the token may read `member_no` for `terminal_id` (and extends it), else why."""
        now = self._clock()
        with self._lock:
            s = self._sessions.get(_digest(token))
            if s is None or s.expires < now:
                self._sessions.pop(_digest(token), None)
                return "expired or unknown"
            if s.terminal_id != terminal_id:
                return "another terminal's"
            if s.member_no != member_no:
                return "another member's"
            s.expires = now + IDLE_SECONDS
        return None

    def close(self, token: str, terminal_id: str) -> bool:
        with self._lock:
            s = self._sessions.get(_digest(token))
            if s is None or s.terminal_id != terminal_id:
                return False
            del self._sessions[_digest(token)]
        return True

    def _prune(self, now: float) -> None:
        for k in [k for k, c in self._challenges.items() if c.expires < now]:
            del self._challenges[k]
        for k in [k for k, s in self._sessions.items() if s.expires < now]:
            del self._sessions[k]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- API ------------------------------------------------------------------------------------

# Documented with the API (docs/openapi.json): every variant of the app has these routes.
router = APIRouter(prefix="/v1/card-sessions", tags=["card sessions"], responses=AUTH_ERRORS)
CardIdentifier = Annotated[str, Field(pattern=r"^[0-9A-Fa-f]{32}$")]


class ChallengeIn(BaseModel):
    card_identifier: CardIdentifier


class ChallengeOut(BaseModel):
    challenge_id: str
    challenge: str  # 32 hex digits: the 16 bytes for INTERNAL AUTHENTICATE


class OpenIn(BaseModel):
    challenge_id: str = Field(max_length=64)
    algorithm: str = Field(pattern="^(des3|sm4)$")
    answer: str = Field(pattern=r"^[0-9A-Fa-f]{32}$")
    pin_verified: bool


class OpenOut(BaseModel):
    token: str
    member_no: str
    expires_in: int


def store_of(request: Request) -> CardSessionStore:
    return request.app.state.card_sessions


@router.post("/challenge", response_model=ChallengeOut)
async def new_challenge(body: ChallengeIn, request: Request, terminal: Terminal) -> dict[str, str]:
    cid, value = store_of(request).challenge(terminal, body.card_identifier.upper())
    return {"challenge_id": cid, "challenge": value.hex().upper()}


@router.post("", response_model=OpenOut, status_code=201)
async def open_session(
    body: OpenIn, request: Request, ctx: Ctx, terminal: Terminal
) -> dict[str, Any]:
    store = store_of(request)
    ch = store.take_challenge(terminal, body.challenge_id)
    if ch is None:
        raise CardProofRefused("挑战已失效", "Unknown, used or expired challenge")
    if not body.pin_verified:
        raise CardProofRefused("未验证密码", "The PIN was not verified")
    if not store.check_answer(ch, body.algorithm, bytes.fromhex(body.answer)):
        raise CardProofRefused("卡片认证失败", "The card's answer is wrong: card not present")
    member_no = await run_in_threadpool(_valid_member, ctx, ch.card_identifier)
    token = store.open(terminal, member_no, ch.card_identifier)
    return {"token": token, "member_no": member_no, "expires_in": int(IDLE_SECONDS)}


@router.delete("/current", status_code=204)
async def close_session(request: Request, terminal: Terminal) -> Response:
    token = claimed(request.scope).card_session
    if token:
        store_of(request).close(token, terminal)
    return Response(status_code=204)


def _valid_member(ctx: Context, card_identifier: str) -> str:
    with ctx.db.sessions() as s:
        row = s.execute(
            select(MemberRow.member_no, CardRow.status)
            .join(CardRow, CardRow.member_id == MemberRow.id)
            .where(CardRow.card_identifier == card_identifier)
        ).first()
    if row is None:
        raise NotFoundProblem("卡片未登记", "Unknown card")
    if row.status != "valid":
        raise CardProofRefused("卡片不可用", f"The card is {row.status}")
    return str(row.member_no)


class CardSessionGuard:
    """Requires a card session token on /v1/members/{member_no}/... (ASGI middleware)."""

    def __init__(self, app: Any, store: CardSessionStore) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        m = _MEMBER_PATH.match(scope.get("path", "")) if scope["type"] == "http" else None
        if m is None:
            await self.app(scope, receive, send)
            return
        try:
            claim = claimed(scope)
        except RepeatedHeader as e:
            await e.send(send)
            return
        # The claimed terminal: its API key is checked by the route's `terminal` dependency,
        # which reads the same (single) header through the same helper.
        token = claim.card_session
        why = self.store.use(token, claim.terminal_id, m.group(1)) if token else "missing"
        if why is None:
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {
                "code": "CARD_SESSION_REQUIRED",
                "message_zh": "请插入本人社会保障卡并验证密码",
                "message_en": f"Member data needs a card session of this card ({why})",
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_card_sessions(app: Any, *, require: bool, keys: card_crypto.MasterKeys) -> None:
    """The card-session endpoints, and (require=True) the guard on member data."""
    app.state.card_sessions = CardSessionStore(keys)
    if not any(getattr(r, "path", "").startswith("/v1/card-sessions") for r in app.routes):
        app.include_router(router)
    if require:
        app.add_middleware(CardSessionGuard, store=app.state.card_sessions)
