"""The no-secrets search (tests/security/test_no_secrets*.py): what counts as a secret, where
each kind may appear, the evidence a run leaves and the search of it, and the planted controls
that prove the search can fail."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.acquirer.client import AcquirerClient, HostAnswer, SaleRequest

PEM_PRIVATE = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")

# Categories of secret, and where (besides nowhere) each may appear.
PIN_, ID, CARD, API_KEY, SIGNING_KEY, AUDIT_KEY, TLS_KEY, TOKEN, CARD_KEY = (
    "PIN",
    "ID number",
    "card number",
    "API key",
    "signing key",
    "audit key",
    "TLS private key",
    "card-session token",
    "card master key",
)
# The card sale's (issue 16; tests/security/test_no_secrets_card.py searches them).
BANK_PAN, TRACK2, PIN_BLOCK, PIK, MAK, TMK = (
    "bank card number (PAN)",
    "track 2 data",
    "PIN block",
    "PIN key (PIK)",
    "MAC key (MAK)",
    "terminal master key (TMK)",
)
KEY_KINDS = {"signing": SIGNING_KEY, "audit": AUDIT_KEY}
DB_ALLOWED = {
    ID: {("member", "id_number")},
    CARD: {("card", "card_number"), ("admin_card", "card_number")},
    # The reference acquirer's own tables (the simulated bank in the lab's database): the card
    # account is found by its PAN (its 0210s are kept without field 2, the PAN they echo); it
    # keeps each terminal's TMK (a real acquirer: in its HSM). The working keys it stores only
    # under the TMK. Nothing of this in the back office's own.
    BANK_PAN: {("acq_account", "pan")},
    TMK: {("acq_terminal", "tmk_hex")},
}
EMULATOR_ALLOWED = {PIN_, ID, CARD, CARD_KEY}  # what a card and its security module hold


@dataclass(frozen=True)
class Secret:
    category: str
    name: str  # e.g. "the payer's PIN", "kiosks/KIOSK-0001/signing.key"
    needles: tuple[bytes, ...]
    # Short secrets (PINs) count only as a whole word: six digits inside a longer number or a
    # hash (an amount in fen, a digest) are not the PIN.
    pattern: re.Pattern[bytes] | None = None


def secret_of(
    category: str, name: str, *values: str | bytes, hex_: bool = False, word: bool = False
) -> Secret:
    needles: set[bytes] = set()
    for v in values:
        b = v.encode() if isinstance(v, str) else v
        needles.add(b)
        if hex_ and isinstance(v, str):  # hex text in either case (raw bytes as they are)
            needles |= {b.lower(), b.upper()}
    pattern = None
    if word:
        either = b"|".join(re.escape(n) for n in sorted(needles))
        pattern = re.compile(rb"(?<![0-9A-Za-z])(?:" + either + rb")(?![0-9A-Za-z])")
    return Secret(category, name, tuple(sorted(needles)), pattern)


def _tls_key(name: str, pem: bytes) -> Secret:
    """A private key's material: each base64 line of its PEM body, the body joined, and its
    private scalar (raw, and hex in either case)."""
    lines = [ln for ln in pem.splitlines() if ln and not ln.startswith(b"-----")]
    key = serialization.load_pem_private_key(pem, None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)  # make_test_ca.py makes P-256 keys
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    material = [b"".join(lines), *(ln for ln in lines if len(ln) >= 32), scalar]
    return secret_of(TLS_KEY, name, *material, scalar.hex().upper(), scalar.hex())


def pki_secrets(pki: Path) -> list[Secret]:
    """Every private thing scripts/make_test_ca.py wrote (whatever kinds it writes today)."""
    out: list[Secret] = []
    for p in sorted(pki.rglob("*")):
        rel = str(p.relative_to(pki))
        if not p.is_file():
            continue
        data = p.read_bytes()
        if PEM_PRIVATE.search(data):
            out.append(_tls_key(rel, data))
        elif p.name == "api.key":
            out.append(secret_of(API_KEY, rel, data.strip()))
        elif p.suffix == ".key":  # signing.key, audit.key (the audit chain's HMAC key): hex
            kind, text = KEY_KINDS.get(p.stem, SIGNING_KEY), data.strip().decode()
            out.append(secret_of(kind, rel, text, bytes.fromhex(text), hex_=True))
        elif p.name == "signing-keys.json":
            for t, k in json.loads(data).items():
                out.append(secret_of(SIGNING_KEY, f"{rel} {t}", k, hex_=True))
        elif p.name == "card-keys.toml":
            for k, v in tomllib.loads(data.decode())["master"].items():
                out.append(secret_of(CARD_KEY, f"{rel} {k}", v, hex_=True))
    return out


def card_secrets(
    pins: Iterable[tuple[str, str]],
    pan: str,
    sent: Sequence[SaleRequest],
    keys: tuple[bytes, bytes, bytes],
) -> list[Secret]:
    """The card sale's secrets: each named 金融密码 (a whole word), the PAN, the track 2 sent
    (with 'D' or '=' as separator), each PIN block sent in field 52 and the terminal's
    (TMK, PIK, MAK), raw and hex in either case."""
    tmk, pik, mak = keys
    track2 = {r.track2 for r in sent}
    return [
        *(secret_of(PIN_, name, pin, word=True) for name, pin in pins),
        secret_of(BANK_PAN, "the bank card number", pan),
        *(
            secret_of(TRACK2, f"track 2 #{i}", t, t.replace("D", "="), hex_=True)
            for i, t in enumerate(sorted(track2))
        ),
        *(_key(PIN_BLOCK, f"PIN block #{i}", r.pin_block) for i, r in enumerate(sent)),
        _key(PIK, "the PIK", pik),
        _key(MAK, "the MAK", mak),
        _key(TMK, "the TMK", tmk),
    ]


def _key(category: str, name: str, key: bytes) -> Secret:
    return secret_of(category, name, key, key.hex().upper(), hex_=True)


def acquirer_keys(database: str, terminal_no: str) -> tuple[bytes, bytes, bytes]:
    """The acquirer terminal's (TMK, PIK, MAK) as its last sign-on left them."""
    from sqlalchemy import select

    import common.pos8583 as p
    from backoffice.storage import Database
    from backoffice.storage.acquirer import AcqTerminalRow

    db = Database(database)
    try:
        with db.session() as s:
            term = s.scalars(
                select(AcqTerminalRow).where(AcqTerminalRow.terminal_no == terminal_no)
            ).one()
            assert term.pik_under_tmk is not None and term.mak_under_tmk is not None
            tmk = bytes.fromhex(term.tmk_hex)
            pik = p.unwrap(tmk, bytes.fromhex(term.pik_under_tmk))
            mak = p.unwrap(tmk, bytes.fromhex(term.mak_under_tmk))
    finally:
        db.dispose()
    return tmk, pik, mak


