"""Load members from a "kiosk-members/1" JSON file (docs/import-format.md).

    report = import_file(db, policy, Path("members.json"), today=dt.date(2025, 6, 20))

The whole file is checked before anything is written, then written in one transaction: a bad
file raises ImportFileError naming every problem's record and field, and the database is left
as it was. Pension account years absent from the file are computed from the pension months'
account credits by the national method (backoffice.rules.interest), up to today's year."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import IntegrityError

from backoffice.errors import BackOfficeServerError
from backoffice.face.store import enrol_many
from backoffice.policy import Policy
from backoffice.rules.interest import account_years
from backoffice.storage import Database
from backoffice.storage.certification import CertificationRow
from backoffice.storage.members import (
    MEMBER_TABLES,
    AccountYearRow,
    BenefitRow,
    CardRow,
    ContributionRow,
    EmployerRow,
    EnrolmentRow,
    MedicalAccountYearRow,
    MemberRow,
)
from kiosk.domain import EnrolmentStatus, Money, MonthStatus, Scheme
from kiosk.domain.benefits import BenefitKind
from kiosk.domain.cards import CardStatus
from kiosk.domain.identity import is_valid_id_number

FORMAT = "kiosk-members/1"
YEARLY_SCHEMES = (Scheme.RESIDENT_PENSION.value, Scheme.RESIDENT_MEDICAL.value)
MAX_SHOWN = 50  # problems listed in one error; the rest are counted

_AMOUNT = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?", re.ASCII)
# Amounts already read, text -> fen: a member's few hundred distinct amounts repeat over some
# 1,500 rows, and a checked text always means the same fen (the importer's hot path).
_FEN: dict[str, int] = {}
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_MEMBER_NO = re.compile(r"[0-9]{8,16}", re.ASCII)
_CARD_NUMBER = re.compile(r"[0-9A-Z]{9}", re.ASCII)
_CARD_IDENTIFIER = re.compile(r"[0-9A-F]{32}", re.ASCII)
_SPEC_VERSION = re.compile(r"[0-9]\.[0-9]{2}", re.ASCII)


class ImportFileError(BackOfficeServerError):
    """The file cannot be loaded; `problems` names each record and field. Nothing was written."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        shown = self.problems[:MAX_SHOWN]
        more = len(self.problems) - len(shown)
        lines = [f"{source}: 导入失败，未写入任何数据 / import refused, nothing was loaded:"]
        lines += [f"  {p}" for p in shown]
        if more:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))


@dataclass
class ImportReport:
    source: str
    members: int = 0
    employers_created: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    member_nos: list[str] = field(default_factory=list)
    faces_enrolled: int = 0  # members whose face_photo was enrolled

    def text(self) -> str:
        counts = ", ".join(f"{k} {v}" for k, v in self.rows.items())
        faces = f"; faces enrolled {self.faces_enrolled}" if self.faces_enrolled else ""
        return (
            f"{self.source}: imported {self.members} members "
            f"({self.employers_created} employers created); rows: {counts}{faces}"
        )


# --- reading and checking ----------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, where: str, text: str) -> None:
        self.items.append(f"{where}: {text}")


