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

Challenges and sessions are rows of the database (backoffice.storage.shared_state; a token
only as its SHA-256), so every worker of every host behind the load balancer sees them: a
session opened through one host reads member data through another, one closed anywhere is
closed everywhere, and a challenge is answered once whichever host takes the answer.

A session has a scope (`SCOPES`): a card session is "full"; an ID-card session
(backoffice/id_sessions.py) is "limited" (the member's dues, quotes for a payment and the
annual certification: `LIMITED_ROUTES`) until a face verification makes it "full". The guard
refuses a limited session anything else with 403 FULL_SESSION_REQUIRED.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.api.common import AUTH_ERRORS
from backoffice.api.deps import Ctx, Terminal
from backoffice.api.models import ErrorBody
from backoffice.context import Context
from backoffice.errors import ApiError, NotFoundProblem
from backoffice.identity import RepeatedHeader, claimed
from backoffice.storage.members import CardRow, MemberRow
from backoffice.storage.shared_state import Challenge, OpenSession, SharedState, for_app
from common import card_crypto

CHALLENGE_SECONDS = 30.0
IDLE_SECONDS = 360.0  # longer than any kiosk page timeout (payment: 300 s)
# A use extends the session only when that moves its expiry by more than this: most uses are
# one read, no write (the idle limit is then between IDLE - EXTEND_AFTER and IDLE seconds).
EXTEND_AFTER = 15.0
_MEMBER_PATH = re.compile(r"^/v1/members/([^/]+)/([^/]*)")
FULL, LIMITED = "full", "limited"
SCOPES = (FULL, LIMITED)
# What a limited session (an ID card without a face match) may reach under
# /v1/members/{member_no}/: what paying dues by QR and certifying need, no records.
LIMITED_ROUTES = frozenset({"dues", "quotes", "certification", "certifications"})
# The guard's answer for a refused scope (the others are "missing", "expired or unknown"...).
NEEDS_FULL = "limited"


class CardProofRefused(ApiError):
    status = 403
    code = "CARD_PROOF_REFUSED"


