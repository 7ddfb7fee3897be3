"""Give a terminal its own API key (the back office keeps only its SHA-256).

    python -m backoffice terminal-key --db DB KIOSK-0001 --key-file api.key

The seeded and imported demo databases give KIOSK-0001/0002 the public demo keys; the
production service (`python -m backoffice.tls`) refuses to start while any terminal holds one."""

from __future__ import annotations

import hashlib
from pathlib import Path

from backoffice.errors import BackOfficeServerError
from backoffice.storage import Database
from backoffice.storage.terminals import TerminalRow

MIN_KEY_LENGTH = 24  # characters: scripts/make_test_ca.py writes "api-" + 32


def read_api_key(path: Path) -> str:
    key = Path(path).read_text(encoding="utf-8").strip()
    if len(key) < MIN_KEY_LENGTH:
        raise BackOfficeServerError(f"{path}: an API key of at least {MIN_KEY_LENGTH} characters")
    return key


def set_terminal_key(database: str, terminal_id: str, key: str, *, hall: str = "") -> bool:
    """Set (or add, active) the terminal's key; True when the terminal was new."""
    db = Database(database)
    try:
        db.create_schema()
        with db.session() as s:
            row = s.get(TerminalRow, terminal_id)
            new = row is None
            if row is None:
                row = TerminalRow(terminal_id=terminal_id, hall=hall, active=True)
                s.add(row)
            row.key_sha256 = hashlib.sha256(key.encode()).hexdigest()
            s.commit()
        return new
    finally:
        db.dispose()