def _show(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


class _Reader:
    """Typed access to one JSON object; each wrong field is recorded, never raised."""

    def __init__(self, obj: Mapping[str, Any], where: str, problems: _Problems) -> None:
        self.obj = obj
        self.where = where
        self.p = problems

    def at(self, key: str) -> str:
        return f"{self.where}.{key}"

    def check_keys(self, known: Sequence[str]) -> None:
        for k in self.obj:
            if k not in known:
                self.p.add(self.where, f"unknown field {_show(k)} (known: {', '.join(known)})")

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.obj:
            if required:
                self.p.add(self.at(key), "is missing")
            return None
        return self.obj[key]

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
        max_len: int = 80,
        what: str = "",
    ) -> str | None:
        v = self._get(key, required)
        if v is None:
            if key in self.obj and required:
                self.p.add(self.at(key), "must not be null")
            return None
        if not isinstance(v, str):
            self.p.add(self.at(key), f"{_show(v)} is not a string")
            return None
        if pattern is not None and not pattern.fullmatch(v):
            self.p.add(self.at(key), f"{_show(v)} is not {what}")
            return None
        if pattern is None and (not v.strip() or len(v) > max_len):
            self.p.add(self.at(key), f"{_show(v)} must be 1 to {max_len} characters")
            return None
        return v

    def choice(self, key: str, values: Sequence[str], *, default: str | None = None) -> str | None:
        v = self._get(key, default is None)
        if v is None:
            if key in self.obj:
                self.p.add(self.at(key), "must not be null")
            return default if key not in self.obj else None
        if v not in values:
            self.p.add(self.at(key), f"{_show(v)} is not one of {', '.join(values)}")
            return None
        return str(v)

    def amount(self, key: str, *, default: str | None = None) -> int | None:
        """Yuan as a string with at most 2 decimals -> fen."""
        v = self._get(key, default is None)
        if v is None:
            if key in self.obj:
                self.p.add(self.at(key), "must not be null")
                return None
            return None if default is None else Money.of(default).fen
        if isinstance(v, int | Decimal) and not isinstance(v, bool):
            self.p.add(
                self.at(key),
                f"{_show(v)} is a number: write amounts as strings (yuan with at most 2 "
                f'decimals, e.g. "{_example(v)}")',
            )
            return None
        fen = _FEN.get(v) if isinstance(v, str) else None
        if fen is not None:
            return fen
        if not isinstance(v, str) or not _AMOUNT.fullmatch(v):
            self.p.add(
                self.at(key),
                f'{_show(v)} is not an amount (yuan with at most 2 decimals, e.g. "6034.90")',
            )
            return None
        if len(_FEN) > 100_000:  # bounded: a file of all-distinct amounts must not grow it
            _FEN.clear()
        fen = _FEN[v] = Money.of(v).fen
        return fen

    def month(self, key: str, *, required: bool = True) -> int | None:
        """'YYYY-MM' -> YYYYMM."""
        v = self._get(key, required)
        if v is None:
            if key in self.obj and required:
                self.p.add(self.at(key), "must not be null")
            return None
        m = _MONTH.fullmatch(v) if isinstance(v, str) else None
        if m is None or not 1900 <= int(m.group(1)) <= 2200:
            self.p.add(self.at(key), f'{_show(v)} is not a month (YYYY-MM, e.g. "2024-10")')
            return None
        return int(m.group(1)) * 100 + int(m.group(2))

    def date(self, key: str, *, required: bool = True) -> dt.date | None:
        v = self._get(key, required)
        if v is None:
            if key in self.obj and required:
                self.p.add(self.at(key), "must not be null")
            return None
        try:
            if not isinstance(v, str) or not _DATE.fullmatch(v):
                raise ValueError
            return dt.date.fromisoformat(v)
        except ValueError:
            self.p.add(self.at(key), f'{_show(v)} is not a date (YYYY-MM-DD, e.g. "2024-04-20")')
            return None

    def integer(self, key: str, lo: int, hi: int, *, default: int | None = None) -> int | None:
        v = self._get(key, default is None)
        if v is None:
            if key in self.obj:
                self.p.add(self.at(key), "must not be null")
                return None
            return default
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            self.p.add(self.at(key), f"{_show(v)} is not a whole number from {lo} to {hi}")
            return None
        return v

    def boolean(self, key: str, *, default: bool) -> bool:
        v = self._get(key, False)
        if v is None and key not in self.obj:
            return default
        if not isinstance(v, bool):
            self.p.add(self.at(key), f"{_show(v)} is not true or false")
            return default
        return v

    def items(self, key: str, *, required: bool = False) -> Iterator[tuple[int, _Reader]]:
        v = self._get(key, required)
        if v is None:
            if key in self.obj:
                self.p.add(self.at(key), "must be a list, not null")
            return
        if not isinstance(v, list):
            self.p.add(self.at(key), f"must be a list, not {type(v).__name__}")
            return
        for i, item in enumerate(v):
            where = f"{self.at(key)}[{i}]"
            if not isinstance(item, dict):
                self.p.add(where, "must be an object")
                continue
            yield i, _Reader(item, where, self.p)


def _example(v: int | Decimal) -> str:
    try:
        return f"{Decimal(v):.2f}"
    except ArithmeticError:
        return "6034.90"


# --- what is loaded ----------------------------------------------------------------------


