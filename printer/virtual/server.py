"""The virtual receipt printer: a TCP server on 127.0.0.1 that python-escpos's Network printer
prints to. Each connection that carries something printable is stored as one job; DLE EOT status
queries are answered at once from a settable state.

State (set in process through the methods below, or over the control port, see __main__):
  paper            "ok" | "near_end" | "out"
  cover_open       True / False
  silent           True: status queries get no answer (a printer without status support,
                   or a dead link that still accepts bytes)
  paper_out_after  N: the paper runs out after N more receipts (counted by cuts)
While the paper is out or the cover open, jobs are stored but marked not printed.
"""

from __future__ import annotations

import datetime as dt
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from pathlib import Path

from printer.virtual.decoder import DecodedJob, decode
from printer.virtual.render import render_png, render_text
from printer.virtual.tokens import next_token


@dataclass
class PrinterState:
    paper: str = "ok"
    cover_open: bool = False
    silent: bool = False
    paper_out_after: int | None = None

    def answer(self, n: int) -> bytes | None:
        """The DLE EOT n answer byte (Epson TM series layout), or None when silent."""
        if self.silent:
            return None
        out = self.paper == "out"
        if n == 1:  # printer: bit 3 offline
            return bytes([0x12 | (0x08 if (out or self.cover_open) else 0)])
        if n == 2:  # offline cause: bit 2 cover open, bit 5 stopped by paper end
            return bytes([0x12 | (0x04 if self.cover_open else 0) | (0x20 if out else 0)])
        if n == 3:  # error cause: none
            return bytes([0x12])
        if n == 4:  # paper sensor: bits 2-3 near end, bits 5-6 end
            near = self.paper in ("near_end", "out")
            return bytes([0x12 | (0x0C if near else 0) | (0x60 if out else 0)])
        return None

    def as_dict(self) -> dict[str, object]:
        return {
            "paper": self.paper,
            "cover_open": self.cover_open,
            "silent": self.silent,
            "paper_out_after": self.paper_out_after,
        }


@dataclass
class Job:
    number: int
    data: bytes
    received_at: dt.datetime
    printed: bool  # False: paper out or cover open when it arrived
    decoded: DecodedJob = field(repr=False, default_factory=DecodedJob)

    def text(self) -> str:
        return render_text(self.decoded)

    def png(self) -> bytes:
        return render_png(self.decoded)

    def save(self, folder: Path) -> list[Path]:
        """Write job-NNNN.bin, .txt and .png into folder."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = folder / f"job-{self.number:04d}"
        paths = [stem.with_suffix(".bin"), stem.with_suffix(".txt"), stem.with_suffix(".png")]
        paths[0].write_bytes(self.data)
        paths[1].write_text(self.text(), encoding="utf-8")
        paths[2].write_bytes(self.png())
        return paths


class VirtualPrinter:
    """The server object. Use as a context manager, or start()/stop()."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, out_dir: Path | None = None):
        self.state = PrinterState()
        self.jobs: list[Job] = []
        self.out_dir = out_dir
        self._cond = threading.Condition()
        self._server = _Server((host, port), _Handler)
        self._server.printer = self
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    @property
    def port(self) -> int:
        return self.address[1]

    def start(self) -> VirtualPrinter:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="virtual-printer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> VirtualPrinter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state, for tests and the demo ---
    def set_paper(self, paper: str) -> None:
        if paper not in ("ok", "near_end", "out"):
            raise ValueError("paper is ok, near_end or out")
        with self._cond:
            self.state.paper = paper

    def set_cover_open(self, is_open: bool) -> None:
        with self._cond:
            self.state.cover_open = is_open

    def set_silent(self, silent: bool) -> None:
        with self._cond:
            self.state.silent = silent

    def paper_out_after(self, receipts: int | None) -> None:
        """The paper runs out after this many more receipts (None: never)."""
        with self._cond:
            self.state.paper_out_after = receipts
            if receipts == 0:
                self.state.paper = "out"

    def reset(self) -> None:
        with self._cond:
            self.state = PrinterState()
            self.jobs.clear()

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[Job]:
        """Block until `count` jobs are stored (the client's close may lag its last send)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.jobs) >= count, timeout):
                raise TimeoutError(f"{len(self.jobs)} jobs after {timeout}s, wanted {count}")
            return list(self.jobs)

    @property
    def last_job(self) -> Job | None:
        with self._cond:
            return self.jobs[-1] if self.jobs else None

    # --- called by the handler ---
    def _answer(self, n: int) -> bytes | None:
        with self._cond:
            return self.state.answer(n)

    def _store(self, data: bytes, printable_at_start: bool) -> None:
        decoded = decode(data)
        if not decoded.printable:
            return  # a status-only conversation is not a job
        with self._cond:
            job = Job(len(self.jobs) + 1, data, dt.datetime.now(), printable_at_start, decoded)
            self.jobs.append(job)
            if printable_at_start and self.state.paper_out_after is not None:
                left = self.state.paper_out_after - decoded.cuts
                self.state.paper_out_after = max(left, 0)
                if left <= 0:
                    self.state.paper = "out"
            self._cond.notify_all()
        if self.out_dir is not None:
            job.save(self.out_dir)

    def _can_print(self) -> bool:
        with self._cond:
            return self.state.paper != "out" and not self.state.cover_open


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    printer: VirtualPrinter


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        printer: VirtualPrinter = self.server.printer  # type: ignore[attr-defined]
        sock: socket.socket = self.request
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = bytearray()
        pos = 0
        printable = printer._can_print()
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf.extend(chunk)
            # Answer status queries as they arrive; stop at an incomplete command.
            data = bytes(buf)
            while (t := next_token(data, pos)) is not None:
                pos = t.end
                if t.name == "DLE EOT":
                    answer = printer._answer(t.params[0])
                    if answer is not None:
                        try:
                            sock.sendall(answer)
                        except OSError:
                            break
        printer._store(bytes(buf), printable)
