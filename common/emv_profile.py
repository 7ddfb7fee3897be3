"""The facts of a card's financial application (PBOC / UnionPay IC debit on the social
security chip) that the emulated card, the seeder and the acquirer host must agree on.

- The AIDs (UnionPay debit, credit, quasi-credit under RID A000000333).
- A card profile's ``[finance]`` section (docs/card-profiles.md) -> `FinanceProfile`: PAN, PAN
  sequence number, expiry, the financial PIN (金融密码, checked by the host, never by the card),
  which applications, SDA or DDA, and the opening balance the seeder gives the account.
- The issuer master keys (`TEST_ISSUER_KEYS`: public, worthless, tests and the demo only) and
  the ICC master key: EMV option A (pyemv.kd.derive_icc_mk_a).
- The application cryptogram: the scheme of pyemv.cvn.MasterCardCVN20, i.e. the EMV common
  session key (EMV Book 2 A1.3, R = ATC || 00*6), the AC as ISO 9797-1 MAC algorithm 3 with
  method-2 padding over 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36 CVR, and ARPC method 1
  (ARQC XOR ARC under the same session key). Chosen because it keeps option A (PBOC derives
  the ICC key that way; Visa CVN18/22 use option B) and a per-transaction session key
  (CVN10 MACs under the ICC key itself). The card holds only the ICC key, so the card side
  uses pyemv.kd / pyemv.ac directly; the issuer side may equally use MasterCardCVN20 (a unit
  test checks both agree). Our CVN byte in the IAD is 0x14 (20).
- The test certification authority (RID A000000333, index `TEST_CA_INDEX`) and the test issuer
  RSA key pair for offline data authentication.

pyemv has no RSA / offline data authentication and no DOL handling, so the certificate formats
(EMV Book 2 section 5 and 6) are written in cardio: signing in the emulator, recovery in the
kiosk's kernel, each from the specification. Raw RSA (no padding) is Python's pow(); the
`cryptography` package does not expose unpadded RSA.
"""

from __future__ import annotations

import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cryptography.utils import CryptographyDeprecationWarning

from common.errors import CommonError

# pyemv 1.5 reaches 3DES through cryptography's deprecated path; the warning is pyemv's, not ours.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning, module=r"pyemv\.")

RID = bytes.fromhex("A000000333")
AID_DEBIT = bytes.fromhex("A000000333010101")
AID_CREDIT = bytes.fromhex("A000000333010102")
AID_QUASI_CREDIT = bytes.fromhex("A000000333010103")
#: application kind (the profile's word) -> AID
AIDS = {"debit": AID_DEBIT, "credit": AID_CREDIT, "quasi_credit": AID_QUASI_CREDIT}
#: AID -> (label on the card (tag 50, ASCII), label shown to the member in Chinese)
LABELS = {
    AID_DEBIT: ("UnionPay Debit", "银联借记卡"),
    AID_CREDIT: ("UnionPay Credit", "银联贷记卡"),
    AID_QUASI_CREDIT: ("UnionPay QCredit", "银联准贷记卡"),
}
PSE_NAME = b"1PAY.SYS.DDF01"

COUNTRY_CHINA = bytes.fromhex("0156")  # 9F1A / 5F28
CURRENCY_CNY = bytes.fromhex("0156")  # 5F2A
TERMINAL_TYPE_UNATTENDED_ONLINE = 0x24  # 9F35
SERVICE_CODE = "220"  # track 2: international IC card, normal authorisation

# The ARC (8A) values the host returns, two ASCII characters as in ISO 8583 field 39.
ARC_APPROVED = b"00"


class FinanceProfileError(CommonError, ValueError):
    """A profile's [finance] section breaks the format (names the file and the key)."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: finance.{key}: {problem}")


@dataclass(frozen=True)
class IssuerMasterKeys:
    """The issuer's double-length DES master keys: AC, secure messaging integrity, confidentiality."""

    ac: bytes
    smi: bytes
    smc: bytes


#: Built-in TEST issuer master keys. Public, worthless: emulator, tests, demo and the reference
#: acquirer only (like common.card_crypto.TEST_KEYS).
TEST_ISSUER_KEYS = IssuerMasterKeys(
    ac=bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"),
    smi=bytes.fromhex("1C2D3E4F5A6B7C8DD8C7B6A5F4E3D2C1"),
    smc=bytes.fromhex("2A3B4C5D6E7F8091A1B2C3D4E5F60718"),
)


