"""Report the social security card lost without it (issue 17): POST
/v1/members/{member_no}/card/loss, for a member whose identity was proven another way.

The card route (POST /v1/cards/{identifier}/loss) needs the card's identifier and number, which
only the card in hand gives. This one finds the member's card itself, so it asks for proof of
the person instead: a live session of this terminal for this member with the "full" scope (an
ID-card session widened by a face check, backoffice/id_sessions.py; a card + PIN session is
full too). It asks for it itself, whether or not the card-session guard is installed: a loss
report ends the member's card, and an ID card alone (a "limited" session) or no session is
not enough (403 IDENTITY_REQUIRED).

The member's valid card becomes lost; repeating the report is harmless (a lost card stays
lost). A member with only void cards: 409 CARD_VOID; with no card: 404 CARD_NOT_FOUND."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import select

from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.members import MemberNo
from backoffice.api.models import CardOut
from backoffice.card_sessions import FULL, store_of
from backoffice.errors import ApiError, ConflictProblem, card_not_found
from backoffice.identity import claimed
from backoffice.storage.members import CardRow

router = APIRouter(prefix="/v1/members", tags=["cards"], responses=MEMBER_ERRORS)


class IdentityRequired(ApiError):
    status = 403
    code = "IDENTITY_REQUIRED"


@router.post(
    "/{member_no}/card/loss",
    response_model=CardOut,
    responses={
        403: problem("IDENTITY_REQUIRED: no full session of this member on this terminal"),
        404: problem("MEMBER_NOT_FOUND, CARD_NOT_FOUND: the member holds no card"),
        409: problem("CARD_VOID: the member's cards are all void"),
    },
)
def report_loss_without_card(
    member_no: MemberNo, request: Request, db: Db, ctx: Ctx, terminal: Terminal
) -> dict[str, Any]:
    """Report the member's card lost (临时挂失) without the card in the reader."""
    token = claimed(request.scope).card_session
    session = store_of(request).current(token, terminal) if token else None
    if session is None or session.member_no != member_no or session.scope != FULL:
        raise IdentityRequired(
            "挂失须先证明本人身份：身份证并通过人脸识别",
            "Reporting the card lost needs the member's identity: the ID card and a face check",
        )
    member = records.find_member(db, member_no)
    cards = list(db.scalars(select(CardRow).where(CardRow.member_id == member.id)))
    if not cards:
        raise card_not_found()
    # The card in use: a valid one, else one already lost (a repeated report); void cards end.
    card = next((c for c in cards if c.status == "valid"), None) or next(
        (c for c in cards if c.status == "lost"), None
    )
    if card is None:
        raise ConflictProblem("该卡已注销，无需挂失", "The card is void already", code="CARD_VOID")
    if card.status != "lost":
        card.status = "lost"
        card.status_changed_at = ctx.settings.now()
        db.commit()
    return {
        "card_identifier": card.card_identifier,
        "card_number": card.card_number,
        "status": card.status,
        "member_no": member_no,
    }
