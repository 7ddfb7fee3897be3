"""The payment journal: durable settings, legal transitions only, an audit trail, masked data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.domain.payments import IntentState, PayMethod, ReceiptState
from kiosk.payments.journal import Journal, JournalError

S = IntentState


def _prepare(j: Journal, intent_id: str = "i1") -> None:
    j.prepare(
        intent_id=intent_id,
        terminal_id="KIOSK-0001",
        member_no="110100000001",
        payer={"member_no": "110100000001", "name_masked": "*三", "id_masked": "110***1234"},
        scheme="pension",
        method=PayMethod.CARD,
        quote={"lines": []},
        amount_fen=133070,
    )


def test_wal_and_synchronous_full(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        assert j._con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert j._con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_the_happy_path_and_its_events(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        _prepare(j)
        j.update("i1", order_no="P1")
        j.move("i1", S.SENT, pay_key="i1-pay")
        j.move("i1", S.SUCCESS, gateway_txn="T1")
        e = j.move("i1", S.POSTED)
        assert e.final and e.resolved_at is not None
        assert e.receipt_state is ReceiptState.PENDING
        assert [to for _f, to, _d in j.events("i1")] == ["PREPARED", "SENT", "SUCCESS", "POSTED"]
        assert j.unresolved() == []
        assert j.last_paid() is not None and j.last_paid().intent_id == "i1"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ((), S.SUCCESS),  # PREPARED cannot succeed: no payment was sent
        ((), S.POSTED),
        ((S.SENT,), S.POSTED),  # posted only after SUCCESS
        ((S.SENT, S.FAILED), S.SENT),  # final stays final
        ((S.SENT, S.SUCCESS), S.REVERSED),  # a success is not reversed by the kiosk
    ],
)
def test_illegal_transitions_raise(
    tmp_path: Path, path: tuple[IntentState, ...], bad: IntentState
) -> None:
    with Journal(tmp_path / "j.sqlite3") as j:
        _prepare(j)
        for st in path:
            j.move("i1", st)
        with pytest.raises(JournalError):
            j.move("i1", bad)


def test_a_committed_row_is_there_for_another_connection(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    _prepare(j)
    j.move("i1", S.SENT)
    # Another process (a reader with its own connection) sees the commit at once.
    con = sqlite3.connect(path)
    assert con.execute("SELECT state FROM intent").fetchone()[0] == "SENT"
    con.close()
    j.close()
    with Journal(path) as again:
        assert [e.intent_id for e in again.unresolved()] == ["i1"]


def test_the_journal_holds_no_full_id_number(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        _prepare(j)
    raw = path.read_bytes()  # closed: the WAL is checkpointed into the file
    assert b"110***1234" in raw
    assert b"110101199003071234" not in raw


def test_the_service_is_built_from_the_config(tmp_path: Path) -> None:
    from kiosk.config import parse_config
    from kiosk.payments.service import open_payment_service

    cfg = parse_config(
        {"journal": {"path": str(tmp_path / "j.sqlite3")}, "payments": {"qr_timeout": 90}},
        source=tmp_path / "config.toml",
    )
    svc = open_payment_service(cfg)
    assert svc.settings.qr_timeout == 90.0 and svc.settings.terminal_id == cfg.terminal.id
    assert svc.receipt_readiness().value == "not_fitted"
    svc.journal.close()
