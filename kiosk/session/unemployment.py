"""Unemployment insurance (失业保险) at the kiosk (issue 17): the member's standing, the
registration as unemployed and job seeker, the claim, its stop on re-employment, the
skill-upgrading subsidy and the claim's acknowledgement on A4.

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads:

- "unemployment": the standing (GET .../unemployment); "skill_subsidy": the subsidy's
  conditions and certificates.
- "unemployment_register" {phone, wishes}: 失业登记 + 求职登记 with the phone the member typed
  and the job wishes they picked (codes of JOB_WISHES; the back office records their Chinese).
- "unemployment_apply": 申领失业保险金. The idempotency key is the member's and the day's: a
  retry after a lost answer, or a second press, hears the first claim, never a second one.
- "unemployment_stop": the benefit stopped on re-employment (from today).
- "skill_subsidy_apply" {certificate_no}: the subsidy claimed for one certificate.
- "unemployment_ack": the claim's acknowledgement (printer.documents.unemployment_ack) built
  from the back office's current answer and sent to the A4 printer (kiosk.printing's port).

Each request's answer is the new standing; the session keeps it as the page's data too
(kiosk.session.intents.ANSWER_UPDATES).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.domain import CardHolder, mask_id
from kiosk.domain.unemployment import SkillSubsidy, UnemploymentStatus
from kiosk.domain.zone import in_zone
from kiosk.errors import KioskError
from kiosk.printing import PrintFailed, PrintService, printer_error_key
from printer.documents.builders import acknowledgement_pdf
from printer.documents.inputs import AcknowledgementData
from printer.errors import PrinterError

log = logging.getLogger(__name__)

# The short list the member picks job wishes from (1 to MAX_WISHES): code -> the words the
# back office records (Chinese, as the counter's forms). The screen shows
# `unemployment.wish.<code>` in the member's language.
JOB_WISHES: dict[str, str] = {
    "cleaning": "保洁家政",
    "catering": "餐饮服务",
    "logistics": "仓储物流",
    "sales": "销售客服",
    "factory": "生产制造",
    "security": "保安物业",
    "driving": "司机配送",
    "office": "办公文员",
}
MAX_WISHES = 5
# A mobile number, or a landline with its area code (the back office's rule without the dash).
PHONE = re.compile(r"1[3-9][0-9]{9}|0[0-9]{2,3}[0-9]{7,8}")


def phone_ok(digits: str) -> bool:
    """What the keypad may submit as the contact phone."""
    return PHONE.fullmatch(digits) is not None


class UnemploymentClient(Protocol):
    def unemployment(self, member_no: str) -> UnemploymentStatus: ...

    def register_unemployed(
        self,
        member_no: str,
        phone: str,
        job_wishes: Sequence[str],
        *,
        idempotency_key: str | None = None,
    ) -> UnemploymentStatus: ...

    def apply_unemployment(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> UnemploymentStatus: ...

    def stop_unemployment(
        self,
        member_no: str,
        *,
        on: dt.date | None = None,
        idempotency_key: str | None = None,
    ) -> UnemploymentStatus: ...

    def skill_subsidy(self, member_no: str) -> SkillSubsidy: ...

    def apply_skill_subsidy(
        self, member_no: str, certificate_no: str, *, idempotency_key: str | None = None
    ) -> SkillSubsidy: ...


class UnemploymentRefused(KioskError):
    """Refused at the kiosk before asking the back office (`message_key` says why)."""

    def __init__(self, message_key: str) -> None:
        self.message_key = message_key
        super().__init__(message_key)


@dataclass(frozen=True)
class AckPrinted:
    """The acknowledgement went to the A4 printer."""

    application_id: int
    pages: int
    job_id: int


class UnemploymentService:
    def __init__(
        self,
        client: UnemploymentClient,
        printing: PrintService | None,
        *,
        today: Callable[[], dt.date],
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.client = client
        self.printing = printing
        self.today = today  # the hall's date: the day's idempotency keys
        self.clock = clock

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {
            "unemployment": lambda no, _h, _p: self.client.unemployment(no),
            "skill_subsidy": lambda no, _h, _p: self.client.skill_subsidy(no),
            "unemployment_register": self.register,
            "unemployment_apply": self.apply,
            "unemployment_stop": self.stop,
            "skill_subsidy_apply": self.apply_skill,
            "unemployment_ack": self.print_ack,
        }

    def register(
        self, member_no: str, _holder: CardHolder, params: dict[str, Any]
    ) -> UnemploymentStatus:
        phone = str(params.get("phone", ""))
        codes = [str(c) for c in params.get("wishes", ())]
        if not phone_ok(phone):
            raise UnemploymentRefused("unemployment.phone_invalid")
        if not 1 <= len(codes) <= MAX_WISHES or any(c not in JOB_WISHES for c in codes):
            raise UnemploymentRefused("unemployment.wishes_needed")
        return self.client.register_unemployed(member_no, phone, [JOB_WISHES[c] for c in codes])

    def apply(
        self, member_no: str, _holder: CardHolder, _params: dict[str, Any]
    ) -> UnemploymentStatus:
        key = f"unemployment-apply-{member_no}-{self.today().isoformat()}"
        return self.client.apply_unemployment(member_no, idempotency_key=key)

    def stop(
        self, member_no: str, _holder: CardHolder, _params: dict[str, Any]
    ) -> UnemploymentStatus:
        key = f"unemployment-stop-{member_no}-{self.today().isoformat()}"
        return self.client.stop_unemployment(member_no, idempotency_key=key)

    def apply_skill(
        self, member_no: str, _holder: CardHolder, params: dict[str, Any]
    ) -> SkillSubsidy:
        certificate = str(params.get("certificate_no", ""))
        if not certificate:
            raise UnemploymentRefused("unemployment.skill_pick")
        key = f"skill-subsidy-{member_no}-{certificate}"
        return self.client.apply_skill_subsidy(member_no, certificate, idempotency_key=key)

    def print_ack(self, member_no: str, holder: CardHolder, _params: dict[str, Any]) -> AckPrinted:
        if self.printing is None:
            raise PrintFailed("print.error.no_printer")
        status = self.client.unemployment(member_no)  # the claim as it stands now
        claim = status.application
        if claim is None or status.separation is None:
            raise UnemploymentRefused("unemployment.no_claim")
        p = self.printing
        doc = p.build(
            acknowledgement_pdf,
            AcknowledgementData(
                status=status,
                name=holder.name,
                id_number_masked=mask_id(holder.id_number),
                printed_at=in_zone(self.clock(), p.zone).replace(microsecond=0),
                hall_name=p.hall_name,
                terminal_id=p.terminal_id,
            ),
        )  # in the document worker: no reportlab here
        try:
            job = p.a4.print_pdf(doc.pdf, f"失业保险金申领回执 {claim.application_id}")
        except PrinterError as e:
            log.warning("acknowledgement not printed: %s", type(e).__name__)
            raise PrintFailed(printer_error_key(e), str(e)) from None
        return AckPrinted(claim.application_id, doc.pages, job.job_id)
