"""The acquirer's ISO 8583 dialect (UnionPay POS style), shared by the kiosk's client and the
back office's reference acquirer host so both agree by construction (docs/payments.md,
"The acquirer").

A message on the wire: 2-byte big-endian length, 5-byte TPDU (`60` + destination NII + source
NII), then the ISO 8583 message of `SPEC` (MTI and numeric fields BCD, binary bitmap, text
fields ASCII, variable lengths BCD). Encoding and decoding are pyiso8583's; this module only
declares the fields, frames messages, and computes the MAC (field 64: ISO 9797-1 algorithm 3,
the ANSI X9.19 retail MAC, with psec, over the message from the MTI to the byte before field 64).

Keys: the terminal master key (TMK) is loaded into the PIN pad at installation; sign-on delivers
the working keys (PIK for PIN blocks, MAK for MACs), each encrypted under the TMK with a 4-byte
check value (the first 4 bytes of the key's encryption of eight zero bytes).
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import struct
import warnings
from dataclasses import dataclass
from typing import Any, Final

import iso8583
from cryptography.utils import CryptographyDeprecationWarning

# psec is imported in the functions that use it: the kiosk's configuration reads this module's
# constants at start-up, and a member who does not pay by bank card never needs psec (~1 MB).
# psec still names TripleDES where cryptography moved it ("decrepit"); the cipher is the same.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module=r"psec\.")
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module=r"pyemv\.")


# -- the message spec ---------------------------------------------------------------------------


def _bcd(n: int, desc: str, *, pad: str = "left") -> dict[str, Any]:
    """A fixed numeric field of `n` digits, BCD (odd lengths padded with a 0 nibble)."""
    spec: dict[str, Any] = {
        "data_enc": "b",
        "len_enc": "b",
        "len_type": 0,
        "max_len": n,
        "len_count": "nibbles",
        "desc": desc,
    }
    if n % 2:
        spec["left_pad" if pad == "left" else "right_pad"] = "0"
    return spec


def _llvar_bcd(max_digits: int, desc: str, *, pad: str = "0", lll: bool = False) -> dict[str, Any]:
    """A variable numeric (or track 2: digits and 'D') field, BCD length in digits."""
    return {
        "data_enc": "b",
        "len_enc": "bcd",
        "len_type": 2 if lll else 1,
        "max_len": max_digits,
        "len_count": "nibbles",
        "right_pad": pad,
        "desc": desc,
    }


def _ascii(n: int, desc: str) -> dict[str, Any]:
    return {"data_enc": "ascii", "len_enc": "b", "len_type": 0, "max_len": n, "desc": desc}


def _binary(n: int, desc: str) -> dict[str, Any]:
    return {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": n, "desc": desc}


def _lllvar_binary(max_bytes: int, desc: str) -> dict[str, Any]:
    return {"data_enc": "b", "len_enc": "bcd", "len_type": 2, "max_len": max_bytes, "desc": desc}


SPEC: Final[dict[str, Any]] = {
    "h": {"data_enc": "b", "len_enc": "b", "len_type": 0, "max_len": 0, "desc": "(no header)"},
    "t": _binary(2, "Message type (BCD)"),
    "p": _binary(8, "Bitmap"),
    "2": _llvar_bcd(19, "Primary account number"),
    "3": _bcd(6, "Processing code"),
    "4": _bcd(12, "Amount, fen"),
    "11": _bcd(6, "System trace audit number"),
    "12": _bcd(6, "Local time hhmmss"),
    "13": _bcd(4, "Local date MMDD"),
    "14": _bcd(4, "Expiry YYMM"),
    "22": _bcd(3, "POS entry mode", pad="right"),
    "23": _bcd(3, "Card sequence number"),
    "25": _bcd(2, "POS condition code"),
    "35": _llvar_bcd(37, "Track 2 equivalent", pad="F"),
    "37": _ascii(12, "Retrieval reference number"),
    "38": _ascii(6, "Authorization code"),
    "39": _ascii(2, "Response code (in 0400: reversal reason)"),
    "41": _ascii(8, "Terminal number"),
    "42": _ascii(15, "Merchant number"),
    "49": _ascii(3, "Currency code"),
    "52": _binary(8, "PIN block"),
    "53": _bcd(16, "Security control information"),
    "55": _lllvar_binary(255, "ICC data"),
    "60": _llvar_bcd(17, "Message type code, batch, network management code", lll=True),
    "62": _lllvar_binary(512, "Working keys (0810), settlement totals (0500/0510)"),
    "64": _binary(8, "MAC"),
}

TPDU_REQUEST: Final = bytes.fromhex("6000030000")  # 60, to NII 0003 (the acquirer), from 0000
MAX_FRAME: Final = 2048

# Message types
SIGN_ON, SIGN_ON_RESP = "0800", "0810"
SALE, SALE_RESP = "0200", "0210"
REVERSAL, REVERSAL_RESP = "0400", "0410"
SETTLE, SETTLE_RESP = "0500", "0510"
RESPONSE_OF: Final = {
    SIGN_ON: SIGN_ON_RESP,
    SALE: SALE_RESP,
    REVERSAL: REVERSAL_RESP,
    SETTLE: SETTLE_RESP,
}
MACED: Final = frozenset({SALE, SALE_RESP, REVERSAL, REVERSAL_RESP, SETTLE, SETTLE_RESP})

PROC_PURCHASE: Final = "000000"
ENTRY_ICC_PIN: Final = "051"  # chip read, PIN entered
POS_CONDITION_NORMAL: Final = "00"
CURRENCY_CNY: Final = "156"
# Field 53: 1 = ISO 9564 format 0 (with PAN), 6 = double-length 3DES key, then zeros.
SECURITY_CONTROL: Final = "1600000000000000"
# Field 60.1 message type codes and 60.3 network management codes (UnionPay POS usage).
MTC_SALE, MTC_NETWORK = "22", "00"
NMC_SIGN_ON_DOUBLE_KEYS, NMC_SETTLE = "003", "201"

# Reversal reasons (field 39 of a 0400)
REASON_NO_ANSWER: Final = "98"
REASON_CARD_DECLINED: Final = "06"  # the card's second GENERATE AC refused after approval
REASON_MAC_ERROR: Final = "A0"

# Response codes
APPROVED: Final = "00"
DO_NOT_HONOR: Final = "05"  # cryptogram (ARQC) failed
INVALID_TXN: Final = "12"
NO_SUCH_CARD: Final = "14"
NO_ORIGINAL: Final = "25"
INSUFFICIENT_FUNDS: Final = "51"
EXPIRED_CARD: Final = "54"
WRONG_PIN: Final = "55"
PIN_TRIES_EXCEEDED: Final = "75"
SIGN_ON_REQUIRED: Final = "77"
DUPLICATE: Final = "94"
SETTLE_MISMATCH: Final = "95"
SYSTEM_ERROR: Final = "96"
UNKNOWN_TERMINAL: Final = "97"
MAC_ERROR: Final = "A0"

RESPONSE_TEXT: Final = {
    APPROVED: ("交易成功", "Approved"),
    DO_NOT_HONOR: ("卡片校验失败，交易拒绝", "Declined: the card's cryptogram failed"),
    INVALID_TXN: ("无效交易", "Invalid transaction"),
    NO_SUCH_CARD: ("无效卡号", "No such card"),
    NO_ORIGINAL: ("找不到原始交易", "Original transaction not found"),
    INSUFFICIENT_FUNDS: ("余额不足", "Insufficient funds"),
    EXPIRED_CARD: ("卡片已过期", "Expired card"),
    WRONG_PIN: ("密码错误", "Wrong PIN"),
    PIN_TRIES_EXCEEDED: ("密码错误次数超限", "PIN tries exceeded"),
    SIGN_ON_REQUIRED: ("请重新签到", "Sign on again"),
    DUPLICATE: ("重复交易", "Duplicate transmission"),
    SETTLE_MISMATCH: ("对账不平", "Settlement totals do not match"),
    SYSTEM_ERROR: ("系统故障", "System error"),
    UNKNOWN_TERMINAL: ("终端未登记", "Terminal not registered"),
    MAC_ERROR: ("MAC校验错", "MAC check failed"),
}


class Pos8583Error(Exception):
    """A message that cannot be framed, encoded or decoded."""


# -- messages -----------------------------------------------------------------------------------

Fields = dict[str, str]


def encode(fields: Fields) -> bytes:
    """The ISO 8583 bytes (no length, no TPDU) of `fields` ({"t": "0200", "2": ..., ...}:
    numeric and binary fields as hex/digit strings, text as str). Field 64, when present,
    is taken as given (see `with_mac`)."""
    try:
        raw, _ = iso8583.encode(dict(fields), SPEC)
    except (iso8583.EncodeError, ValueError, TypeError) as e:
        raise Pos8583Error(f"cannot encode: {e}") from None
    return bytes(raw)


def decode(raw: bytes) -> Fields:
    try:
        doc, _ = iso8583.decode(raw, SPEC)
    except (iso8583.DecodeError, ValueError, TypeError) as e:
        raise Pos8583Error(f"cannot decode: {e}") from None
    return {k: v for k, v in doc.items() if k not in ("h", "p")}


def frame(tpdu: bytes, message: bytes) -> bytes:
    body = tpdu + message
    if len(body) > MAX_FRAME:
        raise Pos8583Error("message too long")
    return struct.pack(">H", len(body)) + body


def answer_tpdu(tpdu: bytes) -> bytes:
    """The TPDU of an answer: destination and source swapped."""
    return tpdu[:1] + tpdu[3:5] + tpdu[1:3]


def read_frame(sock: socket.socket) -> tuple[bytes, bytes]:
    """(TPDU, message) of the next frame; EOFError when the peer closed first."""
    head = _read_exactly(sock, 2)
    (n,) = struct.unpack(">H", head)
    if n < 5 or n > MAX_FRAME:
        raise Pos8583Error(f"bad frame length {n}")
    body = _read_exactly(sock, n)
    return body[:5], body[5:]


def _read_exactly(sock: socket.socket, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError("connection closed")
        out += chunk
    return bytes(out)


# -- MAC ----------------------------------------------------------------------------------------

MAC_PLACEHOLDER: Final = "00" * 8


def mac_input(message: bytes) -> bytes:
    """The MAC's input: the message without its trailing 8-byte field 64 (always the last)."""
    return message[:-8]