def capture_sales(monkeypatch: pytest.MonkeyPatch) -> list[SaleRequest]:
    """Every 0200 any acquirer client of this process sends, passed on unchanged."""
    sent: list[SaleRequest] = []
    purchase = AcquirerClient.purchase

    def purchase_and_keep(self: AcquirerClient, sale: SaleRequest) -> HostAnswer:
        sent.append(sale)
        return purchase(self, sale)

    monkeypatch.setattr(AcquirerClient, "purchase", purchase_and_keep)
    return sent


# --- the search ---------------------------------------------------------------------------


@dataclass
class Evidence:
    """What a run left behind, copied into one folder: files/ (logs, spool, journal ...),
    paper/ (the printed PDFs), card/ (the emulator's own log), backoffice.sqlite3."""

    root: Path
    own_id: str  # the ID number the member's own paper shows in full

    @property
    def files(self) -> Path:
        return self.root / "files"

    @property
    def paper(self) -> Path:
        return self.root / "paper"

    @property
    def card(self) -> Path:
        return self.root / "card"

    @property
    def database(self) -> Path:
        return self.root / "backoffice.sqlite3"


def holds(data: bytes, s: Secret) -> bool:
    if s.pattern is not None:
        return s.pattern.search(data) is not None
    return any(n in data for n in s.needles)


def pdf_text(pdf: Path) -> bytes:
    r = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _db_columns(path: Path) -> Iterator[tuple[str, str, bytes]]:
    """(table, column, every value of it joined by NUL: no secret spans two rows)."""
    c = sqlite3.connect(path)
    try:
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in tables:
            cur = c.execute(f'SELECT * FROM "{t}"')
            cols = [d[0] for d in cur.description]
            values: list[list[bytes]] = [[] for _ in cols]
            for row in cur:
                for i, v in enumerate(row):
                    if v is not None:
                        values[i].append(v if isinstance(v, bytes) else str(v).encode())
            for col, vs in zip(cols, values, strict=True):
                yield t, col, b"\0".join(vs)
    finally:
        c.close()


