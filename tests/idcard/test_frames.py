"""The ID-card reader's frames and the card's text block, by worked examples (the bytes and
checksums computed by hand in the comments), and the record's checks (GB 11643, validity)."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.devices.idcard import frames as f
from kiosk.devices.idcard.errors import (
    ChecksumError,
    FrameError,
    InvalidIdCard,
    ReaderTimeout,
    ShortFrameError,
)
from kiosk.devices.idcard.text import decode_text, encode_base_info, encode_text, parse_base_info
from kiosk.domain.errors import DomainError
from kiosk.domain.idcard import NATIONS, IdCard
from kiosk.domain.identity import id_check_digit


def test_find_card_request_bytes() -> None:
    # LEN = CMD + PARA + CHK = 3 -> 00 03; CHK = 00 ^ 03 ^ 20 ^ 01 = 0x22 (03^20 = 23, ^01 = 22)
    assert f.request(f.FIND_CARD) == bytes.fromhex("AAAAAA9669 0003 2001 22")


def test_select_and_read_request_bytes() -> None:
    # select: 00 ^ 03 ^ 20 ^ 02 = 0x21; read text+photo: 00 ^ 03 ^ 30 ^ 01 = 0x32
    assert f.request(f.SELECT_CARD) == bytes.fromhex("AAAAAA9669 0003 2002 21")
    assert f.request(f.READ_BASE) == bytes.fromhex("AAAAAA9669 0003 3001 32")


def test_card_found_answer_parses() -> None:
    # SW1 SW2 SW3 = 00 00 9F, 4 data bytes, CHK: LEN = 3 + 4 + 1 = 8;
    # CHK = 00 ^ 08 ^ 00 ^ 00 ^ 9F ^ 00 ^ 00 ^ 00 ^ 00 = 08 ^ 9F = 0x97
    frame = bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
    ans = f.parse_answer(f.read_body(f.reader_of(frame)))
    assert (ans.sw, ans.status, ans.data) == (b"\x00\x00", f.FOUND, b"\x00" * 4)
    assert f.answer(f.FOUND, b"\x00" * 4) == frame


def test_no_card_answer() -> None:
    # LEN = 3 + 1 = 4; CHK = 00 ^ 04 ^ 00 ^ 00 ^ 80 = 0x84
    frame = bytes.fromhex("AAAAAA9669 0004 000080 84")
    assert f.parse_answer(f.read_body(f.reader_of(frame))).status == f.NO_CARD


def test_noise_before_the_preamble_is_skipped() -> None:
    frame = bytes.fromhex("00FFAA AAAAAA9669 0004 000080 84")  # power-up noise, a stray AA
    assert f.parse_answer(f.read_body(f.reader_of(frame))).status == f.NO_CARD


def test_bad_checksum_is_a_checksum_error() -> None:
    frame = bytes.fromhex("AAAAAA9669 0004 000080 85")  # 84 is right
    with pytest.raises(ChecksumError):
        f.read_body(f.reader_of(frame))


def test_short_frame_and_silence() -> None:
    with pytest.raises(ShortFrameError):
        f.read_body(f.reader_of(bytes.fromhex("AAAAAA9669 0008 00009F 00")))
    with pytest.raises(ShortFrameError):
        f.read_body(f.reader_of(bytes.fromhex("AAAAAA")))  # stopped inside the preamble
    with pytest.raises(ReaderTimeout):
        f.read_body(f.reader_of(b""))


def test_length_out_of_range_and_garbage() -> None:
    with pytest.raises(FrameError):
        f.read_body(f.reader_of(bytes.fromhex("AAAAAA9669 FFFF") + b"\x00" * 10))
    with pytest.raises(FrameError):
        f.read_body(f.reader_of(b"\x55" * 200))  # no preamble within the tolerated noise


# The text block, written out by hand: UCS-2 little-endian, fields padded with 20 00.
# 张 U+5F20 -> 20 5F, 三 U+4E09 -> 09 4E; digits '0'..'9' are 30 00 .. 39 00.
def _ucs2(text: str, size: int) -> bytes:
    raw = b"".join(bytes([ord(c) & 0xFF, ord(c) >> 8]) for c in text)
    return raw + b"\x20\x00" * ((size - len(raw)) // 2)


HAND_BLOCK = (
    bytes.fromhex("205F 094E")
    + b"\x20\x00" * 13  # name: 2 characters + 13 spaces = 30 bytes
    + bytes.fromhex("3200")  # sex "2"
    + bytes.fromhex("3000 3100")  # nation "01"
    + _ucs2("19900615", 16)
    + _ucs2("北京市朝阳区演示路1号", 70)
    + _ucs2("110105199006150020", 36)
    + _ucs2("北京市公安局朝阳分局", 30)
    + _ucs2("20150601", 16)
    + bytes.fromhex("7F95 1F67")
    + b"\x20\x00" * 6  # 长 U+957F, 期 U+671F: "长期"
    + b"\x20\x00" * 18  # reserved, 36 bytes
)


def test_hand_written_text_block_decodes() -> None:
    assert len(HAND_BLOCK) == 256  # 30+2+4+16+70+36+30+16+16+36
    fields = decode_text(HAND_BLOCK)
    assert fields["name"] == "张三"
    assert fields["sex"] == "2"
    assert fields["nation"] == "01"
    assert fields["address"] == "北京市朝阳区演示路1号"
    assert fields["id_number"] == "110105199006150020"
    assert fields["valid_to"] == "长期"
    assert encode_text(fields) == HAND_BLOCK


def test_base_info_gives_the_record_and_the_photo() -> None:
    photo = bytes(range(256)) * 4  # 1024 opaque bytes
    reading = parse_base_info(encode_base_info(HAND_BLOCK, photo))
    card = reading.card
    assert (card.name, card.sex_name, card.nation_name) == ("张三", "女", "汉")
    assert card.birth_date == dt.date(1990, 6, 15)
    assert card.valid_from == dt.date(2015, 6, 1) and card.valid_to is None
    assert card.validity_text == "2015.06.01-长期"
    assert reading.photo == photo
    assert not card.expired(dt.date(2099, 1, 1))  # 长期 never expires


def test_base_info_lengths_must_add_up() -> None:
    data = encode_base_info(HAND_BLOCK, b"\x00" * 1024)
    with pytest.raises(FrameError):
        parse_base_info(data[:-1])  # says 1024 photo bytes, carries 1023


def test_a_field_that_does_not_fit_is_refused() -> None:
    with pytest.raises(ValueError):
        encode_text({"name": "一二三四五六七八九十一二三四五六"})  # 16 characters, 15 fit


def test_gb11643_check_character() -> None:
    # The standard's own example, 11010519491231002X: digits x weights
    # 1*7+1*9+0*10+1*5+0*8+5*4+1*2+9*1+4*6+9*3+1*7+2*9+3*10+1*5+0*8+0*4+2*2
    # = 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 mod 11 = 2; "10X98765432"[2] = X
    assert id_check_digit("11010519491231002") == "X"
    # 11010519900615002: 7+9+0+5+0+20+2+9+54+0+0+54+10+25+0+0+4 = 199; 199 mod 11 = 1 -> "0"
    assert id_check_digit("11010519900615002") == "0"


def test_a_wrong_check_character_is_an_invalid_card_and_stays_masked() -> None:
    block = HAND_BLOCK.replace(_ucs2("110105199006150020", 36), _ucs2("110105199006150027", 36))
    with pytest.raises(InvalidIdCard) as e:
        parse_base_info(encode_base_info(block, b""))
    assert "110105199006150027" not in str(e.value)
    assert "110***********0027" in str(e.value)


def _card(**changes: str) -> IdCard:
    fields = {
        "name": "张三",
        "sex": "2",
        "nation": "01",
        "birth": "19900615",
        "address": "北京市朝阳区演示路1号",
        "id_number": "110105199006150020",
        "authority": "北京市公安局朝阳分局",
        "valid_from": "20150601",
        "valid_to": "20350601",
    } | changes
    return IdCard.from_text(**fields)


def test_validity_end_day_is_still_valid() -> None:
    card = _card()
    assert not card.expired(dt.date(2035, 6, 1))
    assert card.expired(dt.date(2035, 6, 2))


def test_record_refuses_what_a_card_cannot_hold() -> None:
    with pytest.raises(DomainError):
        _card(nation="57")  # GB 3304 stops at 56 (then 97, 98)
    with pytest.raises(DomainError):
        _card(birth="19900616")  # the ID number says 0615
    with pytest.raises(DomainError):
        _card(valid_to="20140601")  # ends before it starts
    with pytest.raises(DomainError):
        _card(valid_from="2015061")


def test_repr_masks_name_and_number() -> None:
    text = repr(_card())
    assert "110105199006150020" not in text and "张三" not in text
    assert "110***********0020" in text and "*三" in text


def test_the_nations_table() -> None:
    assert len([c for c in NATIONS if int(c) <= 56]) == 56
    assert NATIONS["01"] == "汉" and NATIONS["56"] == "基诺" and NATIONS["05"] == "维吾尔"
