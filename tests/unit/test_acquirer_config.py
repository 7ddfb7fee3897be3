"""The [acquirer] and [epp] sections of config.toml, and the pad and client they build (issue 16)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

import common.pos8583 as pos
from kiosk.assembly import open_acquirer
from kiosk.config import load_config, parse_config
from kiosk.devices import open_epp
from kiosk.devices.epp import EmulatedEpp, EppError, EppKeyError
from kiosk.errors import ConfigError

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"


def _keys_under(tmk: bytes) -> pos.WorkingKeys:
    """Sign-on's working keys as a host holding `tmk` would send them."""
    pik, mak = secrets.token_bytes(16), secrets.token_bytes(16)
    return pos.WorkingKeys(
        pos.wrap(tmk, pik), pos.check_value(pik), pos.wrap(tmk, mak), pos.check_value(mak)
    )


def test_shipped_config_is_the_demo_acquirer_and_an_emulated_pad():
    cfg = load_config(SHIPPED)
    assert (cfg.acquirer.host, cfg.acquirer.port) == ("127.0.0.1", 8583)
    assert (cfg.acquirer.terminal_no, cfg.acquirer.merchant_no) == ("KS000001", "898110000000001")
    assert cfg.epp.kind == "emulated" and cfg.epp.tmk_file is None


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("acquirer", "port", "8583"),  # a string, not an integer
        ("acquirer", "port", 70000),  # out of range
        ("acquirer", "port", True),
        ("acquirer", "terminal_no", "KS01"),  # field 41 is 8 characters
        ("acquirer", "merchant_no", 898110000000001),  # an integer, not a string
        ("acquirer", "connect_timeout", "3"),
        ("acquirer", "read_timeout", 0),
        ("acquirer", "host", ""),
        ("epp", "kind", "usb"),
        ("epp", "baudrate", 1200),
        ("epp", "baudrate", "9600"),
        ("epp", "device", 3),
        ("epp", "timeout", False),
        ("epp", "tmk_file", 12),
    ],
)
def test_wrong_values_name_the_key(section, key, value):
    with pytest.raises(ConfigError) as err:
        parse_config({section: {key: value}})
    assert err.value.key == f"[{section}] {key}"


def test_unknown_key_is_refused_with_a_hint():
    with pytest.raises(ConfigError) as err:
        parse_config({"epp": {"tmk_fille": "x"}})
    assert err.value.key == "[epp] tmk_fille" and "tmk_file" in err.value.hint


def test_missing_tmk_file_is_refused_at_load(tmp_path):
    with pytest.raises(ConfigError) as err:
        parse_config({"epp": {"tmk_file": str(tmp_path / "none.hex")}})
    assert err.value.key == "[epp] tmk_file"


@pytest.mark.parametrize("text", ["0123", "zz" * 16, "00" * 17, ""])
def test_bad_tmk_file_names_the_key_and_never_echoes_it(tmp_path, text):
    f = tmp_path / "tmk.hex"
    f.write_text(text, encoding="ascii")
    cfg = parse_config({"epp": {"tmk_file": str(f)}})
    with pytest.raises(ConfigError) as err:
        cfg.epp.tmk("KS000001")
    assert err.value.key == "[epp] tmk_file"
    if text:
        assert text not in str(err.value)


def test_emulated_pad_takes_the_tmk_of_its_file(tmp_path):
    tmk = pos.lab_tmk("SOMEWHERE")
    f = tmp_path / "tmk.hex"
    f.write_text(tmk.hex().upper() + "\n", encoding="ascii")
    pad = open_epp(parse_config({"epp": {"tmk_file": str(f)}}).epp, "KS000001")
    assert isinstance(pad, EmulatedEpp)
    pad.load_working_keys(_keys_under(tmk))  # the file's key unwraps them
    assert pad.signed_on
    with pytest.raises(EppKeyError):  # and the lab TMK of the terminal number is not in it
        pad.load_working_keys(_keys_under(pos.lab_tmk("KS000001")))


def test_without_a_file_the_pad_holds_the_lab_tmk_of_the_terminal():
    cfg = parse_config({"acquirer": {"terminal_no": "KS000002"}})
    client = open_acquirer(cfg)
    assert (client.terminal_no, client.address) == ("KS000002", ("127.0.0.1", 8583))
    client.epp.load_working_keys(_keys_under(pos.lab_tmk("KS000002")))
    assert client.epp.signed_on


def test_serial_pad_that_cannot_be_opened_names_the_device(tmp_path):
    device = str(tmp_path / "ttyNONE")
    cfg = parse_config({"epp": {"kind": "serial", "device": device}})
    with pytest.raises(EppError) as err:
        open_epp(cfg.epp, "KS000001")
    assert device in str(err.value)
