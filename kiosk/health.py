"""Is the kiosk fit to serve? The devices a member needs, watched on a thread of their own.

Three things are watched, each by a plain probe that answers True (there) or False:

    reader      pcscd lists the member's card reader          needed for everything
    backoffice  the back office answers GET /v1/health        needed for everything
    a4          the A4 printer's queue accepts jobs           needed for printing only

Without the reader or the back office the kiosk is out of service (the attract screen says
暂停服务 and where the nearest counter is); without the A4 printer only printing is. A device
is called missing after `confirm` failed checks in a row (one slow answer does not close the
kiosk) and back at its first good check, so the kiosk returns by itself.

Observers are told of every change on the health thread (the app hands it to Kivy's clock; the
heartbeat is poked so the back office hears at once). Nothing here runs on the UI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.ports import A4PrinterPort

__all__ = ["A4", "BACKOFFICE", "READER", "DeviceHealth", "Health", "HealthProbe"]

log = logging.getLogger(__name__)

READER, BACKOFFICE, A4 = "reader", "backoffice", "a4"
NEEDED = (READER, BACKOFFICE)  # without one of these no member can be served
HealthProbe = Callable[[], bool]


@dataclass(frozen=True)
class Health:
    """What is there now. Before the first check everything counts as there."""

    reader: bool = True
    backoffice: bool = True
    a4: bool = True

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(n for n in (READER, BACKOFFICE, A4) if not getattr(self, n))

    @property
    def in_service(self) -> bool:
        return self.reader and self.backoffice

    @property
    def can_print(self) -> bool:
        return self.in_service and self.a4

    @property
    def word(self) -> str:
        """The heartbeat's `service` device: ok | out_of_service | print_unavailable."""
        if not self.in_service:
            return "out_of_service"
        return "ok" if self.a4 else "print_unavailable"


class DeviceHealth:
    """Runs the probes every `interval` seconds and tells observers when `Health` changes."""

    def __init__(
        self, probes: Mapping[str, HealthProbe], *, interval: float = 5.0, confirm: int = 2
    ) -> None:
        unknown = set(probes) - {READER, BACKOFFICE, A4}
        if unknown:
            raise ValueError(f"no such device to watch: {sorted(unknown)}")
        self.probes = dict(probes)
        self.interval = interval
        self.confirm = max(1, confirm)
        self.current = Health()
        self._failures = dict.fromkeys(self.probes, 0)
        self._observers: list[Callable[[Health], object]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, fn: Callable[[Health], object]) -> None:
        """`fn(health)` on every change, on the health thread; once at once with the current."""
        with self._lock:
            self._observers.append(fn)
            now = self.current
        fn(now)

    def check(self) -> Health:
        """Probe every device once now; a probe that raises counts as a failed check."""
        seen: dict[str, bool] = {}
        for name, probe in self.probes.items():
            try:
                ok = bool(probe())
            except Exception as e:
                log.debug("health probe %s failed: %s", name, type(e).__name__)
                ok = False
            self._failures[name] = 0 if ok else self._failures[name] + 1
            seen[name] = ok or self._failures[name] < self.confirm
        with self._lock:
            before = self.current
            self.current = now = replace(before, **seen)
            observers = list(self._observers) if now != before else []
        if observers:
            log.warning("kiosk health: %s (missing: %s)", now.word, ", ".join(now.missing) or "-")
        for fn in observers:
            try:
                fn(now)
            except Exception:
                log.exception("a health observer failed")
        return now

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="health", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval)


# --- probes over the real devices -----------------------------------------------------------


def reader_probe(pattern: str) -> HealthProbe:
    """pcscd runs and lists a reader matching `pattern` (no card is touched)."""

    def probe() -> bool:
        from cardio.reader import reader_listed

        return reader_listed(pattern)

    return probe


def backoffice_probe(get: Callable[[str], object]) -> HealthProbe:
    """The back office answers its health route; `get(path)` raises when it cannot."""

    def probe() -> bool:
        get("/v1/health")
        return True

    return probe


def a4_probe(printer: A4PrinterPort) -> HealthProbe:
    """The A4 queue can take a job now (a printer not fitted cannot)."""
    return lambda: printer.state().condition.can_print
