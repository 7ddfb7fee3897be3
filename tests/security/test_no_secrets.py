"""The issue's test: a whole member session on the real stack (card emulator through pcscd,
the back office over mutual TLS with signed requests, a real cupsd), PIN 135790 and the seed's
ID numbers; then every log, journal, audit and temp file the run wrote is searched: no PIN, no
unmasked ID number, no card number. The audit log of the run verifies."""

from __future__ import annotations

import logging
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import pytest

from backoffice.tls_harness import running_tls_service
from kiosk.audit import month_files, verify
from tests.security.conftest import TODAY, make_pki

pytestmark = [pytest.mark.pcsc, pytest.mark.cups, pytest.mark.slow]

PIN = "135790"
WRONG_PIN = "246801"


@pytest.fixture
def stack(tmp_path, card_stack_ready):
    from backoffice.policy import load_policy
    from backoffice.seed import seed_database
    from backoffice.storage import Database
    from printer.harness import cups_server

    cards = tmp_path / "cards"
    db_path = tmp_path / "backoffice.sqlite3"
    db = Database(str(db_path))
    try:
        report = seed_database(
            db, load_policy(None), members=12, seed=7, as_of=TODAY, cards_dir=cards
        )
    finally:
        db.dispose()
    pki = make_pki(tmp_path / "pki", "KIOSK-0001")
    with (
        running_tls_service(db_path, pki=pki, today=TODAY, access_log=True) as svc,
        cups_server() as cups,
    ):
        yield svc, card_stack_ready, cups, report, cards, db_path, pki


def _config(run: Path, svc, cups, pki: Path) -> Path:
    kiosk = pki / "kiosks" / "KIOSK-0001"
    p = run / "kiosk.toml"
    p.write_text(
        f"""
[ui]
voice = false
[receipt_printer]
kind = "none"
[backoffice]
url = "{svc.url}"
api_key = "demo-key-KIOSK-0001"
ca_file = "{pki / "ca.pem"}"
client_cert = "{kiosk / "cert.pem"}"
client_key = "{kiosk / "key.pem"}"
signing_key_file = "{kiosk / "signing.key"}"
[a4_printer]
queue = "{cups.queue}"
server = "{cups.server}"
[journal]
path = "{run / "journal.sqlite3"}"
[logging]
dir = "{run / "log"}"
level = "DEBUG"
[audit]
path = "{run / "audit"}"
[heartbeat]
interval = 5
""",
        encoding="utf-8",
    )
    return p


