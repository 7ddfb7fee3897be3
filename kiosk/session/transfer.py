"""Transfers between cities (转移接续) at the kiosk (issue 17): the member's transfer-in
requests and how far each has gone, a new request naming the city they came from, and the
参保缴费凭证 (pension or medical) printed on A4 like the other documents.

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads:

- "transfer": the requests (GET /v1/members/{no}/transfer), the open one first.
- "transfer_cities": the cities a request may name (GET /v1/transfer/cities).
- "transfer_start": a request from `params["from_city"]` (a region code of those cities); the
  answer is the requests with the new one open (the session shows it as "transfer" at once).
  A refusal (already open, this city) carries the back office's words.
- "voucher_preview": the voucher of `params["kind"]` issued (verification code, QR and public
  page as the certificates), its PDF built from what the back office attested with the ID
  number in full from the card, page 1 previewed, held by the PrintService for:
- "voucher_print": the held PDF sent to the A4 printer (kiosk.printing.PrintService.submit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.domain.transfer import Cities, TransferRequests, TransferVoucher, VoucherKind
from kiosk.printing import PrintDone, PrintFailed, PrintService
from printer.documents.builders import voucher_pdf
from printer.documents.inputs import NotTheHoldersVoucher, VoucherData


class TransferClient(Protocol):
    def transfer_voucher(
        self, member_no: str, kind: VoucherKind, *, idempotency_key: str | None = None
    ) -> TransferVoucher: ...

    def transfer_requests(self, member_no: str) -> TransferRequests: ...

    def start_transfer(
        self, member_no: str, from_city: str, *, idempotency_key: str | None = None
    ) -> TransferRequests: ...

    def transfer_cities(self) -> Cities: ...


@dataclass(frozen=True)
class VoucherPreview:
    """The voucher_preview request's answer: which voucher, its title, pages and page 1."""

    kind: VoucherKind
    title: str
    pages: int
    image: str  # a PNG of page 1 in the session's private folder (PrintService)
    verification_code: str


class TransferService:
    def __init__(self, client: TransferClient, printing: PrintService | None) -> None:
        self.client = client
        self.printing = printing

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {
            "transfer": lambda no, h, p: self.client.transfer_requests(no),
            "transfer_cities": lambda no, h, p: self.client.transfer_cities(),
            "transfer_start": self.start,
            "voucher_preview": self.preview,
            "voucher_print": self.print_voucher,
        }

    def start(self, member_no: str, _holder: CardHolder, params: dict[str, Any]) -> Any:
        city = str(params.get("from_city") or "")
        if not city:
            raise PrintFailed("transfer.choose_city")
        # No key of ours: the transport sends one, the same on each of its retries.
        return self.client.start_transfer(member_no, city)

    def preview(self, member_no: str, holder: CardHolder, params: dict[str, Any]) -> Any:
        if self.printing is None:
            raise PrintFailed("print.error.no_printer")
        kind = VoucherKind(params.get("kind", VoucherKind.PENSION.value))
        voucher = self.client.transfer_voucher(member_no, kind)
        if voucher.kind is not kind:
            raise PrintFailed("print.error.other", f"asked for {kind}, issued {voucher.kind}")
        p = self.printing
        try:
            data = VoucherData(
                voucher=voucher,
                id_number=holder.id_number,
                printed_at=p.printed_at(),
                hall_name=p.hall_name,
                terminal_id=p.terminal_id,
            )
        except NotTheHoldersVoucher:
            # Never one member's periods under another's ID number.
            raise PrintFailed("print.error.other", "the voucher is not the holder's") from None
        doc = p.build(voucher_pdf, data)  # in the document worker: no reportlab here
        title = f"{kind.zh} {voucher.first}-{voucher.last}"
        image = p.stage(doc, title)
        return VoucherPreview(kind, title, doc.pages, str(image), voucher.verification.code)

    def print_voucher(self, _no: str, _holder: CardHolder, _params: dict[str, Any]) -> PrintDone:
        if self.printing is None:
            raise PrintFailed("print.error.no_printer")
        return self.printing.submit()