@dataclass
class _Member:
    where: str
    row: dict[str, Any]
    enrolments: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    pension_years: list[dict[str, Any]] | None  # None: computed
    medical_years: list[dict[str, Any]]
    benefits: list[dict[str, Any]]
    card: dict[str, Any] | None
    employer_refs: list[tuple[str, str, str]]  # (where, field, code)
    last_certified: dt.date | None = None  # a retiree's last certification (issue 20)
    face_photo: str | None = None  # the enrolment photo's path as written (issue 20)
    face_encoding: tuple[float, ...] | None = None  # its encoding, once checked


_MEMBER_KEYS = (
    "member_no",
    "id_number",
    "name",
    "sex",
    "birth_date",
    "retired",
    "retirement_age",
    "work_start",
    "first_insured",
    "deemed_months",
    "medical_balance",
    "enrolments",
    "contributions",
    "pension_account",
    "medical_account",
    "benefits",
    "card",
    "last_certified",
    "face_photo",
)
_ENROLMENT_KEYS = ("scheme", "status", "since", "until", "employer")
_CONTRIBUTION_KEYS = (
    "scheme",
    "period",
    "base",
    "employer_part",
    "personal_part",
    "account",
    "subsidy",
    "status",
    "payer",
    "paid_on",
)
_PENSION_KEYS = ("year", "principal", "interest", "balance")
_MEDICAL_KEYS = ("year", "credits", "spending", "balance")
_BENEFIT_KEYS = ("kind", "period", "amount")
_CARD_KEYS = (
    "card_number",
    "card_identifier",
    "status",
    "spec_version",
    "issue_date",
    "expiry_date",
)
_SCHEMES = [s.value for s in Scheme]


def _code(r: _Reader, key: str, refs: list[tuple[str, str, str]]) -> None:
    """An optional employers[].code reference, resolved once every employer is known."""
    v = r.obj.get(key)
    if v is None:
        return
    if not isinstance(v, str):
        r.p.add(r.at(key), f"{_show(v)} is not an employer code (a string) or null")
        return
    refs.append((r.where, key, v))


