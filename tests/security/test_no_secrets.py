"""The issue's test: a whole member session on the real stack (card emulator through pcscd,
the back office over mutual TLS with signed requests and card sessions, a real cupsd), PIN
135790 after a wrong PIN, browse and print; a second member pays three months by card: the
EMV card sale of the card's bank application, its 金融密码 typed on the on-screen keypad into
the emulated PIN pad, authorized by the reference acquirer over TCP (issue 16). Then
everything the run left behind is searched for every secret it handled:

- secrets: the PINs (and the wrong one tried; as a whole word), every seeded ID number, both
  card numbers, the API keys (the demo keys, the one the kiosk is configured with, every
  kiosk's api.key), the signing keys (the back office's signing-keys.json, each kiosk's
  signing.key), each kiosk's audit key, the card master keys (card-keys.toml), the TLS
  private keys of the test PKI (a PEM "PRIVATE KEY" block anywhere, or any key's material:
  its base64 lines, its private scalar raw or in hex), and the card-session tokens the back
  office handed out (captured as the kiosk received them); the card sale's: the 金融密码, the
  bank card's PAN in full, track 2, each PIN block sent, the PIK, MAK and TMK (card_secrets);
- places: the kiosk's log, audit, journal and temp files, the kiosk process's stderr, the back
  office's stdout+stderr (with its access log), cupsd's logs and stderr, the CUPS spool's
  control files, cups-pdf's log, pcscd's and the card emulator's output, the printed PDFs
  (pdftotext and raw) and the back office database (every table and column, and the file's
  bytes for what belongs in no row). The acquirer runs in this process: it logs where the
  kiosk does.

What may appear where (docs/rules.md "Masking", docs/security.md): the member's own ID number
in full on the member's own A4 paper only; in the database an ID number only in
member.id_number and a card number only in card.card_number / admin_card.card_number (the
acquirer's own tables: DB_ALLOWED); API keys only as their SHA-256 (terminal.key_sha256,
checked), card-session tokens nowhere (the back office keeps their SHA-256 in memory). The
card emulator stands for the card and its security module, so its own log may hold what they
hold (PIN, card number, ID number, master keys).

Each secret kind has a control: a temporary copy of the run's evidence with one planted
secret of that kind, which the same search must report, so the test can fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.acquirer.accounts import DEMO_ACQUIRER_TERMINALS
from backoffice.seed.run import DEMO_TERMINALS
from backoffice.tls_harness import running_tls_service
from kiosk.audit import load_key, month_files, verify
from tests.helpers.journey import skip_goodbye
from tests.helpers.secret_search import (
    API_KEY,
    AUDIT_KEY,
    BANK_PAN,
    CARD,
    CARD_KEY,
    ID,
    MAK,
    PEM_PRIVATE,
    PIK,
    PIN_,
    PIN_BLOCK,
    SIGNING_KEY,
    TLS_KEY,
    TMK,
    TOKEN,
    TRACK2,
    Evidence,
    Plant,
    acquirer_keys,
    capture_sales,
    card_secrets,
    find_leaks,
    holds,
    pdf_text,
    pki_secrets,
    plant_controls,
    secret_of,
)
from tests.security.conftest import TODAY, make_pki

# A whole journey, then 16 searches of its evidence: minutes on a loaded 2-core machine.
pytestmark = [pytest.mark.pcsc, pytest.mark.cups, pytest.mark.slow, pytest.mark.timeout(600)]

PIN = "135790"
WRONG_PIN = "246801"
CUPS_PDF_LOG = Path("/var/log/cups/cups-pdf-KioskA4_log")  # cups-pdf logs by queue name


def test_what_the_search_counts_as_a_secret() -> None:
    pin = secret_of(PIN_, "the PIN", PIN, word=True)
    assert holds(b'{"pin": "135790"}', pin) and holds(b"PIN:135790\n", pin)
    assert not holds(b"total_fen=1357900", pin)  # inside a longer number: not the PIN
    assert not holds(b"digest a135790f", pin)  # inside a hash
    key = secret_of(SIGNING_KEY, "a signing key", "ab12cd", hex_=True)
    assert holds(b"AB12CD", key) and holds(b"x=ab12cd;", key)
    assert PEM_PRIVATE.search(b"-----BEGIN EC PRIVATE KEY-----") and PEM_PRIVATE.search(
        b"-----BEGIN PRIVATE KEY-----"
    )
    assert not PEM_PRIVATE.search(b"-----BEGIN CERTIFICATE-----")


# --- the run ------------------------------------------------------------------------------


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
    pki = make_pki(tmp_path / "pki", *DEMO_TERMINALS)  # every seeded terminal gets its own key
    with (
        card_keys_of(card_stack_ready, pki),
        running_tls_service(
            db_path,
            pki=pki,
            today=TODAY,
            access_log=True,
            require_card_session=True,
            simulated_payments=True,
        ) as svc,
        running_acquirer(db_path) as acquirer_port,
        contextlib.ExitStack() as cupsd,
    ):
        # keep=True: once cupsd has stopped (and written its job files), its spool, logs and
        # PDFs stay to be searched; removed here at the end.
        cups = cupsd.enter_context(cups_server(keep=True))
        try:
            yield (
                svc,
                card_stack_ready,
                cups,
                cupsd.close,
                report,
                cards,
                db_path,
                pki,
                acquirer_port,
            )
        finally:
            cupsd.close()
            shutil.rmtree(cups.root, ignore_errors=True)


@contextlib.contextmanager
def running_acquirer(db_path: Path) -> Iterator[int]:
    """The reference acquirer on the test's database, in this process (as `backoffice serve
    --lab --acquirer-port` runs it beside its app; backoffice.tls has no acquirer, its gateway
    being production's). Its port. On the real date: the kiosk stamps field 13 with it, and
    the back office finds the sale by that date when the order is posted."""
    from backoffice.acquirer import AcquirerHost, AcquirerServer, AcquirerSwitches
    from backoffice.settings import Settings
    from backoffice.storage import Database

    settings = Settings(database=str(db_path))
    db = Database(str(db_path))
    host = AcquirerHost(db, now=settings.now, today=settings.current_date)
    server = AcquirerServer(host, AcquirerSwitches()).start()
    try:
        yield server.port
    finally:
        server.stop()
        db.dispose()


@contextlib.contextmanager
def card_keys_of(cs, pki: Path) -> Iterator[None]:
    """The emulated cards and security module on the PKI's card master keys, which the back
    office checks card proofs with; back on the built-in test keys afterwards."""
    keys = pki / "card-keys.toml"
    if not keys.exists():
        yield
        return
    cs.keys_file = str(keys)
    cs.restart_emulator()
    try:
        yield
    finally:
        cs.keys_file = None
        cs.restart_emulator()


def _api_key(svc) -> str:
    """The kiosk's own API key, which the harness gave KIOSK-0001 (the demo keys are refused)."""
    return str(svc.api_key("KIOSK-0001"))


def _security_module(pki: Path) -> str:
    keys = pki / "card-keys.toml"  # the card master keys the cards and the back office use
    return f'[security_module]\nkeys_file = "{keys}"' if keys.exists() else ""


def _config(run: Path, svc, cups, pki: Path, acquirer_port: int = 9) -> Path:
    """The kiosk's config for the TLS service; acquirer_port: where its card sales go (port 9,
    discard: a test that pays by no card)."""
    kiosk = pki / "kiosks" / "KIOSK-0001"
    p = run / "kiosk.toml"
    p.write_text(
        f"""
[ui]
voice = false
{_security_module(pki)}
[receipt_printer]
kind = "none"
[backoffice]
url = "{svc.url}"
api_key = "{_api_key(svc)}"
ca_file = "{pki / "ca.pem"}"
client_cert = "{kiosk / "cert.pem"}"
client_key = "{kiosk / "key.pem"}"
signing_key_file = "{kiosk / "signing.key"}"
card_session = true
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
key_file = "{kiosk / "audit.key"}"
[heartbeat]
interval = 5
[acquirer]
port = {acquirer_port}
""",
        encoding="utf-8",
    )
    return p


def _session(
    cfg_path: Path, cs, card_file: Path, *, pin: str = PIN, bank_pin: str | None = None
) -> None:
    """One member's session through the kiosk core, as the touch UI drives it: browse, print
    (or, given the card's 金融密码, pay three months by card)."""
    from kiosk.assembly import build
    from kiosk.config import load_config
    from kiosk.logging_setup import configure_logging
    from kiosk.session.intents import RequestName
    from kiosk.session.machine import ExitPressed, Navigate, Page, PinSubmitted, Request

    cfg = load_config(cfg_path)
    configure_logging(cfg.logging)  # as the kiosk starts: the file and stderr
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
        pay = bank_pin is not None
        if bank_pin is not None:
            _pay(k, until, bank_pin)
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
            summary = k.controller.session.state.data.summary
            assert summary is not None
            year = summary.as_of.year
            params = {"kind": "rights_record", "first_year": year, "last_year": year}
            k.controller.post(Request(RequestName.PRINT_PREVIEW, params))
            until(lambda s: "print_preview" in s.data or "print_preview" in s.errors)
            k.controller.post(Request(RequestName.PRINT_SUBMIT, {}))
            until(lambda s: "print_submit" in s.data or "print_submit" in s.errors, 120)
            state = k.controller.session.state
            assert "print_submit" in state.data, state.errors
        k.controller.post(ExitPressed())
        until(lambda s: s.page is Page.GOODBYE)
        cs.remove()
        until(lambda s: s.goodbye_until is not None or s.page is Page.ATTRACT)
        skip_goodbye(k.controller)  # its 5 s passed at once
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


def _pay(k, until, bank_pin: str) -> None:
    """Pay the first flexible-employment due, three months, by card (as screens/pay.py asks):
    the card sale asks for the 金融密码, typed key by key on the on-screen keypad (each key
    straight to the emulated PIN pad through the card desk)."""
    from kiosk.domain.dues import DueKind
    from kiosk.payments.card_desk import CardPrompt, EnterBankPin
    from kiosk.session.intents import RequestName
    from kiosk.session.machine import Navigate, Page, Request

    k.controller.post(Navigate(Page.PAY))
    until(lambda s: "dues" in s.data or "dues" in s.errors)
    dues = k.controller.session.state.data["dues"]
    due = next(d for d in dues if d.kind is DueKind.FLEXIBLE)
    periods = [str(p) for p in sorted(due.periods)[:3]]
    k.controller.post(
        Request(RequestName.PAY_QUOTE, {"scheme": due.scheme.value, "periods": periods})
    )
    until(lambda s: "pay_quote" in s.data or "pay_quote" in s.errors)
    assert "pay_quote" in k.controller.session.state.data, k.controller.session.state.errors
    desk = k.services.paying.card_desk
    prompts: list[CardPrompt | None] = []
    asked = threading.Event()

    def seen(prompt: CardPrompt | None) -> None:
        prompts.append(prompt)
        if isinstance(prompt, EnterBankPin):
            asked.set()

    desk.subscribe(seen)
    k.controller.post(Request(RequestName.PAY_CARD, {}))
    assert asked.wait(120), (prompts, k.controller.session.state.errors)
    for key in bank_pin:
        desk.key(key)
    entry = desk.prompt()
    assert isinstance(entry, EnterBankPin) and entry.digits == len(bank_pin)  # dots, no digit
    desk.key("enter")
    until(lambda s: "pay_card" in s.data or "pay_card" in s.errors, 120)
    state = k.controller.session.state
    assert "pay_card" in state.data and state.data["pay_card"].paid, state.errors


def _capture_tokens(monkeypatch) -> list[str]:
    """The card-session tokens the back office hands out, as the kiosk receives them."""
    from kiosk.backoffice.card_session import CardSessionApi

    tokens: list[str] = []
    opened = CardSessionApi.open

    def open_and_keep(self, *args, **kwargs) -> str:
        token = opened(self, *args, **kwargs)
        tokens.append(token)
        return token

    monkeypatch.setattr(CardSessionApi, "open", open_and_keep)
    return tokens


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _collect(ev: Evidence, run: Path, svc, cups, cs, db_path: Path, stderr: str, pdf_log: int):
    """Copy what the run left behind into `ev` (cupsd has stopped, the back office runs)."""
    for p in run.rglob("*"):
        if p.is_file() and p.name != "kiosk.toml":  # the kiosk's own configuration holds its key
            _copy(p, ev.files / "kiosk" / p.relative_to(run))
    (ev.files / "kiosk-stderr.txt").write_text(stderr, encoding="utf-8")
    (ev.files / "backoffice-output.txt").write_text(svc.log_text(), encoding="utf-8")
    for p in (cups.root / "log").iterdir():  # access_log, error_log, page_log, cupsd.stderr
        _copy(p, ev.files / "cups-log" / p.name)
    for p in (cups.root / "spool").rglob("*"):
        if p.is_file() and re.fullmatch(r"d\d+-\d+", p.name):  # a job's document: the paper
            _copy(p, ev.paper / f"spool-{p.name}.pdf")
        elif p.is_file():  # control files (c00001): the job's attributes
            _copy(p, ev.files / "cups-spool" / p.relative_to(cups.root / "spool"))
    for p in cups.out_dir.glob("*.pdf"):
        _copy(p, ev.paper / p.name)
    if CUPS_PDF_LOG.exists():
        with CUPS_PDF_LOG.open("rb") as f:
            f.seek(pdf_log)
            (ev.files / "cups-pdf.log").write_bytes(f.read())
    for name in ("pcscd.log",):  # pcscd's output, when the card stack started it
        if (cs.run_dir / name).exists():
            _copy(cs.run_dir / name, ev.files / name)
    if (cs.run_dir / "emulator.log").exists():
        _copy(cs.run_dir / "emulator.log", ev.card / "emulator.log")
    with sqlite3.connect(db_path) as src, sqlite3.connect(ev.database) as dst:
        src.backup(dst)  # a consistent copy while the back office runs


def test_a_whole_session_leaves_no_secret(stack, tmp_path, capfd, monkeypatch):
    from cardio.emulator import load_profile
    from kiosk.config import load_config

    svc, cs, cups, stop_cups, report, cards, db_path, pki, acquirer_port = stack
    member = next(m for m in report.showcases if m.pin == PIN and m.card_file)
    payer = next(m for m in report.showcases if m.card_status == "valid" and "can pay" in m.note)
    with sqlite3.connect(db_path) as c:
        ids = [row[0] for row in c.execute("SELECT id_number FROM member")]
        member_id = c.execute(
            "SELECT id_number FROM member WHERE member_no = ?", (member.member_no,)
        ).fetchone()[0]
    assert len(ids) == 12 and member_id in ids
    finance = load_profile(cards / payer.card_file).finance
    assert finance is not None and finance.pin != payer.pin  # the 金融密码 is its own

    run = tmp_path / "run"
    (run / "tmp").mkdir(parents=True)
    cfg_path = _config(run, svc, cups, pki, acquirer_port)
    api_key = load_config(cfg_path).backoffice.api_key
    tokens = _capture_tokens(monkeypatch)
    sales = capture_sales(monkeypatch)
    pdf_log = CUPS_PDF_LOG.stat().st_size if CUPS_PDF_LOG.exists() else 0
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(run / "tmp")  # the kiosk's temp files (print previews) land here
    try:
        _session(cfg_path, cs, cards / member.card_file)
        cs.reset_state()  # the wrong PIN tried above counts on the emulated cards
        _session(cfg_path, cs, cards / payer.card_file, pin=payer.pin, bank_pin=finance.pin)
    finally:
        tempfile.tempdir = saved_tempdir
    out, err = capfd.readouterr()
    stop_cups()
    ev = Evidence(tmp_path / "evidence", member_id)
    _collect(ev, run, svc, cups, cs, db_path, out + err, pdf_log)

    tmk, pik, mak = acquirer_keys(str(db_path), DEMO_ACQUIRER_TERMINALS["KIOSK-0001"])
    secrets = [
        secret_of(PIN_, "the PIN", PIN, word=True),
        secret_of(PIN_, "the wrong PIN", WRONG_PIN, word=True),
        secret_of(PIN_, "the payer's PIN", payer.pin, word=True),
        secret_of(CARD, "the card number", member.card_number),
        secret_of(CARD, "the payer's card number", payer.card_number),
        *(secret_of(ID, f"ID number #{i}", n, hex_=True) for i, n in enumerate(ids)),
        secret_of(API_KEY, "the configured API key", api_key),
        *(secret_of(API_KEY, f"the demo key of {t}", k) for t, k in DEMO_TERMINALS.items()),
        *pki_secrets(pki),
        *(secret_of(TOKEN, f"card-session token #{i}", t) for i, t in enumerate(tokens)),
        *card_secrets(
            [("the payer's financial PIN", finance.pin)],
            finance.pan,
            sales,
            (tmk, pik, mak),
        ),
    ]
    assert len(tokens) == 2  # one card session per member, both handed to the kiosk
    assert len(sales) == 1 and sales[0].pan == finance.pan  # one 0200: the PIN was right

    # Everything was collected (a search of nothing finds nothing).
    kiosk_files = {p.name for p in (ev.files / "kiosk").iterdir()}
    assert {"log", "audit", "journal.sqlite3"} <= kiosk_files, kiosk_files
    assert "session done for card" in (ev.files / "kiosk-stderr.txt").read_text()
    assert "/v1/members/" in (ev.files / "backoffice-output.txt").read_text()  # access log
    assert "/v1/card-sessions" in (ev.files / "backoffice-output.txt").read_text()
    assert list((ev.files / "cups-spool").glob("c*")), "no CUPS control file"
    assert {"access_log", "page_log"} <= {p.name for p in (ev.files / "cups-log").iterdir()}
    assert list(ev.paper.glob("*.pdf")), "no printed PDF"
    kinds = {PIN_, ID, CARD, API_KEY, SIGNING_KEY, AUDIT_KEY, TLS_KEY, TOKEN, CARD_KEY}
    kinds |= {BANK_PAN, TRACK2, PIN_BLOCK, PIK, MAK, TMK}
    assert {k.category for k in secrets} == kinds

    assert find_leaks(ev, secrets) == []

    # What is allowed is there, in its allowed form.
    paper = [pdf_text(p) for p in ev.paper.glob("*.pdf") if not p.name.startswith("spool-")]
    assert all(member_id.encode() in text for text in paper)  # the member's own paper: in full
    with sqlite3.connect(ev.database) as c:
        hashes = {r[0] for r in c.execute("SELECT key_sha256 FROM terminal")}
        columns = {r[1] for r in c.execute("PRAGMA table_info(terminal)")}
        sales_made = c.execute("SELECT pan_masked, response_code FROM acq_txn").fetchall()
    assert hashlib.sha256(api_key.encode()).hexdigest() in hashes  # the API key, hashed
    assert sales_made == [(sales[0].pan_masked, "00")]  # the acquirer approved the one sale
    assert not any("key" in col and "sha" not in col for col in columns - {"key_sha256"})

    # The run did record the session, masked, and the chain holds.
    audit_dir = ev.files / "kiosk" / "audit"
    audit_text = "".join(f.read_text(encoding="utf-8") for f in month_files(audit_dir))
    masked = member_id[:3] + "*" * 11 + member_id[-4:]
    assert masked in audit_text
    for event in ("session.start", "card.accepted", "pin.wrong", "pin.ok", "session.end"):
        assert f'"event":"{event}"' in audit_text
    assert '"key":"pay_card","outcome":"paid"' in audit_text  # the payment's state
    audit_key = load_key(pki / "kiosks" / "KIOSK-0001" / "audit.key")
    assert verify(audit_dir, audit_key).problems == []

    # Controls: one secret of each kind planted where it may not be, each found.
    kiosk_dir = pki / "kiosks" / "KIOSK-0001"
    signing_key = (kiosk_dir / "signing.key").read_text().strip()
    key_pem = (kiosk_dir / "key.pem").read_text()
    server_key_line = (pki / "server.key").read_text().splitlines()[1]  # a base64 line
    other_id = next(i for i in ids if i != member_id)
    master_key = tomllib.loads((pki / "card-keys.toml").read_text())["master"]["internal"]
    id_name = {n: f"ID number #{i}" for i, n in enumerate(ids)}
    plants = [
        Plant("files/backoffice-output.txt", api_key, "the configured API key"),
        Plant("files/kiosk-stderr.txt", signing_key.upper(), "kiosks/KIOSK-0001/signing.key"),
        Plant("db terminal.hall", signing_key, "kiosks/KIOSK-0001/signing.key"),
        Plant("files/kiosk/journal.sqlite3", audit_key.hex(), "kiosks/KIOSK-0001/audit.key"),
        Plant("files/cups-pdf.log", server_key_line, "server.key"),
        Plant("files/cups-spool/c99999", key_pem, "a PEM private key block"),
        Plant("files/cups-spool/c99998", member_id, id_name[member_id]),
        Plant("card/emulator.log", tokens[0], "card-session token #0"),
        Plant("db heartbeat.status_json", tokens[1], "card-session token #1"),
        Plant("db freed", tokens[1], "card-session token #1"),
        Plant("db certificate.content_json", member_id, id_name[member_id]),
        Plant("db pay_order.account_masked", payer.card_number, "the payer's card number"),
        Plant("paper", other_id, id_name[other_id]),
        Plant("paper", PIN, "the PIN"),
        Plant("files/kiosk/log/kiosk.log", f"verify pin={PIN}", "the PIN"),
        Plant("files/cups-log/error_log", master_key, "card-keys.toml internal"),
        Plant("files/kiosk/log/kiosk.log", f"sale pan={finance.pan}", "the bank card number"),
        Plant("files/backoffice-output.txt", f"35={sales[0].track2}", "track 2 #0"),
        Plant("files/kiosk/journal.sqlite3", sales[0].pin_block.hex(), "PIN block #0"),
        Plant("db freed", f'{{"pin": "{finance.pin}"}}', "the payer's financial PIN"),
        Plant("db acq_txn.answer_json", tmk.hex().upper(), "the TMK"),
        Plant("files/kiosk-stderr.txt", f"PIK {pik.hex()}", "the PIK"),
        Plant("files/cups-pdf.log", mak.hex().upper(), "the MAK"),
    ]
    plant_controls(ev, secrets, tmp_path / "controls", plants)
