"""The test PKI's card master keys (scripts/make_test_ca.py) include RELOAD PIN's key: cards
personalised with that PKI can have their PIN reset (issue 20; it answered 6A88 before)."""

from __future__ import annotations

from pathlib import Path

from common import card_crypto
from tests.helpers.pki import make_pki


def test_card_keys_of_the_test_pki_have_a_pin_reload_key_of_their_own(tmp_path: Path) -> None:
    pki = make_pki(tmp_path / "pki")
    keys = card_crypto.load_keys(str(pki / "card-keys.toml"))
    assert keys.pin_reload is not None and len(keys.pin_reload) == 16
    # random per PKI: never the public test key, never one of the other two keys
    assert keys.pin_reload != card_crypto.TEST_KEYS.pin_reload
    assert keys.pin_reload not in (keys.internal, keys.read)
