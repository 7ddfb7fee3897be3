"""The A4 printer: a CUPS queue, through IPP.

    a4 = open_a4_printer(cfg.a4_printer)      # CupsA4Printer, or NoA4Printer when queue = ""
    a4.state()                                # QueueState: idle / processing / stopped / ...
    result = a4.print_pdf(pdf_bytes, "个人权益记录单")   # blocks until completed; raises on failure

Before submitting, the queue's state is read: a stopped queue (cupsdisable) raises QueueStopped,
a queue that rejects jobs (cupsreject) QueueNotAccepting, an unknown queue QueueMissing, an
unreachable cupsd PrinterOffline. The job is then followed until completed, or until aborted /
cancelled (JobAborted), or job_timeout seconds (JobTimeout; the job is cancelled so that it does
not come out later for the next member). If the queue is stopped while the job waits, that is
reported at once as QueueStopped.

"completed" means CUPS delivered the data to the printer (or cups-pdf wrote the file), not that
paper came out.

The server is "host:port" or the path of cupsd's Unix socket: by default $CUPS_SERVER, else
localhost:631, as the CUPS command-line tools do.
"""

from __future__ import annotations

import enum
import getpass
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from printer.errors import (
    JobAborted,
    JobTimeout,
    PrinterError,
    PrinterOffline,
    QueueMissing,
    QueueNotAccepting,
    QueueStopped,
)
from printer.ipp import (
    BOOLEAN,
    CANCEL_JOB,
    GET_JOB_ATTRIBUTES,
    GET_PRINTER_ATTRIBUTES,
    INTEGER,
    KEYWORD,
    MIME,
    NAME,
    NOT_ACCEPTING_JOBS,
    NOT_FOUND,
    PRINT_JOB,
    URI,
    Attribute,
    IppClient,
    IppError,
)


class QueueCondition(enum.StrEnum):
    IDLE = "idle"
    PROCESSING = "processing"
    STOPPED = "stopped"
    NOT_ACCEPTING = "not_accepting"
    MISSING = "missing"
    UNREACHABLE = "unreachable"
    NOT_FITTED = "not_fitted"

    @property
    def can_print(self) -> bool:
        return self in (QueueCondition.IDLE, QueueCondition.PROCESSING)


@dataclass(frozen=True)
class QueueState:
    condition: QueueCondition
    accepting: bool
    message: str = ""  # printer-state-message, e.g. the reason given to cupsdisable
    reasons: tuple[str, ...] = ()


class JobState(enum.IntEnum):
    PENDING = 3
    HELD = 4
    PROCESSING = 5
    STOPPED = 6
    CANCELED = 7
    ABORTED = 8
    COMPLETED = 9


@dataclass(frozen=True)
class JobResult:
    queue: str
    job_id: int
    state: JobState
    seconds: float


@runtime_checkable
class A4Printer(Protocol):
    def state(self) -> QueueState: ...

    def print_pdf(self, pdf: bytes, title: str) -> JobResult: ...


def default_server() -> str:
    return os.environ.get("CUPS_SERVER") or "localhost:631"


