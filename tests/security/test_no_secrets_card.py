"""The card sale's secrets (issue 16) are nowhere they may not be: card sales on the real back
office with its reference acquirer over TCP (an approved sale, a wrong financial PIN then the
right one, a card pulled after approval and reversed, a host that does not answer and a
reversal), with the kiosk's log at DEBUG. Searched (tests/security/test_no_secrets.py's
search and card_secrets): the financial PIN (金融密码) and the wrong one tried, the PAN in
full, track 2, the PIN blocks sent in field 52, the PIK, the MAK and the TMK (raw and hex);
in the kiosk's log, the journal file (and its WAL), the test process's stderr, the back
office's log (the acquirer logs there) and its database, every table and the file's freed
pages.

Where they may be: the emulated card's own state (it is the card); in the database the PAN only
in the reference acquirer's acq_account.pan (not in acq_txn.answer_json: the 0210s it keeps
leave out field 2), the TMK only in acq_terminal.tmk_hex (the simulated bank's key table; the
PIK and MAK it keeps only under the TMK). Each kind has a control: planted in a copy of the
evidence, the same search reports it."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

import common.pos8583 as p
from backoffice.acquirer.accounts import add_account, add_terminal
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from backoffice.storage import Database
from kiosk.domain import Scheme
from kiosk.domain.payments import Outcome, Payer, PayMethod
from kiosk.payments.card_lab import emulated_bank_card, lab_bank_card, lab_card_sale, lab_finance
from tests.helpers.payments import TODAY, make_kiosk
from tests.helpers.secret_search import (
    Evidence,
    Plant,
    acquirer_keys,
    capture_sales,
    card_secrets,
    find_leaks,
    plant_controls,
)

PIN = "246810"
WRONG_PIN = "135791"
TERMINAL_NO = "NS000001"


@pytest.fixture(scope="module")
def backoffice() -> Iterator[RunningService]:
    with running_service(members=60, seed=31, today=TODAY, acquirer=True) as svc:
        yield svc


def test_card_sales_leave_no_card_secret(
    backoffice: RunningService,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lab = PaymentsLab(backoffice)
    db = Database(backoffice.database)
    run = tmp_path / "run"
    run.mkdir()
    log_file = run / "kiosk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    k = make_kiosk(lab, run / "journal.sqlite3", settle_wait=4.0)
    try:
        add_terminal(db, TERMINAL_NO, kiosk_id=k.terminal)
        assert backoffice.acquirer_port is not None
        sale = lab_card_sale(
            k.journal, k.client, host="127.0.0.1", port=backoffice.acquirer_port,
            terminal_no=TERMINAL_NO, read_timeout=1.5, reversal_pause=0.1,
            local_now=lambda: dt.datetime.combine(TODAY, dt.datetime.now().time()),
        )  # fmt: skip
        k.service.card_sale = sale
        assert sale.acquirer.sign_on().code == p.APPROVED  # once: the keys searched for below
        sent = capture_sales(monkeypatch)
        fin = lab_finance(pin=PIN, balance_fen=10_000_000)
        add_account(db, fin)
        card = emulated_bank_card(fin, run / "card" / "state.json")
        outcomes = []
        for pins, pulled, fault in (
            ([PIN], False, None),
            ([WRONG_PIN, PIN], False, None),
            ([PIN], True, None),
            ([PIN], False, "no_answer"),
        ):
            member = k.member(lab)
            due = next(d for d in k.bo.dues(member) if d.scheme is Scheme.PENSION)
            quote = k.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
            pending = k.service.confirm(
                quote, quote.total, Payer("", "*某", "1***"), PayMethod.CARD
            )
            if fault:
                requests.post(
                    f"{lab.url}/sim/acquirer/switches", json={fault: 1},
                    params={"terminal": TERMINAL_NO}, timeout=10,
                ).raise_for_status()  # fmt: skip
            bank, _ = lab_bank_card(card, pins, pull_after_approval=pulled)
            outcomes.append(k.service.pay_by_card(pending, bank).outcome)
        assert outcomes == [Outcome.PAID, Outcome.PAID, Outcome.REVERSED, Outcome.REVERSED]
        assert len(sent) == 5  # the wrong PIN's 0200 too
        tmk, pik, mak = acquirer_keys(backoffice.database, TERMINAL_NO)
    finally:
        root.removeHandler(handler)
        handler.close()
        root.setLevel(old_level)
        k.service.stop()
        k.journal.close()
        k.bo.close()
        db.dispose()
    track2 = sent[0].track2
    assert track2.startswith(fin.pan) and len(track2) > len(fin.pan) + 4
    assert {r.track2 for r in sent} == {track2}  # one card: one track 2 searched
    secrets = card_secrets(
        [("the financial PIN", PIN), ("the wrong financial PIN", WRONG_PIN)],
        fin.pan,
        sent,
        (tmk, pik, mak),
    )

    ev = Evidence(tmp_path / "evidence", own_id="")
    (ev.files / "kiosk").mkdir(parents=True)
    ev.paper.mkdir()
    shutil.copytree(run / "card", ev.card)
    for f in run.glob("journal.sqlite3*"):
        shutil.copy(f, ev.files / "kiosk" / f.name)
    shutil.copy(log_file, ev.files / "kiosk" / "kiosk.log")
    shutil.copy(backoffice.log_file, ev.files / "backoffice.log")
    (ev.files / "stderr.txt").write_text(capfd.readouterr().err, encoding="utf-8")
    for f in Path(backoffice.database).parent.glob(Path(backoffice.database).name + "*"):
        shutil.copy(f, ev.root / f.name.replace(Path(backoffice.database).name, ev.database.name))
    log_text = (ev.files / "kiosk" / "kiosk.log").read_text(encoding="utf-8")
    assert "card sale" in log_text or "acquirer" in log_text  # the log was written
    assert find_leaks(ev, secrets) == []

    # A freed cell keeps its bytes only in a page that still holds rows: this lab's heartbeat
    # table is empty (no kiosk sent one), so give it one row of no secret first.
    con = sqlite3.connect(ev.database)
    with con:
        con.execute(
            "INSERT INTO heartbeat (terminal_id, at, status_json) VALUES (?, ?, ?)",
            ("KIOSK-0001", "2026-06-20 00:00:00", '{"ok": true}'),
        )
    con.close()
    block = sent[0].pin_block.hex().upper()
    plants = [
        Plant("files/kiosk/kiosk.log", f"sale pan={fin.pan}", "the bank card number"),
        Plant("files/kiosk/kiosk.log", f"pin={PIN}", "the financial PIN"),
        Plant("files/stderr.txt", f"track2={track2}", "track 2 #0"),
        Plant("files/kiosk/journal.sqlite3", f"52={block}", "PIN block #0"),
        Plant("files/backoffice.log", f"PIK {pik.hex()}", "the PIK"),
        Plant("files/backoffice.log", f"MAK {mak.hex().upper()}", "the MAK"),
        Plant("db pay_order.account_masked", fin.pan, "the bank card number"),
        Plant("db acq_txn.answer_json", f'{{"2": "{fin.pan}"}}', "the bank card number"),
        Plant("db acq_txn.answer_json", tmk.hex().upper(), "the TMK"),
        Plant("db acq_terminal.pik_under_tmk", pik.hex(), "the PIK"),
        Plant("db freed", f'{{"pin": "{PIN}"}}', "the financial PIN"),
        Plant("db freed", block, "PIN block #0"),
    ]
    plant_controls(ev, secrets, tmp_path / "controls", plants)
