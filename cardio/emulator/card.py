"""The emulated social security card: the SSSE application behind an APDU interface.

`EmulatedCard.process(apdu) -> response` is all a transport needs (vpcd or in-process).
Behaviour follows the emulator contract in card-profile.md: SELECT by AID answers 61xx,
all four READ RECORD addressings, 6Cxx on a wrong Le, GET CHALLENGE, INTERNAL and EXTERNAL
AUTHENTICATE, 3.00 cards lock EF06 until key 0A passes, VERIFY / CHANGE PIN with a
persistent retry counter, RELOAD PIN (80 5E 00 00: a new PIN under the PIN-reload key's MAC,
docs/card-crypto.md) that sets the PIN and unblocks the card.
"""

from __future__ import annotations

import hashlib
import os

from cardio.emulator.emv_app import EmvApplication
from cardio.emulator.profile import CardProfile
from cardio.emulator.state import StateStore
from common import card_crypto

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
CARD_ATR = bytes.fromhex("3B6D000081869C0000000000005A4B4D31")[:17]
SFI_EF05, SFI_EF06 = 5, 6
FID = {0xEF05: SFI_EF05, 0xEF06: SFI_EF06}

SW_OK = b"\x90\x00"


def sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


def _pin_hash(card_id: str, pin_block: bytes) -> str:
    # The state file keeps a salted hash, never the PIN itself.
    return hashlib.sha256(card_id.encode() + b"|" + pin_block).hexdigest()


def _split_pin_change(data: bytes) -> tuple[bytes, bytes] | None:
    if b"\xff" not in data:
        return None
    cut = data.index(b"\xff")
    return data[:cut], data[cut + 1 :]


