"""Encodings found on the card: BCD, GBK text with 00/FF padding, dates, the ID check digit,
PIN blocks and BER-TLV. Every decoder raises CardDataInvalid naming the field, nothing else.
"""

from __future__ import annotations

import datetime as dt

from cardio.errors import CardDataInvalid, PinFormatError

PAD_BYTES = b"\x00\xff"


def bcd_decode(field: str, raw: bytes, *, allow_ff_padding: bool = False) -> str:
    """Packed BCD -> digits. With `allow_ff_padding`, trailing F nibbles end the number."""
    digits: list[str] = []
    ended = False
    for byte in raw:
        for nibble in (byte >> 4, byte & 0x0F):
            if nibble == 0xF and allow_ff_padding:
                ended = True
                continue
            if nibble > 9 or ended:
                raise CardDataInvalid(
                    field, f"not BCD: {raw.hex().upper()}", f"非 BCD 编码：{raw.hex().upper()}"
                )
            digits.append(str(nibble))
    return "".join(digits)


def bcd_encode(digits: str, length: int | None = None, pad: int = 0xF) -> bytes:
    """Digits -> packed BCD; an odd count or a fixed `length` is padded with `pad` nibbles."""
    nibbles = [int(c) for c in digits]
    if length is not None:
        nibbles += [pad] * (length * 2 - len(nibbles))
    elif len(nibbles) % 2:
        nibbles.append(pad)
    return bytes((nibbles[i] << 4) | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def date_decode(field: str, raw: bytes) -> dt.date:
    """4 bytes BCD YYYYMMDD -> date."""
    if len(raw) != 4:
        raise CardDataInvalid(
            field, f"a date is 4 bytes, got {len(raw)}", f"日期应为 4 字节，实为 {len(raw)}"
        )
    text = bcd_decode(field, raw)
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise CardDataInvalid(field, f"not a date: {text}", f"日期无效：{text}") from None


def text_decode(field: str, raw: bytes, encoding: str = "gbk") -> str:
    """GBK (or ASCII) text padded with 00 or FF bytes at the end."""
    body = raw.rstrip(PAD_BYTES)
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        raise CardDataInvalid(
            field, f"not {encoding.upper()} text", f"非 {encoding.upper()} 编码"
        ) from None
    if any(ord(c) < 0x20 for c in text):
        raise CardDataInvalid(field, "control characters in text", "含控制字符")
    return text


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_decode(field: str, raw: bytes) -> str:
    """18-char citizen ID number; checks the format and the GB 11643 check digit."""
    text = text_decode(field, raw, "ascii").upper()
    if len(text) != 18 or not text[:17].isdigit() or not (text[17].isdigit() or text[17] == "X"):
        raise CardDataInvalid(field, "not an 18-character ID number", "不是 18 位身份号码")
    if id_check_digit(text[:17]) != text[17]:
        raise CardDataInvalid(field, "wrong check digit", "校验位错误")
    return text


def pin_block(pin: bytes | bytearray) -> bytearray:
    """ASCII digits -> BCD-packed PIN, F-padded when odd. A bytearray: the caller wipes it."""
    if not 4 <= len(pin) <= 12 or any(not 0x30 <= b <= 0x39 for b in pin):
        raise PinFormatError()
    out = bytearray((len(pin) + 1) // 2)
    for i, b in enumerate(pin):
        nib = b - 0x30
        out[i // 2] |= nib << 4 if i % 2 == 0 else nib
    if len(pin) % 2:
        out[-1] |= 0x0F
    return out


def ber_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """One level of BER-TLV (tags up to 2 bytes, lengths up to 2 bytes). Raises ValueError."""
    items: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding between objects
            i += 1
            continue
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            if i >= len(data):
                raise ValueError("truncated tag")
            tag = (tag << 8) | data[i]
            i += 1
        if i >= len(data):
            raise ValueError("truncated length")
        length = data[i]
        i += 1
        if length == 0x81:
            if i >= len(data):
                raise ValueError("truncated length")
            length = data[i]
            i += 1
        elif length == 0x82:
            if i + 1 >= len(data):
                raise ValueError("truncated length")
            length = (data[i] << 8) | data[i + 1]
            i += 2
        elif length > 0x80:
            raise ValueError("bad length")
        if i + length > len(data):
            raise ValueError("value runs past the end")
        items.append((tag, data[i : i + length]))
        i += length
    return items


def mask(value: str, head: int = 3, tail: int = 4) -> str:
    """110101199003071234 -> 110***********1234; short values keep less."""
    if len(value) <= head + tail:
        head, tail = min(head, len(value) // 4), min(tail, len(value) // 3)
    return value[:head] + "*" * (len(value) - head - tail) + (value[-tail:] if tail else "")
