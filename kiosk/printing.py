"""Printing the member's A4 documents: certificate issued by the back office, PDF built,
page 1 previewed, then sent to the A4 printer. Runs on worker threads only.

Where a PDF is built is a `DocumentBuilder`'s choice: in this process (`InProcessBuilder`, the
default), or in the kiosk's document worker process (kiosk/documents_worker.py, which the
assembly passes) so the UI's process never imports reportlab nor holds the document font.

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
from typing import Any, Protocol, TypeVar

from kiosk.domain import CardHolder, mask_id
from kiosk.domain.certificates import AttestedContent, Certificate, CertificateKind
from kiosk.domain.documents import (
    AttestedDocument,
    CertificateData,
    PersonDetails,
    RightsRecordData,
    Verification,
)
from kiosk.domain.zone import DEFAULT_ZONE, in_zone
from kiosk.errors import KioskError
from kiosk.ports import A4PrinterPort, CertificatePort
from printer import BuiltDocument, PrinterError
from printer import errors as pe
from printer.documents import certificate_pdf, rights_record_pdf
from printer.fonts import warm_pdf_font

log = logging.getLogger(__name__)
_Doc = TypeVar("_Doc", bound=AttestedDocument)
_Data = TypeVar("_Data")
# A module-level builder (printer.documents.builders): pickled by name to a worker process.
Builder = Callable[[_Data, str], BuiltDocument]
# How much less than the UI's frames the document work (its worker, pdftoppm) may have: on two
# cores the UI's frames come first.
BACKGROUND_NICE = 10


class PrintFailed(KioskError):
    """The document could not be printed; `message_key` tells the member why."""

    def __init__(self, message_key: str, detail: str = "") -> None:
        self.message_key = message_key
        self.detail = detail
        super().__init__(f"{message_key}: {detail}" if detail else message_key)

    def __reduce__(self) -> tuple[type[PrintFailed], tuple[str, str]]:
        # pickled (from a worker process) as made, not from its joined message
        return type(self), (self.message_key, self.detail)


class DocumentBuilder(Protocol):
    """Builds a document: `builder(data, font_path)`, here or in another process."""

    def build(self, builder: Builder[_Data], data: _Data, font_path: Path) -> BuiltDocument: ...

    def warm_up(self, font_path: Path) -> None:
        """Make the first build cost what the next ones do (font parsed, process started)."""

    def close(self) -> None: ...


class InProcessBuilder:
    """Builds in the calling thread (tests, tools; the kiosk uses its document worker)."""

    def build(self, builder: Builder[_Data], data: _Data, font_path: Path) -> BuiltDocument:
        return builder(data, str(font_path))

    def warm_up(self, font_path: Path) -> None:
        # ≈ 90 ms, much of it with the GIL held: the first preview then costs ≈ 20 ms
        warm_pdf_font(font_path)

    def close(self) -> None:
        pass


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


def person_details(c: AttestedContent, id_number: str) -> PersonDetails:
    """Who the document is about, from the attested content; `id_number` in full (the
    member's own, from their card)."""
    return PersonDetails(
        name=c.name,
        id_number=id_number,
        sex={"1": "男", "2": "女"}.get(c.sex, ""),
        birth_date=c.birth_date,
        social_security_no=c.member_no,
        employer=c.employer or "",
        first_insured=c.first_insured,
        work_start=c.work_start,
        deemed_months=c.deemed_months,
    )


def build_document(
    cert: Certificate,
    id_number: str,
    *,
    printed_at: dt.datetime,
    hall_name: str,
    terminal_id: str,
    font_path: Path | str,
) -> BuiltDocument:
    """The PDF of an issued certificate, from its attested content alone; `id_number` is the
    card holder's, which must be the one the content attests (masked)."""
    builder, data = document_source(
        cert, id_number, printed_at=printed_at, hall_name=hall_name, terminal_id=terminal_id
    )
    return builder(data, str(font_path))


def document_source(
    cert: Certificate,
    id_number: str,
    *,
    printed_at: dt.datetime,
    hall_name: str,
    terminal_id: str,
) -> tuple[Builder[Any], AttestedDocument]:
    """The builder of an issued certificate's document and its data, for `build_document` or
    a DocumentBuilder; `id_number` must be the one the content attests (masked)."""
    c = cert.content
    if mask_id(id_number) != c.id_number_masked:
        # Never print one member's record with another's ID number.
        raise PrintFailed("print.error.other", "the certificate is not the card holder's")

    def data(cls: type[_Doc]) -> _Doc:
        return cls(
            person=person_details(c, id_number),
            content=c,
            verification=Verification(cert.verification_code, cert.verify_url),
            digest=cert.digest,
            printed_at=printed_at,
            hall_name=hall_name,
            terminal_id=terminal_id,
        )

    if c.kind is CertificateKind.PARTICIPATION:
        return certificate_pdf, data(CertificateData)
    return rights_record_pdf, data(RightsRecordData)


def printer_error_key(e: PrinterError) -> str:
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
        client: CertificatePort,
        a4: A4PrinterPort,
        *,
        font_path: Path,
        hall_name: str,
        terminal_id: str,
        zone: zoneinfo.ZoneInfo = DEFAULT_ZONE,
        clock: Callable[[], dt.datetime] | None = None,
        documents: DocumentBuilder | None = None,
    ) -> None:
        self.client = client
        self.documents: DocumentBuilder = documents or InProcessBuilder()
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

    def prepare(self, member_no: str, holder: CardHolder, params: dict[str, Any]) -> PrintPreview:
        """Issue the certificate and build its PDF from what the back office attested, and
        nothing else (no separate summary or history call): paper and verification page show
        the same content. The one figure not in it is the full ID number (attested masked):
        it comes from the member's card, and must match the attested mask."""
        kind = CertificateKind(params.get("kind", CertificateKind.RIGHTS_RECORD.value))
        printed_at = in_zone(self._clock(), self.zone).replace(microsecond=0)
        if kind is CertificateKind.PARTICIPATION:
            cert = self.client.issue_certificate(
                member_no, kind, months=int(params.get("months", 12))
            )
            title = kind.zh
        else:
            first_year = params.get("first_year")
            last_year = params.get("last_year", first_year)
            cert = self.client.issue_certificate(
                member_no,
                kind,
                first_year=None if first_year is None else int(first_year),
                last_year=None if last_year is None else int(last_year),
            )
            y0, y1 = cert.first.year, cert.last.year
            title = f"{kind.zh} {y0}" + (f"-{y1}" if y1 != y0 else "")
        if cert.kind is not kind:
            raise PrintFailed("print.error.other", f"asked for {kind}, issued {cert.kind}")
        builder, data = document_source(
            cert,
            holder.id_number,
            printed_at=printed_at,
            hall_name=self.hall_name,
            terminal_id=self.terminal_id,
        )
        doc = self.build(builder, data)
        image = self._preview(doc)
        with self._lock:
            self._doc, self._title = doc, title
        return PrintPreview(kind, title, doc.pages, str(image), cert.verification_code)

    def printed_at(self) -> dt.datetime:
        """Now, in the hall's wall time, to the second: the time a document says it was printed."""
        return in_zone(self._clock(), self.zone).replace(microsecond=0)

    def build(self, builder: Builder[_Data], data: _Data) -> BuiltDocument:
        """A document built by this service's DocumentBuilder, in the kiosk's font."""
        return self.documents.build(builder, data, self.font_path)

    def stage(self, doc: BuiltDocument, title: str) -> Path:
        """Hold a document built elsewhere (a transfer voucher...) for `submit`, and preview its
        page 1 as a certificate's: one document at a time, the latest staged."""
        image = self._preview(doc)
        with self._lock:
            self._doc, self._title = doc, title
        return image

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
                # below the UI's frames, as the document worker (not preexec_fn: threads here)
                "nice",
                "-n",
                str(BACKGROUND_NICE),
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
            raise PrintFailed(printer_error_key(e), str(e)) from None
        return PrintDone(doc.pages, result.job_id)

    def warm_up(self) -> None:
        """Ready the document builder now (the font parsed, the worker process started): the
        first member's preview then costs ≈ 20 ms of building, not ≈ 100 ms while a page is
        drawn."""
        self.documents.warm_up(self.font_path)

    def close(self) -> None:
        """The member's previews deleted and the document builder stopped (the kiosk closes)."""
        self.forget()
        self.documents.close()

    def forget(self) -> None:
        with self._lock:
            self._doc, self._title = None, ""
            folder, self._dir = self._dir, None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