@dataclass(frozen=True)
class FinanceProfile:
    """One card's financial application as personalised (the profile's [finance] section)."""

    pan: str  # 16 to 19 digits, Luhn-valid
    psn: str  # two digits (5F34)
    expiry: str  # YYMMDD (5F24)
    pin: str  # 金融密码: the host checks it (online PIN); never logged
    apps: tuple[str, ...]  # kinds, in the card's priority order: "debit", "credit", ...
    oda: str  # "sda" or "dda"
    oda_broken: bool  # the signed data is spoilt: a terminal's ODA must fail
    balance_fen: int  # the seeder's opening balance for the acquirer's account
    issuer_keys: IssuerMasterKeys

    @property
    def aids(self) -> tuple[bytes, ...]:
        return tuple(AIDS[k] for k in self.apps)

    @property
    def icc_mk_ac(self) -> bytes:
        return icc_master_key(self.issuer_keys.ac, self.pan, self.psn)

    def __repr__(self) -> str:  # the PIN and the full PAN stay out of logs and tracebacks
        return f"FinanceProfile(pan={mask_pan(self.pan)!r}, apps={self.apps!r}, oda={self.oda!r})"


def mask_pan(pan: str) -> str:
    """First 6 and last 4 digits (as on a receipt), the rest as '*'."""
    if len(pan) <= 10:
        return "*" * len(pan)
    return pan[:6] + "*" * (len(pan) - 10) + pan[-4:]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def finance_of(doc: Mapping[str, Any], path: Path | str = "-") -> FinanceProfile | None:
    """The [finance] section of a parsed profile, or None when the card has no bank application.

    Keys: pan, psn ("01"), expiry (YYMMDD), pin (4 to 12 digits), apps (["debit"]), oda
    ("sda" or "dda"), oda_broken (false), balance ("10000.00" yuan), and optionally
    imk_ac / imk_smi / imk_smc (32 hex digits) instead of the test issuer keys.
    """
    sect = doc.get("finance")
    if sect is None:
        return None
    if not isinstance(sect, Mapping):
        raise FinanceProfileError(path, "-", "must be a table")

    def get(key: str, kind: type, default: object = None) -> Any:
        if key not in sect:
            if default is None:
                raise FinanceProfileError(path, key, "missing")
            return default
        value = sect[key]
        if (kind is not bool and isinstance(value, bool)) or not isinstance(value, kind):
            raise FinanceProfileError(path, key, f"must be {kind.__name__}")
        return value

    pan = get("pan", str)
    if not re.fullmatch(r"\d{16,19}", pan) or not luhn_ok(pan):
        raise FinanceProfileError(path, "pan", "must be 16 to 19 digits with a valid check digit")
    psn = get("psn", str, "01")
    if not re.fullmatch(r"\d{2}", psn):
        raise FinanceProfileError(path, "psn", "must be 2 digits")
    expiry = get("expiry", str)
    if not re.fullmatch(r"\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])", expiry):
        raise FinanceProfileError(path, "expiry", "must be YYMMDD")
    pin = get("pin", str)
    if not re.fullmatch(r"\d{4,12}", pin):
        raise FinanceProfileError(path, "pin", "must be 4 to 12 digits")
    apps = get("apps", list, ["debit"])
    if not apps or any(a not in AIDS for a in apps) or len(set(apps)) != len(apps):
        raise FinanceProfileError(path, "apps", f"a non-empty list of distinct {sorted(AIDS)}")
    oda = get("oda", str, "sda")
    if oda not in ("sda", "dda"):
        raise FinanceProfileError(path, "oda", 'must be "sda" or "dda"')
    broken = get("oda_broken", bool, False)
    try:
        balance = Decimal(get("balance", str, "10000.00"))
    except InvalidOperation:
        raise FinanceProfileError(path, "balance", 'must be yuan, e.g. "10000.00"') from None
    if balance < 0 or balance != balance.quantize(Decimal("0.01")):
        raise FinanceProfileError(path, "balance", "must be >= 0 with at most 2 decimals")

    def key(name: str, default: bytes) -> bytes:
        if name not in sect:
            return default
        raw = get(name, str)
        if not re.fullmatch(r"[0-9A-Fa-f]{32}", raw):
            raise FinanceProfileError(path, name, "must be 32 hex digits")
        return bytes.fromhex(raw)

    keys = IssuerMasterKeys(
        ac=key("imk_ac", TEST_ISSUER_KEYS.ac),
        smi=key("imk_smi", TEST_ISSUER_KEYS.smi),
        smc=key("imk_smc", TEST_ISSUER_KEYS.smc),
    )
    return FinanceProfile(
        pan=pan,
        psn=psn,
        expiry=expiry,
        pin=pin,
        apps=tuple(apps),
        oda=oda,
        oda_broken=broken,
        balance_fen=int(balance * 100),
        issuer_keys=keys,
    )