def _read_member(r: _Reader, index: int) -> _Member:
    no = r.obj.get("member_no")
    if isinstance(no, str):
        r.where = f"members[{index}] ({no})"
    r.check_keys(_MEMBER_KEYS)
    member_no = r.text("member_no", pattern=_MEMBER_NO, what="a member number (8-16 digits)")
    id_number = r.text("id_number", max_len=18)
    name = r.text("name", max_len=40)
    sex = r.choice("sex", ("1", "2"))
    birth = r.date("birth_date")
    if id_number is not None:
        if not is_valid_id_number(id_number):
            r.p.add(
                r.at("id_number"),
                f"{_show(id_number)} is not a valid ID number (18 characters, check digit "
                "of GB 11643)",
            )
        else:
            if birth is not None and id_number[6:14] != birth.strftime("%Y%m%d"):
                r.p.add(
                    r.at("birth_date"),
                    f"{birth.isoformat()} is not the birth date in the ID number "
                    f"({id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]})",
                )
            odd = int(id_number[16]) % 2 == 1
            if sex is not None and odd != (sex == "1"):
                told = 'odd: a man, "1"' if odd else 'even: a woman, "2"'
                r.p.add(
                    r.at("sex"),
                    f"{_show(sex)} disagrees with the ID number (its 17th digit is {told})",
                )
    retired = r.boolean("retired", default=False)
    retirement_age = r.integer("retirement_age", 40, 75)
    work_start = r.month("work_start", required=False)
    first_insured = r.month("first_insured", required=False)
    deemed = r.integer("deemed_months", 0, 600, default=0)
    medical_balance = r.amount("medical_balance") if "medical_balance" in r.obj else None
    last_certified = r.date("last_certified", required=False)
    if last_certified is not None and not retired:
        r.p.add(r.at("last_certified"), "only a retiree (retired: true) certifies")
    face_photo = r.text("face_photo", required=False, max_len=400)
    refs: list[tuple[str, str, str]] = []

    enrolments: list[dict[str, Any]] = []
    seen_schemes: dict[str, int] = {}
    for i, e in r.items("enrolments"):
        e.check_keys(_ENROLMENT_KEYS)
        scheme = e.choice("scheme", _SCHEMES)
        status = e.choice("status", [s.value for s in EnrolmentStatus])
        since = e.month("since")
        until = e.month("until", required=False)
        if since is not None and until is not None and until < since:
            e.p.add(e.at("until"), f"{_fmt_month(until)} is before since {_fmt_month(since)}")
        if scheme is not None:
            if scheme in seen_schemes:
                e.p.add(
                    e.at("scheme"),
                    f"{_show(scheme)} is enrolled twice (also enrolments[{seen_schemes[scheme]}])",
                )
            seen_schemes.setdefault(scheme, i)
        _code(e, "employer", refs)
        enrolments.append(
            {
                "scheme": scheme,
                "status": status,
                "since": since,
                "until": until,
                "employer_code": e.obj.get("employer"),
            }
        )

    contributions: list[dict[str, Any]] = []
    seen_months: dict[tuple[str, int], int] = {}
    for i, c in r.items("contributions"):
        c.check_keys(_CONTRIBUTION_KEYS)
        scheme = c.choice("scheme", _SCHEMES)
        period = c.month("period")
        status = c.choice("status", [s.value for s in MonthStatus])
        paid_on = c.date("paid_on", required=False)
        row = {
            "scheme": scheme,
            "period": period,
            "base_fen": c.amount("base"),
            "employer_fen": c.amount("employer_part", default="0.00"),
            "personal_fen": c.amount("personal_part"),
            "account_fen": c.amount("account", default="0.00"),
            "subsidy_fen": c.amount("subsidy", default="0.00"),
            "status": status,
            "paid_on": paid_on,
            "payer_code": c.obj.get("payer"),
        }
        _code(c, "payer", refs)
        if scheme in YEARLY_SCHEMES and period is not None and period % 100 != 1:
            c.p.add(
                c.at("period"),
                f"{_show(_fmt_month(period))}: residents' schemes are yearly: one row per year, "
                f'month 01 (e.g. "{period // 100}-01")',
            )
        if status == MonthStatus.ARREARS.value and paid_on is not None:
            c.p.add(c.at("paid_on"), "an arrear (status arrears) has no day paid")
        if scheme is not None and period is not None:
            key = (scheme, period)
            if key in seen_months:
                c.p.add(
                    c.at("period"),
                    f"{scheme} {_fmt_month(period)} appears twice "
                    f"(also contributions[{seen_months[key]}])",
                )
            seen_months.setdefault(key, i)
        contributions.append(row)

    pension_years: list[dict[str, Any]] | None = None
    if "pension_account" in r.obj:
        pension_years = []
        seen_years: set[int] = set()
        for _i, a in r.items("pension_account"):
            a.check_keys(_PENSION_KEYS)
            year = _year(a, seen_years)
            pension_years.append(
                {
                    "year": year,
                    "principal_fen": a.amount("principal"),
                    "interest_fen": a.amount("interest"),
                    "balance_fen": a.amount("balance"),
                }
            )

    medical_years: list[dict[str, Any]] = []
    seen_years = set()
    for _i, a in r.items("medical_account"):
        a.check_keys(_MEDICAL_KEYS)
        year = _year(a, seen_years)
        medical_years.append(
            {
                "year": year,
                "credit_fen": a.amount("credits"),
                "spending_fen": a.amount("spending"),
                "balance_fen": a.amount("balance"),
            }
        )

    benefits: list[dict[str, Any]] = []
    seen_benefits: set[tuple[str, int]] = set()
    for _i, b in r.items("benefits"):
        b.check_keys(_BENEFIT_KEYS)
        kind = b.choice("kind", [k.value for k in BenefitKind])
        period = b.month("period")
        if kind is not None and period is not None:
            if (kind, period) in seen_benefits:
                b.p.add(b.at("period"), f"{kind} {_fmt_month(period)} appears twice")
            seen_benefits.add((kind, period))
        benefits.append({"kind": kind, "period": period, "amount_fen": b.amount("amount")})

    card: dict[str, Any] | None = None
    raw_card = r.obj.get("card")
    if raw_card is not None:
        if not isinstance(raw_card, dict):
            r.p.add(r.at("card"), "must be an object or null")
        else:
            k = _Reader(raw_card, r.at("card"), r.p)
            k.check_keys(_CARD_KEYS)
            card = {
                "card_number": k.text(
                    "card_number",
                    pattern=_CARD_NUMBER,
                    what='a card number (9 capital letters or digits, e.g. "A00000001")',
                ),
                "card_identifier": k.text(
                    "card_identifier",
                    pattern=_CARD_IDENTIFIER,
                    what="a card identifier (32 hexadecimal digits, capitals)",
                ),
                "status": k.choice("status", [s.value for s in CardStatus], default="valid"),
                "spec_version": (
                    k.text("spec_version", pattern=_SPEC_VERSION, what='a version like "3.00"')
                    if "spec_version" in raw_card
                    else "3.00"
                ),
                "issue_date": k.date("issue_date"),
                "expiry_date": k.date("expiry_date"),
                "status_changed_at": None,
            }
            if (
                card["issue_date"] is not None
                and card["expiry_date"] is not None
                and card["expiry_date"] <= card["issue_date"]
            ):
                k.p.add(k.at("expiry_date"), "is not after issue_date")

    if medical_balance is None and "medical_balance" not in r.obj:
        known = [y for y in medical_years if y["year"] is not None]
        last = max(known, key=lambda y: y["year"]) if known else None
        medical_balance = (last["balance_fen"] if last else 0) or 0
    return _Member(
        where=r.where,
        row={
            "member_no": member_no,
            "id_number": id_number.upper() if id_number else id_number,
            "name": name,
            "sex": sex,
            "birth_date": birth,
            "retired": retired,
            "retirement_age": retirement_age,
            "medical_balance_fen": medical_balance,
            "work_start": work_start,
            "first_insured": first_insured,
            "deemed_months": deemed,
        },
        enrolments=enrolments,
        contributions=contributions,
        pension_years=pension_years,
        medical_years=medical_years,
        benefits=benefits,
        card=card,
        employer_refs=refs,
        last_certified=last_certified,
        face_photo=face_photo,
    )


