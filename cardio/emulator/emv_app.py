"""The emulated card's financial application (PBOC / UnionPay IC debit, contact), beside SSSE.

docs/card-emv.md describes it: PSE 1PAY.SYS.DDF01 and its directory, SELECT by AID, GET
PROCESSING OPTIONS (PDOL 9F35 9F1A 5F2A), READ RECORD per the AFL, SDA or DDA (INTERNAL
AUTHENTICATE with DDOL 9F37), GENERATE AC twice. The ARPC comes in the second GENERATE AC's
CDOL2 data (tag 91), not in EXTERNAL AUTHENTICATE: one APDU less, and INS 82 stays SSSE's.
The card never checks the financial PIN (online PIN: the issuer does). The ATC is persisted in
the emulator's state file per card and AID, like the PIN counter.

The certificates are made here, when a card is personalised (inserted), by the test CA and
test issuer keys of common.emv_profile, following EMV Book 2 sections 5 and 6.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from cardio.emulator.state import StateStore
from common import emv_profile as ep

SW_OK = b"\x90\x00"

SFI_PSE = 1
SFI_ACCOUNT = 2  # records signed for ODA
SFI_KEYS = 3  # certificates: not signed

PDOL = bytes.fromhex("9F35019F1A025F2A02")
#: CDOL1 is exactly what the cryptogram covers from the terminal (common.emv_profile)
CDOL1 = bytes.fromhex("9F02069F03069F1A0295055F2A029A039C019F3704")
CDOL2 = bytes.fromhex("8A02910A95059F3704")
DDOL = bytes.fromhex("9F3704")
#: CVM list: X = Y = 0; enciphered PIN verified online (else next), then no CVM required
CVM_LIST = bytes(8) + bytes.fromhex("42031F03")
AIP_SDA = bytes.fromhex("5C00")  # SDA, cardholder verification, risk management, issuer auth
AIP_DDA = bytes.fromhex("7C00")  # the same with DDA as well (a terminal prefers DDA)
IAC_DENIAL = bytes(5)
IAC_ONLINE = bytes.fromhex("FC68BC9800")
IAC_DEFAULT = bytes.fromhex("FC68BC9800")

CID_AAC, CID_TC, CID_ARQC = 0x00, 0x40, 0x80
ICC_KEY_BITS = 1024  # under the 1152-bit issuer key: its certificate carries a remainder


def sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


def _tl(tag: str, value: bytes) -> bytes:
    """One BER-TLV object. Templates are built from already encoded bytes, which pyemv's
    encoder (a dict per template) does not take, so the length is written here."""
    n = len(value)
    length = (
        bytes([n])
        if n < 0x80
        else bytes([0x81, n])
        if n < 0x100
        else b"\x82" + n.to_bytes(2, "big")
    )
    return bytes.fromhex(tag) + length + value


def dol_length(dol: bytes) -> int:
    """Total length of the data a DOL asks for (tags are 1 or 2 bytes here; lengths 1 byte)."""
    total, i = 0, 0
    while i < len(dol):
        i += 2 if dol[i] & 0x1F == 0x1F else 1
        total += dol[i]
        i += 1
    return total


def dol_split(dol: bytes, data: bytes) -> dict[str, bytes] | None:
    """The terminal's DOL data cut into tags, or None when the length is wrong."""
    out: dict[str, bytes] = {}
    i = pos = 0
    while i < len(dol):
        width = 2 if dol[i] & 0x1F == 0x1F else 1
        tag = dol[i : i + width].hex().upper()
        length = dol[i + width]
        i += width + 1
        out[tag] = data[pos : pos + length]
        pos += length
    return out if pos == len(data) else None


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()


def _issuer_id(pan: str) -> bytes:
    return bytes.fromhex(pan[:6].ljust(8, "F"))


def _sign_certificate(
    signer: ep.RsaKeyPair, fmt: int, header: bytes, key: bytes, exponent: bytes, extra: bytes
) -> tuple[bytes, bytes]:
    """A key certificate (format 02 issuer or 04 ICC) and the remainder it leaves out.

    `header` runs from after the format byte to the exponent length byte; the key's leftmost
    digits fill what room is left, padded BB; the hash covers format .. key field, remainder,
    exponent and `extra` (the static data, for an ICC certificate).
    """
    room = signer.length - 22 - 1 - len(header)  # 6A, format, header, hash 20, BC
    leftmost, remainder = key[:room], key[room:]
    field = leftmost.ljust(room, b"\xbb")
    body = bytes([fmt]) + header + field
    digest = _sha1(body + remainder + exponent + extra)
    return signer.sign(b"\x6a" + body + digest + b"\xbc"), remainder


