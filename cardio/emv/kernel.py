"""The kiosk's EMV kernel: a contact card transaction as an unattended online-only POS does it.

    kernel = EmvKernel(link, ca_keys)             # link: cardio's transport (PcscLink, ...)
    apps = kernel.applications()                  # PSE, else SELECT by AID; member chooses
    account = kernel.open(apps[0].aid)            # SELECT, GPO, READ RECORD, SDA or DDA
    auth = kernel.request_arqc(amount_fen, when)  # GENERATE AC 1 -> ARQC, field 55 data
    ...                                           # online: PIN block + auth.icc_data to host
    done = kernel.complete(arc, issuer_auth)      # GENERATE AC 2 -> TC or AAC

`CardPaymentPort` is the Protocol the payment flow depends on; `EmvKernel` implements it.
Amounts are integer fen (9F02 is in the currency's minor unit). The PAN and track 2 never
appear in a repr, a log line or an exception: `pan_masked` is what may be shown or logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from cardio.apdu import ApduChannel, Link
from cardio.emv import commands, oda
from cardio.emv.dol import build_dol_data
from cardio.emv.errors import (
    CardDeclinedOffline,
    EmvDataError,
    EmvSequenceError,
    OfflineAuthenticationFailed,
)
from cardio.emv.selection import Candidate, candidates
from common import emv_profile
from common.emv_profile import CaPublicKey, mask_pan

log = logging.getLogger("cardio.emv")

DEFAULT_AIDS = (
    emv_profile.AID_DEBIT,
    emv_profile.AID_CREDIT,
    emv_profile.AID_QUASI_CREDIT,
)
DEFAULT_DDOL = bytes.fromhex("9F3704")
#: Terminal capabilities: IC only; enciphered PIN online; SDA, DDA (no CDA)
TERMINAL_CAPABILITIES = bytes.fromhex("204060")
#: CVM results: enciphered PIN verified online (02), always (00), unknown (00)
CVM_ONLINE_PIN = bytes.fromhex("020000")

AIP_SDA, AIP_DDA = 0x40, 0x20
CID_MASK, CID_AAC, CID_TC, CID_ARQC = 0xC0, 0x00, 0x40, 0x80

# TVR (95) bits, EMV Book 3 Annex C5: (byte index, bit)
TVR_ODA_NOT_PERFORMED = (0, 0x80)
TVR_SDA_FAILED = (0, 0x40)
TVR_ICC_DATA_MISSING = (0, 0x20)
TVR_DDA_FAILED = (0, 0x08)
TVR_ONLINE_PIN_ENTERED = (2, 0x04)
TVR_EXPIRED = (1, 0x40)


@dataclass(frozen=True)
class CardAccount:
    """What the card's records say about the account (after ODA passed)."""

    aid: bytes
    label: str
    pan: str = field(repr=False)
    psn: str
    expiry: str  # YYMMDD
    track2: bytes = field(repr=False)
    issuer_country: bytes
    online_pin: bool  # the CVM list asks for an enciphered PIN verified online
    oda: str  # "sda", "dda" or "none"

    @property
    def pan_masked(self) -> str:
        return mask_pan(self.pan)


@dataclass(frozen=True)
class Authorization:
    """The first GENERATE AC's answer and what the host needs (ISO 8583 field 55 etc.)."""

    cid: int
    atc: bytes
    arqc: bytes
    iad: bytes
    unpredictable_number: bytes
    tvr: bytes
    amount_fen: int
    icc_data: bytes = field(repr=False)  # field 55: EMV tags as TLV
    pan: str = field(repr=False)
    psn: str
    track2: bytes = field(repr=False)

    @property
    def pan_masked(self) -> str:
        return mask_pan(self.pan)


@dataclass(frozen=True)
class Completion:
    """The second GENERATE AC's answer: TC (approved by the card) or AAC (declined)."""

    cid: int
    atc: bytes
    cryptogram: bytes
    iad: bytes
    issuer_auth_failed: bool  # the card found the ARPC wrong (its CVR says so)

    @property
    def approved(self) -> bool:
        return self.cid & CID_MASK == CID_TC