def _year(r: _Reader, seen: set[int]) -> int | None:
    year = r.integer("year", 1900, 2200)
    if year is not None:
        if year in seen:
            r.p.add(r.at("year"), f"{year} appears twice")
        seen.add(year)
    return year


def _fmt_month(yyyymm: int) -> str:
    return f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"


@dataclass
class _File:
    employers: dict[str, str]  # code -> name
    members: list[_Member]


def read_import(data: Any, source: str = "<import>", *, base: Path | None = None) -> _File:
    """Check a parsed file; raise ImportFileError with every problem found. A member's
    `face_photo` is read relative to `base` (the file's folder; None: the current one) and
    enrolled only if it holds one face (the photo itself is not stored)."""
    p = _Problems()
    if not isinstance(data, dict):
        raise ImportFileError(source, ["the file must hold one JSON object"])
    top = _Reader(data, "file", p)
    top.check_keys(("format", "employers", "members"))
    if data.get("format") != FORMAT:
        p.add("format", f"{_show(data.get('format'))} is not {_show(FORMAT)}")
    employers: dict[str, str] = {}
    for i, e in top.items("employers"):
        e.where = f"employers[{i}]"
        e.check_keys(("code", "name"))
        code = e.text("code", max_len=32)
        name = e.text("name", max_len=80)
        if code is not None and name is not None:
            if code in employers:
                p.add(e.at("code"), f"{_show(code)} appears twice")
            employers[code] = name
    members: list[_Member] = []
    if "members" not in data:
        p.add("members", "is missing")
    for i, reader in top.items("members"):
        reader.where = f"members[{i}]"
        members.append(_read_member(reader, i))
    for m in members:
        for where, key, code in m.employer_refs:
            if code not in employers:
                p.add(f"{where}.{key}", f"{_show(code)} is not the code of any employers[] entry")
    for key, label in (("member_no", "member number"), ("id_number", "ID number")):
        first: dict[str, str] = {}
        for m in members:
            v = m.row[key]
            if v is None:
                continue
            if v in first:
                p.add(f"{m.where}.{key}", f"{label} {v} is also {first[v]}'s")
            first.setdefault(v, m.where)
    for key, label in (("card_number", "card number"), ("card_identifier", "card identifier")):
        first = {}
        for m in members:
            v = m.card[key] if m.card else None
            if v is None:
                continue
            if v in first:
                p.add(f"{m.where}.card.{key}", f"{label} {v} is also {first[v]}'s")
            first.setdefault(v, m.where)
    if p.items:
        raise ImportFileError(source, p.items)
    _check_photos(members, base, p)
    if p.items:
        raise ImportFileError(source, p.items)
    return _File(employers=employers, members=members)


