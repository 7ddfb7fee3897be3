"""The bank side of the seeded cards: each member card's financial application (the [finance]
section of its profile, common.emv_profile) and the reference acquirer's account that matches
it, drawn from the card alone so the profile and the account can never disagree; plus the demo
acquirer terminals and the accounts of the shipped cards (cardio/profiles/*.toml with [finance]).

These rows belong to the simulated bank (backoffice.storage.acquirer): the back office's own
code never reads them."""

from __future__ import annotations

import calendar
import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from backoffice.acquirer.accounts import account_row, insert_accounts, insert_demo_terminals
from backoffice.seed.lives import CardProfile, Life
from common.emv_profile import TEST_ISSUER_KEYS, FinanceProfile, load_finance, luhn_ok

SHIPPED_PROFILES = Path(__file__).resolve().parents[2] / "cardio" / "profiles"
# Seeded PANs: this lab prefix, the member's index in 10 digits, a Luhn check digit (19 digits).
# The shipped cards' PANs (6214831..., 6217003...) never start with it.
PAN_PREFIX = "62148320"
# The showcase members' 金融密码 and opening balance (yuan), by index (backoffice.seed.lives
# SHOWCASES): #0 owes years of arrears and holds 50.00, so its sale is declined 51 (insufficient
# funds); #1 "can pay" holds enough for any quote. Every other card's are drawn from its
# card identifier (member_finance).
SHOWCASE_FINANCE: dict[int, tuple[str, str]] = {
    0: ("802468", "50.00"),
    1: ("975310", "30000.00"),
    2: ("112358", "8000.00"),
    3: ("314159", "12000.00"),
    4: ("271828", "3000.00"),
    5: ("161803", "6000.00"),
    6: ("141421", "6000.00"),
    7: ("173205", "15000.00"),
}
MIN_BALANCE_YUAN = 2_000
MAX_BALANCE_YUAN = 50_000
#: acq_account's columns as account_row gives them (the seeder's bulk insert, COPY too)
ACCOUNT_COLUMNS: tuple[str, ...] = (
    "pan",
    "psn",
    "expiry",
    "card_identifier",
    "balance_fen",
    "pin_offset",
    "pin_tries_left",
    "pin_tries_max",
    "issuer_key",
    "last_atc",
    "status",
)


def seeded_pan(index: int) -> str:
    body = f"{PAN_PREFIX}{index:010d}"
    return body + next(d for d in "0123456789" if luhn_ok(body + d))


def member_finance(index: int, p: CardProfile) -> FinanceProfile:
    """The financial application on seeded member `index`'s card: debit, DDA on a 3.00 card
    and SDA on a 2.00 one (as the shipped cards), expiring with the card (its month's last
    day); the PIN and balance of SHOWCASE_FINANCE, else drawn from the card identifier (which
    the seed decides): a 6-digit PIN never equal to the card's 社保 PIN, and a whole-yuan
    balance from MIN_BALANCE_YUAN to MAX_BALANCE_YUAN."""
    if index in SHOWCASE_FINANCE:
        pin, balance = SHOWCASE_FINANCE[index]
    else:
        h = hashlib.sha256(f"{p.card_identifier}/finance".encode()).digest()
        pin = f"{int.from_bytes(h[:4], 'big') % 10**6:06d}"
        if pin == p.pin:
            pin = f"{(int(pin) + 1) % 10**6:06d}"
        span = MAX_BALANCE_YUAN - MIN_BALANCE_YUAN + 1
        balance = f"{MIN_BALANCE_YUAN + int.from_bytes(h[4:8], 'big') % span}.00"
    e = p.expiry_date
    last_day = calendar.monthrange(e.year, e.month)[1]
    return FinanceProfile(
        pan=seeded_pan(index),
        psn="01",
        expiry=f"{e:%y%m}{last_day:02d}",
        pin=pin,
        apps=("debit",),
        oda="dda" if p.spec_version == "3.00" else "sda",
        oda_broken=False,
        balance_fen=int(Decimal(balance) * 100),
        issuer_keys=TEST_ISSUER_KEYS,
    )


def finance_toml(f: FinanceProfile) -> list[str]:
    """The profile's [finance] section (docs/card-profiles.md), as lines. Test issuer keys
    only: a seeded card never carries other keys."""
    if f.issuer_keys != TEST_ISSUER_KEYS or f.oda_broken:
        raise ValueError("a seeded card has the test issuer keys and a sound signature")
    apps = ", ".join(f'"{a}"' for a in f.apps)
    return [
        "[finance]",
        f'pan = "{f.pan}"',
        f'psn = "{f.psn}"',
        f'expiry = "{f.expiry}"',
        f'pin = "{f.pin}"',
        f"apps = [{apps}]",
        f'oda = "{f.oda}"',
        f'balance = "{Decimal(f.balance_fen) / 100:.2f}"',
        "",
    ]


def account_rows(lives: Iterable[Life]) -> list[tuple[Any, ...]]:
    """The acquirer's accounts of a batch of lives, as tuples in ACCOUNT_COLUMNS order."""
    out = []
    for x in lives:
        row = account_row(member_finance(x.index, x.profile), x.profile.card_identifier)
        out.append(tuple(row[c] for c in ACCOUNT_COLUMNS))
    return out


def shipped_accounts(profiles: Sequence[Path] | None = None) -> list[dict[str, Any]]:
    """The accounts of the shipped cards that have a [finance] section."""
    import tomllib

    rows = []
    for path in profiles if profiles is not None else sorted(SHIPPED_PROFILES.glob("*.toml")):
        fin = load_finance(path)
        if fin is None:
            continue
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        rows.append(account_row(fin, str(doc.get("ef05", {}).get("card_identifier", ""))))
    return rows


def insert_demo_acquirer(conn: Connection) -> None:
    """The demo terminals' acquirer numbers (KIOSK-0001 -> KS000001, ...) and the shipped
    cards' accounts: with the seeded members' accounts, every demo card can pay."""
    insert_demo_terminals(conn)
    insert_accounts(conn, shipped_accounts())
