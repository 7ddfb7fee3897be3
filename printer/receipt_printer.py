"""The receipt printer the kiosk core talks to: a small Protocol and its implementations.

    printer = open_receipt_printer(cfg.receipt_printer)   # kind network / usb / serial / none
    status = printer.status()                             # PrinterStatus, never blocks > timeout x 4
    printer.print_receipt(receipt)                        # raises PaperOut, CoverOpen, ...

Both calls block on I/O: run them on a worker thread, never on the Kivy main thread.

A network printer's status is asked on a plain TCP connection: it is four bytes (DLE EOT n and
the answer, printer/status.py), and the health thread asks every few seconds from start-up.
Importing python-escpos costs the kiosk's process about 11 MB and a quarter of a second
(its capabilities database, PIL, barcode, qrcode, pyusb), so it is imported when the first
receipt is printed, and it stays the transport for every receipt.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kiosk.domain.documents import PaymentReceipt
from printer.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline, StatusUnknown
from printer.receipt import receipt_bytes
from printer.status import PrinterStatus, Query, device_query, interpret, socket_query


@runtime_checkable
class ReceiptPrinter(Protocol):
    def status(self) -> PrinterStatus: ...

    def print_receipt(self, receipt: PaymentReceipt, *, force: bool = False) -> None: ...


@dataclass(frozen=True)
class ReceiptPrinterSettings:
    """The [receipt_printer] section of config.toml (same names as kiosk.config)."""

    kind: str = "network"
    host: str = "127.0.0.1"
    port: int = 9100
    usb_vendor: int = 0x0416
    usb_product: int = 0x5011
    serial_device: str = "/dev/ttyS0"
    baudrate: int = 9600
    status_timeout: float = 1.0

    @classmethod
    def from_config(cls, section: Any) -> ReceiptPrinterSettings:
        """From any object with these attribute names (kiosk.config.ReceiptPrinterConfig)."""
        names = cls.__dataclass_fields__
        return cls(**{n: getattr(section, n) for n in names if hasattr(section, n)})


_RAISE_FOR = {
    PrinterStatus.PAPER_OUT: PaperOut,
    PrinterStatus.COVER_OPEN: CoverOpen,
    PrinterStatus.OFFLINE: PrinterOffline,
    PrinterStatus.UNKNOWN: StatusUnknown,
}


class EscposReceiptPrinter:
    """A real ESC/POS printer through python-escpos (Network, Usb or Serial).

    Each call opens the device and closes it again, so a printer that was switched off and on
    comes back without a restart, and one receipt is one connection (one job).
    """

    def __init__(self, settings: ReceiptPrinterSettings) -> None:
        if settings.kind not in ("network", "usb", "serial"):
            raise ValueError(f"not an ESC/POS printer kind: {settings.kind!r}")
        self.settings = settings
        self._lock = threading.Lock()  # one conversation with the printer at a time

    def _open(self) -> Any:
        s = self.settings
        try:
            if s.kind == "network":
                from escpos.printer import Network

                p = Network(s.host, s.port, timeout=max(s.status_timeout, 5.0))
            elif s.kind == "usb":
                from escpos.printer import Usb

                p = Usb(s.usb_vendor, s.usb_product, timeout=int(s.status_timeout * 1000))
            else:
                from escpos.printer import Serial

                p = Serial(s.serial_device, baudrate=s.baudrate, timeout=s.status_timeout)
            p.open()
        except Exception as e:  # python-escpos raises DeviceNotFoundError, USBNotFoundError...
            raise PrinterOffline(f"{s.kind} {self._where()}: {e}") from e
        return p

    def _where(self) -> str:
        s = self.settings
        if s.kind == "network":
            return f"{s.host}:{s.port}"
        if s.kind == "usb":
            return f"{s.usb_vendor:04x}:{s.usb_product:04x}"
        return s.serial_device

    def _query(self, p: Any) -> Query:
        dev = getattr(p, "device", None)
        if isinstance(dev, socket.socket):
            return socket_query(dev, self.settings.status_timeout)
        return device_query(p._raw, p._read)

    def status(self) -> PrinterStatus:
        with self._lock:
            if self.settings.kind == "network":
                return self._network_status()
            try:
                p = self._open()
            except PrinterOffline:
                return PrinterStatus.OFFLINE
            try:
                return interpret(self._query(p))
            finally:
                _close(p)

    def _network_status(self) -> PrinterStatus:
        s = self.settings
        try:
            sock = socket.create_connection((s.host, s.port), timeout=max(s.status_timeout, 1.0))
        except OSError:
            return PrinterStatus.OFFLINE
        try:
            return interpret(socket_query(sock, s.status_timeout))
        finally:
            _drain(sock)
            sock.close()

    def print_receipt(self, receipt: PaymentReceipt, *, force: bool = False) -> None:
        """Check the status, then send the receipt. `force` prints even when status is unknown
        (a printer without status support); paper out / cover open / offline always refuse."""
        self.print_bytes(receipt_bytes(receipt), force=force)

    def print_bytes(self, data: bytes, *, force: bool = False) -> None:
        """Send a document's ESC/POS bytes (a receipt, a certification slip) as print_receipt
        does: the status first, on the same connection."""
        with self._lock:
            p = self._open()
            try:
                state = interpret(self._query(p))
                if not state.can_print and not (force and state == PrinterStatus.UNKNOWN):
                    raise _RAISE_FOR[state](self._where())
                try:
                    p._raw(data)
                except OSError as e:
                    raise PrinterOffline(f"{self._where()}: {e}") from e
            finally:
                _close(p)


def _drain(sock: socket.socket) -> None:
    # A status answer that came after its timeout would still sit unread: closing a TCP
    # socket with unread input sends a reset, which can make the printer drop the end of
    # the receipt. Read it away first.
    with contextlib.suppress(OSError):
        sock.setblocking(False)
        while sock.recv(4096):
            pass


def _close(p: Any) -> None:
    dev = getattr(p, "device", None)
    if isinstance(dev, socket.socket):
        _drain(dev)
    # Closing a dead device must not hide the real error.
    with contextlib.suppress(Exception):
        p.close()


class NoReceiptPrinter:
    """kind = "none": no receipt printer fitted. Printing is refused with a clear error."""

    def status(self) -> PrinterStatus:
        return PrinterStatus.NOT_FITTED

    def print_receipt(self, receipt: PaymentReceipt, *, force: bool = False) -> None:
        raise PrinterError("no receipt printer is configured (kind = none)")

    def print_bytes(self, data: bytes, *, force: bool = False) -> None:
        raise PrinterError("no receipt printer is configured (kind = none)")


def open_receipt_printer(section: Any) -> ReceiptPrinter:
    """The receipt printer named by the config section (kiosk.config.ReceiptPrinterConfig)."""
    settings = (
        section
        if isinstance(section, ReceiptPrinterSettings)
        else ReceiptPrinterSettings.from_config(section)
    )
    if settings.kind == "none":
        return NoReceiptPrinter()
    return EscposReceiptPrinter(settings)
