"""The [emv] section of config.toml and its CA key file (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common import emv_profile as ep
from kiosk.config import load_config, parse_config
from kiosk.errors import ConfigError


def test_shipped_config_uses_the_test_ca_key():
    cfg = load_config(Path(__file__).resolve().parents[2] / "config.toml")
    assert cfg.emv.ca_keys() == (ep.TEST_CA_KEY,)
    assert (cfg.emv.country_code, cfg.emv.currency_code) == ("0156", "0156")


def _file(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "ca.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_ca_key_file_read(tmp_path):
    modulus = ep.TEST_CA_KEY.modulus.hex()
    p = _file(tmp_path, f'[[ca_key]]\nrid = "A000000333"\nindex = 0xF1\nmodulus = "{modulus}"\n')
    cfg = parse_config({"emv": {"ca_keys_file": str(p)}})
    assert cfg.emv.ca_keys() == (ep.TEST_CA_KEY,)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ('rid = "A0000003"\nindex = 1\nmodulus = "{m}"', "rid"),
        ('rid = "A000000333"\nindex = 256\nmodulus = "{m}"', "index"),
        ('rid = "A000000333"\nindex = 1\nmodulus = "ABCD"', "modulus"),
        ('rid = "A000000333"\nindex = 1\nmodulus = "{m}"\nexponent = 5', "exponent"),
    ],
)
def test_bad_ca_key_names_the_entry_and_key(tmp_path, entry, key):
    body = "[[ca_key]]\n" + entry.format(m=ep.TEST_CA_KEY.modulus.hex()) + "\n"
    cfg = parse_config({"emv": {"ca_keys_file": str(_file(tmp_path, body))}})
    with pytest.raises(ConfigError) as err:
        cfg.emv.ca_keys()
    assert err.value.key == f"[[ca_key]] #1 {key}"


def test_country_code_must_be_four_digits():
    with pytest.raises(ConfigError):
        parse_config({"emv": {"country_code": "CN"}})
