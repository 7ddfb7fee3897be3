"""What a certificate attests, its verification code and its digest.

The attested content is everything the paper prints (who, the schemes' figures, the months of
the range, the account years), built here once: the certificate API returns it, the kiosk
builds the PDF only from it, and the verification page shows it (name masked, no birth date).
It is stored as canonical JSON (sorted keys, no spaces, UTF-8); the digest is its SHA-256,
printed on the paper in full and shown by the verification page.

Rules (docs/rules.md "Documents"):
- A month counts (缴费月数, 累计缴费月数) when paid, transferred in or back paid (补缴); a
  residents' row (one a year, month 01) counts 12 months, and is in a range when its month
  is (kiosk.domain.months_covered).
- 累计缴费月数 is counted up to the range's last month (Dec of a past year), not today.
- Amount totals are what was paid: employer, member and the government's subsidy (政府补贴)
  each in their own figure; months in arrears are not summed.
- The pension account balance is the closing balance of the range's last year (the year in
  progress: its balance so far); the medical account's is that year's closing balance, today's
  balance for the year in progress.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, Protocol

from kiosk.domain import (
    AccountYear,
    Enrolment,
    MedicalAccountYear,
    Money,
    Period,
    Scheme,
    months_covered,
)
from kiosk.domain.identity import mask_id, mask_name

CODE_BYTES = 10  # 80 bits of randomness -> 16 base32 characters
_CODE_RE = re.compile(r"[A-Z2-7]{16}")
CONTENT_FORMAT = 2  # 1: the first version (schemes' counts only), still verifiable
COUNTED = frozenset({"paid", "transferred_in", "back_paid"})
INDIVIDUAL = "个人"


def new_code() -> str:
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode("ascii")


def normalise_code(text: str) -> str | None:
    """'abcd-efgh ijkl-mnop' -> 'ABCDEFGHIJKLMNOP'; None when it cannot be a code."""
    code = re.sub(r"[\s-]", "", text).upper()
    return code if _CODE_RE.fullmatch(code) else None


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


class MemberFacts(Protocol):
    """The member fields a certificate reads (backoffice.storage.members.MemberRow has them)."""

    member_no: str
    name: str
    id_number: str
    sex: str
    birth_date: dt.date
    work_start: int | None
    first_insured: int | None
    deemed_months: int
    medical_balance_fen: int


# (scheme, period YYYYMM, base, employer, personal, status, payer, account, subsidy, paid_on):
# backoffice.records.contribution_rows; money in fen, payer None for the member.
Row = tuple[Any, ...]


def attest(
    *,
    certificate_id: str,
    kind: str,
    member: MemberFacts,
    enrolments: Sequence[Enrolment],
    rows: Iterable[Row],
    first: Period,
    last: Period,
    today: dt.date,
    pension_years: Sequence[AccountYear],
    medical_years: Sequence[MedicalAccountYear],
    rate_of: Callable[[int], Decimal],
    issuer: str,
    issued_at: str,
    expires_at: str,
) -> dict[str, Any]:
    """The attested content of a certificate. `rows`: the member's rows up to `last` (at
    least), any order; the accounts: all the member's years."""
    upto = [r for r in rows if r[1] <= _yyyymm(last)]
    in_range = sorted(
        (r for r in upto if r[1] >= _yyyymm(first)),
        key=lambda r: (list(Scheme).index(Scheme(r[0])), r[1]),
    )
    since = min((e.since for e in enrolments), default=None)
    first_insured = _p(member.first_insured) if member.first_insured else since
    employer = next(
        (e.employer for e in enrolments if e.scheme is Scheme.PENSION and e.employer),
        next((e.employer for e in enrolments if e.employer), None),
    )
    record = kind == "rights_record"
    return {
        "format": CONTENT_FORMAT,
        # The certificate's own id: two certificates of the same record never share a digest.
        "certificate_id": certificate_id,
        "kind": kind,
        "issuer": issuer,
        "issued_at": issued_at,
        "expires_at": expires_at,
        "as_of": today.isoformat(),
        "first": str(first),
        "last": str(last),
        "member_no": member.member_no,
        "name": member.name,
        "id_number_masked": mask_id(member.id_number),
        "sex": member.sex,
        "birth_date": member.birth_date.isoformat(),
        "work_start": None if member.work_start is None else str(_p(member.work_start)),
        "first_insured": None if first_insured is None else str(first_insured),
        "deemed_months": member.deemed_months or 0,
        "employer": employer,
        "schemes": _schemes(enrolments, in_range, upto),
        "months": [_month(r) for r in in_range],
        "pension_years": _pension_years(pension_years, first, last, today, rate_of)
        if record
        else [],
        "medical_years": [
            {
                "year": y.year,
                "credits": _money(y.credits),
                "spending": _money(y.spending),
                "balance": _money(y.balance),
            }
            for y in medical_years
            if first.year <= y.year <= last.year
        ]
        if record
        else [],
        "pension_balance": _pension_balance(pension_years, last) if record else None,
        "medical_balance": _medical_balance(member, medical_years, last, today) if record else None,
    }


