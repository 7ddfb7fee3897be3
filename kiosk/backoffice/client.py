"""The kiosk's client of the back office's member API (docs/api.md): cards, records, dues,
the pension estimate, certificates, the face check and the heartbeat.

It sends through kiosk.backoffice.transport (one session, timeouts, TLS, signing, the retry
policy and the errors: see there) and builds kiosk.domain objects with kiosk.domain.wire.
Every method blocks: call them from a worker thread, never from the UI thread. No Kivy here."""

from __future__ import annotations

import base64
import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from kiosk.backoffice.transport import HttpSession, Retry, Transport, decode
from kiosk.config import BackOfficeConfig, KioskConfig
from kiosk.domain import ContributionMonth, Money, Period, PersonalAccounts, Scheme, wire
from kiosk.domain import flexible as flex
from kiosk.domain import medical as med
from kiosk.domain import past_payments as past
from kiosk.domain import transfer as xfer
from kiosk.domain import unemployment as unemp
from kiosk.domain.benefits import BenefitPayment, Benefits
from kiosk.domain.cards import CardRecord
from kiosk.domain.certificates import Certificate, CertificateKind, VerificationResult
from kiosk.domain.certification import Certification, CertificationAttempt, CertificationMethod
from kiosk.domain.dues import Due
from kiosk.domain.estimate import PensionEstimate
from kiosk.domain.face import FaceAnswer, FaceChallenge
from kiosk.domain.summary import MemberSummary
from kiosk.domain.unemployment import SkillSubsidy, UnemploymentStatus


