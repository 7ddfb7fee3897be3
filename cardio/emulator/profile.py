"""Card profile files (docs/card-profiles.md): TOML -> the card's records and keys.

A profile that breaks the format is rejected with a ProfileError naming the file and the key.
Optional keys this module adds to the format (all may be left out):
  [card] pin_tries_left  = initial retry counter when the state file knows nothing of the card
                           (0 = a blocked card)
  [card] lock_card_number = true: EF05 tag 07 also needs EXTERNAL AUTHENTICATE (3.00 cards)
  [keys] internal_master / read_master = hex master keys this card was personalised from
  [keys] internal_key = hex card key used as is (no diversification)
  [finance] the card's bank application: see common.emv_profile.finance_of and docs/card-emv.md
JSON files with the same structure are accepted too.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from cardio import codec
from common import card_crypto, emv_profile

_T = TypeVar("_T")


class ProfileError(ValueError):
    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key = str(path), key
        super().__init__(f"{path}: {key}: {problem}")


EF05_TAGS = {"card_identifier": 0x01, "card_type": 0x02, "spec_version": 0x03, "issuer": 0x04,
             "issue_date": 0x05, "expiry_date": 0x06, "card_number": 0x07}  # fmt: skip
EF06_TAGS = {"id_number": 0x08, "name": 0x09, "sex": 0x0A, "ethnicity": 0x0B,
             "birthplace": 0x0C, "birth_date": 0x0D, "name_ext": 0x4E}  # fmt: skip


@dataclass
class CardProfile:
    path: Path
    name: str
    spec_version: str
    algorithm: str
    pin: str
    pin_tries: int
    pin_tries_left: int | None
    role: str
    lock_card_number: bool
    card_identifier: bytes
    ef05: list[tuple[int, bytes]] = field(default_factory=list)  # records in order
    ef06: list[tuple[int, bytes]] = field(default_factory=list)
    internal_master: bytes | None = None
    read_master: bytes | None = None
    internal_key: bytes | None = None
    finance: emv_profile.FinanceProfile | None = None  # the bank application (emv_app.py)


def _lookup(doc: dict[str, Any], path: Path, section: str, key: str, kind: type[_T]) -> _T | None:
    """`doc[section][key]` checked to be a `kind` (a bool is not an int), or None if absent."""
    sect = doc.get(section, {})
    if not isinstance(sect, dict):
        raise ProfileError(path, section, "must be a table")
    if key not in sect:
        return None
    value = sect[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise ProfileError(path, f"{section}.{key}", f"must be {kind.__name__}")
    return value


def _get(
    doc: dict[str, Any],
    path: Path,
    section: str,
    key: str,
    kind: type[_T],
    default: _T | None = None,
) -> _T:
    """A value that must be there, unless it has a default."""
    value = _lookup(doc, path, section, key, kind)
    if value is not None:
        return value
    if default is None:
        raise ProfileError(path, f"{section}.{key}", "missing")
    return default


def _hex(path: Path, key: str, value: str, length: int | None = None) -> bytes:
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise ProfileError(path, key, "not hex") from None
    if length is not None and len(raw) != length:
        raise ProfileError(path, key, f"must be {length} bytes")
    return raw


def _date(path: Path, key: str, value: str) -> bytes:
    if not re.fullmatch(r"\d{8}", value):
        raise ProfileError(path, key, "must be YYYYMMDD")
    return codec.bcd_encode(value)


def _text(path: Path, key: str, value: str, length: int, encoding: str) -> bytes:
    try:
        raw = value.encode(encoding)
    except UnicodeEncodeError:
        raise ProfileError(path, key, f"not encodable as {encoding.upper()}") from None
    if len(raw) > length:
        raise ProfileError(path, key, f"longer than {length} bytes")
    return raw.ljust(length, b"\x00")


def load_profile(path: str | Path) -> CardProfile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(path, "-", f"cannot read ({exc.strerror})") from None
    try:
        doc = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(path, "-", f"syntax error: {exc}") from None

    spec = _get(doc, path, "card", "spec_version", str)
    if spec not in ("1.00", "2.00", "3.00"):
        raise ProfileError(path, "card.spec_version", 'must be "1.00", "2.00" or "3.00"')
    algorithm = _get(
        doc, path, "card", "algorithm", str, card_crypto.SM4 if spec == "3.00" else card_crypto.DES3
    )
    if algorithm not in card_crypto.ALGORITHMS:
        raise ProfileError(path, "card.algorithm", 'must be "des3" or "sm4"')
    pin = _get(doc, path, "card", "pin", str)
    if not re.fullmatch(r"\d{4,12}", pin):
        raise ProfileError(path, "card.pin", "must be 4 to 12 digits")
    pin_tries = _get(doc, path, "card", "pin_tries", int, 3)
    if not 1 <= pin_tries <= 15:
        raise ProfileError(path, "card.pin_tries", "must be 1 to 15")
    tries_left = _lookup(doc, path, "card", "pin_tries_left", int)
    if tries_left is not None and not 0 <= tries_left <= pin_tries:
        raise ProfileError(path, "card.pin_tries_left", "must be 0 to pin_tries")
    role = _get(doc, path, "card", "role", str, "member")
    if role not in ("member", "admin"):
        raise ProfileError(path, "card.role", 'must be "member" or "admin"')
    lock_no = _get(doc, path, "card", "lock_card_number", bool, False)

    def e5(key: str) -> str:
        return _get(doc, path, "ef05", key, str)

    def e6(key: str) -> str:
        return _get(doc, path, "ef06", key, str)

    card_id = _hex(path, "ef05.card_identifier", e5("card_identifier"), 16)
    card_type = e5("card_type")
    if len(card_type.encode("ascii", "replace")) != 1:
        raise ProfileError(path, "ef05.card_type", "must be 1 ASCII character")
    card_number = e5("card_number")
    if not re.fullmatch(r"[\x21-\x7e]{9}", card_number):
        raise ProfileError(path, "ef05.card_number", "must be 9 ASCII characters")
    ef05 = {
        0x01: card_id,
        0x02: card_type.encode("ascii"),
        0x03: spec.encode("ascii"),
        0x04: _hex(path, "ef05.issuer", e5("issuer"), 12),
        0x05: _date(path, "ef05.issue_date", e5("issue_date")),
        0x06: _date(path, "ef05.expiry_date", e5("expiry_date")),
        0x07: card_number.encode("ascii"),
    }
    id_number = e6("id_number")
    if not re.fullmatch(r"\d{17}[\dX]", id_number):
        raise ProfileError(path, "ef06.id_number", "must be 17 digits and a digit or X")
    sex = e6("sex")
    if sex not in ("1", "2"):
        raise ProfileError(path, "ef06.sex", 'must be "1" or "2"')
    ethnicity = _get(doc, path, "ef06", "ethnicity", int)
    if not 0 <= ethnicity <= 255:
        raise ProfileError(path, "ef06.ethnicity", "must be 0 to 255")
    birthplace = e6("birthplace")
    if not re.fullmatch(r"\d{1,6}", birthplace):
        raise ProfileError(path, "ef06.birthplace", "must be up to 6 digits")
    name_ext = _get(doc, path, "ef06", "name_ext", str, "")
    ef06 = {
        0x08: id_number.encode("ascii"),
        0x09: _text(path, "ef06.name", e6("name"), 30, "gbk"),
        0x0A: sex.encode("ascii"),
        0x0B: bytes([ethnicity]),
        0x0C: codec.bcd_encode(birthplace, 3),
        0x0D: _date(path, "ef06.birth_date", e6("birth_date")),
    }
    if name_ext:
        # GB 18030 is a superset of GBK: GBK text gives the same bytes, rarer characters fit too.
        ef06[0x4E] = _text(path, "ef06.name_ext", name_ext, 20, "gb18030")

    for key, value in (doc.get("raw") or {}).items():
        m = re.fullmatch(r"(ef05|ef06)\.([0-9A-Fa-f]{2})", key)
        if not m or not isinstance(value, str):
            raise ProfileError(path, f"raw.{key}", 'keys are "ef05.TT" / "ef06.TT", values hex')
        target = ef05 if m.group(1) == "ef05" else ef06
        target[int(m.group(2), 16)] = _hex(path, f"raw.{key}", value)

    keys = doc.get("keys") or {}

    def opt(key: str) -> bytes | None:
        return _hex(path, f"keys.{key}", keys[key], 16) if key in keys else None

    try:
        finance = emv_profile.finance_of(doc, path)
    except emv_profile.FinanceProfileError as exc:
        raise ProfileError(path, f"finance.{exc.key}", exc.problem) from None

    return CardProfile(
        path=path,
        name=path.stem,
        spec_version=spec,
        algorithm=algorithm,
        pin=pin,
        pin_tries=pin_tries,
        pin_tries_left=tries_left,
        role=role,
        lock_card_number=lock_no,
        card_identifier=card_id,
        ef05=sorted(ef05.items()),
        ef06=sorted(ef06.items(), key=lambda kv: (kv[0] == 0x4E, kv[0])),
        internal_master=opt("internal_master"),
        read_master=opt("read_master"),
        internal_key=opt("internal_key"),
        finance=finance,
    )


PROFILES_DIR = Path(__file__).resolve().parent.parent / "profiles"


def find_profile(name_or_path: str) -> Path:
    """A path as given, or the name of a shipped profile (cardio/profiles/NAME.toml)."""
    p = Path(name_or_path)
    if p.exists():
        return p
    shipped = PROFILES_DIR / f"{name_or_path}.toml"
    if shipped.exists():
        return shipped
    raise ProfileError(name_or_path, "-", f"no such file, and no shipped profile in {PROFILES_DIR}")
