"""Member sessions opened with the resident ID card (居民身份证): the card sessions' store, token
and guard (backoffice/card_sessions.py) with a scope.

    POST /v1/id-sessions                 {id_number, name, verification_id?}
                                          -> 201 {token, member_no, scope, expires_in}
    POST /v1/id-sessions/current/upgrade {verification_id}   (header X-Card-Session)
                                          -> 200 {token, member_no, scope: "full", expires_in}
    DELETE /v1/card-sessions/current     closes either kind

The kiosk's ID-card reader reads the card's text (name, number); the back office finds the
member by the ID number and requires the card's name to be the record's. Without more, the
session is "limited": the member's dues, quotes for paying them (QR) and the annual
certification (card_sessions.LIMITED_ROUTES). A face verification of the same member on the
same terminal (backoffice/face, `verification_id`: good once, for a few minutes) makes it
"full", at opening or later; an upgrade issues a new token and ends the limited one.

An ID card alone proves less than a card and its PIN: anyone holding the card can read it. So
the limited scope reaches nothing that tells about the member beyond what they came to pay or
certify; records and documents wait for the face.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy import select

from backoffice.api.common import AUTH_ERRORS, problem
from backoffice.api.deps import Ctx, Terminal
from backoffice.card_sessions import FULL, IDLE_SECONDS, LIMITED, CardSessionStore, store_of
from backoffice.context import Context
from backoffice.errors import ApiError, NotFoundProblem, member_not_found
from backoffice.face import service as face_service
from backoffice.identity import claimed
from backoffice.storage.members import MemberRow

router = APIRouter(prefix="/v1/id-sessions", tags=["card sessions"], responses=AUTH_ERRORS)

IdNumber = Annotated[str, Field(pattern=r"^[0-9]{17}[0-9X]$")]
VerificationId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-]+$")]


class IdCardRefused(ApiError):
    status = 403
    code = "NAME_MISMATCH"


class IdSessionIn(BaseModel):
    id_number: IdNumber
    name: str = Field(min_length=1, max_length=40)
    verification_id: VerificationId | None = None


class UpgradeIn(BaseModel):
    verification_id: VerificationId


class IdSessionOut(BaseModel):
    token: str
    member_no: str
    scope: str  # "limited" or "full"
    expires_in: int


@router.post(
    "",
    response_model=IdSessionOut,
    status_code=201,
    responses={
        403: problem("NAME_MISMATCH: the card's name is not the record's"),
        404: problem("MEMBER_NOT_FOUND: no member with this ID number"),
        409: problem(
            "FACE_VERIFICATION_REQUIRED: the verification is unknown, failed, used, expired,"
            " another member's or terminal's"
        ),
    },
)
async def open_id_session(
    body: IdSessionIn, request: Request, ctx: Ctx, terminal: Terminal
) -> dict[str, Any]:
    return await run_in_threadpool(_open, store_of(request), body, ctx, terminal)


@router.post(
    "/current/upgrade",
    response_model=IdSessionOut,
    responses={
        403: problem("ID_SESSION_REQUIRED: no live session of this terminal in X-Card-Session"),
        409: problem("FACE_VERIFICATION_REQUIRED: the verification cannot be spent"),
    },
)
async def upgrade_id_session(
    body: UpgradeIn, request: Request, ctx: Ctx, terminal: Terminal
) -> dict[str, Any]:
    token = claimed(request.scope).card_session or ""
    return await run_in_threadpool(_upgrade, store_of(request), token, body, ctx, terminal)


def _open(
    store: CardSessionStore, body: IdSessionIn, ctx: Context, terminal: str
) -> dict[str, Any]:
    member_no = _member_of(ctx, body.id_number, body.name)
    scope = LIMITED
    if body.verification_id is not None:
        _take_verification(ctx, terminal, member_no, body.verification_id)
        scope = FULL
    token = store.open(terminal, member_no, "", scope)
    return {"token": token, "member_no": member_no, "scope": scope, "expires_in": int(IDLE_SECONDS)}


def _upgrade(
    store: CardSessionStore, token: str, body: UpgradeIn, ctx: Context, terminal: str
) -> dict[str, Any]:
    current = store.current(token, terminal) if token else None
    if current is None:
        raise IdCardRefused(
            "身份证会话已结束，请重新放置身份证",
            "No live ID-card session of this terminal: place the ID card again",
            code="ID_SESSION_REQUIRED",
        )
    _take_verification(ctx, terminal, current.member_no, body.verification_id)
    # A new token for the wider scope; opening it ends the terminal's limited one.
    new = store.open(terminal, current.member_no, current.card_identifier, FULL)
    return {
        "token": new,
        "member_no": current.member_no,
        "scope": FULL,
        "expires_in": int(IDLE_SECONDS),
    }


def _member_of(ctx: Context, id_number: str, name: str) -> str:
    with ctx.db.sessions() as s:
        row = s.execute(
            select(MemberRow.member_no, MemberRow.name).where(MemberRow.id_number == id_number)
        ).first()
    if row is None:
        raise NotFoundProblem(
            "未查到此身份证的参保登记，请到人工窗口办理",
            "No member is registered with this ID number; please go to a counter",
            code="MEMBER_NOT_FOUND",
        )
    if _plain(row.name) != _plain(name):
        raise IdCardRefused(
            "身份证上的姓名与参保登记不一致，请到人工窗口办理",
            "The name on the ID card is not the name on record; please go to a counter",
        )
    return str(row.member_no)


def _plain(name: str) -> str:
    """A name as compared: without the spaces a reader pads with (the card's field is fixed)."""
    return "".join(name.split())


def _take_verification(ctx: Context, terminal: str, member_no: str, verification_id: str) -> None:
    """Spend the face verification (backoffice/face/service.py, as a certification does): this
    member's, matched and live, made for this terminal, fresh, not spent. 409
    FACE_VERIFICATION_REQUIRED otherwise, saying which."""
    with ctx.db.sessions() as s:
        member_id = s.scalar(select(MemberRow.id).where(MemberRow.member_no == member_no))
        if member_id is None:
            raise member_not_found()
        face_service.spend(s, ctx, verification_id, terminal_id=terminal, member_id=member_id)
        s.commit()