def retail_mac(mak: bytes, data: bytes) -> bytes:
    """ANSI X9.19 (ISO 9797-1 algorithm 3, zero padding) under a double-length MAK."""
    if len(mak) != 16:
        raise ValueError("the MAK is a double-length (16-byte) key")
    import psec.mac

    return psec.mac.generate_retail_mac(mak[:8], mak[8:], data, padding=1)


def with_mac(fields: Fields, mac: Any) -> bytes:
    """Encode `fields` with field 64 computed by `mac(data) -> 8 bytes` (the PIN pad's, or the
    host's key)."""
    draft = encode({**fields, "64": MAC_PLACEHOLDER})
    return draft[:-8] + bytes(mac(mac_input(draft)))


def message_mac(message: bytes) -> bytes:
    return message[-8:]


# -- keys ---------------------------------------------------------------------------------------


def check_value(key: bytes) -> bytes:
    """The key check value: the first 4 bytes of E_key(00 x 8)."""
    import psec.des

    return psec.des.generate_kcv(key, 4)


def wrap(tmk: bytes, key: bytes) -> bytes:
    """A working key encrypted under the TMK (3DES ECB)."""
    import psec.des

    return psec.des.encrypt_tdes_ecb(tmk, key)


def unwrap(tmk: bytes, wrapped: bytes) -> bytes:
    import psec.des

    return psec.des.decrypt_tdes_ecb(tmk, wrapped)


