"""The APDU layer on recorded exchanges: 61xx chains, 6Cxx re-sends, typed errors, trace."""

from __future__ import annotations

import logging

import pytest

from cardio import errors
from cardio.apdu import ApduChannel, Command
from cardio.status import describe, error_for


class Recorded:
    """A link that replays recorded card answers and records what was sent."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = [bytes.fromhex(a) for a in answers]
        self.sent: list[str] = []

    def transmit(self, apdu: bytes | bytearray) -> bytes:
        self.sent.append(bytes(apdu).hex().upper())
        return self.answers.pop(0)


def test_61xx_fetches_with_get_response():
    link = Recorded(["6105", "0102036102", "04059000"])
    resp = ApduChannel(link).send(Command("SELECT", 0x00, 0xA4, 0x04, 0x00, b"\xa0"))
    assert resp.data == bytes.fromhex("0102030405") and resp.ok
    assert link.sent[1:] == ["00C0000005", "00C0000002"]


def test_6cxx_resends_with_the_right_le():
    link = Recorded(["6C0B", "07094234343033303630319000"])
    resp = ApduChannel(link).send(Command("READ RECORD", 0x00, 0xB2, 0x07, 0x2C, le=0))
    assert resp.data[:2] == b"\x07\x09"
    assert link.sent == ["00B2072C00", "00B2072C0B"]


def test_get_response_with_wrong_le_is_fixed_too():
    link = Recorded(["6110", "6C08", "00112233445566779000"])
    resp = ApduChannel(link).send(Command("X", 0x00, 0x88, 0, 0, bytes(16)))
    assert len(resp.data) == 8 and link.sent[-1] == "00C0000008"


@pytest.mark.parametrize(
    ("sw", "command", "kind", "attr"),
    [
        (0x63C2, "VERIFY", errors.WrongPin, ("tries_left", 2)),
        (0x63C0, "VERIFY", errors.PinBlockedError, None),
        (0x6983, "VERIFY", errors.PinBlockedError, None),
        (0x6983, "EXTERNAL AUTHENTICATE", errors.AuthenticationFailed, ("tries_left", 0)),
        (0x63C4, "EXTERNAL AUTHENTICATE", errors.AuthenticationFailed, ("tries_left", 4)),
        (0x6982, "READ RECORD", errors.SecurityStatusNotSatisfied, None),
        (0x6A82, "SELECT", errors.FileNotFound, None),
        (0x6A83, "READ RECORD", errors.RecordNotFound, None),
        (0x6700, "READ RECORD", errors.WrongLength, None),
        (0x6A88, "X", errors.CardStatusError, ("sw", 0x6A88)),
    ],
)
def test_status_words_become_typed_errors(sw, command, kind, attr):
    err = error_for(sw, command)
    assert type(err) is kind
    assert isinstance(err, errors.CardError)
    if attr:
        assert getattr(err, attr[0]) == attr[1]
    zh, en = describe(sw)
    assert zh and en


def test_every_table_entry_has_both_languages():
    from cardio.status import SW_TABLE

    for sw, (zh, en) in SW_TABLE.items():
        assert any("\u4e00" <= c <= "\u9fff" for c in zh), hex(sw)
        assert en.isascii(), hex(sw)


def test_trace_redacts_sensitive_data_and_response_payloads(caplog):
    link = Recorded(["9000", "3131303130313139393030333037313233339000"])
    ch = ApduChannel(link)
    pin = bytearray(b"\x24\x68\x10")
    with caplog.at_level(logging.DEBUG, logger="cardio.apdu"):
        ch.send(Command("VERIFY", 0x00, 0x20, 0, 0, pin, sensitive=True))
        ch.send(Command("READ RECORD", 0x00, 0xB2, 0x08, 0x30, le=0x14))
    assert "246810" not in caplog.text and "**" in caplog.text
    assert "3131303130" not in caplog.text and "[18 bytes]" in caplog.text
    assert link.sent[0].startswith("0020000003")  # the real bytes went to the card
    assert pin == bytearray(b"\x24\x68\x10")  # the caller's buffer is the caller's to wipe


def test_short_response_is_a_card_error():
    with pytest.raises(errors.CardError):
        ApduChannel(Recorded(["90"])).send(Command("X", 0, 0xB0, 0, 0))
