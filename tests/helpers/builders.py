"""Build "kiosk-members/1" import files (docs/import-format.md) in a few lines, and run the real
back office on them.

    from tests.helpers.builders import employer, enrolment, imported, member, months

    m = member(
        "11010000000001",
        birth_date="1980-01-01",
        enrolments=[enrolment("pension", "2024-01")],
        contributions=months(
            "pension", "2024-01", "2024-03",
            base="6034.90", personal_part="1206.98", account="482.79", status="arrears",
        ),
    )
    with imported([m], today=dt.date(2024, 4, 20)) as svc:   # the real service over HTTP
        with client_for(svc) as client: ...                  # tests.helpers.backoffice

The API (keep it stable: other areas' tests build on it):

- member(member_no, *, birth_date="1980-01-01", sex="1", name="张三", id_number=None,
  retirement_age=None, retired=False, enrolments=(), contributions=(), card=None, **fields)
  -> dict. id_number None: a valid one made from birth_date, sex and member_no.
  retirement_age None: 60 for a man, 55 for a woman. card=True: a valid card (card_for);
  a dict: that card. **fields: any other member field of the format as it is written
  (work_start="2005-07", first_insured=..., deemed_months=..., medical_balance="...",
  pension_account=[...], medical_account=[...], benefits=[...]).
- employer(code, name=None) -> {"code", "name"}.
- enrolment(scheme, since, *, status="active", until=None, employer=None) -> dict.
- months(scheme, first, last, *, base, personal_part, employer_part="0.00", account="0.00",
  subsidy="0.00", status="paid", payer=None, paid_on=None) -> list: one row per month from
  first to last, both included, all alike.
- flexible_months(first, last, base, *, status="paid", paid_on=None) -> list: a flexible
  worker's pension months: personal part 20% of the base, account 8% of it (each rounded to
  the fen half up), no employer part. Tests still write the arithmetic of what they assert.
- resident_year(year, tier, *, scheme="resident_pension", subsidy="0.00", status="paid",
  paid_on=None) -> dict: one yearly row (period YYYY-01); the member pays the tier; a residents'
  pension row credits tier + subsidy to the account.
- card_for(member_no, **overrides) -> dict: a valid card numbered after the member.
- id_number_for(birth_date, sex, seq=1) -> str: a valid ID number (check digit computed).
- document(members, employers=()) -> dict: the whole file.
- write_import(path, members, employers=()) -> Path: write the file (path: a file, or a folder
  to write import.json in).
- imported(members, employers=(), *, today, policy_file=None, **service) -> context manager
  yielding the running back office (backoffice.harness.RunningService) loaded with those
  members only; **service goes to running_service (now=..., env=...).

Amounts may be given as str, Decimal or Money; they are written as strings with 2 decimals.
Months are "YYYY-MM" strings; dates "YYYY-MM-DD" strings or datetime.date.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from backoffice.harness import RunningService, running_service
from backoffice.importer import FORMAT
from kiosk.domain import Money, Period
from kiosk.domain.identity import id_check_digit

Amount = str | Decimal | Money
Day = str | dt.date


def amount(value: Amount) -> str:
    """'6034.90' from '6034.9', Decimal('6034.9') or Money; refuses floats and sub-fen amounts
    (a builder never rounds for the test)."""
    if isinstance(value, Money):
        return f"{value.yuan:.2f}"
    if isinstance(value, float):
        raise TypeError("amounts are str, Decimal or Money, not float")
    d = Decimal(value)
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"{value!r} is not a whole number of fen")
    return f"{d:.2f}"


def _day(value: Day | None) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def id_number_for(birth_date: Day, sex: str, seq: int = 1) -> str:
    """A valid 18-character ID number of Beijing Dongcheng (110101) for that birth date and sex
    (the 17th digit odd for a man, even for a woman)."""
    born = dt.date.fromisoformat(_day(birth_date) or "")
    order = (seq % 500) * 2 + (1 if sex == "1" else 0)
    first17 = f"110101{born:%Y%m%d}{order:03d}"
    return first17 + id_check_digit(first17)


def card_for(member_no: str, **overrides: Any) -> dict[str, Any]:
    number = int(member_no)
    card: dict[str, Any] = {
        "card_number": f"A{number % 10**8:08d}",
        "card_identifier": f"110100D156000005AA{number % 16**12:012X}FF",
        "status": "valid",
        "spec_version": "3.00",
        "issue_date": "2020-01-01",
        "expiry_date": "2030-01-01",
    }
    card.update({k: _day(v) if isinstance(v, dt.date) else v for k, v in overrides.items()})
    return card


def member(
    member_no: str,
    *,
    birth_date: Day = "1980-01-01",
    sex: str = "1",
    name: str = "张三",
    id_number: str | None = None,
    retirement_age: int | None = None,
    retired: bool = False,
    enrolments: Iterable[dict[str, Any]] = (),
    contributions: Iterable[dict[str, Any]] = (),
    card: bool | dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "member_no": member_no,
        "id_number": id_number or id_number_for(birth_date, sex, int(member_no)),
        "name": name,
        "sex": sex,
        "birth_date": _day(birth_date),
        "retired": retired,
        "retirement_age": retirement_age or (60 if sex == "1" else 55),
        "enrolments": list(enrolments),
        "contributions": list(contributions),
    }
    if card is True:
        out["card"] = card_for(member_no)
    elif isinstance(card, dict):
        out["card"] = card
    out.update(fields)
    return out


def employer(code: str, name: str | None = None) -> dict[str, str]:
    return {"code": code, "name": name or f"{code}示例科技有限公司"}


def enrolment(
    scheme: str,
    since: str,
    *,
    status: str = "active",
    until: str | None = None,
    employer: str | None = None,
) -> dict[str, Any]:
    return {
        "scheme": scheme,
        "status": status,
        "since": since,
        "until": until,
        "employer": employer,
    }


def month_range(first: str, last: str) -> list[str]:
    """Every month from first to last, both included, as "YYYY-MM"."""
    p, end = Period.parse(first), Period.parse(last)
    if end < p:
        raise ValueError(f"{last} is before {first}")
    out = []
    while p <= end:
        out.append(str(p))
        p = p.next()
    return out


def months(
    scheme: str,
    first: str,
    last: str,
    *,
    base: Amount,
    personal_part: Amount,
    employer_part: Amount = "0.00",
    account: Amount = "0.00",
    subsidy: Amount = "0.00",
    status: str = "paid",
    payer: str | None = None,
    paid_on: Day | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "scheme": scheme,
            "period": period,
            "base": amount(base),
            "employer_part": amount(employer_part),
            "personal_part": amount(personal_part),
            "account": amount(account),
            "subsidy": amount(subsidy),
            "status": status,
            "payer": payer,
            "paid_on": _day(paid_on),
        }
        for period in month_range(first, last)
    ]


def _percent(base: Amount, rate: str) -> str:
    d = Decimal(amount(base)) * Decimal(rate)
    return amount(d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def flexible_months(
    first: str, last: str, base: Amount, *, status: str = "paid", paid_on: Day | None = None
) -> list[dict[str, Any]]:
    return months(
        "pension",
        first,
        last,
        base=base,
        personal_part=_percent(base, "0.20"),
        account=_percent(base, "0.08"),
        status=status,
        paid_on=paid_on,
    )


def resident_year(
    year: int,
    tier: Amount,
    *,
    scheme: str = "resident_pension",
    subsidy: Amount = "0.00",
    status: str = "paid",
    paid_on: Day | None = None,
) -> dict[str, Any]:
    credited = Decimal(amount(tier)) + Decimal(amount(subsidy))
    return {
        "scheme": scheme,
        "period": f"{year:04d}-01",
        "base": amount(tier),
        "employer_part": "0.00",
        "personal_part": amount(tier),
        "account": amount(credited) if scheme == "resident_pension" else "0.00",
        "subsidy": amount(subsidy),
        "status": status,
        "payer": None,
        "paid_on": _day(paid_on),
    }


def document(
    members: Sequence[dict[str, Any]], employers: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {"format": FORMAT, "employers": list(employers), "members": list(members)}


def write_import(
    path: Path, members: Sequence[dict[str, Any]], employers: Sequence[dict[str, Any]] = ()
) -> Path:
    path = Path(path)
    if path.is_dir():
        path = path / "import.json"
    path.write_text(
        json.dumps(document(members, employers), ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return path


@contextmanager
def imported(
    members: Sequence[dict[str, Any]],
    employers: Sequence[dict[str, Any]] = (),
    *,
    today: dt.date | None,
    policy_file: str | Path | None = None,
    **service: Any,
) -> Iterator[RunningService]:
    """The real back office on a fresh SQLite database holding only these members (and the
    demo terminals), with "today" fixed for the importer and the service. **service goes to
    running_service (now=..., env=...): with now= an aware instant, today may be None."""
    if today is None and service.get("now") is None:
        raise ValueError("fix the day: today=dt.date(...) (or now=an aware datetime)")
    with tempfile.TemporaryDirectory(prefix="import-") as work:
        path = write_import(Path(work) / "import.json", members, employers)
        with running_service(
            members=0,
            import_files=[path],
            today=today,
            policy_file=None if policy_file is None else str(policy_file),
            **service,
        ) as svc:
            yield svc
