"""My receipts (我的缴费凭证) at the kiosk (issue 17): the member's own past payments, newest
first, from the back office (paid at any kiosk), and one of them printed again on the receipt
printer, marked 补打 (PaymentService.reprint_payment: kiosk/payments/reprint.py).

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.domain.past_payments import PastPayment
from kiosk.domain.payments import ReceiptState


class ReceiptsClient(Protocol):
    def payments(self, member_no: str, *, limit: int = 20) -> list[PastPayment]: ...

    def payment(self, member_no: str, order_no: str) -> PastPayment: ...


class Reprinter(Protocol):
    def reprint_payment(
        self, payment: PastPayment, *, member_name: str, id_number: str
    ) -> ReceiptState: ...


@dataclass(frozen=True)
class Reprinted:
    """The reprint's answer: which order, and whether the paper came out (else the receipt's
    page as a QR code)."""

    order_no: str
    printed: bool
    receipt_url: str


Handler = Callable[[str, CardHolder, dict[str, Any]], Any]
LIMIT = 20  # the newest 20: a kiosk page, not an archive


class ReceiptsService:
    def __init__(self, client: ReceiptsClient, reprinter: Reprinter) -> None:
        self.client = client
        self.reprinter = reprinter

    def handlers(self) -> dict[str, Handler]:
        return {
            "my_receipts": lambda no, _h, _p: self.client.payments(no, limit=LIMIT),
            "receipt_reprint": self.reprint,
        }

    def reprint(self, member_no: str, holder: CardHolder, params: dict[str, Any]) -> Reprinted:
        # Read again by number: the back office answers only for the member's own order.
        payment = self.client.payment(member_no, str(params["order_no"]))
        state = self.reprinter.reprint_payment(
            payment, member_name=holder.name, id_number=holder.id_number
        )
        return Reprinted(payment.order_no, state is ReceiptState.PRINTED, payment.receipt_url)