@dataclass(frozen=True)
class WorkingKeys:
    """What a sign-on answer carries in field 62: PIK and MAK under the TMK, with check values."""

    pik_under_tmk: bytes
    pik_check: bytes
    mak_under_tmk: bytes
    mak_check: bytes

    def field62(self) -> str:
        return (self.pik_under_tmk + self.pik_check + self.mak_under_tmk + self.mak_check).hex()

    @classmethod
    def from_field62(cls, value: str) -> WorkingKeys:
        raw = bytes.fromhex(value)
        if len(raw) != 40:
            raise Pos8583Error("field 62 of a sign-on answer is 40 bytes")
        return cls(raw[:16], raw[16:20], raw[20:36], raw[36:40])


# The lab's terminal master keys: what an installer would load into each PIN pad (a real
# acquirer hands them out in components at a key ceremony). Never used outside the lab.
_LAB_TMK_SECRET: Final = b"shebao-kiosk lab TMK derivation, test only"


def lab_tmk(terminal_no: str) -> bytes:
    """The lab's test TMK of an acquirer terminal number (odd parity, double length)."""
    raw = hmac.new(_LAB_TMK_SECRET, terminal_no.encode("ascii"), hashlib.sha256).digest()[:16]
    import psec.des

    return psec.des.adjust_key_parity(raw)


# -- totals (settlement) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """A day's sales net of reversals: how many, and how many fen."""

    count: int
    amount_fen: int

    def field62(self) -> str:
        return f"{self.count:06d}{self.amount_fen:012d}".encode("ascii").hex()

    @classmethod
    def from_field62(cls, value: str) -> Totals:
        text = bytes.fromhex(value).decode("ascii")
        if len(text) != 18 or not text.isdigit():
            raise Pos8583Error("settlement totals are 6 + 12 digits")
        return cls(int(text[:6]), int(text[6:]))


def amount_field(fen: int) -> str:
    """Field 4: the amount in fen as 12 digits (1.00 yuan = 100 fen = "000000000100")."""
    if fen < 0 or fen >= 10**12:
        raise ValueError("amount out of range")
    return f"{fen:012d}"


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits, the rest '*' (what receipts and logs may show)."""
    if len(pan) < 11:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