class CardPaymentPort(Protocol):
    """What the payment flow asks of the card (implemented by EmvKernel)."""

    def applications(self) -> list[Candidate]: ...

    def open(self, aid: bytes) -> CardAccount: ...

    def request_arqc(self, amount_fen: int, when: datetime | None = None) -> Authorization: ...

    def complete(self, arc: bytes, issuer_auth: bytes | None) -> Completion: ...


def _tvr_set(tvr: bytearray, bit: tuple[int, int]) -> None:
    tvr[bit[0]] |= bit[1]


def _bcd_date(when: datetime | date) -> bytes:
    return bytes.fromhex(when.strftime("%y%m%d"))


class EmvKernel:
    """One card transaction over one link (one kernel per card insertion and sale)."""

    def __init__(
        self,
        link: Link | ApduChannel,
        ca_keys: Iterable[CaPublicKey],
        *,
        aids: tuple[bytes, ...] = DEFAULT_AIDS,
        country: bytes = emv_profile.COUNTRY_CHINA,
        currency: bytes = emv_profile.CURRENCY_CNY,
        terminal_type: int = emv_profile.TERMINAL_TYPE_UNATTENDED_ONLINE,
    ) -> None:
        self.channel = link if isinstance(link, ApduChannel) else ApduChannel(link)
        self.ca_keys = tuple(ca_keys)
        self.aids = aids
        self.country, self.currency, self.terminal_type = country, currency, terminal_type
        self.tvr = bytearray(5)
        self._account: CardAccount | None = None
        self._data: dict[str, bytes] = {}
        self._terminal: dict[str, bytes] = {}
        self._auth: Authorization | None = None

    # ---- selection ----
    def applications(self) -> list[Candidate]:
        """The card's applications this kiosk accepts, the card's first choice first."""
        return candidates(self.channel, self.aids)

    # ---- SELECT, GPO, records, ODA ----
    def open(self, aid: bytes, today: date | None = None) -> CardAccount:
        """Select `aid`, read the account and authenticate the card offline (SDA or DDA).

        Raises OfflineAuthenticationFailed for a card that fails ODA (refuse it).
        """
        today = today or date.today()
        self.tvr = bytearray(5)
        self._auth = None
        fci = self._decode(self.channel.send(commands.select(aid)).data, "FCI")
        self._data = dict(fci)
        self._terminal = {
            "9F35": bytes([self.terminal_type]),
            "9F1A": self.country,
            "5F2A": self.currency,
            "9F33": TERMINAL_CAPABILITIES,
            "9F40": bytes.fromhex("6000F0A001"),
            "9F09": b"\x00\x30",
            "9A": _bcd_date(today),
            "9C": b"\x00",
        }
        pdol_data = build_dol_data(fci.get("9F38", b""), self._terminal)
        gpo = self.channel.send(commands.get_processing_options(pdol_data)).data
        aip, afl = self._gpo_answer(gpo)
        self._data["82"] = aip
        static = bytearray()
        for i in range(0, len(afl), 4):
            sfi, first, last, signed = afl[i] >> 3, afl[i + 1], afl[i + 2], afl[i + 3]
            if first == 0 or last < first or signed > last - first + 1:
                raise EmvDataError("AFL")
            for n in range(first, last + 1):
                record = self.channel.send(commands.read_record(sfi, n)).data
                body = self._decode(record, "record")
                if record[:1] != b"\x70":
                    raise EmvDataError("record template")
                if n - first < signed:
                    static += self._record_value(record) if sfi <= 10 else record
                for tag, value in body.items():
                    self._data.setdefault(tag, value)
        for tag in ("5A", "5F24", "8C", "8D"):
            if tag not in self._data:
                _tvr_set(self.tvr, TVR_ICC_DATA_MISSING)
                raise EmvDataError(f"tag {tag} missing")
        tag_list = self._data.get("9F4A")
        if tag_list is not None:
            if tag_list != b"\x82":
                raise OfflineAuthenticationFailed("sda", "static data tag list other than AIP")
            static += aip
        pan = self._data["5A"].hex().upper().rstrip("F")
        method = self._authenticate(aid, aip[0], pan, bytes(static), today)
        expiry = self._data["5F24"].hex()
        if expiry < today.strftime("%y%m%d"):
            _tvr_set(self.tvr, TVR_EXPIRED)
        cvm = self._data.get("8E", b"")
        rules = [cvm[i : i + 2] for i in range(8, len(cvm) - 1, 2)]
        self._account = CardAccount(
            aid=aid,
            label=fci.get("50", b"").decode("ascii", "replace"),
            pan=pan,
            psn=self._data.get("5F34", b"\x00").hex(),
            expiry=expiry,
            track2=self._data.get("57", b""),
            issuer_country=self._data.get("5F28", b""),
            online_pin=any(r[0] & 0x3F == 0x02 for r in rules),
            oda=method,
        )
        log.info("EMV application %s opened, card %s, %s", aid.hex().upper(),
                 self._account.pan_masked, method.upper())  # fmt: skip
        return self._account

    @staticmethod
    def _decode(data: bytes, what: str) -> dict[str, bytes]:
        from pyemv import tlv  # at the first bank card read (selection._decode)

        try:
            return tlv.decode(data, flatten=True)
        except tlv.DecodeError:
            raise EmvDataError(what) from None

    @staticmethod
    def _record_value(record: bytes) -> bytes:
        """The value of a record's 70 template (what SDA signs for SFI 1 to 10)."""
        n = record[1]
        return record[2:] if n < 0x80 else record[2 + (n & 0x7F) :]

    def _gpo_answer(self, data: bytes) -> tuple[bytes, bytes]:
        if data[:1] == b"\x80":  # format 1: AIP then AFL
            body = self._record_value(data)
            return body[:2], body[2:]
        got = self._decode(data, "GPO answer")
        if "82" not in got or "94" not in got or len(got["94"]) % 4:
            raise EmvDataError("GPO answer")
        return got["82"], got["94"]

    def _authenticate(self, aid: bytes, aip: int, pan: str, static: bytes, today: date) -> str:
        d = self._data
        method = "dda" if aip & AIP_DDA and "9F46" in d else "sda" if aip & AIP_SDA else "none"
        if method == "none":
            _tvr_set(self.tvr, TVR_ODA_NOT_PERFORMED)
            return method
        try:
            if "8F" not in d or "90" not in d or "9F32" not in d:
                raise OfflineAuthenticationFailed(method, "issuer key data missing")
            ca = oda.find_ca_key(self.ca_keys, aid[:5], d["8F"][0], method)
            issuer = oda.recover_issuer_key(
                method, ca, d["90"], d.get("92", b""), d["9F32"], pan, today
            )
            if method == "sda":
                if "93" not in d:
                    raise OfflineAuthenticationFailed(method, "signed static data missing")
                d["9F45"] = oda.verify_sda(issuer, d["93"], static)
            else:
                if "9F47" not in d:
                    raise OfflineAuthenticationFailed(method, "ICC key exponent missing")
                icc = oda.recover_icc_key(
                    issuer, d["9F46"], d.get("9F48", b""), d["9F47"], pan, static, today
                )
                un = os.urandom(4)
                ddol_data = build_dol_data(d.get("9F49", DEFAULT_DDOL), {"9F37": un})
                resp = self.channel.send(commands.internal_authenticate(ddol_data)).data
                got = self._decode(resp, "INTERNAL AUTHENTICATE answer")
                signed = got.get("80") or got.get("9F4B")
                if signed is None:
                    raise OfflineAuthenticationFailed(method, "no signed dynamic data")
                d["9F4C"] = oda.verify_dda(icc, signed, ddol_data)
        except OfflineAuthenticationFailed as exc:
            _tvr_set(self.tvr, TVR_DDA_FAILED if method == "dda" else TVR_SDA_FAILED)
            log.warning("EMV offline data authentication failed: %s", exc.en)
            raise
        return method

    # ---- GENERATE AC ----
    def request_arqc(self, amount_fen: int, when: datetime | None = None) -> Authorization:
        """GENERATE AC asking for an ARQC; the online PIN is taken (TVR says so)."""
        from pyemv import tlv  # at the first bank card read (selection._decode)

        account = self._account
        if account is None:
            raise EmvSequenceError()
        if not 0 < amount_fen < 10**12:
            raise ValueError("amount out of range")
        when = when or datetime.now()
        if account.online_pin:
            _tvr_set(self.tvr, TVR_ONLINE_PIN_ENTERED)
        un = os.urandom(4)
        self._terminal.update(
            {
                "9F02": bytes.fromhex(f"{amount_fen:012d}"),  # n12 BCD, in fen
                "9F03": bytes(6),
                "9A": _bcd_date(when),
                "9F21": bytes.fromhex(when.strftime("%H%M%S")),
                "9F37": un,
                "95": bytes(self.tvr),
                "9F34": CVM_ONLINE_PIN if account.online_pin else bytes.fromhex("1F0002"),
            }
        )
        cdol1 = build_dol_data(self._data["8C"], self._terminal)
        resp = self.channel.send(commands.generate_ac(commands.P1_ARQC, cdol1)).data
        cid, atc, ac, iad = self._ac_answer(resp)
        if cid & CID_MASK == CID_AAC:
            self._account = None
            raise CardDeclinedOffline()
        if cid & CID_MASK != CID_ARQC:
            raise EmvDataError("the card answered a TC to an online-only terminal")
        icc = {
            "9F26": ac,
            "9F27": bytes([cid]),
            "9F10": iad,
            "9F37": un,
            "9F36": atc,
            "95": bytes(self.tvr),
            "9A": self._terminal["9A"],
            "9C": self._terminal["9C"],
            "9F02": self._terminal["9F02"],
            "5F2A": self.currency,
            "82": self._data["82"],
            "9F1A": self.country,
            "9F03": self._terminal["9F03"],
            "9F33": TERMINAL_CAPABILITIES,
            "9F34": self._terminal["9F34"],
            "9F35": bytes([self.terminal_type]),
            "84": account.aid,
            "9F09": self._terminal["9F09"],
        }
        self._auth = Authorization(
            cid=cid,
            atc=atc,
            arqc=ac,
            iad=iad,
            unpredictable_number=un,
            tvr=bytes(self.tvr),
            amount_fen=amount_fen,
            icc_data=tlv.encode(icc),
            pan=account.pan,
            psn=account.psn,
            track2=account.track2,
        )
        return self._auth

    def _ac_answer(self, data: bytes) -> tuple[int, bytes, bytes, bytes]:
        if data[:1] == b"\x80":  # format 1: CID, ATC, AC, IAD
            body = self._record_value(data)
            if len(body) < 11:
                raise EmvDataError("GENERATE AC answer")
            return body[0], body[1:3], body[3:11], body[11:]
        got = self._decode(data, "GENERATE AC answer")
        try:
            return got["9F27"][0], got["9F36"], got["9F26"], got.get("9F10", b"")
        except (KeyError, IndexError):
            raise EmvDataError("GENERATE AC answer") from None

    def complete(self, arc: bytes, issuer_auth: bytes | None) -> Completion:
        """Second GENERATE AC: a TC when the host approved (ARC "00") and sent its ARPC
        (tag 91: ARPC || ARC), an AAC otherwise (declined, or no answer: issuer_auth None)."""
        auth = self._auth
        if auth is None:
            raise EmvSequenceError()
        self._auth = None
        if len(arc) != 2:
            raise ValueError("the ARC is two characters")
        approve = arc == emv_profile.ARC_APPROVED and issuer_auth is not None
        values = dict(self._terminal)
        values.update({"8A": arc, "91": issuer_auth or b"", "95": bytes(self.tvr)})
        cdol2 = build_dol_data(self._data["8D"], values)
        p1 = commands.P1_TC if approve else commands.P1_AAC
        resp = self.channel.send(commands.generate_ac(p1, cdol2)).data
        cid, atc, ac, iad = self._ac_answer(resp)
        failed = False
        with contextlib.suppress(ValueError):  # another scheme's IAD: the CID says enough
            failed = bool(emv_profile.cvr_of(iad)[2] & emv_profile.CVR_ISSUER_AUTH_FAILED)
        self._account = None
        return Completion(cid=cid, atc=atc, cryptogram=ac, iad=iad, issuer_auth_failed=failed)
