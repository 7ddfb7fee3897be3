"""The retiree's annual certification at the kiosk (issue 20): the status for the menu and the
certification page, and the certification itself once the face check passed.

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads:

- "certification": the status (GET /v1/members/{no}/certification); None for a member who is
  not a retiree (the back office's NOT_A_RETIREE), so the menu offers no certification.
- "certify": POST the certification with the face check's `verification_id` (the back office
  takes the score from its own verification; the kiosk asserts nothing), then print the slip
  on the receipt printer (printer.certification_slip). A slip that cannot be printed does not
  undo the certification: the page says so and the counter reprints.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kiosk.backoffice.errors import Rejected
from kiosk.domain import CardHolder
from kiosk.domain.certification import Certification, CertificationAttempt, CertificationMethod
from kiosk.domain.zone import in_zone
from kiosk.errors import KioskError
from printer.certification_slip import CertificationSlip, slip_bytes
from printer.errors import PrinterError

log = logging.getLogger(__name__)


class CertificationClient(Protocol):
    def certification(self, member_no: str) -> Certification: ...

    def record_certification(
        self,
        member_no: str,
        method: CertificationMethod,
        *,
        success: bool,
        score: str | None = None,
        evidence_ref: str | None = None,
        verification_id: str | None = None,
        idempotency_key: str | None = None,
    ) -> CertificationAttempt: ...


@runtime_checkable
class SlipPrinter(Protocol):
    """The receipt printer as the slip needs it (printer.EscposReceiptPrinter)."""

    def print_bytes(self, data: bytes, *, force: bool = False) -> None: ...


class CertifyError(KioskError):
    def __init__(self, message_key: str, detail: str = "") -> None:
        self.message_key = message_key
        super().__init__(f"{message_key}: {detail}" if detail else message_key)


@dataclass(frozen=True)
class Certified:
    """The certify request's answer: the attempt recorded and whether the slip came out."""

    attempt: CertificationAttempt
    slip_printed: bool
    slip_error: str | None = None  # i18n key when it did not


class CertificationService:
    def __init__(
        self,
        client: CertificationClient,
        printer: SlipPrinter | None,
        *,
        hall_name: str,
        terminal_id: str,
        zone: zoneinfo.ZoneInfo,
    ) -> None:
        self.client = client
        self.printer = printer
        self.hall_name = hall_name
        self.terminal_id = terminal_id
        self.zone = zone

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {"certification": self.status, "certify": self.certify}

    def status(self, member_no: str, _holder: CardHolder, _params: dict[str, Any]) -> Any:
        try:
            return self.client.certification(member_no)
        except Rejected as e:
            if e.code == "NOT_A_RETIREE":
                return None  # no pension, no certification: the menu offers none
            raise

    def certify(self, member_no: str, holder: CardHolder, params: dict[str, Any]) -> Certified:
        verification_id = params.get("verification_id")
        if not verification_id:
            raise CertifyError("face.unavailable", "no verification id")
        was_suspended = bool(params.get("suspended"))  # before this certification
        attempt = self.client.record_certification(
            member_no,
            CertificationMethod.FACE_KIOSK,
            success=True,
            verification_id=str(verification_id),
            # One verification certifies once: a retry after a lost answer gets the first.
            idempotency_key=f"certify-{verification_id}",
        )
        slip = CertificationSlip(
            hall_name=self.hall_name,
            terminal_id=self.terminal_id,
            member_name=holder.name,
            id_number=holder.id_number,
            member_no=member_no,
            method=attempt.method.value,
            certified_at=in_zone(attempt.at, self.zone),
            next_due_by=attempt.certification.due_by,
            attempt_id=attempt.attempt_id,
            resumed=was_suspended and not attempt.certification.suspended,
        )
        if self.printer is None:
            return Certified(attempt, slip_printed=False, slip_error="certify.no_slip")
        try:
            self.printer.print_bytes(slip_bytes(slip))
        except PrinterError as e:
            log.warning("certification slip not printed: %s", type(e).__name__)
            return Certified(attempt, slip_printed=False, slip_error="certify.no_slip")
        return Certified(attempt, slip_printed=True)