class CardSessionStore:
    """Challenges and open sessions, as rows every worker and host sees
    (backoffice.storage.shared_state). Every method is blocking (a query): call them on a
    worker thread."""

    def __init__(
        self,
        state: SharedState,
        master_keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys = master_keys
        self._state = state
        self._clock = clock  # wall-clock seconds: the hosts' clocks agree (NTP)

    def challenge(self, terminal_id: str, card_identifier: str) -> tuple[str, bytes]:
        now = self._clock()
        cid, value = secrets.token_hex(16), secrets.token_bytes(16)
        ch = Challenge(terminal_id, card_identifier, value, now + CHALLENGE_SECONDS)
        self._state.put_challenge(cid, ch, now=now)
        return cid, value

    def take_challenge(self, terminal_id: str, challenge_id: str) -> Challenge | None:
        """The challenge, used up (a second answer to it proves nothing, on any host)."""
        ch = self._state.take_challenge(challenge_id)
        if ch is None or ch.terminal_id != terminal_id or ch.expires < self._clock():
            return None
        return ch

    def check_answer(self, ch: Challenge, algorithm: str, answer: bytes) -> bool:
        key = card_crypto.card_key(algorithm, self.keys.internal, bytes.fromhex(ch.card_identifier))
        return card_crypto.same(
            card_crypto.internal_auth_response(algorithm, key, ch.challenge), answer
        )

    def open(
        self, terminal_id: str, member_no: str, card_identifier: str, scope: str = FULL
    ) -> str:
        """A new token; one member session per terminal: a new card ends the previous one's."""
        now = self._clock()
        token = secrets.token_urlsafe(32)
        session = OpenSession(terminal_id, member_no, card_identifier, now + IDLE_SECONDS, scope)
        self._state.open_session(_digest(token), session, now=now)
        return token

    def current(self, token: str, terminal_id: str) -> OpenSession | None:
        """The live session of this token for this terminal (None: unknown, expired, another
        terminal's)."""
        s = self._state.session(_digest(token))
        if s is None or s.expires < self._clock() or s.terminal_id != terminal_id:
            return None
        return s

    def use(
        self, token: str, terminal_id: str | None, member_no: str, route: str = ""
    ) -> str | None:
        """None if the token may read `route` (the path's segment after the member number) of
        `member_no` for `terminal_id` (and extends it), else why (NEEDS_FULL: a limited session
        outside LIMITED_ROUTES). One read; the expiry is written again only once it is
        EXTEND_AFTER seconds old."""
        now = self._clock()
        digest = _digest(token)
        s = self._state.session(digest)
        if s is None or s.expires < now:
            return "expired or unknown"
        if s.terminal_id != terminal_id:
            return "another terminal's"
        if s.member_no != member_no:
            return "another member's"
        if s.scope != FULL and route not in LIMITED_ROUTES:
            return NEEDS_FULL
        if now + IDLE_SECONDS - s.expires > EXTEND_AFTER:
            self._state.extend_session(digest, now + IDLE_SECONDS)
        return None

    def close(self, token: str, terminal_id: str) -> bool:
        return self._state.close_session(_digest(token), terminal_id)


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
    # As issued (32 hex digits: the column's length): a NUL in it was a 500 on PostgreSQL.
    challenge_id: str = Field(pattern=r"^[0-9A-Fa-f]{32}$")
    algorithm: str = Field(pattern="^(des3|sm4)$")
    answer: str = Field(pattern=r"^[0-9A-Fa-f]{32}$")
    pin_verified: bool = Field(strict=True)  # true, not "true" or 1


class OpenOut(BaseModel):
    token: str
    member_no: str
    expires_in: int


def store_of(request: Request) -> CardSessionStore:
    return request.app.state.card_sessions


@router.post("/challenge", response_model=ChallengeOut)
async def new_challenge(body: ChallengeIn, request: Request, terminal: Terminal) -> dict[str, str]:
    store = store_of(request)
    cid, value = await run_in_threadpool(store.challenge, terminal, body.card_identifier.upper())
    return {"challenge_id": cid, "challenge": value.hex().upper()}


@router.post(
    "",
    response_model=OpenOut,
    status_code=201,
    responses={
        403: {"model": ErrorBody, "description": "CARD_PROOF_REFUSED"},
        404: {"model": ErrorBody, "description": "NOT_FOUND: the card is not registered"},
    },
)
async def open_session(
    body: OpenIn, request: Request, ctx: Ctx, terminal: Terminal
) -> dict[str, Any]:
    return await run_in_threadpool(_open, store_of(request), body, ctx, terminal)


def _open(store: CardSessionStore, body: OpenIn, ctx: Context, terminal: str) -> dict[str, Any]:
    """The challenge taken (whatever follows), the answer checked, the session opened."""
    ch = store.take_challenge(terminal, body.challenge_id)
    if ch is None:
        raise CardProofRefused("挑战已失效", "Unknown, used or expired challenge")
    if not body.pin_verified:
        raise CardProofRefused("未验证密码", "The PIN was not verified")
    if not store.check_answer(ch, body.algorithm, bytes.fromhex(body.answer)):
        raise CardProofRefused("卡片认证失败", "The card's answer is wrong: card not present")
    member_no = _valid_member(ctx, ch.card_identifier)
    token = store.open(terminal, member_no, ch.card_identifier)
    return {"token": token, "member_no": member_no, "expires_in": int(IDLE_SECONDS)}


@router.delete("/current", status_code=204)
async def close_session(request: Request, terminal: Terminal) -> Response:
    token = claimed(request.scope).card_session
    if token:
        await run_in_threadpool(store_of(request).close, token, terminal)
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
        why = (
            await run_in_threadpool(
                self.store.use, token, claim.terminal_id, m.group(1), m.group(2)
            )
            if token
            else "missing"
        )
        if why is None:
            await self.app(scope, receive, send)
            return
        if why == NEEDS_FULL:
            refusal = {
                "code": "FULL_SESSION_REQUIRED",
                "message_zh": "凭身份证查询记录或打印，须先通过人脸识别；或插入社会保障卡并验证密码",
                "message_en": "With an ID card, records and documents need a face check first,"
                " or the social security card and its PIN",
            }
        else:
            refusal = {
                "code": "CARD_SESSION_REQUIRED",
                "message_zh": "请插入本人社会保障卡并验证密码",
                "message_en": f"Member data needs a card session of this card ({why})",
            }
        body = json.dumps(refusal, ensure_ascii=False).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def install_card_sessions(app: Any, *, require: bool, keys: card_crypto.MasterKeys) -> None:
    """The card-session and ID-session endpoints, and (require=True) the guard on member
    data."""
    from backoffice.id_sessions import router as id_router

    app.state.card_sessions = CardSessionStore(for_app(app), keys)
    if not any(getattr(r, "path", "").startswith("/v1/card-sessions") for r in app.routes):
        app.include_router(router)
    if not any(getattr(r, "path", "").startswith("/v1/id-sessions") for r in app.routes):
        app.include_router(id_router)
    if require:
        app.add_middleware(CardSessionGuard, store=app.state.card_sessions)