def verification_view(content: dict[str, Any]) -> dict[str, Any]:
    """What the public page shows of the content: all of it but the name (masked) and the
    birth date (part of the ID number, which stays masked). An older certificate (format 1)
    is shown with the fields it has."""
    c = upgraded(content)
    out = {k: v for k, v in c.items() if k not in ("name", "birth_date", "issued_at")}
    out.pop("expires_at", None)
    out["name_masked"] = mask_name(c["name"])
    return out


def upgraded(content: dict[str, Any]) -> dict[str, Any]:
    """Format 1 content with format 2's keys filled (none of its figures changed)."""
    if content.get("format") == CONTENT_FORMAT:
        return content
    c = dict(content)
    c["format"] = 1
    for key, empty in (
        ("certificate_id", ""),
        ("as_of", None),
        ("member_no", ""),
        ("sex", ""),
        ("birth_date", None),
        ("work_start", None),
        ("first_insured", None),
        ("deemed_months", 0),
        ("employer", None),
        ("months", []),
        ("pension_years", []),
        ("medical_years", []),
        ("pension_balance", None),
        ("medical_balance", None),
    ):
        c.setdefault(key, empty)
    c["schemes"] = [
        {
            "since": None,
            "until": None,
            "employer": None,
            "months_back_paid": 0,
            "months_transferred_in": 0,
            "subsidy_total": "0.00",
            "account_total": "0.00",
            **s,
        }
        for s in c.get("schemes", [])
    ]
    return c


def _schemes(
    enrolments: Sequence[Enrolment], in_range: Sequence[Row], upto: Sequence[Row]
) -> list[dict[str, Any]]:
    """Per enrolled scheme, in the Scheme enum's order: the range's counted months (and of
    them back paid, transferred in), months in arrears, first and last counted month, the
    totals, and the cumulative months up to the range's end."""
    out = []
    for e in sorted(enrolments, key=lambda e: list(Scheme).index(e.scheme)):
        mine = [r for r in in_range if r[0] == e.scheme.value]
        counted = [r for r in mine if r[5] in COUNTED]
        n = months_covered(e.scheme)
        out.append(
            {
                "scheme": e.scheme.value,
                "status": e.status.value,
                "since": str(e.since),
                "until": None if e.until is None else str(e.until),
                "employer": e.employer,
                "first": str(_p(counted[0][1])) if counted else None,
                "last": str(_p(counted[-1][1])) if counted else None,
                "months_paid": n * len(counted),
                "months_back_paid": n * sum(r[5] == "back_paid" for r in counted),
                "months_transferred_in": n * sum(r[5] == "transferred_in" for r in counted),
                "months_in_arrears": n * sum(r[5] == "arrears" for r in mine),
                "personal_total": _fen(sum(r[4] for r in counted)),
                "employer_total": _fen(sum(r[3] for r in counted)),
                "subsidy_total": _fen(sum(r[8] for r in counted)),
                "account_total": _fen(sum(r[7] for r in counted)),
                "cumulative_months": n
                * sum(1 for r in upto if r[0] == e.scheme.value and r[5] in COUNTED),
            }
        )
    return out


def _month(r: Row) -> dict[str, Any]:
    scheme, period, base, er, pe, status, payer, account, subsidy, paid_on = r[:10]
    return {
        "scheme": scheme,
        "period": str(_p(period)),
        "base": _fen(base),
        "employer_part": _fen(er),
        "personal_part": _fen(pe),
        "subsidy": _fen(subsidy),
        "account": _fen(account),
        "status": status,
        "payer": payer or INDIVIDUAL,
        "paid_on": None if paid_on is None else str(paid_on)[:10],
    }


def _pension_years(
    years: Sequence[AccountYear],
    first: Period,
    last: Period,
    today: dt.date,
    rate_of: Callable[[int], Decimal],
) -> list[dict[str, Any]]:
    """The range's account years, each with the crediting rate (记账利率) its interest was
    credited at; the year in progress has no interest yet, so no rate (null)."""
    return [
        {
            "year": y.year,
            "rate": None if y.year >= today.year else _rate(rate_of(y.year)),
            "principal": _money(y.principal),
            "interest": _money(y.interest),
            "balance": _money(y.balance),
        }
        for y in years
        if first.year <= y.year <= last.year
    ]


def _pension_balance(years: Sequence[AccountYear], last: Period) -> str | None:
    """The closing balance of the latest account year up to the range's last year."""
    upto = [y for y in years if y.year <= last.year]
    return _money(max(upto, key=lambda y: y.year).balance) if upto else None


def _medical_balance(
    member: MemberFacts, years: Sequence[MedicalAccountYear], last: Period, today: dt.date
) -> str | None:
    if last.year >= today.year:
        return _fen(member.medical_balance_fen)
    upto = [y for y in years if y.year <= last.year]
    return _money(max(upto, key=lambda y: y.year).balance) if upto else None


def _rate(d: Decimal) -> str:
    return format(d.normalize(), "f")


def _money(m: Money) -> str:
    return f"{m.yuan:.2f}"


def _fen(f: int) -> str:
    sign = "-" if f < 0 else ""
    q, r = divmod(abs(int(f)), 100)
    return f"{sign}{q}.{r:02d}"


def _yyyymm(p: Period) -> int:
    return p.year * 100 + p.month


def _p(yyyymm: int) -> Period:
    return Period(yyyymm // 100, yyyymm % 100)