def find_leaks(ev: Evidence, secrets: Iterable[Secret]) -> list[str]:
    """'<place> holds <secret>' for every secret found where it may not be."""
    secrets = list(secrets)
    leaks: list[str] = []
    for p in sorted(ev.files.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            place = f"files/{p.relative_to(ev.files)}"
            if PEM_PRIVATE.search(data):
                leaks.append(f"{place} holds a PEM private key block")
            leaks += [f"{place} holds {s.name}" for s in secrets if holds(data, s)]
    for p in sorted(ev.card.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            leaks += [
                f"card/{p.name} holds {s.name}"
                for s in secrets
                if s.category not in EMULATOR_ALLOWED and holds(data, s)
            ]
    for p in sorted(ev.paper.glob("*")):
        raw, text = p.read_bytes(), pdf_text(p)
        own = ev.own_id.encode()
        if PEM_PRIVATE.search(raw + text):
            leaks.append(f"paper/{p.name} holds a PEM private key block")
        leaks += [
            f"paper/{p.name} holds {s.name}"
            for s in secrets
            if own not in s.needles and (holds(text, s) or holds(raw, s))
        ]
    in_rows: set[str] = set()
    for table, col, v in _db_columns(ev.database):
        for s in secrets:
            if (table, col) not in DB_ALLOWED.get(s.category, ()) and holds(v, s):
                leaks.append(f"database {table}.{col} holds {s.name}")
                in_rows.add(s.name)
    # Keys, tokens and PINs belong in no row, nor in a freed page of the file (or its WAL).
    raw_db = b"".join(p.read_bytes() for p in ev.root.glob(ev.database.name + "*") if p.is_file())
    if PEM_PRIVATE.search(raw_db):
        leaks.append("backoffice.sqlite3 holds a PEM private key block")
    leaks += [
        f"backoffice.sqlite3 (a freed page) holds {s.name}"
        for s in secrets
        if s.category not in DB_ALLOWED and s.name not in in_rows and holds(raw_db, s)
    ]
    return sorted(set(leaks))


@dataclass(frozen=True)
class Plant:
    place: str  # a file of the evidence, "db TABLE.COLUMN" or "paper"
    value: str
    expect: str  # the search's line for it, after "<place> holds "


def plant_controls(ev: Evidence, secrets: list[Secret], where: Path, plants: list[Plant]) -> None:
    """Each plant in its own copy of the evidence: the search must report it."""
    for i, plant in enumerate(plants):
        copy = where / str(i)
        shutil.copytree(ev.root, copy)
        cev = Evidence(copy, ev.own_id)
        if plant.place == "db freed":  # written, then deleted: the bytes stay in the file
            c = sqlite3.connect(cev.database)
            c.execute("PRAGMA secure_delete = OFF")  # as SQLite builds without SECURE_DELETE
            with c:
                c.execute(
                    "INSERT INTO heartbeat (terminal_id, at, status_json) VALUES (?, ?, ?)",
                    ("KIOSK-0001", "2026-06-20 00:00:00", plant.value),
                )
            with c:
                c.execute("DELETE FROM heartbeat WHERE status_json = ?", (plant.value,))
            c.close()
            reported = "backoffice.sqlite3 (a freed page)"
        elif plant.place.startswith("db "):
            table, col = plant.place[3:].split(".")
            c = sqlite3.connect(cev.database)
            with c:
                n = c.execute(
                    f'UPDATE "{table}" SET "{col}" = ? '
                    f'WHERE rowid = (SELECT min(rowid) FROM "{table}")',
                    (plant.value,),
                ).rowcount
            c.close()
            assert n == 1, f"nothing to plant in: {plant.place}"
            reported = f"database {table}.{col}"
        elif plant.place == "paper":
            _write_pdf(cev.paper / "planted.pdf", plant.value)
            reported = "paper/planted.pdf"
        else:
            p = copy / plant.place
            p.parent.mkdir(parents=True, exist_ok=True)
            with p.open("ab") as f:
                f.write(f"\n... {plant.value} ...\n".encode())
            reported = plant.place
        leaks = find_leaks(cev, secrets)
        assert f"{reported} holds {plant.expect}" in leaks, (plant, leaks)
        shutil.rmtree(copy)


def _write_pdf(path: Path, text: str) -> None:
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.drawString(72, 720, f"ID {text}")
    c.save()
