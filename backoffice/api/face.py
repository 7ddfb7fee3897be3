"""Face verification (docs/face.md): POST /v1/face/challenges (what the terminal's screen asks
the member to do) and POST /v1/face/verifications (the frames taken meanwhile: liveness and the
match against the enrolled face). Keyed by the resident ID number, which both the social
security card and the ID card give, so no card session is needed. The frames are measured and
dropped: only the numbers are kept."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from backoffice.api.common import AUTH_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.models import StrictOut as _Out
from backoffice.face import service

router = APIRouter(prefix="/v1/face", tags=["face"], responses=AUTH_ERRORS)

# 8 frames of at most 250,000 base64 characters (a JPEG of 187,500 bytes: a 640x480 frame at
# quality 85 is 40-80 KB) are 2,000,000 bytes: the body limit (backoffice/limits.py) is 2 MiB.
MAX_FRAMES = 8
MIN_FRAMES = 3
MAX_FRAME_CHARS = 250_000

IdNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{17}[0-9X]$"),
    Field(description="公民身份号码 (18 characters)", examples=["110101195003071234"]),
]
OpaqueId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
FrameText = Annotated[
    str,
    StringConstraints(min_length=4, max_length=MAX_FRAME_CHARS),
    Field(description="a JPEG, base64 (at most 640 px is enough: larger is scaled down)"),
]


class ChallengeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber
    purpose: Literal["certification", "pin_reset", "id_session"]


class ChallengeOut(_Out):
    challenge_id: str
    action: Literal["turn_left", "turn_right"] = Field(
        description="what the screen asks while the frames are taken: the member's left is the"
        " image's right in an unmirrored camera picture"
    )
    frames: int = Field(description="frames to take while the action is shown")
    expires_in: int = Field(description="seconds to answer it, once")


class VerificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    challenge_id: OpaqueId
    frames: list[FrameText] = Field(min_length=MIN_FRAMES, max_length=MAX_FRAMES)


class VerificationOut(_Out):
    verification_id: str | None = Field(
        description="matched and live: good once, for this terminal and member, for [face]"
        " verification_seconds (a certification or an ID session names it); else null"
    )
    matched: bool
    live: bool
    distance: str | None = Field(
        description="encoding distance of the most frontal frame to the enrolled face (null: no"
        " single face in every frame)",
        examples=["0.364"],
    )
    threshold: str = Field(examples=["0.600"])
    reason: Literal["NO_FACE", "NOT_LIVE", "NO_MATCH", "MANY_FACES"] | None
    member_no: str | None = Field(description="only when matched and live")
    attempts_left: int = Field(description="failed attempts left today (shared with certification)")


UNAVAILABLE = problem("FACE_SERVICE_UNAVAILABLE: the face model files are missing on disk")


@router.post(
    "/challenges",
    response_model=ChallengeOut,
    status_code=201,
    responses={
        404: problem("NOT_FOUND: no member with this ID number"),
        409: problem(
            "NOT_ENROLLED: no enrolled face photo; COUNTER_REQUIRED: the day's failed attempts"
            " are used up"
        ),
    },
)
def challenge(req: ChallengeIn, db: Db, ctx: Ctx, terminal_id: Terminal) -> dict[str, Any]:
    a = service.create_challenge(db, ctx, terminal_id, req.id_number, req.purpose)
    return {
        "challenge_id": a.challenge_id,
        "action": a.action,
        "frames": a.frames,
        "expires_in": a.expires_in,
    }


@router.post(
    "/verifications",
    response_model=VerificationOut,
    responses={
        200: {"description": "the frames were measured: matched and live, or why not"},
        400: problem("BAD_IMAGE: a frame is not base64 or not a picture"),
        403: problem("CHALLENGE_OTHER_TERMINAL: the challenge was given to another terminal"),
        404: problem("CHALLENGE_NOT_FOUND"),
        409: problem(
            "CHALLENGE_USED; CHALLENGE_EXPIRED; NOT_ENROLLED; COUNTER_REQUIRED: the day's failed"
            " attempts are used up"
        ),
        503: UNAVAILABLE,
    },
)
def verification(req: VerificationIn, db: Db, ctx: Ctx, terminal_id: Terminal) -> dict[str, Any]:
    return service.verify(db, ctx, terminal_id, req.challenge_id, req.frames)