class BackOfficeClient:
    """One terminal's connection to the back office. Use as a context manager or call close().

    `retries` after the first send (GETs, and POSTs with their key), `backoff` seconds before the
    first retry, doubling after; the transport's policy says which requests and answers."""

    def __init__(
        self,
        config: BackOfficeConfig,
        terminal_id: str,
        *,
        retries: int = 3,
        backoff: float = 0.25,
        session: HttpSession | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = Transport(
            config,
            terminal_id,
            retry=Retry(attempts=1 + retries, backoff=backoff),
            session=session,
            sleep=sleep,
        )

    @classmethod
    def from_config(cls, config: KioskConfig, **kwargs: Any) -> BackOfficeClient:
        return cls(config.backoffice, config.terminal.id, **kwargs)

    # The transport's settings, where callers and tests reach for them on the client.
    @property
    def session(self) -> HttpSession:
        """The requests session (headers, TLS, adapters)."""
        return self.transport.session

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    @property
    def timeout(self) -> tuple[float, float]:
        return self.transport.timeout

    @timeout.setter
    def timeout(self, value: tuple[float, float]) -> None:
        self.transport.timeout = value

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> BackOfficeClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- cards ----------------------------------------------------------------------------

    def card_status(self, card_identifier: str, card_number: str) -> CardRecord:
        body = self._get(f"/v1/cards/{_seg(card_identifier)}", params={"card_number": card_number})
        return decode(wire.card, body)

    def report_loss(
        self, card_identifier: str, card_number: str, *, idempotency_key: str | None = None
    ) -> CardRecord:
        body = self._post(
            f"/v1/cards/{_seg(card_identifier)}/loss",
            {"card_number": card_number},
            idempotency_key=idempotency_key,
        )
        return decode(wire.card, body)

    def cancel_loss(
        self, card_identifier: str, card_number: str, *, idempotency_key: str | None = None
    ) -> CardRecord:
        """解除临时挂失: the card valid again (after the card verified the PIN). Raises
        Rejected CARD_VOID for a void card."""
        body = self._post(
            f"/v1/cards/{_seg(card_identifier)}/loss/cancel",
            {"card_number": card_number},
            idempotency_key=idempotency_key,
        )
        return decode(wire.card, body)

    def report_member_card_loss(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> CardRecord:
        """临时挂失 without the card: the member's card, found by the back office. Needs a full
        session of this member (an ID card + face check): Rejected IDENTITY_REQUIRED without
        one, CARD_VOID when every card is void (issue 17)."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/card/loss", {}, idempotency_key=idempotency_key
        )
        return decode(wire.card, body)

    # --- member records -------------------------------------------------------------------

    def summary(self, member_no: str) -> MemberSummary:
        return decode(wire.summary, self._get(f"/v1/members/{_seg(member_no)}/summary"))

    def contributions(
        self,
        member_no: str,
        *,
        scheme: Scheme | None = None,
        year: int | None = None,
        first: Period | None = None,
        last: Period | None = None,
    ) -> list[ContributionMonth]:
        """Month by month, ordered by scheme then month; without filters the whole history."""
        params: dict[str, str] = {}
        if scheme is not None:
            params["scheme"] = scheme.value
        if year is not None:
            params["year"] = str(year)
        if first is not None:
            params["from"] = str(first)
        if last is not None:
            params["to"] = str(last)
        body = self._get(f"/v1/members/{_seg(member_no)}/contributions", params=params)
        return decode(wire.contributions, body)

    def accounts(self, member_no: str) -> PersonalAccounts:
        return decode(wire.accounts, self._get(f"/v1/members/{_seg(member_no)}/accounts"))

    def benefits(self, member_no: str) -> list[BenefitPayment]:
        body = self._get(f"/v1/members/{_seg(member_no)}/benefits")
        return decode(wire.benefits, body)

    def benefits_answer(self, member_no: str) -> Benefits:
        """The payments with the pension's suspension (an overdue annual certification)."""
        body = self._get(f"/v1/members/{_seg(member_no)}/benefits")
        return decode(wire.benefits_answer, body)

    def dues(self, member_no: str) -> list[Due]:
        body = self._get(f"/v1/members/{_seg(member_no)}/dues")
        return decode(wire.dues, body)

    def pension_estimate(
        self,
        member_no: str,
        *,
        retirement_age: int | None = None,
        wage_growth: Decimal | None = None,
        crediting_rate: Decimal | None = None,
        continue_contributing: bool = True,
    ) -> PensionEstimate:
        params: dict[str, str] = {"continue_contributing": str(continue_contributing).lower()}
        if retirement_age is not None:
            params["retirement_age"] = str(retirement_age)
        if wage_growth is not None:
            params["wage_growth"] = str(wage_growth)
        if crediting_rate is not None:
            params["crediting_rate"] = str(crediting_rate)
        body = self._get(f"/v1/members/{_seg(member_no)}/pension-estimate", params=params)
        return decode(wire.estimate, body)

    # --- certificates ---------------------------------------------------------------------

    def issue_certificate(
        self,
        member_no: str,
        kind: CertificateKind,
        *,
        months: int | None = None,
        first_year: int | None = None,
        last_year: int | None = None,
        idempotency_key: str | None = None,
    ) -> Certificate:
        """Participation certificate: months = 12/24/36/48. Rights record: first/last year."""
        payload: dict[str, Any] = {"kind": kind.value}
        if months is not None:
            payload["months"] = months
        if first_year is not None:
            payload["first_year"] = first_year
        if last_year is not None:
            payload["last_year"] = last_year
        body = self._post(
            f"/v1/members/{_seg(member_no)}/certificates", payload, idempotency_key=idempotency_key
        )
        return decode(wire.certificate, body)

    # --- the retiree's annual certification (issue 20) ---------------------------------------

    def certification(self, member_no: str) -> Certification:
        """The retiree's status (Rejected NOT_A_RETIREE for a member who is not one)."""
        body = self._get(f"/v1/members/{_seg(member_no)}/certification")
        return decode(wire.certification, body)

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
    ) -> CertificationAttempt:
        """One attempt. The face match is asserted here (the back office records it only in the
        lab until its own face check exists: Rejected FACE_VERIFICATION_REQUIRED elsewhere); the
        day's last failed attempt is Rejected COUNTER_REQUIRED."""
        payload: dict[str, Any] = {
            "method": method.value,
            "result": "success" if success else "failure",
        }
        if score is not None:
            payload["score"] = score
        if evidence_ref is not None:
            payload["evidence_ref"] = evidence_ref
        if verification_id is not None:
            # The back office's own face verification (POST /v1/face/verifications): the
            # score is taken from it, none is asserted.
            payload["verification_id"] = verification_id
        body = self._post(
            f"/v1/members/{_seg(member_no)}/certifications",
            payload,
            idempotency_key=idempotency_key,
        )
        return decode(wire.certification_attempt, body)

    # --- face verification (issue 20, docs/face.md) ----------------------------------------

    def face_challenge(self, id_number: str, purpose: str) -> FaceChallenge:
        """What the screen must ask while the frames are taken. Keyed by the resident ID
        number (no card session needed). Rejected NOT_FOUND (no such member), NOT_ENROLLED,
        COUNTER_REQUIRED (the day's failed attempts used up)."""
        body = self._post("/v1/face/challenges", {"id_number": id_number, "purpose": purpose})
        return decode(wire.face_challenge, body)

    def face_verify(self, challenge_id: str, frames: Sequence[bytes | bytearray]) -> FaceAnswer:
        """The frames (JPEG) taken while the challenge's action was shown: liveness and the
        match. Sent once, never retried (a challenge answers once). Rejected BAD_IMAGE,
        CHALLENGE_USED / _EXPIRED / _NOT_FOUND / _OTHER_TERMINAL, COUNTER_REQUIRED;
        BackOfficeUnavailable for 503 FACE_SERVICE_UNAVAILABLE (the model missing)."""
        payload = {
            "challenge_id": challenge_id,
            "frames": [base64.b64encode(frame).decode("ascii") for frame in frames],
        }
        body = self.transport.post("/v1/face/verifications", payload, once=True)
        return decode(wire.face_answer, body)

    def verify(self, code: str) -> VerificationResult:
        """What the public verification page says about a code."""
        return decode(wire.verification, self._get(f"/verify/{_seg(code)}"))

    # --- terminal -------------------------------------------------------------------------

    def heartbeat(
        self,
        devices: Mapping[str, str],
        app_version: str = "",
        audit_head: Mapping[str, Any] | None = None,
    ) -> dt.datetime:
        """Report this kiosk alive (with its audit chain head: {seq, hash, month}); returns the
        back office's clock. A head that goes back or forks is refused: Rejected AUDIT_HEAD_*."""
        payload: dict[str, Any] = {"app_version": app_version, "devices": dict(devices)}
        if audit_head is not None:
            payload["audit_head"] = dict(audit_head)
        body = self._post("/v1/terminals/heartbeat", payload)
        return decode(wire.server_time, body)

    # --- unemployment insurance (失业保险; docs/api.md) -------------------------------------

    def unemployment(self, member_no: str) -> UnemploymentStatus:
        """The member's standing: the job that ended, each condition met or not, the claim."""
        body = self._get(f"/v1/members/{_seg(member_no)}/unemployment")
        return decode(unemp.unemployment_status, body)

    def register_unemployed(
        self,
        member_no: str,
        phone: str,
        job_wishes: Sequence[str],
        *,
        idempotency_key: str | None = None,
    ) -> UnemploymentStatus:
        """失业登记 + 求职登记 with the phone and job wishes the member confirmed (again:
        updated). Rejected NO_SEPARATION_RECORD when no job that ended is on record."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/unemployment/registration",
            {"phone": phone, "job_wishes": list(job_wishes)},
            idempotency_key=idempotency_key,
        )
        return decode(unemp.unemployment_status, body)

    def apply_unemployment(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> UnemploymentStatus:
        """申领失业保险金. Rejected (409, nothing recorded) UNEMPLOYMENT_NOT_ELIGIBLE,
        UNEMPLOYMENT_WINDOW_CLOSED, UNEMPLOYMENT_NOT_REGISTERED, UNEMPLOYMENT_ALREADY_CLAIMED,
        NO_SEPARATION_RECORD; a retry with the same key hears the first answer."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/unemployment/application",
            {},
            idempotency_key=idempotency_key,
        )
        return decode(unemp.unemployment_status, body)

    def stop_unemployment(
        self,
        member_no: str,
        *,
        on: dt.date | None = None,
        idempotency_key: str | None = None,
    ) -> UnemploymentStatus:
        """Stop the benefit on re-employment (from `on`, default the back office's today)."""
        payload: dict[str, Any] = {"reason": "reemployed"}
        if on is not None:
            payload["date"] = on.isoformat()
        body = self._post(
            f"/v1/members/{_seg(member_no)}/unemployment/application/stop",
            payload,
            idempotency_key=idempotency_key,
        )
        return decode(unemp.unemployment_status, body)

    def skill_subsidy(self, member_no: str) -> SkillSubsidy:
        """技能提升补贴: the conditions and the certificates on record."""
        body = self._get(f"/v1/members/{_seg(member_no)}/unemployment/skill-subsidy")
        return decode(unemp.skill_subsidy, body)

    def apply_skill_subsidy(
        self, member_no: str, certificate_no: str, *, idempotency_key: str | None = None
    ) -> SkillSubsidy:
        """Claim the subsidy for a certificate (Rejected SKILL_SUBSIDY_NOT_ELIGIBLE,
        VOCATIONAL_CERTIFICATE_UNKNOWN; nothing recorded)."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/unemployment/skill-subsidies",
            {"certificate_no": certificate_no},
            idempotency_key=idempotency_key,
        )
        return decode(unemp.skill_subsidy, body)

    # --- flexible employment (灵活就业) and the member's own receipts (issue 17) ------------

    def flexible(self, member_no: str) -> flex.FlexibleStatus:
        """The member's standing as a flexible worker, the base and what a month costs."""
        body = self._get(f"/v1/members/{_seg(member_no)}/flexible")
        return decode(flex.flexible_status, body)

    def register_flexible(
        self,
        member_no: str,
        plan: flex.FlexiblePlan,
        *,
        base: Money | None = None,
        idempotency_key: str | None = None,
    ) -> flex.FlexibleStatus:
        """Register as a flexible worker (base None: the minimum). Rejected FLEXIBLE_EMPLOYED,
        FLEXIBLE_ALREADY_REGISTERED, FLEXIBLE_RETIRED (409), BASE_OUT_OF_RANGE (400)."""
        payload: dict[str, Any] = {"plan": plan.value}
        if base is not None:
            payload["base"] = f"{base.yuan:.2f}"
        body = self._post(
            f"/v1/members/{_seg(member_no)}/flexible/registration",
            payload,
            idempotency_key=idempotency_key,
        )
        return decode(flex.flexible_status, body)

    def stop_flexible(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> flex.FlexibleStatus:
        """暂停缴费 from this month. Rejected FLEXIBLE_ALREADY_STOPPED, FLEXIBLE_NOT_REGISTERED."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/flexible/stop", {}, idempotency_key=idempotency_key
        )
        return decode(flex.flexible_status, body)

    def resume_flexible(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> flex.FlexibleStatus:
        """恢复缴费 from this month. Rejected FLEXIBLE_NOT_STOPPED, FLEXIBLE_NOT_REGISTERED."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/flexible/resume", {}, idempotency_key=idempotency_key
        )
        return decode(flex.flexible_status, body)

    def payments(self, member_no: str, *, limit: int = 20) -> list[past.PastPayment]:
        """The member's own settled payments, newest first (at most `limit`, 1-50)."""
        body = self._get(f"/v1/members/{_seg(member_no)}/payments", {"limit": str(limit)})
        return decode(past.past_payments, body)

    def payment(self, member_no: str, order_no: str) -> past.PastPayment:
        """One of the member's own settled payments (for a reprint); NotFound for another's."""
        body = self._get(f"/v1/members/{_seg(member_no)}/payments/{_seg(order_no)}")
        return decode(past.past_payment, body)

    # --- transfers between cities (转移接续) and medical insurance (医保; issue 17) -----------

    def transfer_voucher(
        self, member_no: str, kind: xfer.VoucherKind, *, idempotency_key: str | None = None
    ) -> xfer.TransferVoucher:
        """Issue the pension or medical 参保缴费凭证 (a certificate: verification code, QR,
        digest). Rejected NO_TRANSFER_RECORD (409) without a month of the scheme."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/transfer/vouchers",
            {"kind": kind.value},
            idempotency_key=idempotency_key,
        )
        return decode(xfer.voucher, body)

    def transfer_requests(self, member_no: str) -> xfer.TransferRequests:
        """The member's transfer-in requests, the latest first, and the open one."""
        body = self._get(f"/v1/members/{_seg(member_no)}/transfer")
        return decode(xfer.transfer_requests, body)

    def start_transfer(
        self, member_no: str, from_city: str, *, idempotency_key: str | None = None
    ) -> xfer.TransferRequests:
        """A transfer-in request from the city (its region code). Rejected UNKNOWN_CITY
        (400), TRANSFER_SAME_CITY, TRANSFER_ALREADY_OPEN (409); nothing recorded. The
        transport sends a fresh key when none is given (the same on each retry)."""
        body = self._post(
            f"/v1/members/{_seg(member_no)}/transfer/requests",
            {"from_city": from_city},
            idempotency_key=idempotency_key,
        )
        return decode(xfer.transfer_requests, body)

    def transfer_cities(self) -> xfer.Cities:
        """This city and the cities a transfer-in request may name."""
        return decode(xfer.cities, self._get("/v1/transfer/cities"))

    def medical_account(self, member_no: str, year: int | None = None) -> med.MedicalAccount:
        """The medical account month by month for the year (default this year)."""
        params = None if year is None else {"year": str(year)}
        body = self._get(f"/v1/members/{_seg(member_no)}/medical/account", params)
        return decode(med.medical_account, body)

    def medical_settlements(
        self,
        member_no: str,
        year: int | None = None,
        *,
        kind: med.SettlementKind | None = None,
        limit: int | None = None,
    ) -> med.Settlements:
        """The year's settlements, the latest first (at most `limit`, 1-200; default 50),
        with the whole year's totals."""
        params: dict[str, str] = {}
        if year is not None:
            params["year"] = str(year)
        if kind is not None:
            params["kind"] = kind.value
        if limit is not None:
            params["limit"] = str(limit)
        body = self._get(f"/v1/members/{_seg(member_no)}/medical/settlements", params or None)
        return decode(med.settlements, body)

    def _get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        return self.transport.get(path, params)

    def _post(self, path: str, payload: Any, *, idempotency_key: str | None = None) -> Any:
        return self.transport.post(path, payload, key=idempotency_key)


def _seg(text: str) -> str:
    """A value as one path segment: whatever a card or a member types, it cannot change the
    path (no '/', '..' or '?' gets through unquoted)."""
    return quote(str(text), safe="")
