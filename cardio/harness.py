"""Start and stop the real card stack: pcscd + vpcd + the card/PSAM emulator.

For tests, benchmarks and the demo::

    from cardio.harness import card_stack

    with card_stack(profile="card-3.00") as stack:     # pcscd (if none runs) + emulator
        ...                                            # "Virtual PCD 00 00" holds the card
        stack.swap("card-2.00")                        # remove, wait, insert, wait
        stack.remove()                                 # returns once pcscd saw it go
        stack.insert("card-blocked", pull_after=5)     # pulled when APDU 6 arrives
        stack.fault(3)                                 # pull the card in slot 0 after 3 more APDUs
        stack.reset_state()                            # forget PIN counters / changed PINs
        stack.restart_emulator()                       # same run dir: state survives

- pcscd: exactly one per machine. `pcscd_running()` starts `pcscd -f` only when `pidof pcscd`
  finds none, and stops it on exit only if it started it.
- vpcd's ports are fixed (35963/35964), so only one emulator can serve them: the stack takes
  an exclusive lock (``/tmp/cardio-vpcd.lock``, flock) for its lifetime; a second user waits.
- The emulator runs as a child process (`python -m cardio.emulator serve`) in a run dir
  (a temp dir unless given) that holds its control socket and its state file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cardio.emulator.server import control

CARD_READER = "Virtual PCD 00 00"
PSAM_READER = "Virtual PCD 00 01"
LOCK_FILE = Path(tempfile.gettempdir()) / "cardio-vpcd.lock"


class HarnessError(RuntimeError):
    pass


class _PortTaken(HarnessError):
    """pcscd's log says vpcd could not listen: started again once the port is free."""


def _pcsc_state(reader: str) -> tuple[bool, bool]:
    """(reader listed, card present) as pcscd sees it now."""
    from smartcard import scard

    rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return False, False
    try:
        rc, readers = scard.SCardListReaders(ctx, [])
        if rc != scard.SCARD_S_SUCCESS or reader not in readers:
            return False, False
        rc, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        return True, rc == scard.SCARD_S_SUCCESS and bool(states[0][1] & scard.SCARD_STATE_PRESENT)
    finally:
        scard.SCardReleaseContext(ctx)


def wait_card(present: bool, reader: str = CARD_READER, timeout: float = 10.0) -> None:
    """Wait until pcscd sees the card in `reader` (or sees it gone)."""
    deadline = time.monotonic() + timeout
    while _pcsc_state(reader)[1] != present:
        if time.monotonic() > deadline:
            raise HarnessError(
                f"pcscd did not see the card {'arrive' if present else 'leave'} in {reader}"
            )
        time.sleep(0.01)


