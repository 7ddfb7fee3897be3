"""The serial reader (SerialIdCardReader over pyserial) talking to the emulated reader's peer
on a pseudo-terminal: no card, a whole read, a card pulled mid-read, a corrupted answer, a
reader that does not answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import serial

from kiosk.devices.idcard import frames as f
from kiosk.devices.idcard.emulated import PHOTO_TAG, EmulatedIdCardReader, IdCardFileError
from kiosk.devices.idcard.errors import (
    CardRemoved,
    ChecksumError,
    InvalidIdCard,
    ReaderRefused,
    ReaderTimeout,
    ShortFrameError,
    UnknownStatusError,
)

TIMEOUT = 0.3  # the silent reader's test waits this long, once


@pytest.fixture
def reader() -> Iterator[EmulatedIdCardReader]:
    r = EmulatedIdCardReader(timeout=TIMEOUT)
    yield r
    r.close()


def test_no_card(reader: EmulatedIdCardReader) -> None:
    assert reader.reader.find_card() is False  # status 80
    assert reader.read_card() is None
    assert reader.peer.requests == [f.FIND_CARD, f.FIND_CARD]  # no select without a card


def test_find_select_read(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    assert reader.reader.find_card() is True  # status 9F
    assert len(reader.reader.select_card()) == 8  # the chip serial
    reading = reader.reader.read_base()
    card = reading.card
    assert card.name == "巴特尔演示"
    assert card.id_number == "150102197804120036"
    assert (card.sex_name, card.nation_name) == ("男", "蒙古")
    assert card.birth_date == dt.date(1978, 4, 12)
    assert card.address == "内蒙古自治区呼和浩特市新城区示例路9号"
    assert card.authority == "呼和浩特市公安局新城区分局"
    assert (card.valid_from, card.valid_to) == (dt.date(2016, 8, 1), dt.date(2036, 8, 1))
    # The emulated card's photo is a plain reference, padded to the card's 1024 bytes.
    assert len(reading.photo) == 1024
    assert reading.photo.startswith(PHOTO_TAG + b"stranger")
    assert reader.peer.requests == [f.FIND_CARD, f.SELECT_CARD, f.READ_BASE]


def test_read_card_does_the_three_steps(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    reading = reader.read_card()
    assert reading is not None and reading.card.id_number.endswith("0036")
    assert reader.peer.requests == [f.FIND_CARD, f.SELECT_CARD, f.READ_BASE]


def test_card_pulled_between_select_and_read(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    assert reader.reader.find_card()
    reader.reader.select_card()
    reader.remove()  # the member takes the card away
    with pytest.raises(CardRemoved) as e:
        reader.reader.read_base()
    assert e.value.status == f.READ_FAILED  # 41
    assert e.value.message_key == "idcard.card_removed"


def test_card_pulled_as_the_read_arrives(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    reader.peer.fault(f.READ_BASE, "pull")
    with pytest.raises(CardRemoved):
        reader.read_card()
    assert reader.read_card() is None  # and the reader sees no card after it


def test_corrupted_checksum_is_a_clear_error_and_the_next_read_works(
    reader: EmulatedIdCardReader,
) -> None:
    reader.place("stranger")
    reader.peer.fault(f.READ_BASE, "checksum")
    with pytest.raises(ChecksumError, match="checksum"):
        reader.read_card()
    reading = reader.read_card()
    assert reading is not None and reading.card.name == "巴特尔演示"


def test_half_an_answer_is_a_short_frame(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    reader.peer.fault(f.READ_BASE, "short")
    with pytest.raises(ShortFrameError):
        reader.read_card()


def test_a_reader_that_does_not_answer_times_out(reader: EmulatedIdCardReader) -> None:
    reader.peer.fault(f.FIND_CARD, "silent")
    with pytest.raises(ReaderTimeout):
        reader.read_card()


def test_statuses_unknown_and_refusals(reader: EmulatedIdCardReader) -> None:
    reader.place("stranger")
    reader.peer.fault(f.FIND_CARD, "status:5A")  # not in the protocol
    with pytest.raises(UnknownStatusError) as unknown:
        reader.read_card()
    assert unknown.value.status == 0x5A
    reader.peer.fault(f.FIND_CARD, "status:66")  # SAM not authorised
    with pytest.raises(ReaderRefused) as refused:
        reader.read_card()
    assert refused.value.status == 0x66 and not isinstance(refused.value, CardRemoved)


def test_the_bad_check_digit_card_is_refused_masked(reader: EmulatedIdCardReader) -> None:
    reader.place("bad-check-digit")
    with pytest.raises(InvalidIdCard) as e:
        reader.read_card()
    assert "110105199006150027" not in str(e.value)


def test_the_expired_card_reads_and_says_so(reader: EmulatedIdCardReader, tmp_path) -> None:
    # A card file of its own (the shipped expired card needs a seeded profile: test_showcases)
    card = tmp_path / "old.toml"
    card.write_text(
        (reader.cards_dir / "stranger.toml")
        .read_text(encoding="utf-8")
        .replace('valid_from = "20160801"', 'valid_from = "19960801"')
        .replace('valid_to = "20360801"', 'valid_to = "20160801"'),
        encoding="utf-8",
    )
    old = EmulatedIdCardReader(tmp_path, card="old", timeout=TIMEOUT)
    try:
        reading = old.read_card()
    finally:
        old.close()
    assert reading is not None
    assert reading.card.expired(dt.date(2016, 8, 2)) and not reading.card.expired(
        dt.date(2016, 8, 1)
    )


def test_a_request_with_a_bad_checksum_gets_status_10(reader: EmulatedIdCardReader) -> None:
    line = serial.Serial(reader.device, timeout=TIMEOUT)  # a second opener
    try:
        line.write(bytes.fromhex("AAAAAA9669 0003 2001 23"))  # 22 is right
        ans = f.parse_answer(f.read_body(line.read))
    finally:
        line.close()
    assert ans.status == 0x10


def test_a_profile_card_without_its_profile_is_a_file_error(
    reader: EmulatedIdCardReader, tmp_path
) -> None:
    reader.profiles_dir = tmp_path  # nothing seeded there
    with pytest.raises(IdCardFileError, match=r"member-00000\.toml"):
        reader.place("showcase-0")