def _exponent_bytes(e: int) -> bytes:
    return e.to_bytes((e.bit_length() + 7) // 8, "big")


@dataclass(frozen=True)
class _Issuer:
    certificate: bytes
    remainder: bytes
    exponent: bytes


def _issuer_certificate(pan: str) -> _Issuer:
    issuer = ep.TEST_ISSUER_KEYPAIR
    exponent = _exponent_bytes(issuer.e)
    header = (
        _issuer_id(pan)
        + bytes.fromhex("1249")  # certificate expires MMYY 12/49
        + bytes.fromhex("000001")  # serial
        + bytes([0x01, 0x01, issuer.length, len(exponent)])
    )
    cert, rem = _sign_certificate(ep.TEST_CA_KEYPAIR, 0x02, header, issuer.modulus, exponent, b"")
    return _Issuer(cert, rem, exponent)


_icc_keys: dict[str, ep.RsaKeyPair] = {}


def _icc_keypair(pan: str) -> ep.RsaKeyPair:
    """One RSA key pair per PAN for the emulator process's life (making one takes a while)."""
    if pan not in _icc_keys:
        key = rsa.generate_private_key(public_exponent=3, key_size=ICC_KEY_BITS)
        numbers = key.private_numbers()
        _icc_keys[pan] = ep.RsaKeyPair(
            numbers.public_numbers.n, numbers.public_numbers.e, numbers.d
        )
    return _icc_keys[pan]


class EmvApplication:
    """The card's bank applications (one or several AIDs sharing one account's data)."""

    def __init__(self, finance: ep.FinanceProfile, state: StateStore, card_id: str) -> None:
        self.fin = finance
        self.state = state
        self.card_id = card_id
        self.icc_mk_ac = finance.icc_mk_ac
        self.aip = AIP_DDA if finance.oda == "dda" else AIP_SDA
        self.records = self._personalise()
        self.power_on()

    def power_on(self) -> None:
        self.current: bytes | None = None  # selected AID; PSE_NAME while the PSE is selected
        self.gpo_done = False
        # first GENERATE AC: (terminal data, ATC, ARQC) until the second one
        self.pending_ac: tuple[dict[str, bytes], bytes, bytes] | None = None

    # ---- personalisation ----
    def _personalise(self) -> dict[tuple[int, int], bytes]:
        fin = self.fin
        track2 = ep.track2_equivalent(fin.pan, fin.expiry)
        pan_bcd = bytes.fromhex(fin.pan + "F" * (len(fin.pan) % 2))
        rec_track = _tl("57", track2) + _tl("9F08", b"\x00\x30")
        rec_account = b"".join(
            _tl(t, v)
            for t, v in (
                ("5A", pan_bcd),
                ("5F34", bytes.fromhex(fin.psn)),
                ("5F24", bytes.fromhex(fin.expiry)),
                ("5F25", bytes.fromhex("200101")),
                ("5F28", ep.COUNTRY_CHINA),
                ("9F07", bytes.fromhex("FF00")),
                ("8E", CVM_LIST),
                ("8C", CDOL1),
                ("8D", CDOL2),
                ("9F0D", IAC_DEFAULT),
                ("9F0E", IAC_DENIAL),
                ("9F0F", IAC_ONLINE),
                ("9F4A", b"\x82"),  # the AIP is signed too
            )
        )
        # SFI 1..10: the signed data is each record's value inside tag 70
        static = rec_track + rec_account + self.aip
        issuer = _issuer_certificate(fin.pan)
        rec_issuer = (
            _tl("8F", bytes([ep.TEST_CA_INDEX]))
            + _tl("90", issuer.certificate)
            + _tl("9F32", issuer.exponent)
            + _tl("92", issuer.remainder)
        )
        if fin.oda == "dda":
            icc = _icc_keypair(fin.pan)
            icc_exp = _exponent_bytes(icc.e)
            header = (
                pan_bcd.ljust(10, b"\xff")
                + bytes.fromhex(fin.expiry[2:4] + fin.expiry[:2])  # MMYY
                + bytes.fromhex("000001")
                + bytes([0x01, 0x01, icc.length, len(icc_exp)])
            )
            cert, rem = _sign_certificate(
                ep.TEST_ISSUER_KEYPAIR, 0x04, header, icc.modulus, icc_exp, static
            )
            self.icc_key: ep.RsaKeyPair | None = icc
            rec_oda = (
                _tl("9F46", cert) + _tl("9F47", icc_exp) + _tl("9F48", rem) + _tl("9F49", DDOL)
            )
        else:
            self.icc_key = None
            issuer_key = ep.TEST_ISSUER_KEYPAIR
            dac = _sha1(fin.pan.encode())[:2]  # the data authentication code (9F45)
            pad = b"\xbb" * (issuer_key.length - 26)
            body = b"\x03\x01" + dac + pad
            ssad = issuer_key.sign(b"\x6a" + body + _sha1(body + static) + b"\xbc")
            if fin.oda_broken:
                ssad = ssad[:-1] + bytes([ssad[-1] ^ 0x01])
            rec_oda = _tl("93", ssad)
        records = {
            (SFI_ACCOUNT, 1): _tl("70", rec_track),
            (SFI_ACCOUNT, 2): _tl("70", rec_account),
            (SFI_KEYS, 1): _tl("70", rec_issuer),
            (SFI_KEYS, 2): _tl("70", rec_oda),
        }
        for n, aid in enumerate(fin.aids, start=1):
            label = ep.LABELS[aid][0].encode("ascii")
            entry = _tl("4F", aid) + _tl("50", label) + _tl("87", bytes([n]))
            records[(SFI_PSE, n)] = _tl("70", _tl("61", entry))
        return records

    @property
    def afl(self) -> bytes:
        return bytes([SFI_ACCOUNT << 3, 1, 2, 2, SFI_KEYS << 3, 1, 2, 0])

    # ---- the commands ----
    def select(self, name: bytes) -> bytes | None:
        """FCI for the PSE or one of our AIDs (None: not ours)."""
        if name == ep.PSE_NAME:
            self.current, self.gpo_done, self.pending_ac = ep.PSE_NAME, False, None
            a5 = _tl("88", bytes([SFI_PSE])) + _tl("5F2D", b"zhen")
            return _tl("6F", _tl("84", name) + _tl("A5", a5))
        for n, aid in enumerate(self.fin.aids, start=1):
            if name == aid:
                self.current, self.gpo_done, self.pending_ac = aid, False, None
                label = ep.LABELS[aid][0].encode("ascii")
                a5 = (
                    _tl("50", label)
                    + _tl("87", bytes([n]))
                    + _tl("9F38", PDOL)
                    + _tl("5F2D", b"zhen")
                )
                return _tl("6F", _tl("84", aid) + _tl("A5", a5))
        return None

    def handler(self, ins: int) -> Callable[[int, int, bytes, int | None], bytes] | None:
        return {
            0xB2: self._read_record,
            0xA8: self._gpo,
            0x88: self._internal_auth,
            0xAE: self._generate_ac,
            0xCA: self._get_data,
        }.get(ins)

    def _read_record(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        sfi = p2 >> 3
        if p2 & 0x07 != 0x04:
            return sw(0x6A86)
        if self.current is None or (self.current == ep.PSE_NAME) != (sfi == SFI_PSE):
            return sw(0x6985)
        record = self.records.get((sfi, p1))
        if record is None:
            return sw(0x6A83)
        if le != len(record) and le != 0:
            return sw(0x6C00 | len(record))
        return record + SW_OK

    def _gpo(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if self.current is None or self.current == ep.PSE_NAME:
            return sw(0x6985)
        if data[:1] != b"\x83" or len(data) < 2 or data[1] != dol_length(PDOL):
            return sw(0x6700)
        self.gpo_done, self.pending_ac = True, None
        return _tl("77", _tl("82", self.aip) + _tl("94", self.afl)) + SW_OK

    def _internal_auth(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if self.icc_key is None or not self.gpo_done:
            return sw(0x6985)
        if len(data) != dol_length(DDOL):
            return sw(0x6700)
        dynamic = os.urandom(8)
        icc_dynamic = bytes([len(dynamic)]) + dynamic
        key = self.icc_key
        pad = b"\xbb" * (key.length - len(icc_dynamic) - 25)
        body = b"\x05\x01" + bytes([len(icc_dynamic)]) + icc_dynamic + pad
        signed = key.sign(b"\x6a" + body + _sha1(body + data) + b"\xbc")
        if self.fin.oda_broken:
            signed = signed[:-1] + bytes([signed[-1] ^ 0x01])
        return _tl("80", signed) + SW_OK

    def _atc_key(self) -> str:
        assert self.current is not None
        return f"emv_atc_{self.current.hex().upper()}"

    def _next_atc(self) -> bytes:
        key = self._atc_key()
        atc = int(self.state.get(self.card_id).get(key, 0)) + 1
        if atc > 0xFFFF:
            raise OverflowError
        self.state.update(self.card_id, **{key: atc})  # persisted before the cryptogram leaves
        return atc.to_bytes(2, "big")

    def _answer(self, cid: int, atc: bytes, cryptogram: bytes, cvr: bytes) -> bytes:
        return (
            _tl(
                "77",
                _tl("9F27", bytes([cid]))
                + _tl("9F36", atc)
                + _tl("9F26", cryptogram)
                + _tl("9F10", ep.iad(cvr)),
            )
            + SW_OK
        )

    def _generate_ac(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if not self.gpo_done:
            return sw(0x6985)
        wanted = p1 & 0xC0
        if p1 & 0x10:
            return sw(0x6A86)  # CDA is not supported
        if self.pending_ac is None:
            return self._first_ac(wanted, data)
        return self._second_ac(wanted, data)

    def _first_ac(self, wanted: int, data: bytes) -> bytes:
        terminal = dol_split(CDOL1, data)
        if terminal is None:
            return sw(0x6700)
        try:
            atc = self._next_atc()
        except OverflowError:
            return sw(0x6985)
        # online-only card: a TC asked for is answered with an ARQC
        cid = CID_AAC if wanted == CID_AAC else CID_ARQC
        first = 0x00 if cid == CID_AAC else ep.CVR_FIRST_ARQC
        cvr = bytes([0x03, first | ep.CVR_SECOND_NOT_ASKED, 0x00, 0x00])
        ac = ep.application_cryptogram(self.icc_mk_ac, terminal, self.aip, atc, cvr)
        if cid == CID_ARQC:
            self.pending_ac = (terminal, atc, ac)
        else:
            self.gpo_done = False
        return self._answer(cid, atc, ac, cvr)

    def _second_ac(self, wanted: int, data: bytes) -> bytes:
        second = dol_split(CDOL2, data)
        assert self.pending_ac is not None
        terminal, atc, arqc = self.pending_ac
        if second is None:
            return sw(0x6700)
        self.pending_ac, self.gpo_done = None, False
        arc, issuer_auth = second["8A"], second["91"]
        auth = 0
        if any(issuer_auth):
            auth = ep.CVR_ISSUER_AUTH_PERFORMED
            expected = ep.arpc(self.icc_mk_ac, arqc, atc, issuer_auth[8:])
            if issuer_auth[8:] != arc or not _same(expected, issuer_auth[:8]):
                auth |= ep.CVR_ISSUER_AUTH_FAILED
        approve = (
            wanted == CID_TC and auth == ep.CVR_ISSUER_AUTH_PERFORMED and arc == ep.ARC_APPROVED
        )
        cid = CID_TC if approve else CID_AAC
        b1 = ep.CVR_FIRST_ARQC | (ep.CVR_SECOND_TC if approve else ep.CVR_SECOND_AAC)
        cvr = bytes([0x03, b1, auth, 0x00])
        data2 = dict(terminal, **{"95": second["95"], "9F37": second["9F37"]})
        ac = ep.application_cryptogram(self.icc_mk_ac, data2, self.aip, atc, cvr)
        return self._answer(cid, atc, ac, cvr)

    def _get_data(self, p1: int, p2: int, data: bytes, le: int | None) -> bytes:
        if (p1, p2) != (0x9F, 0x36) or self.current in (None, ep.PSE_NAME):
            return sw(0x6A88)
        atc = int(self.state.get(self.card_id).get(self._atc_key(), 0))
        answer = _tl("9F36", atc.to_bytes(2, "big"))
        if le != len(answer) and le != 0:
            return sw(0x6C00 | len(answer))
        return answer + SW_OK


def _same(a: bytes, b: bytes) -> bool:
    import hmac

    return hmac.compare_digest(a, b)
