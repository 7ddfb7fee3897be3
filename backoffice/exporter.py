"""Write members of the database as a "kiosk-members/1" file (docs/import-format.md): what
`python -m backoffice seed --export FILE.json` writes after seeding. Importing the file into an
empty database gives the same answers over the API (tests/rules/test_importer.py).

Everything is written explicitly (pension account years and the medical balance included), so
the import stores the figures as they are rather than recomputing them."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from backoffice.importer import FORMAT
from backoffice.storage import Database
from backoffice.storage.certification import CertificationRow
from backoffice.storage.members import (
    AccountYearRow,
    BenefitRow,
    CardRow,
    ContributionRow,
    EmployerRow,
    EnrolmentRow,
    MedicalAccountYearRow,
    MemberRow,
)


def _amount(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _month(yyyymm: int | None) -> str | None:
    return None if yyyymm is None else f"{yyyymm // 100:04d}-{yyyymm % 100:02d}"


def _day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: Any) -> dt.date | None:
    """A day from an aggregate (SQLite gives max() of a date column as text)."""
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _code(employer_id: int | None) -> str | None:
    return None if employer_id is None else f"E{employer_id}"


def export_data(db: Database, member_nos: Sequence[str] | None = None) -> dict[str, Any]:
    """The file's content for these members (None: every member), employers they refer to."""
    with db.engine.connect() as conn:
        q = select(MemberRow).order_by(MemberRow.id)
        if member_nos is not None:
            q = q.where(MemberRow.member_no.in_(list(member_nos)))
        members = list(conn.execute(q))
        ids = [m.id for m in members]
        per = _rows_by_member(conn, ids)
        used = {e for e in per["employers"]}
        employers = (
            conn.execute(
                select(EmployerRow.id, EmployerRow.name)
                .where(EmployerRow.id.in_(sorted(used)))
                .order_by(EmployerRow.id)
            ).all()
            if used
            else []
        )
    out = [_member(m, per) for m in members]
    return {
        "format": FORMAT,
        "employers": [{"code": _code(i), "name": name} for i, name in employers],
        "members": out,
    }


def _rows_by_member(conn: Connection, ids: list[int]) -> dict[str, Any]:
    per: dict[str, Any] = {"employers": set()}
    tables = (
        ("enrolments", EnrolmentRow, (EnrolmentRow.scheme,)),
        ("contributions", ContributionRow, (ContributionRow.scheme, ContributionRow.period)),
        ("pension", AccountYearRow, (AccountYearRow.year,)),
        ("medical", MedicalAccountYearRow, (MedicalAccountYearRow.year,)),
        ("benefits", BenefitRow, (BenefitRow.kind, BenefitRow.period)),
        ("cards", CardRow, (CardRow.card_number,)),
    )
    for key, table, order in tables:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for lo in range(0, len(ids), 500):
            chunk = ids[lo : lo + 500]
            member_col = table.__table__.c.member_id
            for row in conn.execute(
                select(table).where(member_col.in_(chunk)).order_by(member_col, *order)
            ):
                grouped[row.member_id].append(row)
        per[key] = grouped
    # A retiree's last certification (the file holds that day only: the rule reads no more).
    per["last_certified"] = {}
    for lo in range(0, len(ids), 500):
        per["last_certified"].update(
            (member_id, day)
            for member_id, day in conn.execute(
                select(CertificationRow.member_id, func.max(CertificationRow.day))
                .where(
                    CertificationRow.member_id.in_(ids[lo : lo + 500]),
                    CertificationRow.result == "success",
                )
                .group_by(CertificationRow.member_id)
            )
        )
    for rows in per["enrolments"].values():
        per["employers"].update(r.employer_id for r in rows if r.employer_id is not None)
    for rows in per["contributions"].values():
        per["employers"].update(r.payer_id for r in rows if r.payer_id is not None)
    return per


def _member(m: Any, per: dict[str, Any]) -> dict[str, Any]:
    cards = per["cards"].get(m.id, [])
    card = cards[0] if cards else None  # the format holds one card a member
    return {
        "member_no": m.member_no,
        "id_number": m.id_number,
        "name": m.name,
        "sex": m.sex,
        "birth_date": _day(m.birth_date),
        "retired": bool(m.retired),
        "retirement_age": m.retirement_age,
        "work_start": _month(m.work_start),
        "first_insured": _month(m.first_insured),
        "deemed_months": m.deemed_months,
        "medical_balance": _amount(m.medical_balance_fen),
        "enrolments": [
            {
                "scheme": e.scheme,
                "status": e.status,
                "since": _month(e.since),
                "until": _month(e.until),
                "employer": _code(e.employer_id),
            }
            for e in per["enrolments"].get(m.id, [])
        ],
        "contributions": [
            {
                "scheme": c.scheme,
                "period": _month(c.period),
                "base": _amount(c.base_fen),
                "employer_part": _amount(c.employer_fen),
                "personal_part": _amount(c.personal_fen),
                "account": _amount(c.account_fen),
                "subsidy": _amount(c.subsidy_fen),
                "status": c.status,
                "payer": _code(c.payer_id),
                "paid_on": _day(c.paid_on),
            }
            for c in per["contributions"].get(m.id, [])
        ],
        "pension_account": [
            {
                "year": y.year,
                "principal": _amount(y.principal_fen),
                "interest": _amount(y.interest_fen),
                "balance": _amount(y.balance_fen),
            }
            for y in per["pension"].get(m.id, [])
        ],
        "medical_account": [
            {
                "year": y.year,
                "credits": _amount(y.credit_fen),
                "spending": _amount(y.spending_fen),
                "balance": _amount(y.balance_fen),
            }
            for y in per["medical"].get(m.id, [])
        ],
        "benefits": [
            {"kind": b.kind, "period": _month(b.period), "amount": _amount(b.amount_fen)}
            for b in per["benefits"].get(m.id, [])
        ],
        **(
            {"last_certified": _day(_date(per["last_certified"].get(m.id)))}
            if m.retired and m.id in per["last_certified"]
            else {}
        ),
        "card": None
        if card is None
        else {
            "card_number": card.card_number,
            "card_identifier": card.card_identifier,
            "status": card.status,
            "spec_version": card.spec_version,
            "issue_date": _day(card.issue_date),
            "expiry_date": _day(card.expiry_date),
        },
    }


def export_file(db: Database, path: Path, member_nos: Sequence[str] | None = None) -> int:
    """Write the file; returns the number of members written."""
    data = export_data(db, member_nos)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, separators=(",", ":"))
    return len(data["members"])
