"""The emulated PSAM (slot 1): holds the master keys, diversifies per card, computes and checks
cryptograms. Its commands are this project's assumed ones (docs/card-card_crypto.md):

  GET CHALLENGE       00 84 00 00 10                       -> 16 random bytes
  CIPHER              80 F0 <key id> <alg> 20 <card id 16> <data 16>   -> 61 10, GET RESPONSE
                      key id 0A (read key) only: the data encrypted with the card's read key
  CHECK INTERNAL AUTH 80 F2 00 <alg> 30 <card id 16> <challenge 16> <card answer 16>
                      -> 9000 genuine, 6988 cryptogram wrong, 6984 challenge not the last issued
  RELOAD PIN MAC      80 F4 00 <alg> Lc <card id 16> <card random 8> <message 1..64>
                      -> 61 04, GET RESPONSE: the 4-byte MAC of RELOAD PIN under the card's
                      PIN-reload key (message = 80 5E 00 00 Lc || new PIN block); 6A88 when
                      this PSAM holds no PIN-reload key
  alg: 01 = 3DES, 03 = SM4 (the FCI flag values)
"""

from __future__ import annotations

import os

from common import card_crypto

PSAM_ATR = bytes.fromhex("3B6900005053414D54455354")  # historical bytes "PSAMTEST"


def sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


class EmulatedPsam:
    def __init__(self, keys: card_crypto.MasterKeys) -> None:
        self.keys = keys
        self.atr = PSAM_ATR
        self.power_on()

    def power_on(self) -> None:
        self.challenge: bytes | None = None
        self.pending = b""

    def process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return sw(0x6700)
        cla, ins, p1, p2 = apdu[:4]
        data = apdu[5 : 5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xC0:
            if not self.pending:
                return sw(0x6985)
            if len(apdu) != 5 or apdu[4] != len(self.pending):
                return sw(0x6C00 | len(self.pending))
            out, self.pending = self.pending, b""
            return out + b"\x90\x00"
        self.pending = b""
        if ins == 0x84:
            self.challenge = os.urandom(16)
            return self.challenge + b"\x90\x00"
        if cla != 0x80:
            return sw(0x6D00)
        alg = card_crypto.FLAG_ALGORITHM.get(p2)
        if alg is None:
            return sw(0x6A86)
        if ins == 0xF0:
            if p1 != card_crypto.KEY_READ:
                return sw(0x6A88)
            if len(data) != 32:
                return sw(0x6700)
            key = card_crypto.card_key(alg, self.keys.read, data[:16])
            self.pending = card_crypto.ecb_encrypt(alg, key, data[16:])
            return sw(0x6110)
        if ins == 0xF4:
            if p1 != 0x00:
                return sw(0x6A86)
            if not 25 <= len(data) <= 24 + 64:
                return sw(0x6700)
            if self.keys.pin_reload is None:
                return sw(0x6A88)
            key = card_crypto.card_key(alg, self.keys.pin_reload, data[:16])
            self.pending = card_crypto.pin_reload_mac(alg, key, data[16:24], data[24:])
            return sw(0x6104)
        if ins == 0xF2:
            if len(data) != 48:
                return sw(0x6700)
            challenge, self.challenge = self.challenge, None
            if challenge is None or data[16:32] != challenge:
                return sw(0x6984)
            key = card_crypto.card_key(alg, self.keys.internal, data[:16])
            expected = card_crypto.internal_auth_response(alg, key, challenge)
            return b"\x90\x00" if card_crypto.same(expected, data[32:48]) else sw(0x6988)
        return sw(0x6D00)
