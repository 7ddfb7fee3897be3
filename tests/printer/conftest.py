"""Fixtures of the printer tests: the virtual receipt printer and a private cupsd."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from printer.harness import virtual_receipt_printer
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from printer.virtual import VirtualPrinter


@pytest.fixture
def virtual_printer() -> Iterator[VirtualPrinter]:
    with virtual_receipt_printer() as vp:
        yield vp


@pytest.fixture
def receipt_printer(virtual_printer: VirtualPrinter) -> EscposReceiptPrinter:
    return EscposReceiptPrinter(
        ReceiptPrinterSettings(kind="network", port=virtual_printer.port, status_timeout=0.3)
    )
