"""Fixtures of the printer tests: the virtual receipt printer and a private cupsd."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from printer.cups import CupsA4Printer
from printer.harness import CupsServer, cups_server, virtual_receipt_printer
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


@pytest.fixture(scope="session")
def cups() -> Iterator[CupsServer]:
    """One private cupsd + KioskA4 cups-pdf queue for the whole session (started here: on a
    fresh machine no cupsd runs)."""
    with cups_server() as server:
        yield server


@pytest.fixture
def a4(cups: CupsServer) -> Iterator[CupsA4Printer]:
    """The A4 printer on a queue that is enabled and accepting, whatever a test did to it."""
    cups.run("cupsenable", cups.queue)
    cups.run("cupsaccept", cups.queue)
    yield cups.a4_printer(job_timeout=60)
    cups.run("cupsenable", cups.queue)
    cups.run("cupsaccept", cups.queue)
