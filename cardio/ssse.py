"""The SSSE card application: select, read EF05 / EF06 by tag, authenticate, PIN commands.

`SsseCard(channel).read_info(security)` is the whole "card inserted -> CardInfo" sequence:
SELECT SSSE (FCI: algorithm flag), EF05 tags 01..06, EXTERNAL AUTHENTICATE with key 0A on
3.00 cards, EF05 tag 07, EF06 tags 08..0D (+ 4E on 3.00 cards), INTERNAL AUTHENTICATE.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from cardio import codec
from cardio.apdu import ApduChannel, Command
from cardio.errors import (
    CardDataInvalid,
    CardError,
    CardNotGenuine,
    CardStatusError,
    NotSsseCard,
    RecordNotFound,
    SecurityStatusNotSatisfied,
)
from cardio.security import SecurityModule
from common import card_crypto

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
EF05, EF06 = 5, 6
EF_FID = {EF05: 0xEF05, EF06: 0xEF06}

# tag -> (field name, value length) as the spec gives them
EF05_FIELDS = {0x01: ("card_identifier", 16), 0x02: ("card_type", 1), 0x03: ("spec_version", 4),
               0x04: ("issuer", 12), 0x05: ("issue_date", 4), 0x06: ("expiry_date", 4),
               0x07: ("card_number", 9)}  # fmt: skip
EF06_FIELDS = {0x08: ("id_number", 18), 0x09: ("name", 30), 0x4E: ("name_ext", 20),
               0x0A: ("sex", 1), 0x0B: ("ethnicity", 1), 0x0C: ("birthplace", 3),
               0x0D: ("birth_date", 4)}  # fmt: skip

# Status words meaning "this card does not do that addressing mode": try the next one.
_MODE_REFUSED = {0x6A86, 0x6A81, 0x6D00, 0x6981, 0x6B00, 0x6986}


@dataclass(frozen=True)
class CardInfo:
    """What the card says about itself and its holder. repr() masks the ID and card numbers."""

    spec_version: str
    algorithm: str
    card_identifier: str  # 32 hex digits
    region: str  # 6-digit region code from the card identifier
    card_type: str
    issuer: str  # 24 hex digits
    issue_date: dt.date
    expiry_date: dt.date
    card_number: str
    id_number: str
    name: str  # the full name: tag 09 followed by tag 4E
    sex: str  # "1" male, "2" female
    ethnicity: int
    birthplace: str
    birth_date: dt.date
    genuine: bool  # INTERNAL AUTHENTICATE checked by the security module
    atr: bytes = field(default=b"")

    @property
    def masked_id_number(self) -> str:
        return codec.mask(self.id_number)

    @property
    def masked_card_number(self) -> str:
        return codec.mask(self.card_number)

    def expired(self, today: dt.date | None = None) -> bool:
        return (today or dt.date.today()) > self.expiry_date

    def __repr__(self) -> str:
        return (
            f"CardInfo(spec_version={self.spec_version!r}, card_number={self.masked_card_number!r}, "
            f"id_number={self.masked_id_number!r}, region={self.region!r}, genuine={self.genuine})"
        )

    __str__ = __repr__


def parse_fci_algorithm(fci: bytes) -> str:
    """The algorithm flag 9F0C (86 01 xx) in the FCI; absent means DES."""
    try:
        top = codec.ber_tlv(fci)
        inner = dict(top).get(0x6F, fci)
        for tag, value in codec.ber_tlv(inner):
            if tag != 0xA5:
                continue
            for tag2, value2 in codec.ber_tlv(value):
                if tag2 == 0x9F0C:
                    flag = dict(codec.ber_tlv(value2)).get(0x86, b"")
                    if len(flag) != 1 or flag[0] not in card_crypto.FLAG_ALGORITHM:
                        raise CardDataInvalid(
                            "FCI 9F0C",
                            f"unsupported algorithm flag {flag.hex()}",
                            "不支持的算法标识",
                        )
                    return card_crypto.FLAG_ALGORITHM[flag[0]]
    except ValueError as exc:
        raise CardDataInvalid("FCI", f"bad TLV ({exc})", "FCI 格式错误") from None
    return card_crypto.DES3


def parse_record(field_name: str, tag: int, record: bytes) -> bytes:
    """A SIMPLE-TLV record `tag len value` -> value (checked)."""
    if len(record) < 2 or record[0] != tag or record[1] > len(record) - 2:
        raise CardDataInvalid(
            field_name, f"record is not tag {tag:02X} TLV", f"记录格式错误（标签 {tag:02X}）"
        )
    return record[2 : 2 + record[1]]


class SsseCard:
    def __init__(self, channel: ApduChannel) -> None:
        self.ch = channel
        self.algorithm = card_crypto.DES3
        self._mode: dict[int, int] = {}  # per EF: 0 tag+SFI, 1 tag+current EF, 2 record-no scan
        self._current_ef: int | None = None

    # ---- selection ----
    def select(self) -> str:
        cmd = Command("SELECT SSSE", 0x00, 0xA4, 0x04, 0x00, SSSE_AID)
        try:
            fci = self.ch.send(cmd).data
        except CardStatusError as exc:
            if exc.sw in (0x6A82, 0x6A81, 0x6A86, 0x6D00, 0x6E00):  # no such application here
                raise NotSsseCard() from exc
            raise
        self.algorithm = parse_fci_algorithm(fci)
        self._current_ef = None
        return self.algorithm

    def _select_ef(self, ef: int) -> None:
        if self._current_ef != ef:
            self.ch.send(
                Command("SELECT EF", 0x00, 0xA4, 0x02, 0x00, EF_FID[ef].to_bytes(2, "big"))
            )
            self._current_ef = ef

    # ---- records ----
    def read_tag(self, ef: int, tag: int) -> bytes:
        """The value of `tag` in EF05/EF06, trying the addressing modes in turn."""
        name, length = (EF05_FIELDS if ef == EF05 else EF06_FIELDS).get(tag, (f"tag {tag:02X}", 0))
        le = (2 + length) & 0xFF
        mode = self._mode.get(ef, 0)
        while True:
            try:
                if mode == 0:
                    rec = self.ch.send(
                        Command("READ RECORD", 0x00, 0xB2, tag, (ef << 3), le=le)
                    ).data
                elif mode == 1:
                    self._select_ef(ef)
                    rec = self.ch.send(Command("READ RECORD", 0x00, 0xB2, tag, 0x00, le=le)).data
                else:
                    return self._scan_records(ef, tag, name)
            except CardStatusError as exc:
                if exc.sw in _MODE_REFUSED and mode < 2:
                    mode += 1
                    continue
                raise
            self._mode[ef] = mode
            return parse_record(name, tag, rec)

    def _scan_records(self, ef: int, tag: int, name: str) -> bytes:
        """Last resort: records by number through the SFI, looking for the tag."""
        p2 = (ef << 3) | 0x04
        for number in range(1, 32):
            try:
                rec = self.ch.send(Command("READ RECORD", 0x00, 0xB2, number, p2, le=0)).data
            except RecordNotFound:
                break
            if rec and rec[0] == tag:
                return parse_record(name, tag, rec)
        raise RecordNotFound(0x6A83, "READ RECORD")

    # ---- authentication ----
    def external_authenticate(self, security: SecurityModule, card_identifier: bytes) -> None:
        rnd = self.ch.send(Command("GET CHALLENGE", 0x00, 0x84, 0x00, 0x00, le=8)).data
        if len(rnd) != 8:
            raise CardDataInvalid("GET CHALLENGE", "random is not 8 bytes", "随机数长度错误")
        cryptogram = security.external_auth_cryptogram(self.algorithm, card_identifier, rnd)
        self.ch.send(
            Command(
                "EXTERNAL AUTHENTICATE", 0x00, 0x82, 0x00, card_crypto.KEY_READ, cryptogram + rnd
            )
        )

    def internal_authenticate(self, security: SecurityModule, card_identifier: bytes) -> bool:
        challenge = security.challenge()
        cmd = Command(
            "INTERNAL AUTHENTICATE", 0x00, 0x88, 0x00, card_crypto.KEY_INTERNAL, challenge
        )
        try:
            answer = self.ch.send(cmd).data
        except CardStatusError:
            return False  # a card that cannot answer is not proven genuine
        return security.check_internal_auth(self.algorithm, card_identifier, challenge, answer)

    # ---- the whole read ----
    def read_info(
        self, security: SecurityModule, *, atr: bytes = b"", require_genuine: bool = True
    ) -> CardInfo:
        self.select()
        v: dict[int, bytes] = {}
        for tag in (0x01, 0x02, 0x03, 0x04, 0x05, 0x06):
            v[tag] = self.read_tag(EF05, tag)
        card_id = v[0x01]
        if len(card_id) != 16:
            raise CardDataInvalid("card_identifier", "not 16 bytes", "卡识别码长度错误")
        spec = codec.text_decode("spec_version", v[0x03], "ascii")
        if spec == "3.00":
            self.external_authenticate(security, card_id)
        v[0x07] = self.read_tag(EF05, 0x07)
        w: dict[int, bytes] = {}
        for tag in (0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D):
            w[tag] = self.read_tag(EF06, tag)
        name_ext = b""
        if spec == "3.00":
            with contextlib.suppress(RecordNotFound):
                name_ext = self.read_tag(EF06, 0x4E)
        genuine = self.internal_authenticate(security, card_id)
        if require_genuine and not genuine:
            raise CardNotGenuine()
        return decode_info(v, w, name_ext, spec, self.algorithm, genuine, atr)

    # ---- PIN ----
    def verify_pin(self, block: bytearray) -> None:
        """VERIFY with a BCD PIN block (the caller wipes it). Raises WrongPin / PinBlockedError."""
        self.ch.send(Command("VERIFY", 0x00, 0x20, 0x00, 0x00, block, sensitive=True))

    def pin_tries_left(self) -> int | None:
        """VERIFY without data: the retry counter (None when the card does not say)."""
        resp = self.ch.send(Command("VERIFY", 0x00, 0x20, 0x00, 0x00), check=False)
        if resp.sw1 == 0x63 and resp.sw2 & 0xF0 == 0xC0:
            return resp.sw2 & 0x0F
        if resp.sw == 0x6983:
            return 0
        return None

    def reload_pin(
        self, security: SecurityModule, card_identifier: bytes, new_block: bytearray
    ) -> None:
        """RELOAD PIN: GET CHALLENGE (8), then 80 5E 00 00 Lc <new PIN block> <MAC 4>, the MAC
        from the security module (the card's PIN-reload key, the random as IV). Raises
        PinReloadRefused (6988 / 6984), NoPinReloadKey, ..."""
        rnd = self.ch.send(Command("GET CHALLENGE", 0x00, 0x84, 0x00, 0x00, le=8)).data
        if len(rnd) != 8:
            raise CardDataInvalid("GET CHALLENGE", "random is not 8 bytes", "随机数长度错误")
        message = bytearray((0x80, 0x5E, 0x00, 0x00, len(new_block) + 4)) + new_block
        data = bytearray()
        try:
            mac = security.pin_reload_mac(self.algorithm, card_identifier, rnd, message)
            data = bytearray(new_block) + mac
            self.ch.send(Command("RELOAD PIN", 0x80, 0x5E, 0x00, 0x00, data, sensitive=True))
        finally:
            message[:] = bytes(len(message))
            data[:] = bytes(len(data))

    def change_pin(self, old_block: bytearray, new_block: bytearray) -> None:
        data = bytearray(old_block) + b"\xff" + new_block
        try:
            self.ch.send(Command("CHANGE PIN", 0x80, 0x5E, 0x01, 0x00, data, sensitive=True))
        finally:
            data[:] = bytes(len(data))


def decode_info(
    v: dict[int, bytes],
    w: dict[int, bytes],
    name_ext: bytes,
    spec: str,
    algorithm: str,
    genuine: bool,
    atr: bytes,
) -> CardInfo:
    """Raw tag values -> CardInfo. Raises CardDataInvalid naming the field, nothing else."""
    card_id = v[0x01]
    if len(card_id) != 16:
        raise CardDataInvalid("card_identifier", "not 16 bytes", "卡识别码长度错误")
    region = codec.bcd_decode("card_identifier", card_id[:3])
    card_type = codec.text_decode("card_type", v[0x02], "ascii")
    card_number = codec.text_decode("card_number", v[0x07], "ascii")
    if len(card_number) != 9:
        raise CardDataInvalid("card_number", "not 9 characters", "卡号不是 9 位")
    sex = codec.text_decode("sex", w[0x0A], "ascii")
    if sex not in ("1", "2"):
        raise CardDataInvalid("sex", f"unknown code {sex!r}", f"性别代码无效 {sex!r}")
    if len(w[0x0B]) != 1:
        raise CardDataInvalid("ethnicity", "not 1 byte", "民族代码长度错误")
    name = codec.text_decode("name", w[0x09], "gbk")
    if name_ext:
        name += codec.text_decode("name_ext", name_ext, "gb18030")
    if not name:
        raise CardDataInvalid("name", "empty", "姓名为空")
    return CardInfo(
        spec_version=spec,
        algorithm=algorithm,
        card_identifier=card_id.hex().upper(),
        region=region,
        card_type=card_type,
        issuer=v[0x04].hex().upper(),
        issue_date=codec.date_decode("issue_date", v[0x05]),
        expiry_date=codec.date_decode("expiry_date", v[0x06]),
        card_number=card_number,
        id_number=codec.id_number_decode("id_number", w[0x08]),
        name=name,
        sex=sex,
        ethnicity=w[0x0B][0],
        birthplace=codec.bcd_decode("birthplace", w[0x0C], allow_ff_padding=True),
        birth_date=codec.date_decode("birth_date", w[0x0D]),
        genuine=genuine,
        atr=atr,
    )


__all__ = ["CardError", "CardInfo", "SecurityStatusNotSatisfied", "SsseCard", "decode_info"]
