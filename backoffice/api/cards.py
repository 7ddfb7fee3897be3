"""Cards: status by card identifier and number; temporary loss report (临时挂失) and its
cancellation (解除临时挂失)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from backoffice.api.common import AUTH_ERRORS
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.models import (
    CardIdentifierText,
    CardNumberText,
    CardOut,
    ErrorBody,
    LossReport,
)
from backoffice.errors import ConflictProblem, card_not_found
from backoffice.storage.members import CardRow, MemberRow
from backoffice.storage.terminals import AdminCardRow

router = APIRouter(prefix="/v1/cards", tags=["cards"])
CardIdentifier = Annotated[CardIdentifierText, Path(description="卡识别码, 16 bytes hex")]
ERRORS = {**AUTH_ERRORS, 404: {"model": ErrorBody, "description": "no such card"}}


def _card(db: Db, card_identifier: str, card_number: str) -> tuple[CardRow, str]:
    found = db.execute(
        select(CardRow, MemberRow.member_no)
        .join(MemberRow, MemberRow.id == CardRow.member_id)
        .where(CardRow.card_identifier == card_identifier.upper())
    ).first()
    # A number that does not match the identifier is answered as "no such card": the API does
    # not confirm either half of a guessed pair.
    if found is None or found[0].card_number != card_number:
        raise card_not_found()
    return found[0], found[1]


def _out(card: CardRow, member_no: str) -> dict[str, Any]:
    return {
        "card_identifier": card.card_identifier,
        "card_number": card.card_number,
        "status": card.status,
        "member_no": member_no,
    }


@router.get("/{card_identifier}", response_model=CardOut, responses=ERRORS)
def card_status(
    card_identifier: CardIdentifier,
    card_number: Annotated[CardNumberText, Query(description="社会保障卡卡号")],
    db: Db,
    _t: Terminal,
) -> dict[str, Any]:
    admin = db.get(AdminCardRow, card_identifier.upper())
    if admin is not None and admin.active and admin.card_number == card_number:
        # The hall administrator's card: valid, no member behind it.
        return {
            "card_identifier": admin.card_identifier,
            "card_number": admin.card_number,
            "status": "valid",
            "member_no": "",
            "role": "admin",
        }
    card, member_no = _card(db, card_identifier, card_number)
    return _out(card, member_no)


@router.post(
    "/{card_identifier}/loss",
    response_model=CardOut,
    responses={**ERRORS, 409: {"model": ErrorBody, "description": "the card is void"}},
)
def report_loss(
    card_identifier: CardIdentifier, body: LossReport, db: Db, ctx: Ctx, _t: Terminal
) -> dict[str, Any]:
    """Report the card lost. Repeating the report is harmless (the card stays lost)."""
    card, member_no = _card(db, card_identifier, body.card_number)
    if card.status == "void":
        raise ConflictProblem("该卡已注销，无需挂失", "The card is void already", code="CARD_VOID")
    if card.status != "lost":
        card.status = "lost"
        card.status_changed_at = ctx.settings.now()
        db.commit()
    return _out(card, member_no)


@router.post(
    "/{card_identifier}/loss/cancel",
    response_model=CardOut,
    responses={**ERRORS, 409: {"model": ErrorBody, "description": "the card is void"}},
)
def cancel_loss(
    card_identifier: CardIdentifier, body: LossReport, db: Db, ctx: Ctx, _t: Terminal
) -> dict[str, Any]:
    """Cancel a temporary loss report (解除临时挂失): the card is valid again. The kiosk sends
    it only after the card in its reader verified the member's PIN. Repeating it, or cancelling
    for a valid card, is harmless. A void card (formal loss: 正式挂失 voids the card and a new
    one is issued) is refused: 409 CARD_VOID."""
    card, member_no = _card(db, card_identifier, body.card_number)
    if card.status == "void":
        raise ConflictProblem(
            "该卡已注销（正式挂失或作废），不能解除挂失，请到柜台补换卡",
            "The card is void (formal loss or cancelled): the loss cannot be lifted; "
            "a new card is issued at the counter",
            code="CARD_VOID",
        )
    if card.status == "lost":
        card.status = "valid"
        card.status_changed_at = ctx.settings.now()
        db.commit()
    return _out(card, member_no)
