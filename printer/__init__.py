"""Receipt (ESC/POS) and A4 (CUPS) printing and the documents printed.

Imports nothing from kiosk but the leaf module kiosk.domain. The kiosk core uses:

    from printer import open_receipt_printer, open_a4_printer, rights_record_pdf, certificate_pdf

See docs/printing.md.
"""

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
