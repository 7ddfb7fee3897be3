"""Receipt (ESC/POS) and A4 (CUPS) printing and the documents printed.

Imports nothing from kiosk but the leaf module kiosk.domain. The kiosk core uses:

    from printer import open_receipt_printer, open_a4_printer, rights_record_pdf, certificate_pdf

See docs/printing.md.

The names below load their module when first used (PEP 562 `__getattr__`), not when the package
is imported: the document worker process imports printer.documents and printer.fonts (through
this package) and must not pay for the CUPS and ESC/POS drivers, http.client and ssl.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from printer.cups import (
        A4Printer,
        CupsA4Printer,
        JobResult,
        JobState,
        NoA4Printer,
        QueueCondition,
        QueueState,
        open_a4_printer,
    )
    from printer.documents import BuiltDocument, certificate_pdf, rights_record_pdf
    from printer.errors import (
        CoverOpen,
        FontMissing,
        JobAborted,
        JobTimeout,
        PaperOut,
        PrinterError,
        PrinterOffline,
        QueueMissing,
        QueueNotAccepting,
        QueueStopped,
        StatusUnknown,
    )
    from printer.receipt import receipt_bytes
    from printer.receipt_printer import (
        EscposReceiptPrinter,
        NoReceiptPrinter,
        ReceiptPrinter,
        ReceiptPrinterSettings,
        open_receipt_printer,
    )
    from printer.status import PrinterStatus

# Each public name's module (the imports above are the same, for type checkers and readers).
_MODULE_OF = {
    **dict.fromkeys(
        (
            "A4Printer",
            "CupsA4Printer",
            "JobResult",
            "JobState",
            "NoA4Printer",
            "QueueCondition",
            "QueueState",
            "open_a4_printer",
        ),
        "printer.cups",
    ),
    **dict.fromkeys(("BuiltDocument", "certificate_pdf", "rights_record_pdf"), "printer.documents"),
    **dict.fromkeys(
        (
            "CoverOpen",
            "FontMissing",
            "JobAborted",
            "JobTimeout",
            "PaperOut",
            "PrinterError",
            "PrinterOffline",
            "QueueMissing",
            "QueueNotAccepting",
            "QueueStopped",
            "StatusUnknown",
        ),
        "printer.errors",
    ),
    "receipt_bytes": "printer.receipt",
    **dict.fromkeys(
        (
            "EscposReceiptPrinter",
            "NoReceiptPrinter",
            "ReceiptPrinter",
            "ReceiptPrinterSettings",
            "open_receipt_printer",
        ),
        "printer.receipt_printer",
    ),
    "PrinterStatus": "printer.status",
}


def __getattr__(name: str) -> object:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once: later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


__all__ = [
    "A4Printer",
    "BuiltDocument",
    "CoverOpen",
    "CupsA4Printer",
    "EscposReceiptPrinter",
    "FontMissing",
    "JobAborted",
    "JobResult",
    "JobState",
    "JobTimeout",
    "NoA4Printer",
    "NoReceiptPrinter",
    "PaperOut",
    "PrinterError",
    "PrinterOffline",
    "PrinterStatus",
    "QueueCondition",
    "QueueMissing",
    "QueueNotAccepting",
    "QueueState",
    "QueueStopped",
    "ReceiptPrinter",
    "ReceiptPrinterSettings",
    "StatusUnknown",
    "certificate_pdf",
    "open_a4_printer",
    "open_receipt_printer",
    "receipt_bytes",
    "rights_record_pdf",
]