def pcscd_pid() -> int | None:
    out = subprocess.run(["pidof", "pcscd"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


VPCD_PORTS = (35963, 35964)  # /etc/reader.conf.d/vpcd: CHANNELID 0x8C7B, one port per slot
_PORT_TAKEN = b"Address already in use"


@contextlib.contextmanager
def pcscd_running(
    log_dir: Path | None = None, timeout: float = 10.0, port_wait: float = 75.0
) -> Iterator[None]:
    """pcscd runs inside the block: the machine's own, or one started (and stopped) here.

    vpcd's ports lie in Linux's range of ephemeral ports: a client socket of any program may
    hold one (for 60 s in TIME_WAIT after it closed), and then vpcd cannot listen and pcscd
    lists no virtual reader. setup reserves the ports (net.ipv4.ip_local_reserved_ports);
    where it could not, pcscd is started again until the port is free (up to `port_wait`)."""
    if pcscd_pid() is not None:
        yield
        return
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    log_path = (log_dir or Path(tempfile.gettempdir())) / "pcscd.log"
    give_up = time.monotonic() + port_wait
    while True:
        start = log_path.stat().st_size if log_path.exists() else 0
        proc = _start_pcscd(binary, log_path)
        try:
            _wait_reader(proc, log_path, start, timeout)
            break
        except _PortTaken:
            _stop(proc)
            if time.monotonic() > give_up:
                raise HarnessError(
                    f"vpcd cannot listen on port {VPCD_PORTS[0]} or {VPCD_PORTS[1]}: another "
                    "socket holds it (scripts/setup.sh reserves them with "
                    "net.ipv4.ip_local_reserved_ports; ss -tan shows the holder)"
                ) from None
            time.sleep(1.0)
    try:
        yield
    finally:
        _stop(proc)


def _start_pcscd(binary: str, log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [binary, "-f"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_reader(proc: subprocess.Popen[bytes], log_path: Path, start: int, timeout: float) -> None:
    """Until pcscd lists the card reader; HarnessError if it exits, says vpcd's port is taken
    (its log from byte `start`: this start's lines) or lists none in `timeout`."""
    deadline = time.monotonic() + timeout
    while not _pcsc_state(CARD_READER)[0]:
        with open(log_path, "rb") as log:
            log.seek(start)
            if _PORT_TAKEN in log.read():
                raise _PortTaken(f"vpcd's port is taken (log: {log_path})")
        if proc.poll() is not None:
            raise HarnessError(f"pcscd exited with {proc.returncode} (log: {log_path})")
        if time.monotonic() > deadline:
            _stop(proc)
            raise HarnessError(
                "pcscd started but lists no 'Virtual PCD' reader: is vsmartcard-vpcd "
                f"installed? (log: {log_path})"
            )
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _die_with_parent() -> None:
    """In the emulator child: end when the process that started it ends, even by SIGKILL, so
    an orphan never keeps vpcd's port (the next stack could not connect)."""
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


_HELD_HERE = False  # this process holds the vpcd lock (flock would block on itself)


@contextlib.contextmanager
def vpcd_lock(timeout: float = 300.0) -> Iterator[None]:
    global _HELD_HERE
    if _HELD_HERE:
        # A second stack in the same process would wait for itself forever.
        raise HarnessError(
            "this process already runs a card stack: share it (tests use the session "
            "fixture `card_lab` in tests/conftest.py)"
        )
    fd = os.open(LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HarnessError(f"another card emulator holds {LOCK_FILE}") from None
                time.sleep(0.1)
        _HELD_HERE = True
        yield
    finally:
        _HELD_HERE = False
        os.close(fd)


class CardStack:
    """A running emulator (child process) in `run_dir`, with pcscd running."""

    def __init__(self, run_dir: Path, keys_file: str | None = None, psam: bool = True) -> None:
        self.run_dir = run_dir
        self.keys_file = keys_file
        self.psam = psam
        self.reader = CARD_READER
        self.psam_reader = PSAM_READER
        self.proc: subprocess.Popen[bytes] | None = None
        # pcscd restarted by this stack after it vanished (another user of the machine stopped
        # the one we found): stopped again with the stack.
        self._pcscd = contextlib.ExitStack()

    # ---- the emulator process ----
    def start_emulator(self, profile: str | None = None, timeout: float = 10.0) -> None:
        if pcscd_pid() is None:
            self._pcscd.enter_context(pcscd_running(self.run_dir))
        cmd = [sys.executable, "-m", "cardio.emulator", "--run-dir", str(self.run_dir), "serve"]
        if self.keys_file:
            cmd += ["--keys-file", self.keys_file]
        if not self.psam:
            cmd += ["--psam-port", "0"]
        ready = self.run_dir / "ready"
        with contextlib.suppress(FileNotFoundError):
            ready.unlink()
        log = open(self.run_dir / "emulator.log", "ab")  # noqa: SIM115
        root = Path(__file__).resolve().parent.parent
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
        }
        self.proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while not ready.exists():
            if self.proc.poll() is not None:
                raise HarnessError(
                    f"emulator exited with {self.proc.returncode}: {self.run_dir / 'emulator.log'}"
                )
            if time.monotonic() > deadline:
                raise HarnessError("emulator did not get ready")
            time.sleep(0.02)
        if self.psam:
            wait_card(True, PSAM_READER)
        if profile:
            self.insert(profile)

    def stop_emulator(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ConnectionError, ValueError):
            self.control({"cmd": "stop"})
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        wait_card(False, CARD_READER)

    def restart_emulator(self, profile: str | None = None) -> None:
        self.stop_emulator()
        self.start_emulator(profile)

    # ---- controls ----
    def control(self, request: dict[str, Any]) -> dict[str, Any]:
        answer = control(self.run_dir, request)
        if not answer.get("ok"):
            raise HarnessError(f"emulator refused {request.get('cmd')}: {answer.get('error')}")
        return answer

    def insert(
        self, profile: str | Path, *, pull_after: int | None = None, wait: bool = True
    ) -> None:
        """Insert a card (a shipped profile name or a path); waits until pcscd sees it."""
        if _pcsc_state(self.reader)[1]:
            self.remove()
        p = Path(profile)
        name = str(p.resolve()) if p.exists() else str(profile)
        self.control({"cmd": "insert", "profile": name, "pull_after": pull_after})
        if wait:
            wait_card(True, self.reader)

    def remove(self, *, wait: bool = True) -> None:
        self.control({"cmd": "remove"})
        if wait:
            wait_card(False, self.reader)

    def swap(self, profile: str | Path) -> None:
        self.remove()
        self.insert(profile)

    def fault(self, pull_after: int) -> None:
        """Pull the card when the (N+1)-th APDU from now arrives (it is never answered)."""
        self.control({"cmd": "fault", "pull_after": pull_after})

    def status(self) -> dict[str, Any]:
        return self.control({"cmd": "status"})

    def reset_state(self) -> None:
        """Forget every card's PIN counter and changed PIN (the emulator reads it per APDU)."""
        with contextlib.suppress(FileNotFoundError):
            (self.run_dir / "state.json").unlink()


@contextlib.contextmanager
def card_stack(
    profile: str | None = None,
    *,
    run_dir: str | Path | None = None,
    keys_file: str | None = None,
    psam: bool = True,
) -> Iterator[CardStack]:
    """pcscd + the emulator (card in slot 0, PSAM in slot 1), all stopped on exit."""
    with contextlib.ExitStack() as stack:
        if run_dir is None:
            run_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="cardio-"))
        run = Path(run_dir)
        run.mkdir(parents=True, exist_ok=True)
        stack.enter_context(vpcd_lock())
        stack.enter_context(pcscd_running(run))
        cs = CardStack(run, keys_file, psam)
        stack.callback(cs._pcscd.close)
        stack.callback(cs.stop_emulator)
        cs.start_emulator(profile)
        yield cs


def main(argv: list[str] | None = None) -> int:
    """`python -m cardio.harness [--profile P] [--run-dir D]`: run the stack until stopped.

    For scripts (the demo): prints the run dir, then serves until SIGTERM / Ctrl-C. Control the
    card with `python -m cardio.emulator --run-dir D insert PROFILE` etc.
    """
    import argparse
    import signal

    ap = argparse.ArgumentParser(prog="python -m cardio.harness", description=main.__doc__)
    ap.add_argument("--profile", help="card inserted at start (shipped name or path)")
    ap.add_argument("--run-dir", default=None, help="emulator run dir (default: a temp dir)")
    ap.add_argument("--keys-file", default=None)
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        with card_stack(args.profile, run_dir=args.run_dir, keys_file=args.keys_file) as stack:
            print(
                f"card stack ready: reader {stack.reader!r}, PSAM {stack.psam_reader!r}, run dir {stack.run_dir}",
                flush=True,
            )
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except HarnessError as exc:
        print(f"读卡环境启动失败 / card stack failed: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
