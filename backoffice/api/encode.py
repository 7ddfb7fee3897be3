"""kiosk.domain objects -> the API's JSON (see models.py): money "330.00", months "YYYY-MM",
instants with their UTC offset."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar

from starlette.responses import Response

from kiosk.domain import PENSION_MINIMUM_MONTHS, Enrolment, Money, PersonalAccounts
from kiosk.domain.benefits import BenefitPayment
from kiosk.domain.dues import Due, DueLine
from kiosk.domain.summary import MemberSummary


def instant(at: dt.datetime) -> str:
    """A stored instant (naive = UTC, as the database holds them) as ISO 8601 with its offset,
    "2026-06-20T01:30:00+00:00": the API types instants date-time, which needs the offset."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat()


def _iso(value: object) -> str:
    if isinstance(value, dt.date):  # a datetime is a date too
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def json_response(body: dict[str, Any]) -> Response:
    """`body` as the JSON a route's response_model would have written (compact, UTF-8, dates
    ISO), without it: FastAPI validates a returned dict against the model on the thread pool,
    a second hop of the request, then dumps it; a returned Response skips both, and the
    OpenAPI document keeps the model. For the read routes of the kiosk's every visit, whose
    dicts are built here from domain objects in the model's field order."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=_iso).encode(),
        media_type="application/json",
    )


def money(m: Money | None) -> str | None:
    return None if m is None else f"{m.yuan:.2f}"


def fen(f: int) -> str:
    """Integer fen -> "123.45" without building a Money (the history's hot path)."""
    sign = "-" if f < 0 else ""
    q, r = divmod(abs(f), 100)
    return f"{sign}{q}.{r:02d}"


K = TypeVar("K")
V = TypeVar("V")


class _Memo(dict[K, V]):
    """A dict that fills itself: make(key) once per distinct key, a C lookup after that."""

    def __init__(self, make: Callable[[K], V]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: K) -> V:
        value = self[key] = self.make(key)
        return value


# YYYYMM -> b"YYYY-MM": a fixed table of how months are written (no member's data), filled as
# months are met; a 30-year history meets some 360.
_MONTHS: _Memo[int, bytes] = _Memo(lambda p: f"{p // 100:04d}-{p % 100:02d}".encode())


def history_json(
    member_no: str, rows: Sequence[Any], payers: Mapping[int, str], individual: str
) -> bytes:
    """The contribution history as JSON bytes, from records.history_rows: its rows and its
    payers' names by id. A row is its scheme's head, its month and the rest, each encoded
    once per distinct value: a member's 1,800 rows (30 years x 5 schemes) hold a hundred-odd
    distinct (base, employer, personal, subsidy, status, payer) tails. The pieces are looked
    up row by row in C (map over the rows) and joined once, as bytes: a str holding Chinese
    payer names is 2 bytes a character, and every copy of a 250 kB answer (a slice, a
    concatenation, the final encode) costs fresh pages. scheme and status are the API's own
    codes (ASCII words), so they need no escaping."""
    amount = _Memo(fen).__getitem__
    # A payer's id -> its name as JSON: the member themselves (no payer, or no name) as
    # `individual`.
    payer_json: _Memo[int | None, str] = _Memo(
        lambda payer_id: json.dumps(
            (None if payer_id is None else payers.get(payer_id)) or individual,
            ensure_ascii=False,
        )
    )
    payer = payer_json.__getitem__

    def tail(key: tuple[Any, ...]) -> bytes:
        base, employer, personal, subsidy, status, payer_id, paid_on = key
        day = "null" if paid_on is None else f'"{str(paid_on)[:10]}"'
        return (
            f'","base":"{amount(base)}","employer_part":"{amount(employer)}",'
            f'"personal_part":"{amount(personal)}","subsidy":"{amount(subsidy)}",'
            f'"status":"{status}","payer":{payer(payer_id)},"paid_on":{day}}},'
        ).encode()

    scheme_heads: _Memo[str, bytes] = _Memo(lambda s: f'{{"scheme":"{s}","period":"'.encode())
    month = _MONTHS.__getitem__
    periods = list(map(_PERIOD, rows))
    # Every row ends with a comma (the tails are shared): the last row's is cut off.
    out = list(
        chain.from_iterable(
            zip(
                map(scheme_heads.__getitem__, map(_SCHEME, rows)),
                map(month, periods),
                map(_Memo(tail).__getitem__, map(_TAIL, rows)),
                strict=True,
            )
        )
    )
    if out:
        out[-1] = out[-1][:-1]
        first = f'"{month(min(periods)).decode()}"'
        last = f'"{month(max(periods)).decode()}"'
    else:
        first = last = "null"
    out.insert(
        0,
        f'{{"member_no":{json.dumps(member_no)},"first":{first},"last":{last},'
        f'"count":{len(rows)},"rows":['.encode(),
    )
    out.append(b"]}")
    return b"".join(out)


_SCHEME, _PERIOD, _TAIL = itemgetter(0), itemgetter(1), itemgetter(slice(2, None))


def rate(d: Decimal) -> str:
    return format(d.normalize(), "f")


def enrolment(e: Enrolment) -> dict[str, Any]:
    return {
        "scheme": e.scheme.value,
        "status": e.status.value,
        "since": str(e.since),
        "employer": e.employer,
        "cumulative_months": e.cumulative_months,
        "until": None if e.until is None else str(e.until),
    }


def summary(s: MemberSummary) -> dict[str, Any]:
    return {
        "member_no": s.member_no,
        "name": s.name,
        "id_number_masked": s.id_number_masked,
        "sex": s.sex.value,
        "birth_date": s.birth_date,
        "retired": s.retired,
        "retirement_age": s.retirement_age,
        "pension_minimum_months": PENSION_MINIMUM_MONTHS,
        "as_of": s.as_of,
        "enrolments": [enrolment(e) for e in s.enrolments],
    }


def accounts(member_no: str, a: PersonalAccounts) -> dict[str, Any]:
    return {
        "member_no": member_no,
        "pension_balance": money(a.pension_balance),
        "medical_balance": money(a.medical_balance),
        "pension_years": [
            {
                "year": y.year,
                "principal": money(y.principal),
                "interest": money(y.interest),
                "balance": money(y.balance),
            }
            for y in a.pension_years
        ],
        "medical_years": [
            {
                "year": y.year,
                "credits": money(y.credits),
                "spending": money(y.spending),
                "balance": money(y.balance),
            }
            for y in a.medical_years
        ],
    }


def benefit(b: BenefitPayment) -> dict[str, Any]:
    return {"kind": b.kind.value, "period": str(b.period), "amount": money(b.amount)}


def due_line(line: DueLine) -> dict[str, Any]:
    return {
        "period": str(line.period),
        "base": money(line.base),
        "amount": money(line.amount),
        "to_account": money(line.to_account),
        "late_fee": money(line.late_fee),
        "due_date": line.due_date,
        "back_payment": line.back_payment,
        "paid_by_government": money(line.paid_by_government),
    }


def due(d: Due) -> dict[str, Any]:
    return {
        "scheme": d.scheme.value,
        "kind": d.kind.value,
        "year": d.year,
        "periods": [str(p) for p in d.periods],
        "rate": rate(d.rate),
        "account_rate": rate(d.account_rate),
        "base_min": money(d.base_min),
        "base_max": money(d.base_max),
        "base_default": money(d.base_default),
        "tiers": [
            {
                "amount": money(t.amount),
                "subsidy": money(t.subsidy),
                "paid_by_government": money(t.paid_by_government),
                "member_part": money(t.member_part),
            }
            for t in d.tiers
        ],
        "annual_fee": money(d.annual_fee),
        "lines": [due_line(line) for line in d.lines],
        "amount": money(d.amount),
        "late_fee": money(d.late_fee),
        "total": money(d.total),
        "deadline": d.deadline,
        "late_fee_rate_per_day": rate(d.late_fee_rate_per_day),
        "counter_only": [str(p) for p in d.counter_only],
        "average_wage": money(d.average_wage),
        "average_wage_year": d.average_wage_year,
        "paid_by_government": money(d.paid_by_government),
        "fee_category": None
        if d.fee_category is None
        else {"code": d.fee_category.code, "zh": d.fee_category.zh, "en": d.fee_category.en},
    }
