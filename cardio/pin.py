"""PIN entry: the reader's own PIN pad (PC/SC part 10 secure PIN entry) or digits from the screen.

- `ScreenPin`: digits typed on the touch screen, held in a bytearray that VERIFY wipes right
  after use (and that never shows in repr, logs or exceptions).
- `PinPad`: "let the reader's PIN pad collect it": the PIN never enters this process. Needs
  FEATURE_VERIFY_PIN_DIRECT, found with GET_FEATURE_REQUEST (`reader_features`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from smartcard.scard import SCARD_CTL_CODE

from cardio.errors import PinFormatError

CM_IOCTL_GET_FEATURE_REQUEST = SCARD_CTL_CODE(3400)
FEATURE_VERIFY_PIN_DIRECT = 0x06
FEATURE_MODIFY_PIN_DIRECT = 0x07
FEATURE_IFD_PIN_PROPERTIES = 0x0A

INITIAL_PIN = b"123456"


class ScreenPin:
    """PIN digits from the screen keypad. Call `wipe()` when done; VERIFY does it for you."""

    __slots__ = ("_digits",)

    def __init__(self, digits: bytes | bytearray | str = b"") -> None:
        self._digits = bytearray(digits.encode("ascii") if isinstance(digits, str) else digits)
        if any(not 0x30 <= b <= 0x39 for b in self._digits):
            self.wipe()
            raise PinFormatError()

    def append(self, digit: str) -> None:
        if len(digit) != 1 or not digit.isdigit() or len(self._digits) >= 12:
            raise PinFormatError()
        self._digits.append(ord(digit))

    def backspace(self) -> None:
        if self._digits:
            self._digits[-1] = 0
            del self._digits[-1]

    def __len__(self) -> int:
        return len(self._digits)

    @property
    def digits(self) -> bytearray:
        """The live buffer (not a copy): wiping it wipes the PIN."""
        return self._digits

    @property
    def wiped(self) -> bool:
        return not any(self._digits)

    def is_initial(self) -> bool:
        return bytes(self._digits) == INITIAL_PIN

    def wipe(self) -> None:
        for i in range(len(self._digits)):
            self._digits[i] = 0

    def __repr__(self) -> str:
        return f"ScreenPin(<{len(self._digits)} digits>)"

    __str__ = __repr__


@dataclass(frozen=True)
class PinPad:
    """Ask the reader's PIN pad for the PIN (secure PIN entry)."""

    timeout_s: int = 30
    min_digits: int = 6
    max_digits: int = 6


PinSource = ScreenPin | PinPad


def parse_features(tlv: bytes) -> dict[int, int]:
    """GET_FEATURE_REQUEST answer -> {feature tag: control code}.

    Each item is tag (1 byte), length (1 byte, 4), control code (4 bytes, big endian).
    Malformed items end the parse: a reader with a broken answer simply offers no feature.
    """
    features: dict[int, int] = {}
    i = 0
    while i + 2 <= len(tlv):
        tag, length = tlv[i], tlv[i + 1]
        value = tlv[i + 2 : i + 2 + length]
        if length != 4 or len(value) != 4:
            break
        features[tag] = int.from_bytes(value, "big")
        i += 2 + length
    return features


def verify_pin_direct_block(apdu_header: bytes, *, pad: PinPad, lang_id: int = 0x0804) -> bytes:
    """PIN_VERIFY_STRUCTURE (PC/SC part 10) for a BCD PIN, F-padded, placed at data offset 0.

    The reader builds `apdu_header` + Lc + the PIN block from the keys pressed. Fixed-length
    PIN blocks only (`pad.max_digits`), as PIN pads handle them; 6 digits is the usual PIN.
    """
    block_len = (pad.max_digits + 1) // 2
    apdu = apdu_header + bytes([block_len]) + b"\xff" * block_len
    return (
        struct.pack(
            "<BBBBBHBBHB3BI",
            pad.timeout_s,  # bTimerOut
            pad.timeout_s,  # bTimerOut2
            0x81,  # bmFormatString: byte units, position 0, left justified, BCD
            block_len,  # bmPINBlockString: no length field, block of block_len bytes
            0x00,  # bmPINLengthFormat
            (pad.min_digits << 8) | pad.max_digits,  # wPINMaxExtraDigit
            0x02,  # bEntryValidationCondition: validation key pressed
            0x01,  # bNumberMessage
            lang_id,  # wLangId: zh-CN
            0x00,  # bMsgIndex
            0,
            0,
            0,  # bTeoPrologue
            len(apdu),  # ulDataLength
        )
        + apdu
    )