def load_finance(path: str | Path) -> FinanceProfile | None:
    """A profile file's [finance] section (TOML), for the seeder and the acquirer."""
    path = Path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FinanceProfileError(path, "-", f"cannot read: {exc}") from None
    return finance_of(doc, path)


# ---- track 2 ----


def track2_equivalent(pan: str, expiry: str, discretionary: str = "") -> bytes:
    """Tag 57: PAN 'D' YYMM service code discretionary data, BCD with 'F' padding."""
    digits = f"{pan}D{expiry[:4]}{SERVICE_CODE}{discretionary}"
    if len(digits) % 2:
        digits += "F"
    return bytes.fromhex(digits)


def track2_parts(track2: bytes) -> tuple[str, str, str]:
    """(PAN, YYMM, service code) of a track 2 equivalent."""
    text = track2.hex().upper().rstrip("F")
    pan, _, rest = text.partition("D")
    return pan, rest[:4], rest[4:7]


# ---- keys and cryptograms ----

CVN = 0x14  # the IAD's cryptogram version: 20, the MasterCardCVN20 scheme (module docstring)
DKI = 0x01  # derivation key index
#: the order of the data a cryptogram covers (CDOL1 gives the terminal's; 82, 9F36 are the card's)
AC_TERMINAL_TAGS = ("9F02", "9F03", "9F1A", "95", "5F2A", "9A", "9C", "9F37")

# CVR (4 bytes: 03, b1, b2, b3), PBOC-like. b1: bits 8-7 the AC of the second GENERATE AC
# (00 AAC, 01 TC, 10 not asked yet), bits 6-5 the AC of the first (00 AAC, 01 TC, 10 ARQC).
CVR_FIRST_ARQC = 0x20
CVR_SECOND_NOT_ASKED = 0x80
CVR_SECOND_TC = 0x40
CVR_SECOND_AAC = 0x00
# b2: issuer authentication
CVR_ISSUER_AUTH_FAILED = 0x04
CVR_ISSUER_AUTH_PERFORMED = 0x02


def icc_master_key(issuer_master: bytes, pan: str, psn: str) -> bytes:
    """EMV option A: the card's key from the issuer master key, the PAN and the PSN."""
    from pyemv import kd  # at the first card cryptogram, not at start-up (~0.3 MB)

    return kd.derive_icc_mk_a(issuer_master, pan, psn)


def ac_session_key(icc_mk_ac: bytes, atc: bytes) -> bytes:
    """EMV common session key for AC and ARPC, R = ATC || 00 00 00 00 00 00."""
    from pyemv import kd  # at the first card cryptogram, not at start-up (~0.3 MB)

    return kd.derive_common_sk(icc_mk_ac, atc + bytes(6))


def iad(cvr: bytes) -> bytes:
    """Issuer application data (9F10): length 07, DKI, CVN, CVR (4 bytes)."""
    return bytes([0x07, DKI, CVN]) + cvr


def cvr_of(iad_value: bytes) -> bytes:
    """The CVR inside a 9F10 of this scheme (ValueError if it is not one)."""
    if len(iad_value) < 7 or iad_value[0] != 0x07 or iad_value[2] != CVN:
        raise ValueError("not this scheme's issuer application data")
    return iad_value[3:7]


def ac_data(terminal: Mapping[str, bytes], aip: bytes, atc: bytes, cvr: bytes) -> bytes:
    """What a cryptogram covers, in the CVN20 order: the terminal's tags, AIP, ATC, CVR."""
    try:
        return b"".join(terminal[t] for t in AC_TERMINAL_TAGS) + aip + atc + cvr
    except KeyError as exc:
        raise ValueError(f"cryptogram data lacks tag {exc.args[0]}") from None


def application_cryptogram(
    icc_mk_ac: bytes, terminal: Mapping[str, bytes], aip: bytes, atc: bytes, cvr: bytes
) -> bytes:
    """ARQC, TC or AAC (8 bytes): MAC algorithm 3, method-2 padding, under the session key."""
    data = ac_data(terminal, aip, atc, cvr)
    from pyemv import ac  # at the first card cryptogram, not at start-up

    return ac.generate_ac(ac_session_key(icc_mk_ac, atc), data, ac.PaddingType.EMV, 8)


def arpc(icc_mk_ac: bytes, arqc: bytes, atc: bytes, arc: bytes) -> bytes:
    """ARPC method 1: E_SK(ARQC XOR (ARC || 00*6)), 8 bytes. Tag 91 = ARPC || ARC."""
    from pyemv import ac

    return ac.generate_arpc_1(ac_session_key(icc_mk_ac, atc), arqc, arc)


# ---- offline data authentication: the test CA and the test issuer ----


@dataclass(frozen=True)
class CaPublicKey:
    """A certification authority public key as a terminal holds it."""

    rid: bytes
    index: int  # tag 8F
    modulus: bytes
    exponent: int