def _check_photos(members: Sequence[_Member], base: Path | None, p: _Problems) -> None:
    """Each face_photo's encoding (the face model loads only when a member names one)."""
    from backoffice.face.engine import FaceCheckError

    named = [m for m in members if m.face_photo]
    if not named:
        return
    from backoffice.face.enrolment import encode_file

    for m in named:
        assert m.face_photo is not None
        path = Path(m.face_photo)
        if base is not None and not path.is_absolute():
            path = base / path
        try:
            m.face_encoding = encode_file(path)
        except FaceCheckError as e:
            p.add(f"{m.where}.face_photo", str(e))


def load_json(path: Path) -> Any:
    """The file's JSON; JSON numbers with a fraction stay Decimal, so amounts written as
    numbers are named in the error exactly as written."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ImportFileError(str(path), [f"cannot read the file: {e.strerror or e}"]) from None
    except UnicodeDecodeError as e:
        raise ImportFileError(
            str(path), [f"not UTF-8 text: {e.reason} at byte {e.start}"]
        ) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        raise ImportFileError(
            str(path), [f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"]
        ) from None


# --- writing -----------------------------------------------------------------------------


def ensure_demo_access(db: Database, policy: Policy) -> None:
    """The demo terminals and administrator card (backoffice.seed.run), unless present: a
    database loaded by import alone is then usable by the demo kiosk."""
    from backoffice.seed.run import DEMO_TERMINALS, insert_demo_access
    from backoffice.storage.terminals import TerminalRow

    with db.engine.begin() as conn:
        there = conn.execute(
            select(TerminalRow.terminal_id).where(TerminalRow.terminal_id.in_(DEMO_TERMINALS))
        ).first()
        if there is None:
            insert_demo_access(conn, policy)


def import_file(db: Database, policy: Policy, path: Path, *, today: dt.date) -> ImportReport:
    """Check and load one file in one transaction (the schema is created if absent)."""
    return import_data(db, policy, load_json(path), today=today, source=str(path), base=path.parent)


def import_data(
    db: Database,
    policy: Policy,
    data: Any,
    *,
    today: dt.date,
    source: str = "<import>",
    base: Path | None = None,
) -> ImportReport:
    parsed = read_import(data, source, base=base)
    db.create_schema()
    report = ImportReport(source=source)
    try:
        with db.engine.begin() as conn:
            _check_against_database(conn, parsed, source)
            _write(conn, policy, parsed, today, report)
    except IntegrityError as e:
        raise ImportFileError(source, [f"the database refused a row: {e.orig}"]) from None
    return report


def _check_against_database(conn: Connection, f: _File, source: str) -> None:
    problems: list[str] = []
    for col, key, label in (
        (MemberRow.member_no, "member_no", "member number"),
        (MemberRow.id_number, "id_number", "ID number"),
    ):
        values = [m.row[key] for m in f.members]
        taken = _existing(conn, col, values)
        for m in f.members:
            if m.row[key] in taken:
                problems.append(f"{m.where}.{key}: {label} {m.row[key]} is in the database already")
    for col, key, label in (
        (CardRow.card_number, "card_number", "card number"),
        (CardRow.card_identifier, "card_identifier", "card identifier"),
    ):
        values = [m.card[key] for m in f.members if m.card]
        taken = _existing(conn, col, values)
        for m in f.members:
            if m.card and m.card[key] in taken:
                problems.append(
                    f"{m.where}.card.{key}: {label} {m.card[key]} is in the database already"
                )
    if problems:
        raise ImportFileError(source, problems)


def _existing(conn: Connection, col: Any, values: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for lo in range(0, len(values), 500):
        chunk = values[lo : lo + 500]
        found.update(conn.execute(select(col).where(col.in_(chunk))).scalars())
    return found


def _new_id(result: CursorResult[Any]) -> int:
    """The primary key of the one row an INSERT wrote."""
    key = result.inserted_primary_key
    assert key is not None  # SQLAlchemy gives it for every single-row INSERT
    return int(key[0])


def _write(
    conn: Connection, policy: Policy, f: _File, today: dt.date, report: ImportReport
) -> None:
    rows = dict.fromkeys(MEMBER_TABLES, 0)
    # Employers are matched by name: a second file naming the same employer shares its row.
    employer_ids: dict[str, int] = {}
    by_name: dict[str, int] = {}
    names = sorted(set(f.employers.values()))
    for lo in range(0, len(names), 500):
        for id_, name in conn.execute(
            select(EmployerRow.id, EmployerRow.name).where(
                EmployerRow.name.in_(names[lo : lo + 500])
            )
        ):
            by_name.setdefault(name, id_)
    for code, name in f.employers.items():
        if name not in by_name:
            by_name[name] = _new_id(conn.execute(insert(EmployerRow).values(name=name)))
            report.employers_created += 1
        employer_ids[code] = by_name[name]

    for m in f.members:
        member_id = _new_id(conn.execute(insert(MemberRow).values(**m.row)))
        if m.card:
            conn.execute(insert(CardRow).values(member_id=member_id, **m.card))
            rows["card"] += 1
        enrolments = [
            {
                "member_id": member_id,
                "scheme": e["scheme"],
                "status": e["status"],
                "since": e["since"],
                "until": e["until"],
                "employer_id": employer_ids.get(e["employer_code"]) if e["employer_code"] else None,
            }
            for e in m.enrolments
        ]
        contributions = [
            {
                "member_id": member_id,
                **{k: v for k, v in c.items() if k != "payer_code"},
                "payer_id": employer_ids[c["payer_code"]] if c["payer_code"] else None,
            }
            for c in m.contributions
        ]
        pension = m.pension_years
        if pension is None:
            pension = _pension_years(policy, m.contributions, today)
        for table, values in (
            (EnrolmentRow, enrolments),
            (ContributionRow, contributions),
            (AccountYearRow, [{"member_id": member_id, **y} for y in pension]),
            (MedicalAccountYearRow, [{"member_id": member_id, **y} for y in m.medical_years]),
            (BenefitRow, [{"member_id": member_id, **b} for b in m.benefits]),
        ):
            if values:
                conn.execute(insert(table), values)
                rows[str(table.__tablename__)] += len(values)
        if m.last_certified is not None:
            conn.execute(insert(CertificationRow).values(imported_certification(member_id, m)))
            rows["certification"] += 1
        if m.face_encoding is not None:
            at = dt.datetime.combine(today, dt.time(0, 0))
            report.faces_enrolled += enrol_many(
                conn, [member_id], m.face_encoding, at=at, source="import"
            )
        rows["member"] += 1
        report.member_nos.append(str(m.row["member_no"]))
    report.members = rows["member"]
    report.rows = rows


def imported_certification(member_id: int, m: _Member) -> dict[str, Any]:
    """The city's record of the last certification, as one success (method "import"); its
    instant is noon of that day (the day is what the rule reads)."""
    assert m.last_certified is not None
    return {
        "member_id": member_id,
        "at": dt.datetime.combine(m.last_certified, dt.time(12)),
        "day": m.last_certified,
        "method": "import",
        "result": "success",
        "terminal_id": "import",
        "idempotency_key": f"import:{m.row['member_no']}",
        "request_hash": "",
        "attempt_no": 0,
    }


def _pension_years(
    policy: Policy, contributions: Sequence[Mapping[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """The pension account by year from the months' account credits (every status but arrears),
    by the national method up to today's year; today's year earns no interest yet. A month is
    credited in the year of the month it pays for, except a back-paid one (补缴), credited in the
    year it was paid, as posting a payment does (backoffice/orders.py)."""
    credits: dict[int, Money] = {}
    for c in contributions:
        if c["scheme"] == Scheme.PENSION.value and c["status"] != MonthStatus.ARREARS.value:
            paid_on = c.get("paid_on")
            if c["status"] == MonthStatus.BACK_PAID.value and paid_on is not None:
                year = paid_on.year
            else:
                year = c["period"] // 100
            credits[year] = credits.get(year, Money.zero()) + Money.from_fen(c["account_fen"])
    if not credits:
        return []
    years = account_years(
        credits,
        policy.crediting_rate,
        last_year=max(today.year, max(credits)),
        current_year=today.year,
    )
    return [
        {
            "year": y.year,
            "principal_fen": y.credits.fen,
            "interest_fen": y.interest.fen,
            "balance_fen": y.closing.fen,
        }
        for y in years
    ]
