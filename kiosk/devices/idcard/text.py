"""The card's base information as the reader gives it (the data of the 30 01 answer):
text length (2, big-endian) | photo length (2, big-endian) | text (256) | photo (1024).

The text is UCS-2 little-endian, each field at a fixed place, padded with spaces (20 00):

| field | bytes | characters | holds |
|---|---|---|---|
| name | 30 | 15 | 姓名 |
| sex | 2 | 1 | GB/T 2261.1 code: 1 男, 2 女 |
| nation | 4 | 2 | GB 3304 code, 01 汉 ... 56 基诺 |
| birth | 16 | 8 | YYYYMMDD |
| address | 70 | 35 | 住址 |
| id_number | 36 | 18 | 公民身份号码 |
| authority | 30 | 15 | 签发机关 |
| valid_from | 16 | 8 | YYYYMMDD |
| valid_to | 16 | 8 | YYYYMMDD or 长期 |
| reserved | 36 | 18 | - |

The photo is 1024 bytes of the encrypted wlt image: only the vendor's decoding library turns it
into a picture, so the kiosk keeps it as opaque bytes (docs/idcard.md)."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from kiosk.devices.idcard.errors import FrameError, InvalidIdCard
from kiosk.domain.errors import DomainError
from kiosk.domain.idcard import IdCard

TEXT_BYTES: Final = 256
PHOTO_BYTES: Final = 1024
FIELDS: Final = (
    ("name", 30),
    ("sex", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)
_PAD: Final = " ".encode("utf-16-le")


@dataclass(frozen=True, repr=False)
class IdCardReading:
    """What one read gives: the record and the photo as the card holds it (opaque bytes)."""

    card: IdCard
    photo: bytes

    def __repr__(self) -> str:
        return f"IdCardReading({self.card!r}, photo={len(self.photo)} bytes)"


def encode_text(fields: dict[str, str]) -> bytes:
    """The 256-byte text block from field texts (missing fields are blank). ValueError if a
    field does not fit its place."""
    out = b""
    for name, size in FIELDS:
        raw = fields.get(name, "").encode("utf-16-le")
        if len(raw) > size:
            raise ValueError(f"ID card {name}: {len(raw)} bytes, its place holds {size}")
        out += raw + _PAD * ((size - len(raw)) // 2)
    return out


def decode_text(block: bytes) -> dict[str, str]:
    """Field texts of a 256-byte text block, padding stripped."""
    if len(block) != TEXT_BYTES:
        raise FrameError(f"ID card text: {len(block)} bytes, expected {TEXT_BYTES}")
    out: dict[str, str] = {}
    pos = 0
    for name, size in FIELDS:
        try:
            text = block[pos : pos + size].decode("utf-16-le")
        except UnicodeDecodeError:
            raise InvalidIdCard(f"ID card {name}: not UCS-2 text") from None
        out[name] = text.rstrip(" \x00")
        pos += size
    return out


def encode_base_info(text: bytes, photo: bytes) -> bytes:
    return struct.pack(">HH", len(text), len(photo)) + text + photo


def parse_base_info(data: bytes) -> IdCardReading:
    """The record and photo from a 30 01 answer's data. FrameError when the lengths do not
    add up; InvalidIdCard when the text is not a valid card (the ID number masked)."""
    if len(data) < 4:
        raise FrameError("ID card data: no text and photo lengths")
    text_len, photo_len = struct.unpack(">HH", data[:4])
    if text_len != TEXT_BYTES or len(data) != 4 + text_len + photo_len:
        raise FrameError(
            f"ID card data: text {text_len} + photo {photo_len} bytes "
            f"in {len(data) - 4} bytes of data"
        )
    fields = decode_text(data[4 : 4 + text_len])
    try:
        card = IdCard.from_text(
            name=fields["name"],
            sex=fields["sex"],
            nation=fields["nation"],
            birth=fields["birth"],
            address=fields["address"],
            id_number=fields["id_number"],
            authority=fields["authority"],
            valid_from=fields["valid_from"],
            valid_to=fields["valid_to"],
        )
    except DomainError as e:
        # The domain's message masks the ID number already.
        raise InvalidIdCard(str(e)) from None
    return IdCardReading(card, data[4 + text_len :])
