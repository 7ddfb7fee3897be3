"""Report the card lost without it (issue 17): from the ID card's full session (ID card + face
check) the member reports their social security card lost; the back office finds the card and
requires the full session itself (backoffice/api/card_loss.py). The card-in-hand report stays
the card services page's (MemberServices "report_loss")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.domain.cards import CardRecord


class LossClient(Protocol):
    def report_member_card_loss(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> CardRecord: ...


def loss_handlers(
    client: LossClient,
) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
    return {"report_loss_id": lambda no, _h, _p: client.report_member_card_loss(no)}