def _session(cfg_path: Path, cs, card_file: Path, *, pin: str = PIN, pay: bool = False) -> None:
    """One member's session through the kiosk core, as the touch UI drives it: browse, print
    (or pay three months by card)."""
    from kiosk.assembly import build
    from kiosk.config import load_config
    from kiosk.logging_setup import configure_logging
    from kiosk.session import ExitPressed, Navigate, Page, PinSubmitted, Request

    cfg = load_config(cfg_path)
    configure_logging(cfg.logging, console=False)
    k = build(cfg)
    changed = threading.Condition()

    def notify(_state) -> None:
        with changed:
            changed.notify_all()

    def until(pred, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        with changed:
            while not pred(k.controller.session.state):
                assert changed.wait(max(0.0, end - time.monotonic())), (
                    f"stalled on {k.controller.session.state.page}"
                )

    k.controller.subscribe(notify)
    k.controller.start()
    try:
        cs.insert(str(card_file), wait=False)
        until(lambda s: s.page is Page.PIN)
        k.controller.post(PinSubmitted(bytearray(WRONG_PIN.encode())))
        until(lambda s: s.pin_tries_left is not None)
        k.controller.post(PinSubmitted(bytearray(pin.encode())))
        until(lambda s: s.page is Page.MENU)
        if pay:
            _pay(k, until)
        for page, key in (
            ()
            if pay
            else (
                (Page.INSURANCE, "summary"),
                (Page.HISTORY, "history"),
                (Page.ACCOUNTS, "accounts"),
                (Page.CARD_SERVICES, "card_status"),
            )
        ):
            k.controller.post(Navigate(page))
            until(lambda s, key=key: key in s.data or key in s.errors)
            assert key in k.controller.session.state.data, k.controller.session.state.errors
        if not pay:
            k.controller.post(Navigate(Page.PRINT))
            until(lambda s: s.page is Page.PRINT and "summary" in s.data)
            year = k.controller.session.state.data["summary"].as_of.year
            params = {"kind": "rights_record", "first_year": year, "last_year": year}
            k.controller.post(Request("print_preview", params))
            until(lambda s: "print_preview" in s.data or "print_preview" in s.errors)
            k.controller.post(Request("print_submit", {}))
            until(lambda s: "print_submit" in s.data or "print_submit" in s.errors, 120)
            state = k.controller.session.state
            assert "print_submit" in state.data, state.errors
        k.controller.post(ExitPressed())
        until(lambda s: s.page is Page.GOODBYE)
        cs.remove()
        until(lambda s: s.page is Page.ATTRACT, 30)
        assert k.heartbeat is not None and k.heartbeat.sent >= 1  # signed, over mutual TLS
        logging.getLogger("kiosk.test").info("session done for card %s", card_file.stem)
    finally:
        k.close()
        root = logging.getLogger()
        for h in list(root.handlers):
            if getattr(h, "_kiosk_handler", False):
                h.flush()
                root.removeHandler(h)
                h.close()


def _pay(k, until) -> None:
    """Pay the first flexible-employment due, three months, by card (as screens/pay.py asks)."""
    from kiosk.domain.dues import DueKind
    from kiosk.session import Navigate, Page, Request

    k.controller.post(Navigate(Page.PAY))
    until(lambda s: "dues" in s.data or "dues" in s.errors)
    dues = k.controller.session.state.data["dues"]
    due = next(d for d in dues if d.kind is DueKind.FLEXIBLE)
    periods = [str(p) for p in sorted(due.periods)[:3]]
    k.controller.post(Request("pay_quote", {"scheme": due.scheme.value, "periods": periods}))
    until(lambda s: "pay_quote" in s.data or "pay_quote" in s.errors)
    assert "pay_quote" in k.controller.session.state.data, k.controller.session.state.errors
    k.controller.post(Request("pay_card", {}))
    until(lambda s: "pay_card" in s.data or "pay_card" in s.errors, 120)
    state = k.controller.session.state
    assert "pay_card" in state.data and state.data["pay_card"].paid, state.errors


def test_a_whole_session_leaves_no_pin_and_no_unmasked_id(stack, tmp_path):
    svc, cs, cups, report, cards, db_path, pki = stack
    member = next(m for m in report.showcases if m.pin == PIN and m.card_file)
    payer = next(m for m in report.showcases if m.card_status == "valid" and "can pay" in m.note)
    with sqlite3.connect(db_path) as c:
        ids = [row[0] for row in c.execute("SELECT id_number FROM member")]
        member_id = c.execute(
            "SELECT id_number FROM member WHERE member_no = ?", (member.member_no,)
        ).fetchone()[0]
    assert len(ids) == 12 and member_id in ids

    run = tmp_path / "run"
    (run / "tmp").mkdir(parents=True)
    cfg_path = _config(run, svc, cups, pki)
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(run / "tmp")  # the kiosk's temp files (print previews) land here
    try:
        _session(cfg_path, cs, cards / member.card_file)
        cs.reset_state()  # the wrong PIN tried above counts on the emulated cards
        _session(cfg_path, cs, cards / payer.card_file, pin=payer.pin, pay=True)
    finally:
        tempfile.tempdir = saved_tempdir
    (run / "backoffice.log").write_text(svc.log_text(), encoding="utf-8")
    cups_logs = run / "cups-log"
    cups_logs.mkdir()
    for f in (cups.root / "log").iterdir():
        (cups_logs / f.name).write_bytes(f.read_bytes())

    written = [p for p in run.rglob("*") if p.is_file() and p.name != "kiosk.toml"]
    names = {p.relative_to(run).parts[0] for p in written}
    assert {"log", "audit", "backoffice.log", "journal.sqlite3"} <= names, names  # all written
    assert "/v1/members/" in (run / "backoffice.log").read_text()  # with its access log
    secrets = {
        "the PIN": PIN.encode(),
        "the wrong PIN": WRONG_PIN.encode(),
        "the payer's PIN": payer.pin.encode(),
        "the card number": member.card_number.encode(),
        "the payer's card number": payer.card_number.encode(),
        **{f"ID number #{i}": n.encode() for i, n in enumerate(ids)},
    }
    leaks = [
        f"{p.relative_to(run)} holds {what}"
        for p in written
        for what, secret in secrets.items()
        if secret in p.read_bytes()
    ]
    assert leaks == []

    # The run did record the session, masked, and the chain holds.
    audit_text = "".join(f.read_text(encoding="utf-8") for f in month_files(run / "audit"))
    masked = member_id[:3] + "*" * 11 + member_id[-4:]
    assert masked in audit_text
    for event in ("session.start", "card.accepted", "pin.wrong", "pin.ok", "session.end"):
        assert f'"event":"{event}"' in audit_text
    assert '"key":"pay_card","outcome":"paid"' in audit_text  # the payment's state
    assert verify(run / "audit")[0] == []
    log_text = (run / "log" / "kiosk.log").read_text(encoding="utf-8")
    assert "session done for card" in log_text  # the log file was written to
