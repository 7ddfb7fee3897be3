"""Out of service and back, on the real devices: the back office and pcscd stopped and started
again under a running kiosk (issue 19). The attract screen says 暂停服务, why, and the counter to
go to; the heartbeat tells the back office; the kiosk serves again by itself. Without the A4
printer only printing stops.

The pcscd stopped is the real daemon, but this test's own: started in a mount namespace of its
own (its /run/pcscd a folder of the test, the kiosk pointed at its socket by
PCSCLITE_CSOCK_NAME) with vpcd on a port of its own, so the machine's pcscd and the card stack
other tests share are never touched, and no card lock is needed."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from backoffice.harness import free_port, running_service
from backoffice.storage import Database
from backoffice.storage.terminals import HeartbeatRow
from tests.helpers.paths import REPO

pytestmark = pytest.mark.ui


VPCD_PORT = 0x9C7B  # not the shared stack's 0x8C7B


class PrivatePcscd:
    """The real pcscd, this test's alone: its socket in `run`, its one reader vpcd's."""

    def __init__(self, root: Path) -> None:
        self.conf, self.run = root / "reader.conf.d", root / "run"
        self.conf.mkdir(parents=True)
        self.run.mkdir()
        (self.conf / "vpcd").write_text(
            'FRIENDLYNAME "Virtual PCD"\n'
            f"DEVICENAME   /dev/null:0x{VPCD_PORT:X}\n"
            "LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so\n"
            f"CHANNELID    0x{VPCD_PORT:X}\n",
            encoding="ascii",
        )
        self.log = root / "pcscd.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def socket(self) -> Path:
        return self.run / "pcscd.comm"

    def start(self) -> None:
        script = f"mount --bind {self.run} /run/pcscd && exec /usr/sbin/pcscd -f -c {self.conf}"
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                ["unshare", "-m", "sh", "-c", script], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while not self.socket.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the private pcscd did not start: {self.log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def _last_devices(database: str) -> dict:
    db = Database(database)
    try:
        with db.engine.connect() as conn:
            row = conn.execute(
                select(HeartbeatRow.status_json).order_by(HeartbeatRow.id.desc()).limit(1)
            ).first()
    finally:
        db.dispose()
    return json.loads(row[0])["devices"] if row else {}


def _kiosk_config(tmp_path: Path, svc) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(
        f"""