class CupsA4Printer:
    def __init__(
        self,
        queue: str,
        server: str | None = None,
        job_timeout: float = 60.0,
        poll_interval: float = 0.2,
        quick_poll: float = 0.05,
        quick_for: float = 2.0,
        user: str | None = None,
    ) -> None:
        self.queue = queue
        self.client = IppClient(server or default_server())
        self.job_timeout = job_timeout
        # A local job completes in a few hundred ms and the member waits for it: looked at
        # every quick_poll for its first quick_for seconds, then every poll_interval (a long
        # job, a slow printer). Doubling pauses (20, 40, 80, 160 ms) saw a job done at 180 ms
        # only at 300.
        self.poll_interval = poll_interval
        self.quick_poll = min(quick_poll, poll_interval)
        self.quick_for = quick_for
        self.user = user or getpass.getuser()

    @property
    def _uri(self) -> str:
        return self.client.printer_uri(self.queue)

    def _ask(
        self,
        op: int,
        attrs: list[Attribute],
        document: bytes = b"",
        job_attrs: list[Attribute] | None = None,
    ) -> Any:
        try:
            return self.client.request(op, f"/printers/{self.queue}", attrs, document, job_attrs)
        except IppError as e:
            raise PrinterOffline(str(e)) from e

    def state(self) -> QueueState:
        try:
            r = self.client.request(
                GET_PRINTER_ATTRIBUTES,
                f"/printers/{self.queue}",
                [
                    (URI, "printer-uri", (self._uri,)),
                    (NAME, "requesting-user-name", (self.user,)),
                    (
                        KEYWORD,
                        "requested-attributes",
                        (
                            "printer-state",
                            "printer-is-accepting-jobs",
                            "printer-state-message",
                            "printer-state-reasons",
                        ),
                    ),
                ],
            )
        except IppError:
            return QueueState(QueueCondition.UNREACHABLE, False)
        if r.status == NOT_FOUND or not r.ok:
            return QueueState(QueueCondition.MISSING, False)
        accepting = bool(r.first("printer-is-accepting-jobs", False))
        state = int(r.first("printer-state", 3))
        message = str(r.first("printer-state-message", "") or "")
        reasons = tuple(str(x) for x in r.all("printer-state-reasons") if x != "none")
        if state == 5:
            cond = QueueCondition.STOPPED
        elif not accepting:
            cond = QueueCondition.NOT_ACCEPTING
        elif state == 4:
            cond = QueueCondition.PROCESSING
        else:
            cond = QueueCondition.IDLE
        return QueueState(cond, accepting, message, reasons)

    def _refuse(self, s: QueueState) -> PrinterError:
        why = f"{self.queue}" + (f" ({s.message})" if s.message else "")
        return {
            QueueCondition.STOPPED: QueueStopped,
            QueueCondition.NOT_ACCEPTING: QueueNotAccepting,
            QueueCondition.MISSING: QueueMissing,
            QueueCondition.UNREACHABLE: PrinterOffline,
        }.get(s.condition, PrinterError)(why)

    def print_pdf(self, pdf: bytes, title: str) -> JobResult:
        """Submit the PDF and wait until CUPS has completed it. Raises a PrinterError subclass."""
        started = time.monotonic()
        s = self.state()
        if not s.condition.can_print:
            raise self._refuse(s)
        r = self._ask(
            PRINT_JOB,
            [
                (URI, "printer-uri", (self._uri,)),
                (NAME, "requesting-user-name", (self.user,)),
                (NAME, "job-name", (title,)),
                (MIME, "document-format", ("application/pdf",)),
            ],
            pdf,
            # Our documents are A4: say so, whatever the queue's default paper (often Letter).
            job_attrs=[(KEYWORD, "media", ("iso_a4_210x297mm",))],
        )
        if r.status == NOT_ACCEPTING_JOBS:
            raise QueueNotAccepting(self.queue)
        if r.status == NOT_FOUND:
            raise QueueMissing(self.queue)
        if not r.ok:
            raise PrinterError(f"{self.queue}: CUPS refused the job (IPP status 0x{r.status:04x})")
        job_id = int(r.first("job-id"))
        return self._follow(job_id, started)

    def job_state(self, job_id: int) -> tuple[JobState, str]:
        r = self._ask(
            GET_JOB_ATTRIBUTES,
            [
                (URI, "printer-uri", (self._uri,)),
                (INTEGER, "job-id", (job_id,)),
                (NAME, "requesting-user-name", (self.user,)),
                (KEYWORD, "requested-attributes", ("job-state", "job-state-message")),
            ],
        )
        if not r.ok:
            raise PrinterError(f"{self.queue}-{job_id}: job not found (IPP 0x{r.status:04x})")
        return JobState(int(r.first("job-state"))), str(r.first("job-state-message", "") or "")

    def cancel(self, job_id: int) -> None:
        self._ask(
            CANCEL_JOB,
            [
                (URI, "printer-uri", (self._uri,)),
                (INTEGER, "job-id", (job_id,)),
                (NAME, "requesting-user-name", (self.user,)),
                (BOOLEAN, "purge-job", (False,)),
            ],
        )

    def _follow(self, job_id: int, started: float) -> JobResult:
        deadline = started + self.job_timeout
        while True:
            state, message = self.job_state(job_id)
            if state == JobState.COMPLETED:
                return JobResult(self.queue, job_id, state, time.monotonic() - started)
            if state in (JobState.CANCELED, JobState.ABORTED):
                raise JobAborted(f"{self.queue}-{job_id}: {state.name.lower()} {message}".strip())
            if state == JobState.STOPPED:
                # A filter or backend failed and CUPS holds the job to retry it: for a member
                # at the kiosk that is a failed print. Cancel it so it does not come out later.
                self.cancel(job_id)
                q = self.state()
                if q.condition == QueueCondition.STOPPED:
                    raise self._refuse(q)
                raise JobAborted(f"{self.queue}-{job_id}: stopped {message}".strip())
            if state in (JobState.PENDING, JobState.HELD):
                q = self.state()
                if q.condition == QueueCondition.STOPPED:
                    self.cancel(job_id)
                    raise self._refuse(q)
            if time.monotonic() >= deadline:
                self.cancel(job_id)
                raise JobTimeout(
                    f"{self.queue}-{job_id} still {state.name.lower()} after "
                    f"{self.job_timeout:g}s; cancelled"
                )
            quick = time.monotonic() - started < self.quick_for
            time.sleep(self.quick_poll if quick else self.poll_interval)


class NoA4Printer:
    """No A4 printer (queue = ""): every print is refused clearly."""

    def state(self) -> QueueState:
        return QueueState(QueueCondition.NOT_FITTED, False)

    def print_pdf(self, pdf: bytes, title: str) -> JobResult:
        raise QueueMissing("no A4 printer is configured")


def open_a4_printer(section: Any, server: str | None = None) -> A4Printer:
    """From kiosk.config.A4PrinterConfig (queue, job_timeout) or any object with those names."""
    queue = getattr(section, "queue", "")
    if not queue:
        return NoA4Printer()
    return CupsA4Printer(
        queue,
        server=server or getattr(section, "server", None) or None,
        job_timeout=float(getattr(section, "job_timeout", 60)),
    )
