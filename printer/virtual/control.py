"""A line-based control port for a virtual printer running in its own process.

One command per line, one JSON answer per line:
  state                         -> {"paper": "ok", "cover_open": false, ...}
  paper ok|near_end|out
  cover open|closed
  silent on|off
  paper-out-after N|off
  jobs                          -> {"count": 3}
  text N                        -> {"text": "..."}   (job N, 1-based; 0 = the last one)
  reset                         (state back to ready, jobs forgotten)
Binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
import socket
import socketserver

from printer.virtual.server import VirtualPrinter


def handle_command(printer: VirtualPrinter, line: str) -> dict[str, object]:
    words = line.split()
    if not words:
        return {"error": "empty command"}
    cmd, args = words[0].lower(), words[1:]
    try:
        if cmd == "state":
            pass
        elif cmd == "paper" and args:
            printer.set_paper(args[0])
        elif cmd == "cover" and args and args[0] in ("open", "closed"):
            printer.set_cover_open(args[0] == "open")
        elif cmd == "silent" and args and args[0] in ("on", "off"):
            printer.set_silent(args[0] == "on")
        elif cmd == "paper-out-after" and args:
            printer.paper_out_after(None if args[0] == "off" else int(args[0]))
        elif cmd == "jobs":
            return {"count": len(printer.jobs)}
        elif cmd == "text" and args:
            n = int(args[0])
            job = printer.jobs[n - 1] if n else printer.jobs[-1]
            return {"number": job.number, "printed": job.printed, "text": job.text()}
        elif cmd == "reset":
            printer.reset()
        else:
            return {"error": f"unknown command: {line.strip()}"}
    except (ValueError, IndexError) as e:
        return {"error": str(e)}
    return printer.state.as_dict()


class ControlServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, printer: VirtualPrinter, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _ControlHandler)
        self.printer = printer


class _ControlHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for raw in self.rfile:
            answer = handle_command(self.server.printer, raw.decode("utf-8", "replace"))  # type: ignore[attr-defined]
            self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")


def send_command(port: int, line: str, timeout: float = 5.0) -> dict[str, object]:
    """Client side: one command to a control port on 127.0.0.1."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(line.encode() + b"\n")
        f = s.makefile("rb")
        answer = json.loads(f.readline())
    if not isinstance(answer, dict):
        raise ConnectionError(f"port {port} answered {answer!r}, not an object")
    return answer