[ui]
voice = false
[backoffice]
url = "{svc.url}"
api_key = "{svc.api_key}"
connect_timeout = 1.0
read_timeout = 2.0
[a4_printer]
queue = "NoSuchQueue"
server = "127.0.0.1:{free_port()}"
[receipt_printer]
kind = "none"
[health]
interval = 1.0
[heartbeat]
interval = 5
[journal]
path = "{tmp_path / "journal.sqlite3"}"
[logging]
dir = "{tmp_path / "log"}"
""",
        encoding="utf-8",
    )
    return p


def test_attract_screen_out_of_service_and_back(tmp_path):
    if not os.environ.get("DISPLAY"):
        pytest.skip("no display: run the UI tests through `make test` (it starts Xvfb)")
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("a private pcscd needs a mount namespace of its own (root, unshare)")
    pcscd = PrivatePcscd(tmp_path / "pcscd")
    pcscd.start()
    db, port = str(tmp_path / "backoffice.sqlite3"), free_port()
    control = tmp_path / "control"
    control.mkdir()
    with contextlib.ExitStack() as backoffice:
        svc = backoffice.enter_context(running_service(members=2, database=db, port=port))
        out = tmp_path / "scenario.json"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.ui.driver",
                "tests.ui.scenarios_out_of_service:outage",
                str(out),
                "--devices",
            ],
            cwd=REPO,
            env={
                **os.environ,
                "KIOSK_CONFIG": str(_kiosk_config(tmp_path, svc)),
                "OOS_CONTROL": str(control),
                "PCSCLITE_CSOCK_NAME": str(pcscd.socket),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            answered: dict[str, str] = {}
            deadline = time.monotonic() + 400
            while proc.poll() is None and time.monotonic() < deadline:
                for ask in sorted(control.glob("ask-*")):
                    n = ask.name.split("-")[1]
                    if n in answered:
                        continue
                    action = ask.read_text(encoding="utf-8")
                    answered[n] = _act(action, backoffice, pcscd, db, port)
                    (control / f"answer-{n}").write_text(answered[n], encoding="utf-8")
                time.sleep(0.2)
            if proc.poll() is None:
                proc.kill()
            log = proc.communicate()[0]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            pcscd.stop()
    seen = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    assert proc.returncode == 0 and "error" not in seen, f"{seen.get('error', '')}\n{log[-3000:]}"

    # The A4 printer alone missing: still in service, printing off and saying why.
    first = seen["print_only"]
    assert first["in_service"] is True
    assert first["texts"]["title"] == "请插入社会保障卡"
    assert "打印暂停" in first["texts"]["print_notice"]
    assert seen["menu_print"]["disabled"] is True
    assert "打印机故障" in seen["menu_print"]["text"]

    # The back office stopped: 暂停服务, the reason, the counter from [terminal] counter.
    down = seen["no_backoffice"]
    assert seen["stop_backoffice"] == "done"
    assert "backoffice" in down["missing"]
    assert down["zh"]["title"] == "暂停服务"
    assert "暂时无法连接社保系统" in down["zh"]["hint"]
    assert "一楼大厅人工服务窗口" in down["zh"]["counter"]
    assert down["zh"]["print_notice"] == ""  # the whole kiosk is closed: no printing notice
    assert down["zh"]["services"] == ""  # nor the services it cannot give now
    assert down["en"]["title"] == "Out of service"
    assert "the staffed counters on the ground floor" in down["en"]["counter"]
    assert down["overflows"] == [] and down["en_large"]["overflows"] == []

    # Started again: the kiosk serves by itself.
    assert seen["start_backoffice"] == "done"
    assert seen["back"]["texts"]["title"] == "请插入社会保障卡"
    assert seen["back"]["missing"] == ["a4"]

    assert seen["stop_pcscd"] == "done"
    assert "reader" in seen["no_reader"]["missing"]
    assert seen["no_reader"]["texts"]["title"] == "暂停服务"
    assert "读卡器暂时无法使用" in seen["no_reader"]["texts"]["hint"]
    # The heartbeat told the back office at once (poked on the change, not 60 s later).
    assert seen["heartbeat_seen"] == "done"
    assert seen["reader_back"]["texts"]["title"] == "请插入社会保障卡"
    assert seen["reader_back"]["missing"] == ["a4"]


def _act(
    action: str, backoffice: contextlib.ExitStack, pcscd: PrivatePcscd, db: str, port: int
) -> str:
    """Do what the scenario asked: "done" (or "failed: ...")."""
    if action == "stop_backoffice":
        backoffice.close()  # running_service's exit: the process terminated
        return "done"
    if action == "start_backoffice":
        backoffice.enter_context(
            running_service(database=db, port=port, seed_first=False, members=0)
        )
        return "done"
    if action == "stop_pcscd":
        pcscd.stop()
        return "done"
    if action == "start_pcscd":
        pcscd.start()
        return "done"
    if action == "heartbeat_out_of_service":
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            devices = _last_devices(db)
            if devices.get("service") == "out_of_service" and "reader" in devices.get(
                "service_missing", ""
            ):
                if devices.get("reader") != "absent":
                    return f"failed: {devices}"
                # and the hall manager's /fleet page says so, first of the kiosk's cells
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/fleet.json") as r:
                    kiosk = json.load(r)["kiosks"][0]
                service = kiosk["devices"]["service"]
                ok = service == {"state": "OUT OF SERVICE", "level": "bad"}
                return "done" if ok else f"failed: /fleet.json {kiosk}"
            time.sleep(0.3)
        return f"failed: last heartbeat {_last_devices(db)}"
    return f"failed: no such action {action}"
