"""The guards' parts on their own: revocation list, nonce cache, key files, fleet escaping."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from backoffice.fleet import KioskRow, _audit_cell, _cell, render
from backoffice.security import (
    NonceCache,
    RevocationList,
    RevocationListMissing,
    SecurityConfigError,
    load_signing_keys,
)
from backoffice.storage import Database
from backoffice.storage.shared_state import SharedState
from kiosk.backoffice.signing import SigningKeyError, canonical_request, read_key


def test_revocation_list_reads_serials_and_notices_changes(tmp_path):
    path = tmp_path / "revoked.txt"
    rl = RevocationList(path)
    with pytest.raises(RevocationListMissing):  # no file: nobody can say, so it fails closed
        rl.is_revoked("abc")
    path.write_text("# revoked kiosks\n0x00ABC  # KIOSK-0009\n\n")
    assert rl.is_revoked("abc") and rl.is_revoked("0ABC") and not rl.is_revoked("abd")
    path.write_text("def\n")
    os.utime(path, (1, 1))  # a new mtime even within the same second
    assert rl.is_revoked("def") and not rl.is_revoked("abc")
    path.unlink()  # deleted while running: refused again, not "nothing revoked"
    with pytest.raises(RevocationListMissing):
        rl.is_revoked("abc")


def test_nonce_cache_refuses_a_repeat_and_forgets_after_its_time(tmp_path):
    db = Database(str(tmp_path / "nonces.sqlite3"))
    db.create_schema()
    now = [1000.0]
    # Two caches on one database: two worker processes (backoffice.storage.shared_state).
    a = NonceCache(600, SharedState(db), clock=lambda: now[0])
    b = NonceCache(600, SharedState(db), clock=lambda: now[0])
    assert a.first_time("K1", "n1")
    assert not a.first_time("K1", "n1")
    assert not b.first_time("K1", "n1")  # the other process has seen it too
    assert b.first_time("K2", "n1")  # nonces are per key
    now[0] += 601
    assert b.first_time("K1", "n1")  # long gone; its timestamp would be refused anyway
    assert not a.first_time("K1", "n1")


def test_key_files_are_checked(tmp_path):
    (tmp_path / "keys.json").write_text('{"KIOSK-0001": "00ff"}')
    with pytest.raises(SecurityConfigError, match="shorter than 128 bits"):
        load_signing_keys(tmp_path / "keys.json")
    (tmp_path / "keys.json").write_text("[1, 2]")
    with pytest.raises(SecurityConfigError, match="not a JSON object"):
        load_signing_keys(tmp_path / "keys.json")
    (tmp_path / "signing.key").write_text("zz\n")
    with pytest.raises(SigningKeyError, match="not a hex key"):
        read_key(tmp_path / "signing.key")
    with pytest.raises(SigningKeyError):
        read_key(tmp_path / "missing.key")


def test_the_canonical_request_covers_method_target_time_nonce_and_body():
    base = canonical_request("post", "/v1/x?a=1", "100", "n", b"{}")
    assert base.split(b"\n")[:4] == [b"POST", b"/v1/x?a=1", b"100", b"n"]
    for other in (
        canonical_request("GET", "/v1/x?a=1", "100", "n", b"{}"),
        canonical_request("POST", "/v1/x?a=2", "100", "n", b"{}"),
        canonical_request("POST", "/v1/x?a=1", "101", "n", b"{}"),
        canonical_request("POST", "/v1/x?a=1", "100", "m", b"{}"),
        canonical_request("POST", "/v1/x?a=1", "100", "n", b"{ }"),
    ):
        assert other != base


def test_the_fleet_page_escapes_what_kiosks_send():
    row = KioskRow(
        terminal_id="KIOSK-0001",
        hall="<b>hall</b>",
        last_seen=dt.datetime(2026, 6, 20, 10, 0),
        age_seconds=5,
        version="<script>alert(1)</script>",
        cells={
            k: _cell(k, v)
            for k, v in {
                "service": "ok",  # the column since issue 19 (kiosk.health)
                "reader": "<img src=x>",
                "psam": "ok",
                "receipt_paper": "paper_out",
                "a4_queue": "idle",
                "journal_backlog": "2",
                "last_error": "kiosk: <script>",
            }.items()
        }
        | {"audit_chain": _audit_cell(None)},
    )
    page = render([row], dt.datetime(2026, 6, 20, 10, 0, 5))
    assert "<script>" not in page and "<img" not in page and "<b>hall" not in page
    assert "&lt;script&gt;" in page
    assert row.level == "bad"  # paper out
    assert _cell("journal_backlog", "2").level == "warn"


def test_identity_headers_are_read_once_and_a_repeat_is_refused():
    from backoffice.identity import RepeatedHeader, claimed

    scope = {
        "headers": [
            (b"x-terminal-id", b"KIOSK-0002"),
            (b"authorization", b"Bearer api-key"),
            (b"x-card-session", b"tok"),
            (b"accept", b"*/*"),
            (b"accept", b"text/html"),  # other headers may repeat
        ]
    }
    c = claimed(scope)
    assert (c.terminal_id, c.bearer, c.card_session, c.key_id) == (
        "KIOSK-0002",
        "api-key",
        "tok",
        None,
    )
    assert c.any_terminal
    for name in (b"x-terminal-id", b"authorization", b"x-card-session", b"x-signature"):
        twice = {"headers": [*scope["headers"], (name, b"KIOSK-0001")]}
        if name == b"x-signature":
            twice["headers"].append((name, b"00"))
        with pytest.raises(RepeatedHeader) as e:
            claimed(twice)
        assert e.value.status == 400 and e.value.body()["code"] == "REPEATED_HEADER"
    assert claimed({"headers": [(b"authorization", b"Basic x")]}).bearer is None
    assert not claimed({"headers": []}).any_terminal