class EmulatedCard:
    def __init__(
        self, profile: CardProfile, state: StateStore, keys: card_crypto.MasterKeys
    ) -> None:
        self.profile = profile
        self.state = state
        self.card_id = profile.card_identifier.hex().upper()
        alg = profile.algorithm
        if profile.internal_key is not None:
            self.internal_key = profile.internal_key
        else:
            self.internal_key = card_crypto.card_key(
                alg, profile.internal_master or keys.internal, profile.card_identifier
            )
        self.read_key = card_crypto.card_key(
            alg, profile.read_master or keys.read, profile.card_identifier
        )
        # No PIN-reload master key (a keys file without one): RELOAD PIN answers 6A88.
        self.pin_reload_key = (
            None
            if keys.pin_reload is None
            else card_crypto.card_key(alg, keys.pin_reload, profile.card_identifier)
        )
        self.files = {SFI_EF05: profile.ef05, SFI_EF06: profile.ef06}
        self.atr = CARD_ATR
        # the bank application on the same chip (emv_app.py), when the profile has [finance]
        self.emv = EmvApplication(profile.finance, state, self.card_id) if profile.finance else None
        self.power_on()

    # ---- session state (lost on power off / reset) ----
    def power_on(self) -> None:
        self.ssse_selected = False
        self.current_ef: int | None = None
        self.challenge: bytes | None = None
        self.external_ok = False
        self.pending = b""  # response bytes waiting for GET RESPONSE
        self.emv_selected = False
        if self.emv is not None:
            self.emv.power_on()

    def _pin_state(self) -> tuple[int, str]:
        st = self.state.get(self.card_id)
        tries = st.get("pin_tries_left")
        if tries is None:
            tries = (
                self.profile.pin_tries
                if self.profile.pin_tries_left is None
                else self.profile.pin_tries_left
            )
        pin_hash = st.get("pin_hash") or _pin_hash(self.card_id, self._block(self.profile.pin))
        return tries, pin_hash

    @staticmethod
    def _block(pin: str) -> bytes:
        from cardio.codec import bcd_encode

        return bcd_encode(pin)

    # ---- APDU dispatch ----
    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        body = apdu[4:]
        lc, data, le = 0, b"", None
        if len(body) == 1:
            le = body[0]
        elif len(body) > 1:
            lc = body[0]
            data = body[1 : 1 + lc]
            if len(data) != lc or len(body) > lc + 2:
                return sw(0x6700)
            if len(body) == lc + 2:
                le = body[-1]
        if ins == 0xC0:
            return self._get_response(le)
        self.pending = b""
        if self.emv_selected and ins != 0xA4:
            return self._emv(cla, ins, p1, p2, data, le)
        handler = {
            0xA4: self._select,
            0xB2: self._read_record,
            0x84: self._get_challenge,
            0x88: self._internal_auth,
            0x82: self._external_auth,
            0x20: self._verify,
            0x5E: self._pin_change_or_reload,
        }.get(ins)
        if handler is None:
            return sw(0x6D00)
        if cla not in (0x00, 0x80):
            return sw(0x6E00)
        return handler(p1, p2, data, le)

    def _emv(self, cla: int, ins: int, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        assert self.emv is not None
        handler = self.emv.handler(ins)
        if handler is None:
            return sw(0x6D00)
        if cla not in (0x00, 0x80):
            return sw(0x6E00)
        answer = handler(p1, p2, data, le)
        if ins in (0xA8, 0xAE, 0x88) and answer.endswith(SW_OK):
            return self._waiting(answer[:-2])  # case 4 commands: T=0 style like SELECT
        return answer

    def _waiting(self, payload: bytes) -> bytes:
        # T=0 style: the data waits for GET RESPONSE.
        self.pending = payload
        return sw(0x6100 | len(payload))

    def _get_response(self, le: int | None) -> bytes:
        if not self.pending:
            return sw(0x6985)
        if le != len(self.pending):
            return sw(0x6C00 | len(self.pending))
        out, self.pending = self.pending, b""
        return out + SW_OK

    def _fci(self) -> bytes:
        flag = bytes([0x9F, 0x0C, 0x03, 0x86, 0x01, card_crypto.FCI_FLAG[self.profile.algorithm]])
        a5 = bytes([0xA5, len(flag)]) + flag
        body = bytes([0x84, len(SSSE_AID)]) + SSSE_AID + a5
        return bytes([0x6F, len(body)]) + body

    def _select(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if p1 == 0x04:
            fci = self.emv.select(data) if self.emv is not None else None
            if fci is not None:
                self.emv_selected, self.ssse_selected, self.current_ef = True, False, None
                return self._waiting(fci)
            if data != SSSE_AID:
                return sw(0x6A82)
            if self.emv is not None:
                self.emv.power_on()
            self.emv_selected = False
            self.ssse_selected, self.current_ef = True, None
            return self._waiting(self._fci())
        if p1 in (0x00, 0x02) and len(data) == 2:
            fid = int.from_bytes(data, "big")
            if fid == 0x3F00:
                self.ssse_selected, self.current_ef, self.emv_selected = False, None, False
                return SW_OK
            if fid in FID and self.ssse_selected:
                self.current_ef = FID[fid]
                return SW_OK
            return sw(0x6A82)
        return sw(0x6A86)

    def _read_record(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.ssse_selected:
            return sw(0x6A82)
        sfi, mode = p2 >> 3, p2 & 0x07
        if sfi == 0:
            if self.current_ef is None:
                return sw(0x6986)
            sfi = self.current_ef
        if sfi not in self.files:
            return sw(0x6A82)
        records = self.files[sfi]
        if mode == 0x04:
            if not 1 <= p1 <= len(records):
                return sw(0x6A83)
            tag, value = records[p1 - 1]
        elif mode == 0x00:
            found = [r for r in records if r[0] == p1]
            if not found:
                return sw(0x6A83)
            tag, value = found[0]
        else:
            return sw(0x6A86)
        if self.profile.spec_version == "3.00" and not self.external_ok:
            locked = sfi == SFI_EF06 or (self.profile.lock_card_number and tag == 0x07)
            if locked:
                return sw(0x6982)
        record = bytes([tag, len(value)]) + value
        if le != len(record):
            return sw(0x6C00 | len(record))
        return record + SW_OK

    def _get_challenge(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if le not in (4, 8, 16):
            return sw(0x6C08)
        self.challenge = os.urandom(le)
        return self.challenge + SW_OK

    def _internal_auth(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if len(data) != 16:
            return sw(0x6700)
        if p2 not in (0x00, card_crypto.KEY_INTERNAL):
            return sw(0x6A88)
        return self._waiting(
            card_crypto.internal_auth_response(self.profile.algorithm, self.internal_key, data)
        )

    def _external_auth(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if p2 != card_crypto.KEY_READ:
            return sw(0x6A88)
        if len(data) != 16:
            return sw(0x6700)
        st = self.state.get(self.card_id)
        tries = st.get("ext_tries_left", 15)
        if tries == 0:
            return sw(0x6983)
        challenge, self.challenge = self.challenge, None  # one use only
        if challenge is None or len(challenge) != 8 or data[8:] != challenge:
            return sw(0x6984)
        expected = card_crypto.external_auth_cryptogram(
            self.profile.algorithm, self.read_key, challenge
        )
        if card_crypto.same(expected, data[:8]):
            self.external_ok = True
            if tries != 15:
                self.state.update(self.card_id, ext_tries_left=15)
            return SW_OK
        tries -= 1
        self.state.update(self.card_id, ext_tries_left=tries)
        return sw(0x6983) if tries == 0 else sw(0x63C0 | tries)

    def _check_pin(self, block: bytes) -> bytes | None:
        """None when the PIN matches (counter reset), else the status to answer."""
        tries, pin_hash = self._pin_state()
        if tries == 0:
            return sw(0x6983)
        if card_crypto.same(_pin_hash(self.card_id, block).encode(), pin_hash.encode()):
            if tries != self.profile.pin_tries:
                self.state.update(self.card_id, pin_tries_left=self.profile.pin_tries)
            return None
        tries -= 1
        self.state.update(self.card_id, pin_tries_left=tries)
        return sw(0x6983) if tries == 0 else sw(0x63C0 | tries)

    def _verify(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.ssse_selected:
            return sw(0x6985)
        if not data:  # ISO 7816-4: VERIFY without data asks for the retry counter
            tries, _ = self._pin_state()
            return sw(0x6983) if tries == 0 else sw(0x63C0 | tries)
        if not 2 <= len(data) <= 6:
            return sw(0x6700)
        return self._check_pin(data) or SW_OK

    def _pin_change_or_reload(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if p2 != 0x00:
            return sw(0x6A86)
        if p1 == 0x01:
            return self._change_pin(p1, p2, data, le)
        if p1 == 0x00:
            return self._reload_pin(data)
        return sw(0x6A86)

    def _reload_pin(self, data: bytes) -> bytes:
        """RELOAD PIN: <new PIN block 2..6> <MAC 4>, the MAC under the PIN-reload key with the
        last GET CHALLENGE (8 bytes) as IV. A wrong MAC (6988) or a missing random (6984)
        changes nothing; success sets the PIN and the retry counter to its maximum."""
        if not self.ssse_selected:
            return sw(0x6985)
        if self.pin_reload_key is None:
            return sw(0x6A88)
        challenge, self.challenge = self.challenge, None  # one use only
        block, mac = data[:-4], data[-4:]
        if not 2 <= len(block) <= 6:
            return sw(0x6700)
        if challenge is None or len(challenge) != 8:
            return sw(0x6984)
        header = bytes([0x80, 0x5E, 0x00, 0x00, len(data)])
        expected = card_crypto.pin_reload_mac(
            self.profile.algorithm, self.pin_reload_key, challenge, header + block
        )
        if not card_crypto.same(expected, mac):
            return sw(0x6988)
        self.state.update(
            self.card_id,
            pin_hash=_pin_hash(self.card_id, block),
            pin_tries_left=self.profile.pin_tries,
        )
        return SW_OK

    def _change_pin(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.ssse_selected:
            return sw(0x6985)
        parts = _split_pin_change(data)
        if parts is None or not (2 <= len(parts[0]) <= 6 and 2 <= len(parts[1]) <= 6):
            return sw(0x6A80)
        old, new = parts
        failed = self._check_pin(old)
        if failed:
            return failed
        self.state.update(self.card_id, pin_hash=_pin_hash(self.card_id, new))
        return SW_OK
