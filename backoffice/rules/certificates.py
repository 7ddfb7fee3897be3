"""What a certificate attests, its verification code and its digest.

The content is stored as canonical JSON (sorted keys, no spaces, UTF-8); the digest is its
SHA-256, printed on the paper and shown by the verification page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from kiosk.domain import Enrolment, Money, Period, Scheme

CODE_BYTES = 10  # 80 bits of randomness -> 16 base32 characters
_CODE_RE = re.compile(r"[A-Z2-7]{16}")


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


def attested_schemes(
    enrolments: Sequence[Enrolment],
    rows: Iterable[tuple[str, int, int, int, int, str, str | None]],
) -> list[dict[str, Any]]:
    """Per enrolled scheme: months paid and in arrears in the range, first and last month paid,
    totals; money as strings of yuan (the API's form)."""
    stats: dict[str, dict[str, Any]] = {}
    for scheme, period, _base, er, pe, status, _payer, *_rest in rows:
        s = stats.setdefault(
            scheme, {"paid": 0, "arrears": 0, "first": None, "last": None, "er": 0, "pe": 0}
        )
        if status == "arrears":
            s["arrears"] += 1
            continue
        s["paid"] += 12 if scheme in (Scheme.RESIDENT_PENSION, Scheme.RESIDENT_MEDICAL) else 1
        s["first"] = period if s["first"] is None else min(s["first"], period)
        s["last"] = period if s["last"] is None else max(s["last"], period)
        s["er"] += er
        s["pe"] += pe
    out = []
    for e in enrolments:
        s = stats.get(
            e.scheme.value, {"paid": 0, "arrears": 0, "first": None, "last": None, "er": 0, "pe": 0}
        )
        out.append(
            {
                "scheme": e.scheme.value,
                "status": e.status.value,
                "first": _p(s["first"]),
                "last": _p(s["last"]),
                "months_paid": s["paid"],
                "months_in_arrears": s["arrears"],
                "personal_total": str(Money.from_fen(s["pe"]).yuan),
                "employer_total": str(Money.from_fen(s["er"]).yuan),
                "cumulative_months": e.cumulative_months,
            }
        )
    return out


def _p(yyyymm: int | None) -> str | None:
    return None if yyyymm is None else str(Period(yyyymm // 100, yyyymm % 100))
