"""Starts and stops the real printing components, for tests, bench scripts and the demo.

    from printer.harness import virtual_receipt_printer, cups_server

    with virtual_receipt_printer() as vp:          # free port on 127.0.0.1 (port=9100 for demo)
        settings = ReceiptPrinterSettings(port=vp.port)
        vp.set_paper("out"); vp.paper_out_after(2); vp.set_silent(True)
        job = vp.wait_for_jobs(1)[-1]; job.text(); job.png()

    with cups_server() as cups:                    # a private cupsd + a KioskA4 cups-pdf queue
        a4 = CupsA4Printer(cups.queue, server=cups.server)
        result = a4.print_pdf(pdf, "rights record")
        pdf_path = cups.wait_for_output(result.job_id)

The virtual printer runs in this process (its state is set by methods, see
printer/virtual/server.py); `python -m printer.virtual` runs it as its own process with a
control port instead.

Why a private cupsd: tests and CI must not depend on, or disturb, the machine's own CUPS (which
is not running on a fresh machine anyway). cups_server() writes a cupsd.conf + cups-files.conf in
a temporary directory, runs `cupsd -f` on a free 127.0.0.1 port (no Unix socket shared with the
system), creates the queue with lpadmin, and stops cupsd and removes everything on exit. The
cups-pdf backend reads its configuration from the fixed folder /etc/cups, but it accepts an
instance name in the device URI (`cups-pdf:/NAME` reads /etc/cups/cups-pdf-NAME.conf): the
harness writes such a file for its own instance (Out = the temporary folder, Label 1 so every
file name ends in -job_<id>.pdf) and deletes it on exit. cupsd must run as root for that backend
(it is mode 0700, so cupsd runs it as root); the harness refuses to start otherwise.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

from printer.virtual.server import VirtualPrinter

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_CONF_DIR = Path("/etc/cups")


@contextlib.contextmanager
def virtual_receipt_printer(port: int = 0, out_dir: Path | None = None) -> Iterator[VirtualPrinter]:
    """The virtual ESC/POS printer on 127.0.0.1:port (0 = a free port), stopped on exit."""
    with VirtualPrinter("127.0.0.1", port, out_dir=out_dir) as vp:
        yield vp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
