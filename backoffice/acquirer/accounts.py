"""The acquirer's terminals and card accounts as rows: the demo terminals, a terminal of the
lab, and the account of a card profile's financial application (common.emv_profile)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

import common.pos8583 as p
from backoffice.acquirer.issuer import pin_offset
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTerminalRow
from common.emv_profile import TEST_ISSUER_KEYS, FinanceProfile

MERCHANT_NO = "898110000000001"  # the lab's merchant: the social insurance hall
#: the back office's demo terminals -> their acquirer terminal numbers (field 41)
DEMO_ACQUIRER_TERMINALS = {"KIOSK-0001": "KS000001", "KIOSK-0002": "KS000002"}


def terminal_row(
    terminal_no: str, kiosk_id: str = "", merchant_no: str = MERCHANT_NO
) -> dict[str, Any]:
    """A terminal with the lab's TMK for its number (common.pos8583.lab_tmk)."""
    return {
        "terminal_no": terminal_no,
        "merchant_no": merchant_no,
        "kiosk_id": kiosk_id,
        "tmk_hex": p.lab_tmk(terminal_no).hex(),
        "batch_no": 1,
    }


def account_row(finance: FinanceProfile, card_identifier: str = "") -> dict[str, Any]:
    """The account a card's [finance] section describes: its PAN, PSN, expiry (YYMM), the
    opening balance, the PIN as its offset, the issuer keys by name."""
    return {
        "pan": finance.pan,
        "psn": finance.psn,
        "expiry": finance.expiry[:4],
        "card_identifier": card_identifier,
        "balance_fen": finance.balance_fen,
        "pin_offset": pin_offset(finance.pin, finance.pan),
        "pin_tries_left": 3,
        "pin_tries_max": 3,
        "issuer_key": "test" if finance.issuer_keys == TEST_ISSUER_KEYS else "profile",
        "last_atc": -1,
        "status": "active",
    }


def insert_demo_terminals(conn: Connection) -> None:
    conn.execute(
        insert(AcqTerminalRow),
        [terminal_row(no, kiosk) for kiosk, no in DEMO_ACQUIRER_TERMINALS.items()],
    )


def insert_accounts(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(AcqAccountRow), rows)


def add_terminal(db: Database, terminal_no: str, kiosk_id: str = "") -> None:
    """Register a terminal (idempotent)."""
    with db.engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(insert(AcqTerminalRow), [terminal_row(terminal_no, kiosk_id)])
        except IntegrityError:
            pass


def add_account(db: Database, finance: FinanceProfile, card_identifier: str = "") -> None:
    with db.engine.begin() as conn:
        conn.execute(insert(AcqAccountRow), [account_row(finance, card_identifier)])