@dataclass(frozen=True)
class RsaKeyPair:
    """A TEST key pair for raw RSA (EMV's recovery scheme): n, e and d as integers."""

    n: int
    e: int
    d: int

    @property
    def length(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @property
    def modulus(self) -> bytes:
        return self.n.to_bytes(self.length, "big")

    def sign(self, message: bytes) -> bytes:
        """Raw RSA with the private key: message must be as long as the modulus."""
        if len(message) != self.length or int.from_bytes(message, "big") >= self.n:
            raise ValueError("message does not fit the modulus")
        return pow(int.from_bytes(message, "big"), self.d, self.n).to_bytes(self.length, "big")


def rsa_recover(modulus: bytes, exponent: int, signature: bytes) -> bytes:
    """Raw RSA with a public key (EMV's 'recover'): ValueError on a length mismatch."""
    n = int.from_bytes(modulus, "big")
    if len(signature) != len(modulus) or int.from_bytes(signature, "big") >= n:
        raise ValueError("signature does not fit the modulus")
    return pow(int.from_bytes(signature, "big"), exponent, n).to_bytes(len(modulus), "big")


TEST_CA_INDEX = 0xF1  # indices F0 and above are never given to production keys in our config

#: The TEST certification authority's key pair (1408 bits, e = 3). Public, worthless.
TEST_CA_KEYPAIR = RsaKeyPair(
    n=int(
        "AD57E22019F9C32411074C41448837BDF7382E86A0FB543EDD4CA9119D2902840FAE2967063949F9F7FC2527"
        "E47A1167F0219E6474574A686428ED5244F940764DDE68CE659A54C231B8A454B40CD5BEB558C63B39C1AD71"
        "D036A2DA88848AEA6692C9DAC1041057667C549C425C8E2B1FAC5EAF902280ACF85A350E0C0E0470AC4DC896"
        "339852103A497A7B8060DD030A0667CBDE2A13BE11822C270F6BA97C50F728F0BAC4745523ED9E391B5C8ADD",
        16,
    ),
    e=3,
    d=int(
        "738FEC1566A682180B5A32D62DB025294F7AC9AF15FCE2D4938870B668C601AD5FC970EF597B86A6A552C36F"
        "EDA6B6454AC11442F83A319AED709E36D8A62AF9893EF08999118DD6CBD06D8DCD5DE3D478E5D97CD12BC8F5"
        "711A05B68F7CFC875E7B3BF870036E4AAF2489444D8C4545393029010D69D2945F94368BEADC0504649E48CD"
        "43905D3470168B46BE94DA01E37CAB9A2BB83D4D4053F029E13535BDD26C70FD07747104950629E60B4CA6AB",
        16,
    ),
)
TEST_CA_KEY = CaPublicKey(RID, TEST_CA_INDEX, TEST_CA_KEYPAIR.modulus, TEST_CA_KEYPAIR.e)

#: The TEST issuer's key pair (1152 bits, e = 3), certified by the test CA. Public, worthless.
TEST_ISSUER_KEYPAIR = RsaKeyPair(
    n=int(
        "A9B8733F79FFE798D3076EFAC2772278CEEA456B85A78633729416E57C6EE0B9F42C2D23C53AAD9C3BF10556"
        "F95C892E77029171B78F799505B216BBA23B303C786B14D6815A9965A30AD47591A682652FE7E9E7AAFB489F"
        "02F9DD6B24BE4AC6DB189205BC7BC8B9E44A3B1557AE2745CFA4F8B244BC83B6B18A4963D7EC52FDC8E48CC4"
        "64017074DD6DBF58B2909531",
        16,
    ),
    e=3,
    d=int(
        "7125A22A515545108CAF9F51D6FA16FB349C2E47AE6FAECCF70D6498FD9F407BF81D736D2E271E6827F6038F"
        "50E85B744F570BA1250A510E03CC0F27C17CCAD2FAF20DE4563C6642AC00666398BC8525A959913A13881336"
        "B6CB32FE464F24A524540C4FABBE3317253EF03163D4F24B1D2BC08E2A856C94E8308D98C286D01642B7F8B2"
        "599B3F107FEBF714338D784B",
        16,
    ),
)


def expected_arqc(icc_mk_ac: bytes, icc_data: Mapping[str, bytes]) -> bytes:
    """The issuer's check: the cryptogram the card should have made, from field 55's tags
    (decoded by pyemv.tlv.decode: the terminal's tags, 82, 9F36 and 9F10). Compare with 9F26."""
    return application_cryptogram(
        icc_mk_ac, icc_data, icc_data["82"], icc_data["9F36"], cvr_of(icc_data["9F10"])
    )
