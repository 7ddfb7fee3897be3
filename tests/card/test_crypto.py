"""Ciphers against published vectors, and the assumed diversification scheme."""

from __future__ import annotations

import pytest

from cardio.security import SoftwareSecurityModule
from common import card_crypto

CID = bytes.fromhex("110100D15600000511010100000019FF")


def test_sm4_published_vector():
    # GB/T 32907-2016 example 1
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    assert card_crypto.ecb_encrypt("sm4", key, key).hex() == "681edf34d206965e86b3e94f536e4246"


def test_des3_two_key_matches_single_des_when_halves_are_equal():
    # K1 = K2 makes 3DES-EDE single DES: the classic test vector of FIPS 81 / DES
    k = bytes.fromhex("0123456789ABCDEF")
    assert (
        card_crypto.ecb_encrypt("des3", k + k, bytes.fromhex("4E6F772069732074")).hex()
        == "3fa40e8a984d4815"
    )


@pytest.mark.parametrize("alg", card_crypto.ALGORITHMS)
def test_diversification_depends_on_card_and_region(alg):
    master = card_crypto.TEST_KEYS.internal
    k = card_crypto.card_key(alg, master, CID)
    other_card = CID[:8] + bytes.fromhex("1101010000002099")
    other_region = bytes.fromhex("440300") + CID[3:]
    assert len(k) == 16
    assert k != card_crypto.card_key(alg, master, other_card)
    assert k != card_crypto.card_key(alg, master, other_region)
    assert k == card_crypto.card_key(alg, master, CID)


@pytest.mark.parametrize("alg", card_crypto.ALGORITHMS)
def test_external_auth_cryptogram_is_what_the_card_expects(alg):
    rnd = bytes.fromhex("0102030405060708")
    card_key = card_crypto.card_key(alg, card_crypto.TEST_KEYS.read, CID)
    module = SoftwareSecurityModule()
    assert module.external_auth_cryptogram(alg, CID, rnd) == card_crypto.external_auth_cryptogram(
        alg, card_key, rnd
    )
    assert len(module.external_auth_cryptogram(alg, CID, rnd)) == 8


def test_keys_file(tmp_path):
    f = tmp_path / "keys.toml"
    f.write_text(
        '[master]\ninternal = "00112233445566778899AABBCCDDEEFF"\nread = "FFEEDDCCBBAA99887766554433221100"\n'
    )
    keys = card_crypto.load_keys(str(f))
    assert keys.internal.hex().upper() == "00112233445566778899AABBCCDDEEFF"
    assert card_crypto.load_keys(None) is card_crypto.TEST_KEYS
    f.write_text('[master]\ninternal = "0011"\nread = "FF"\n')
    with pytest.raises(ValueError, match="16 bytes"):
        card_crypto.load_keys(str(f))
