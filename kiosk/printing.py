"""Printing the member's A4 documents: certificate issued by the back office, PDF built,
page 1 previewed, then sent to the A4 printer. Runs on worker threads only.

A preview holds personal data (a picture of the member's record), so previews live in one
private temporary folder per session and are deleted when the session forgets the member.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import subprocess
import tempfile
import threading
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.backoffice_client import BackOfficeClient
from kiosk.domain import CardHolder, Period
from kiosk.domain.certificates import CertificateKind
from kiosk.domain.documents import (
    CertificateData,
    PersonDetails,
    RightsRecordData,
    Verification,
)
from kiosk.domain.records import Scheme
from kiosk.domain.zone import DEFAULT_ZONE, in_zone
from kiosk.errors import KioskError
from printer import A4Printer, BuiltDocument, PrinterError, certificate_pdf, rights_record_pdf
from printer import errors as pe
from printer.fonts import warm_pdf_font

log = logging.getLogger(__name__)


class PrintFailed(KioskError):
    """The document could not be printed; `message_key` tells the member why."""

    def __init__(self, message_key: str, detail: str = "") -> None:
        self.message_key = message_key
        super().__init__(f"{message_key}: {detail}" if detail else message_key)


@dataclass(frozen=True)
class PrintPreview:
    kind: CertificateKind
    title: str
    pages: int
    image: str  # path of a PNG of page 1, in the session's private folder
    verification_code: str


@dataclass(frozen=True)
class PrintDone:
    pages: int
    job_id: int


def _error_key(e: PrinterError) -> str:
    for cls, key in (
        (pe.QueueStopped, "print.error.stopped"),
        (pe.QueueNotAccepting, "print.error.not_accepting"),
        (pe.QueueMissing, "print.error.no_printer"),
        (pe.JobAborted, "print.error.aborted"),
        (pe.JobTimeout, "print.error.timeout"),
    ):
        if isinstance(e, cls):
            return key
    return "print.error.other"


class PrintService:
    def __init__(
        self,
        client: BackOfficeClient,
        a4: A4Printer,
        *,
        font_path: Path,
        hall_name: str,
        terminal_id: str,
        zone: zoneinfo.ZoneInfo = DEFAULT_ZONE,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.client = client
        self.a4 = a4
        self.font_path = font_path
        self.hall_name = hall_name
        self.terminal_id = terminal_id
        self.zone = zone  # the hall's zone: the printed time is its wall time
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self._doc: BuiltDocument | None = None
        self._title = ""

    # -- the member's choice -> a document and its preview ------------------------------------

    def prepare(self, member_no: str, holder: CardHolder, params: dict) -> PrintPreview:
        kind = CertificateKind(params.get("kind", CertificateKind.RIGHTS_RECORD.value))
        printed_at = in_zone(self._clock(), self.zone).replace(microsecond=0)
        summary = self.client.summary(member_no)
        employer = next(
            (e.employer for e in summary.enrolments if e.scheme is Scheme.PENSION and e.employer),
            "",
        )
        person = PersonDetails(
            name=holder.name,
            id_number=holder.id_number,
            sex={"1": "男", "2": "女"}.get(holder.sex.value if holder.sex else "", ""),
            birth_date=holder.birth_date,
            social_security_no=member_no,
            employer=employer or "",
        )
        if kind is CertificateKind.PARTICIPATION:
            months = int(params.get("months", 12))
            cert = self.client.issue_certificate(member_no, kind, months=months)
            first, last = cert.first, cert.last
            title = kind.zh
        else:
            first_year = int(params.get("first_year", summary.as_of.year))
            last_year = int(params.get("last_year", first_year))
            cert = self.client.issue_certificate(
                member_no, kind, first_year=first_year, last_year=last_year
            )
            first, last = Period(first_year, 1), Period(last_year, 12)
            title = f"{kind.zh} {first_year}" + (f"-{last_year}" if last_year != first_year else "")
        # What both documents share: who, what they were enrolled in, the months, the code.
        common = {
            "person": person,
            "enrolments": summary.enrolments,
            "months": tuple(self.client.contributions(member_no, first=first, last=last)),
            "verification": Verification(cert.verification_code, cert.verify_url),
            "data_as_of": summary.as_of,
            "printed_at": printed_at,
            "hall_name": self.hall_name,
            "terminal_id": self.terminal_id,
        }
        if kind is CertificateKind.PARTICIPATION:
            doc = certificate_pdf(
                CertificateData(**common, window_months=months, last_period=cert.last),
                self.font_path,
            )
        else:
            doc = rights_record_pdf(
                RightsRecordData(
                    **common,
                    accounts=self.client.accounts(member_no),
                    first_period=cert.first,
                    last_period=cert.last,
                ),
                self.font_path,
            )
        image = self._preview(doc)
        with self._lock:
            self._doc, self._title = doc, title
        return PrintPreview(kind, title, doc.pages, str(image), cert.verification_code)

    def _preview(self, doc: BuiltDocument) -> Path:
        with self._lock:
            if self._dir is None:
                self._dir = Path(tempfile.mkdtemp(prefix="kiosk-preview-"))
            folder = self._dir
        pdf = folder / "document.pdf"
        pdf.write_bytes(doc.pdf)
        stem = folder / f"page1-{len(list(folder.glob('page1-*')))}"
        r = subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "60",
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(stem),
            ],
            capture_output=True,
            timeout=30,
        )
        pdf.unlink(missing_ok=True)
        if r.returncode != 0:
            raise PrintFailed("print.error.preview", r.stderr.decode(errors="replace")[:200])
        return stem.with_suffix(".png")

    # -- the member confirms -> the printer ------------------------------------------------

    def submit(self) -> PrintDone:
        with self._lock:
            doc, title = self._doc, self._title
        if doc is None:
            raise PrintFailed("print.error.nothing")
        try:
            result = self.a4.print_pdf(doc.pdf, title)
        except PrinterError as e:
            log.warning("A4 print failed: %s", type(e).__name__)
            raise PrintFailed(_error_key(e), str(e)) from None
        return PrintDone(doc.pages, result.job_id)

    def warm_up(self) -> None:
        """Parse the document font now (≈ 90 ms, much of it with the GIL held): the first
        member's preview then costs ≈ 20 ms of building, not ≈ 100 ms while a page is drawn."""
        warm_pdf_font(self.font_path)

    def forget(self) -> None:
        with self._lock:
            self._doc, self._title = None, ""
            folder, self._dir = self._dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
