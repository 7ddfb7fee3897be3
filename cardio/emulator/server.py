"""The emulator process: a card in vpcd slot 0, a PSAM in slot 1, and a control socket.

Control channel: a Unix socket ``RUN_DIR/control.sock`` (file-system permissions guard it; no
TCP port is opened). One JSON object per line in, one JSON object per line back:
  {"cmd": "insert", "profile": "PATH-OR-NAME", "pull_after": N|null}
  {"cmd": "remove"}
  {"cmd": "fault", "pull_after": N}      pull the card when the (N+1)-th APDU from now arrives
  {"cmd": "status"}
  {"cmd": "stop"}
Answers: {"ok": true, ...} or {"ok": false, "error": "..."}.
The run dir also holds ``state.json`` (PIN counters, see state.py).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import socketserver
import threading
from pathlib import Path
from typing import Any

from cardio.emulator.card import EmulatedCard
from cardio.emulator.profile import ProfileError, find_profile, load_profile
from cardio.emulator.psam import EmulatedPsam
from cardio.emulator.state import StateStore
from cardio.emulator.vpcd import VPCD_HOST, VPCD_PORTS, VpcdSlot
from common import card_crypto

log = logging.getLogger("cardio.emulator")

CONTROL_SOCKET = "control.sock"


class Emulator:
    """The card and PSAM slots plus their shared state; usable in-process or as a server."""

    def __init__(
        self,
        run_dir: Path | str,
        keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS,
        *,
        host: str = VPCD_HOST,
        card_port: int = VPCD_PORTS[0],
        psam_port: int | None = VPCD_PORTS[1],
    ) -> None:
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.keys = keys
        self.state = StateStore(self.run_dir / "state.json")
        self.card_slot = VpcdSlot(card_port, host)
        self.psam_slot = VpcdSlot(psam_port, host) if psam_port else None
        self.stopped = threading.Event()

    def start(self) -> None:
        if self.psam_slot is not None:
            self.psam_slot.insert(EmulatedPsam(self.keys), "PSAM")

    def make_card(self, profile: str) -> EmulatedCard:
        return EmulatedCard(load_profile(find_profile(profile)), self.state, self.keys)

    def insert(self, profile: str, pull_after: int | None = None) -> str:
        card = self.make_card(profile)
        self.card_slot.insert(card, card.profile.name, pull_after)
        return card.profile.name

    def remove(self) -> None:
        self.card_slot.remove()

    def fault(self, pull_after: int) -> None:
        self.card_slot.pull_after(pull_after)

    def status(self) -> dict[str, Any]:
        return {
            "card": self.card_slot.label if self.card_slot.inserted else None,
            "psam": bool(self.psam_slot and self.psam_slot.inserted),
        }

    def stop(self) -> None:
        self.card_slot.remove()
        if self.psam_slot is not None:
            self.psam_slot.remove()
        self.stopped.set()

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        cmd = request.get("cmd")
        try:
            if cmd == "insert":
                name = self.insert(str(request["profile"]), request.get("pull_after"))
                return {"ok": True, "card": name}
            if cmd == "remove":
                self.remove()
                return {"ok": True}
            if cmd == "fault":
                self.fault(int(request["pull_after"]))
                return {"ok": True}
            if cmd == "status":
                return {"ok": True, **self.status()}
            if cmd == "stop":
                threading.Thread(target=self.stop, daemon=True).start()
                return {"ok": True}
            return {"ok": False, "error": f"unknown command {cmd!r}"}
        except (ProfileError, ConnectionError, KeyError, ValueError, TypeError) as exc:
            return {"ok": False, "error": str(exc)}


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        for line in self.rfile:
            try:
                request = json.loads(line)
            except ValueError:
                answer = {"ok": False, "error": "not JSON"}
            else:
                answer = self.server.emulator.handle(request)  # type: ignore[attr-defined]
            self.wfile.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
            self.wfile.flush()


class ControlServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(self, emulator: Emulator) -> None:
        path = emulator.run_dir / CONTROL_SOCKET
        if path.exists():
            path.unlink()
        super().__init__(str(path), _Handler)
        os.chmod(path, 0o600)
        self.emulator = emulator


def serve(emulator: Emulator, initial_profile: str | None = None) -> None:
    """Run until a "stop" command (or KeyboardInterrupt)."""
    emulator.start()
    if initial_profile:
        emulator.insert(initial_profile)
    server = ControlServer(emulator)
    thread = threading.Thread(target=server.serve_forever, name="control", daemon=True)
    thread.start()
    (emulator.run_dir / "ready").write_text(str(os.getpid()))
    try:
        emulator.stopped.wait()
    except KeyboardInterrupt:
        emulator.stop()
    finally:
        server.shutdown()
        server.server_close()
        for name in (CONTROL_SOCKET, "ready"):
            with contextlib.suppress(FileNotFoundError):
                (emulator.run_dir / name).unlink()


def control(run_dir: Path | str, request: dict[str, Any], timeout: float = 15.0) -> dict[str, Any]:
    """Send one control request to a running emulator and return its answer."""
    path = Path(run_dir) / CONTROL_SOCKET
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except OSError as exc:
            raise ConnectionError(f"no emulator answers at {path} ({exc.strerror})") from None
        sock.sendall(json.dumps(request).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            buf += chunk
    answer = json.loads(buf)
    if not isinstance(answer, dict):
        raise ConnectionError(f"the emulator at {path} answered {answer!r}, not an object")
    return answer
