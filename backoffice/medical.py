"""Medical insurance (医保): the medical account's months and the member's settlements, read for
the kiosk (backoffice/rules/medical.py has the rules)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.rules import medical as rules
from backoffice.storage.medical import MedicalSettlementRow
from backoffice.storage.members import ContributionRow, MedicalAccountYearRow
from kiosk.domain import Money


def settlements(db: Session, member_id: int, year: int) -> list[rules.Settlement]:
    """The year's settlements, the latest first (each checked: parts that do not add up are a
    SettlementMismatch, never an answer)."""
    rows = db.scalars(
        select(MedicalSettlementRow)
        .where(
            MedicalSettlementRow.member_id == member_id,
            MedicalSettlementRow.settled_on >= dt.date(year, 1, 1),
            MedicalSettlementRow.settled_on <= dt.date(year, 12, 31),
        )
        .order_by(MedicalSettlementRow.settled_on.desc(), MedicalSettlementRow.settlement_no.desc())
    )
    return [
        rules.Settlement(
            settlement_no=r.settlement_no,
            kind=rules.SettlementKind(r.kind),
            settled_on=r.settled_on,
            institution=r.institution,
            total=Money.from_fen(r.total_fen),
            fund=Money.from_fen(r.fund_fen),
            member=Money.from_fen(r.member_fen),
            account=Money.from_fen(r.account_fen),
        )
        for r in rows
    ]


def opening_balance(db: Session, member_id: int, year: int) -> Money:
    """The closing balance of the latest account year before `year` (0: none)."""
    fen = db.scalar(
        select(MedicalAccountYearRow.balance_fen)
        .where(MedicalAccountYearRow.member_id == member_id, MedicalAccountYearRow.year < year)
        .order_by(MedicalAccountYearRow.year.desc())
        .limit(1)
    )
    return Money.from_fen(fen or 0)


def credits(db: Session, member_id: int, year: int) -> dict[int, int]:
    """Fen credited to the medical account per month of the year (months in arrears: none)."""
    rows = db.execute(
        select(ContributionRow.period, func.sum(ContributionRow.account_fen))
        .where(
            ContributionRow.member_id == member_id,
            ContributionRow.scheme == "medical",
            ContributionRow.period >= year * 100 + 1,
            ContributionRow.period <= year * 100 + 12,
            ContributionRow.status != "arrears",
        )
        .group_by(ContributionRow.period)
    )
    return {int(p): int(f or 0) for p, f in rows}


def spending(found: list[rules.Settlement]) -> dict[int, int]:
    """Fen paid from the account per month: the account parts of the month's settlements."""
    out: dict[int, int] = {}
    for s in found:
        p = s.settled_on.year * 100 + s.settled_on.month
        out[p] = out.get(p, 0) + s.account.fen
    return out
