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
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from printer.cups import CupsA4Printer
from printer.virtual.server import VirtualPrinter

CUPSD = "/usr/sbin/cupsd"
CUPS_PDF_PPD = "lsb/usr/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_CONF_DIR = Path("/etc/cups")


@contextlib.contextmanager
def virtual_receipt_printer(port: int = 0, out_dir: Path | None = None) -> Iterator[VirtualPrinter]:
    """The virtual ESC/POS printer on 127.0.0.1:port (0 = a free port), stopped on exit."""
    with VirtualPrinter("127.0.0.1", port, out_dir=out_dir) as vp:
        yield vp


@contextlib.contextmanager
def virtual_serial_port(printer: VirtualPrinter) -> Iterator[str]:
    """A pseudo-terminal wired to the virtual printer: yields its device path (/dev/pts/N) for
    kind = "serial". Everything written to it goes to the printer over one TCP connection (so
    all receipts form one job, stored when the port is closed); status answers come back."""
    import select
    import threading
    import tty

    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    stop = threading.Event()
    link = socket.create_connection(printer.address)

    watched: list[int | socket.socket] = [master, link]

    def pump() -> None:
        while not stop.is_set():
            ready, _, _ = select.select(watched, [], [], 0.05)
            try:
                if master in ready:
                    link.sendall(os.read(master, 65536))
                if link in ready:
                    data = link.recv(4096)
                    if not data:
                        return
                    os.write(master, data)
            except OSError:
                return

    thread = threading.Thread(target=pump, name="virtual-serial", daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join(timeout=5)
        link.close()
        os.close(master)
        os.close(slave)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CupsServer:
    """A running private cupsd with one cups-pdf queue."""

    server: str  # "127.0.0.1:port": give it to CupsA4Printer(server=...) or as $CUPS_SERVER
    queue: str
    out_dir: Path  # where cups-pdf writes each job's PDF (file names end in -job_<id>.pdf)
    root: Path  # the cupsd's ServerRoot (its logs are in root/log)
    instance: str  # the cups-pdf instance name (its config: /etc/cups/cups-pdf-<instance>.conf)

    def env(self) -> dict[str, str]:
        """Environment for the CUPS command-line tools (lp, lpstat, cupsdisable...)."""
        return {**os.environ, "CUPS_SERVER": self.server}

    def run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a CUPS tool against this server, e.g. run("cupsdisable", queue)."""
        return subprocess.run(
            cmd, env=self.env(), check=check, capture_output=True, text=True, timeout=30
        )

    def a4_printer(self, job_timeout: float = 30.0) -> CupsA4Printer:
        return CupsA4Printer(self.queue, server=self.server, job_timeout=job_timeout)

    def wait_for_output(self, job_id: int, timeout: float = 30.0) -> Path:
        """The PDF cups-pdf wrote for this job, once it is complete on disk."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for p in self.out_dir.glob(f"*-job_{job_id}.pdf"):
                data = p.read_bytes()
                if data.rstrip().endswith(b"%%EOF"):
                    return p
            time.sleep(0.1)
        raise TimeoutError(
            f"no cups-pdf output for job {job_id} in {self.out_dir} after {timeout}s"
        )

    def error_log(self) -> str:
        p = self.root / "log" / "error_log"
        return p.read_text(errors="replace") if p.exists() else ""


def _cupsd_conf(port: int, root: Path) -> str:
    return f"""# Private cupsd of printer.harness: 127.0.0.1 only, no browsing, no web interface.
LogLevel warn
Listen 127.0.0.1:{port}
Listen {root}/run/cups.sock
Browsing No
WebInterface No
DefaultAuthType None
PreserveJobHistory Yes
PreserveJobFiles No
# As on a kiosk: the filters (Ghostscript) yield the CPU to the touchscreen (docs/printing.md).
FilterNice 10
<Location />
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""


def _cups_files_conf(root: Path) -> str:
    return f"""ServerRoot {root}
RequestRoot {root}/spool
TempDir {root}/spool/tmp
CacheDir {root}/cache
StateDir {root}/state
AccessLog {root}/log/access_log
ErrorLog {root}/log/error_log
PageLog {root}/log/page_log
SystemGroup root
"""


def _remove_stale_instances() -> None:
    """Configs left by a harness that was killed: their output folder is gone."""
    for conf in CUPS_PDF_CONF_DIR.glob("cups-pdf-kiosk*.conf"):
        out = next(
            (ln.split(None, 1)[1].strip() for ln in conf.read_text().splitlines()
             if ln.startswith("Out ")),
            "",
        )  # fmt: skip
        if out and not Path(out).exists():
            conf.unlink(missing_ok=True)


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"cupsd exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"cupsd did not listen on 127.0.0.1:{port} within {timeout}s")


@contextlib.contextmanager
def cups_server(queue: str = "KioskA4", port: int = 0, keep: bool = False) -> Iterator[CupsServer]:
    """A private cupsd on 127.0.0.1 with a cups-pdf queue; everything is removed on exit
    (keep=True leaves the temporary folder, e.g. to look at the PDFs and logs)."""
    if os.geteuid() != 0:
        raise RuntimeError("cups_server() needs root: cups-pdf's backend only runs as root")
    for need in (CUPSD, "/usr/lib/cups/backend/cups-pdf"):
        if not Path(need).exists():
            raise RuntimeError(f"{need} is missing: run scripts/setup.sh (cups, cups-pdf)")
    _remove_stale_instances()
    port = port or free_port()
    root = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    for sub in ("spool/tmp", "cache", "state", "log", "ppd", "run", "out"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "cupsd.conf").write_text(_cupsd_conf(port, root))
    (root / "cups-files.conf").write_text(_cups_files_conf(root))
    instance = "kiosk" + os.urandom(4).hex()
    pdf_conf = CUPS_PDF_CONF_DIR / f"cups-pdf-{instance}.conf"
    out = root / "out"
    pdf_conf.write_text(f"Out {out}\nAnonDirName {out}\nLabel 1\n")
    proc = subprocess.Popen(
        [CUPSD, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=(root / "log" / "cupsd.stderr").open("wb"),
    )
    try:
        _wait_for_port(port, proc, timeout=15)
        cups = CupsServer(f"127.0.0.1:{port}", queue, out, root, instance)
        made = cups.run(
            "lpadmin", "-p", queue, "-v", f"cups-pdf:/{instance}", "-m", CUPS_PDF_PPD, "-E",
            # A failing backend aborts the job (reported as JobAborted) instead of stopping the
            # queue for every later job.
            "-o", "printer-error-policy=abort-job", check=False,
        )  # fmt: skip
        if made.returncode != 0:
            raise RuntimeError(f"lpadmin failed: {made.stderr.strip()}")
        yield cups
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        pdf_conf.unlink(missing_ok=True)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """python -m printer.harness [--receipt-port 9100] [--control-port N] [--no-cups] [--out DIR]

    Runs the demo's printers until interrupted: the virtual receipt printer (control port =
    receipt port + 1) and, as root, a private cupsd with the KioskA4 cups-pdf queue. Prints one
    line per component, e.g. `CUPS_SERVER=127.0.0.1:41234`, for the kiosk's environment.
    """
    import argparse
    import signal
    import threading

    from printer.virtual.control import ControlServer

    ap = argparse.ArgumentParser(prog="python -m printer.harness", description=main.__doc__)
    ap.add_argument("--receipt-port", type=int, default=9100)
    ap.add_argument("--control-port", type=int, default=None, help="default: receipt port + 1")
    ap.add_argument("--no-cups", action="store_true", help="only the receipt printer")
    ap.add_argument("--out", type=Path, default=None, help="save each receipt here")
    args = ap.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with contextlib.ExitStack() as stack:
        vp = stack.enter_context(virtual_receipt_printer(args.receipt_port, args.out))
        if args.control_port is not None:
            control_port = args.control_port
        else:
            control_port = vp.port + 1 if args.receipt_port else 0
        control = ControlServer(vp, control_port)
        threading.Thread(target=control.serve_forever, daemon=True).start()
        stack.callback(control.server_close)
        stack.callback(control.shutdown)
        print(f"RECEIPT_PRINTER=127.0.0.1:{vp.port}", flush=True)
        print(f"RECEIPT_CONTROL=127.0.0.1:{control.server_address[1]}", flush=True)
        if not args.no_cups:
            cups = stack.enter_context(cups_server())
            print(f"CUPS_SERVER={cups.server}", flush=True)
            print(f"A4_QUEUE={cups.queue}", flush=True)
            print(f"A4_PDF_DIR={cups.out_dir}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
