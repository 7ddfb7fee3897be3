"""The fleet: a kiosk's heartbeat reaches the back office and the hall manager's /fleet page
shows its paper-out within one heartbeat, in words, read by headless Chromium."""

from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from backoffice.harness import running_service
from kiosk.audit import Head
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.heartbeat import Heartbeat, receipt_probe
from kiosk.config import BackOfficeConfig
from printer.status import PrinterStatus
from tests.security.conftest import TODAY

CHROMIUM = "/usr/bin/chromium"


class SwitchablePrinter:
    def __init__(self) -> None:
        self.state = PrinterStatus.READY

    def status(self) -> PrinterStatus:
        return self.state


def chromium(url: str, tmp: Path, *extra: str) -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is missing: run scripts/setup.sh (Debian package chromium)")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp / 'chromium-profile'}",
        *extra,
        url,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def wait_until(pred, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.05)


@pytest.fixture
def service(db_copy):
    # The lab app over plain HTTP (the production service's /fleet needs a manager's
    # certificate: tests/security/test_production_app.py).
    with running_service(database=str(db_copy), seed_first=False, today=TODAY) as svc:
        yield svc


def test_paper_out_shows_on_the_fleet_page_within_one_heartbeat(service, tmp_path, artifacts):
    printer = SwitchablePrinter()
    client = BackOfficeClient(
        BackOfficeConfig(url=service.url, api_key="demo-key-KIOSK-0001"), "KIOSK-0001"
    )
    probes = {
        "reader": lambda: "ok",
        "psam": lambda: "ok",
        "receipt_paper": receipt_probe(printer),
        "a4_queue": lambda: "idle",
        "journal_backlog": lambda: "0",
    }
    beat = Heartbeat(
        client,
        probes,
        interval=0.5,
        version="9.9.9",
        watch_errors=True,
        audit_head=lambda: Head(42, "ab" * 32, "2026-06"),
    )
    beat.start()
    try:
        wait_until(lambda: beat.sent >= 1)
        page = requests.get(service.url + "/fleet", timeout=5).text
        assert "PAPER OUT" not in page
        printer.state = PrinterStatus.PAPER_OUT
        seen = beat.sent
        wait_until(lambda: beat.sent >= seen + 2)  # one whole heartbeat after the change
    finally:
        beat.stop()
        client.close()

    dom = chromium(service.url + "/fleet", tmp_path, "--dump-dom")
    row = dom[dom.index('data-terminal="KIOSK-0001"') :].split("</tr>", 1)[0]
    assert "paper-out" in dom[: dom.index('data-terminal="KIOSK-0001"')].rsplit("<tr", 1)[1]
    assert "缺纸" in row and "PAPER OUT" in row  # words, not colour alone
    assert "缺纸 PAPER OUT: KIOSK-0001" in dom  # and named in the summary line at the top
    assert "9.9.9" in row and "正常" in row  # the other devices are fine
    # Problems first: the kiosk with paper out is above the kiosk never heard from.
    assert dom.index('data-terminal="KIOSK-0001"') < dom.index('data-terminal="KIOSK-0002"')
    assert "失联" in dom.split('data-terminal="KIOSK-0002"', 1)[1].split("</tr>", 1)[0]
    chromium(
        service.url + "/fleet",
        tmp_path,
        f"--screenshot={artifacts / 'fleet-paper-out.png'}",
        "--window-size=1600,500",
    )
    assert (artifacts / "fleet-paper-out.png").stat().st_size > 10_000

    kiosks = {
        k["terminal_id"]: k
        for k in requests.get(service.url + "/fleet.json", timeout=5).json()["kiosks"]
    }
    assert kiosks["KIOSK-0001"]["audit_head"] == {"seq": 42, "hash": "ab" * 32, "month": "2026-06"}
    assert kiosks["KIOSK-0001"]["audit_alarm"] == ""
    assert kiosks["KIOSK-0001"]["devices"]["receipt_paper"] == {
        "state": "PAPER OUT",
        "level": "bad",
    }


def test_a_probe_that_fails_reports_unknown_and_the_last_error_is_redacted():
    import logging

    sent: list[dict[str, str]] = []

    class Sender:
        def heartbeat(self, devices, app_version=""):
            sent.append(dict(devices))

    def broken() -> str:
        raise OSError("no such device")

    beat = Heartbeat(Sender(), {"reader": broken}, watch_errors=True)
    beat._errors.setLevel(logging.WARNING)
    logging.getLogger().addHandler(beat._errors)  # as start() does, without the thread
    try:
        logging.getLogger("kiosk.x").warning("card of 11010519491231002X refused")
        assert beat.beat()
    finally:
        logging.getLogger().removeHandler(beat._errors)
    assert sent[0]["reader"] == "unknown"
    assert sent[0]["last_error"] == "kiosk.x: card of 110***********002X refused"


def test_a_back_office_that_is_down_is_counted_not_raised():
    class Down:
        def heartbeat(self, devices, app_version=""):
            raise requests.ConnectionError("down")

    beat = Heartbeat(Down(), {})
    assert beat.beat() is False and beat.failures == 1


def test_stop_ends_the_thread():
    beat = Heartbeat(
        type("S", (), {"heartbeat": lambda self, d, app_version="": None})(), {}, interval=60
    )
    beat.start()
    wait_until(lambda: beat.sent >= 1)
    beat.stop()
    assert not any(t.name == "heartbeat" and t.is_alive() for t in threading.enumerate())


def test_the_plain_service_of_the_demo_serves_the_fleet_page_too():
    with running_service(members=3, seed=1, today=TODAY) as svc:
        r = requests.get(svc.url + "/fleet", timeout=5)
        assert r.status_code == 200 and "自助终端状态" in r.text and "KIOSK-0001" in r.text
