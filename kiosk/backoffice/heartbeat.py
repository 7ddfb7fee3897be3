"""The kiosk's heartbeat: every [heartbeat] interval seconds it tells the back office its version
and how its devices are (POST /v1/terminals/heartbeat), so the hall manager's /fleet page
shows a paper-out or a lost reader within one interval.

Devices reported (all strings; the words are the ones backoffice/fleet.py shows):
    reader           ok | absent            the member's PC/SC reader is listed by pcscd
    psam             ok | absent | software the security module (software = test keys)
    receipt_paper    ok | paper_low | paper_out | cover_open | offline | unknown | none
    a4_queue         idle | printing | stopped | offline | none | unknown
    journal_backlog  payments not finished yet (a count)
    last_error       the last WARNING or ERROR the kiosk logged (redacted), or ""
    service          ok | out_of_service | print_unavailable   (kiosk.health, added by
    service_missing  the missing devices: reader backoffice a4  kiosk.assembly; a change is
                                                                sent at once: poke)

Beside the devices, `audit_head` ({seq, hash, month} of the audit log's last record,
kiosk.audit.Head): the back office keeps the last one per kiosk, refuses (409) and flags one that
goes back or forks, and `python -m kiosk.audit verify --expect-head SEQ:HASH` checks against it.

Each probe is a plain callable run on the heartbeat's own thread; one that raises reports
"unknown" and never stops the others. Nothing here runs on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kiosk import __version__
from kiosk.ports import A4PrinterPort, HeartbeatSender, ReceiptPrinterPort

if TYPE_CHECKING:  # typing only: neither imports the heartbeat, but both are heavy to load
    from kiosk.audit import AuditLog, Head
    from kiosk.config import KioskConfig
    from kiosk.payments.journal import Journal

__all__ = ["Heartbeat", "HeartbeatSender", "LastError", "Probe", "probes_from_config"]

log = logging.getLogger(__name__)

Probe = Callable[[], str]

RECEIPT_WORDS = {
    "ready": "ok",
    "paper_near_end": "paper_low",
    "paper_out": "paper_out",
    "cover_open": "cover_open",
    "offline": "offline",
    "unknown": "unknown",
    "not_fitted": "none",
}
A4_WORDS = {
    "idle": "idle",
    "processing": "printing",
    "stopped": "stopped",
    "not_accepting": "stopped",
    "missing": "offline",
    "unreachable": "offline",
    "not_fitted": "none",
}


class LastError(logging.Handler):
    """Remembers the last WARNING-or-worse log record (after the redacting filter, when it is
    installed on the same handler chain: attach it to the root logger after configure_logging)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        from kiosk.logging_setup import looks_like_pin, redact

        try:
            msg = record.getMessage()
        except Exception:
            msg = str(record.msg)
        self.text = "" if looks_like_pin(msg) else f"{record.name}: {redact(msg)}"[:200]


class Heartbeat:
    """Sends a heartbeat now and then every `interval` seconds until stopped."""

    def __init__(
        self,
        sender: HeartbeatSender,
        probes: Mapping[str, Probe],
        *,
        interval: float = 60.0,
        version: str = __version__,
        watch_errors: bool = False,
        audit_head: Callable[[], Head] | None = None,
    ) -> None:
        """`watch_errors`: report the last WARNING-or-worse log record as `last_error` (a
        handler on the root logger while the heartbeat runs). `audit_head`: the audit log's
        head (AuditLog.head), sent with every heartbeat."""
        self.sender = sender
        self.audit_head = audit_head
        self.probes = dict(probes)
        self._errors: LastError | None = None
        if watch_errors:
            errors = self._errors = LastError()
            self.probes["last_error"] = lambda: errors.text
        self.interval = interval
        self.version = version
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failures = 0

    def devices(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, probe in self.probes.items():
            try:
                out[name] = str(probe())
            except Exception as e:
                log.debug("heartbeat probe %s failed: %s", name, type(e).__name__)
                out[name] = "unknown"
        return out

    def beat(self) -> bool:
        """Send one heartbeat now; False when the back office could not be told."""
        devices = self.devices()
        extra: dict[str, Any] = {}
        if self.audit_head is not None:
            try:
                extra["audit_head"] = self.audit_head().as_json()
            except Exception as e:
                log.warning("audit head unavailable for the heartbeat: %s", type(e).__name__)
        try:
            self.sender.heartbeat(devices, app_version=self.version, **extra)
        except Exception as e:
            self.failures += 1
            if str(getattr(e, "code", "")).startswith("AUDIT_HEAD"):
                # The back office saw a later or another head: the log went back or forked.
                log.error("the back office refused the audit head: %s", getattr(e, "code", ""))
            else:
                log.info("heartbeat not delivered: %s", type(e).__name__)
            return False
        self.sent += 1
        return True

    def poke(self) -> None:
        """Send the next heartbeat at once (a device changed: paper out, say)."""
        self._wake.set()

    def start(self) -> None:
        if self._errors is not None:
            logging.getLogger().addHandler(self._errors)
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._errors is not None:
            logging.getLogger().removeHandler(self._errors)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._wake.wait(self.interval)
            self._wake.clear()


# --- probes over the real devices -----------------------------------------------------------


def pcsc_reader_probe(pattern: str) -> Probe:
    """ "ok" when pcscd lists a reader matching `pattern`, else "absent"."""

    def probe() -> str:
        from cardio.reader import reader_listed

        return "ok" if reader_listed(pattern) else "absent"

    return probe


def receipt_probe(printer: ReceiptPrinterPort) -> Probe:
    """The receipt printer's PrinterStatus in the fleet's words."""
    return lambda: RECEIPT_WORDS.get(str(printer.status().value), "unknown")


def a4_probe(printer: A4PrinterPort) -> Probe:
    return lambda: A4_WORDS.get(str(printer.state().condition.value), "unknown")


def journal_probe(journal: Journal) -> Probe:
    return lambda: str(len(journal.unresolved()))


def probes_from_config(
    cfg: KioskConfig,
    *,
    a4: A4PrinterPort | None = None,
    journal: Journal | None = None,
    audit: AuditLog | None = None,
    receipt: ReceiptPrinterPort | None = None,
) -> dict[str, Probe]:
    """The usual probes for a kiosk built from config (kiosk.assembly). `receipt`: the receipt
    printer the kiosk prints with (else one is opened from [receipt_printer])."""
    from printer import open_receipt_printer

    sm = cfg.security_module
    probes: dict[str, Probe] = {"reader": pcsc_reader_probe(cfg.card_reader.reader_pattern)}
    if sm.kind == "psam":
        probes["psam"] = pcsc_reader_probe(sm.psam_reader_pattern)
    else:
        probes["psam"] = lambda: "software"
    probes["receipt_paper"] = receipt_probe(receipt or open_receipt_printer(cfg.receipt_printer))
    if a4 is not None:
        probes["a4_queue"] = a4_probe(a4)
    if journal is not None:
        probes["journal_backlog"] = journal_probe(journal)
    if audit is not None:
        # "seq:hash" for the admin page; the back office takes the head beside the devices.
        probes["audit_head"] = lambda: str(audit.head())
    return probes
