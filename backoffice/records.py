"""Reading a member's records from storage into kiosk.domain objects (and, for the long
contribution history, into plain tuples the API encodes directly)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import member_not_found
from backoffice.storage.members import (
    AccountYearRow,
    BenefitRow,
    ContributionRow,
    EmployerRow,
    EnrolmentRow,
    MedicalAccountYearRow,
    MemberRow,
)
from kiosk.domain import (
    AccountYear,
    ContributionMonth,
    Enrolment,
    EnrolmentStatus,
    MedicalAccountYear,
    Money,
    MonthStatus,
    Period,
    PersonalAccounts,
    Scheme,
)
from kiosk.domain.benefits import BenefitKind, BenefitPayment
from kiosk.domain.identity import mask_id
from kiosk.domain.people import Sex
from kiosk.domain.summary import MemberSummary

INDIVIDUAL = "个人"  # the payer shown when the member paid themselves
YEARLY_SCHEMES = (Scheme.RESIDENT_PENSION.value, Scheme.RESIDENT_MEDICAL.value)
COUNTED = ("paid", "transferred_in", "back_paid")  # statuses that count toward cumulative months


def period_of(yyyymm: int) -> Period:
    return Period(yyyymm // 100, yyyymm % 100)


def yyyymm(p: Period) -> int:
    return p.year * 100 + p.month


def find_member(session: Session, member_no: str) -> MemberRow:
    row = session.scalars(select(MemberRow).where(MemberRow.member_no == member_no)).first()
    if row is None:
        raise member_not_found()
    return row


def _cursor(session: Session) -> tuple[Any, str]:
    """The driver's cursor on the session's connection, and its parameter mark."""
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    raw = session.connection().connection.dbapi_connection
    assert raw is not None  # a connection in use always holds its driver's connection
    return raw.cursor(), mark


def member_id(session: Session, member_no: str) -> int:
    """The member's id (member_not_found if none): one indexed lookup on the driver's cursor,
    for the routes that need no more of the member than that."""
    cursor, mark = _cursor(session)
    try:
        cursor.execute(f"SELECT id FROM member WHERE member_no = {mark}", (member_no,))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise member_not_found()
    return int(row[0])


def cumulative_months(session: Session, member_id: int) -> dict[str, int]:
    """Months paid or transferred in, per scheme (a yearly residents' row counts 12)."""
    q = (
        select(ContributionRow.scheme, func.count())
        .where(ContributionRow.member_id == member_id, ContributionRow.status.in_(COUNTED))
        .group_by(ContributionRow.scheme)
    )
    out: dict[str, int] = {}
    for scheme, n in session.execute(q):
        out[scheme] = n * 12 if scheme in YEARLY_SCHEMES else n
    return out


def summary(session: Session, member: MemberRow, as_of: dt.date) -> MemberSummary:
    months = cumulative_months(session, member.id)
    q = (
        select(EnrolmentRow, EmployerRow.name)
        .outerjoin(EmployerRow, EmployerRow.id == EnrolmentRow.employer_id)
        .where(EnrolmentRow.member_id == member.id)
    )
    order = list(Scheme)
    enrolments = sorted(
        (
            Enrolment(
                scheme=Scheme(e.scheme),
                status=EnrolmentStatus(e.status),
                since=period_of(e.since),
                employer=name,
                cumulative_months=months.get(e.scheme, 0),
                until=None if e.until is None else period_of(e.until),
            )
            for e, name in session.execute(q)
        ),
        key=lambda e: order.index(e.scheme),
    )
    return MemberSummary(
        member_no=member.member_no,
        name=member.name,
        id_number_masked=mask_id(member.id_number),
        sex=Sex(member.sex),
        birth_date=member.birth_date,
        retired=member.retired,
        retirement_age=member.retirement_age,
        enrolments=tuple(enrolments),
        as_of=as_of,
    )


def contribution_rows(
    session: Session,
    member_id: int,
    *,
    scheme: str | None = None,
    first: int | None = None,
    last: int | None = None,
) -> Sequence[Any]:
    """(scheme, period, base, employer, personal, status, payer, account, subsidy, paid_on)
    tuples, ordered by scheme and period; money in fen, period YYYYMM, payer None for the
    member themselves, paid_on a date or None.

    Runs on the driver's cursor: the history is the API's longest answer, and the ORM's
    per-row objects would cost more than the query itself."""
    cursor, mark = _cursor(session)
    sql = [
        "SELECT c.scheme, c.period, c.base_fen, c.employer_fen, c.personal_fen, c.status, e.name,"
        " c.account_fen, c.subsidy_fen, c.paid_on"
        " FROM contribution c LEFT JOIN employer e ON e.id = c.payer_id"
        f" WHERE c.member_id = {mark}"
    ]
    params: list[Any] = [member_id]
    for clause, value in (
        (f" AND c.scheme = {mark}", scheme),
        (f" AND c.period >= {mark}", first),
        (f" AND c.period <= {mark}", last),
    ):
        if value is not None:
            sql.append(clause)
            params.append(value)
    sql.append(" ORDER BY c.member_id, c.scheme, c.period")
    try:
        cursor.execute("".join(sql), params)
        return cursor.fetchall()
    finally:
        cursor.close()


def contribution_months(rows: Sequence[Any]) -> list[ContributionMonth]:
    return [
        ContributionMonth(
            scheme=Scheme(s),
            period=period_of(p),
            base=Money.from_fen(b),
            employer_part=Money.from_fen(er),
            personal_part=Money.from_fen(pe),
            status=MonthStatus(st),
            payer=payer or INDIVIDUAL,
            subsidy=Money.from_fen(sub),
            paid_on=_date(paid_on),
        )
        for s, p, b, er, pe, st, payer, _acc, sub, paid_on in rows
    ]


def _date(value: Any) -> dt.date | None:
    """A DATE column read on the driver's cursor: SQLite gives text, PostgreSQL a date."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def accounts(session: Session, member: MemberRow) -> PersonalAccounts:
    rows = session.scalars(
        select(AccountYearRow)
        .where(AccountYearRow.member_id == member.id)
        .order_by(AccountYearRow.year)
    ).all()
    years = tuple(
        AccountYear(
            year=r.year,
            principal=Money.from_fen(r.principal_fen),
            interest=Money.from_fen(r.interest_fen),
            balance=Money.from_fen(r.balance_fen),
        )
        for r in rows
    )
    medical = tuple(
        MedicalAccountYear(
            year=r.year,
            credits=Money.from_fen(r.credit_fen),
            spending=Money.from_fen(r.spending_fen),
            balance=Money.from_fen(r.balance_fen),
        )
        for r in session.scalars(
            select(MedicalAccountYearRow)
            .where(MedicalAccountYearRow.member_id == member.id)
            .order_by(MedicalAccountYearRow.year)
        )
    )
    return PersonalAccounts(
        pension_years=years,
        pension_balance=years[-1].balance if years else Money.zero(),
        medical_balance=Money.from_fen(member.medical_balance_fen),
        medical_years=medical,
    )


def benefits(session: Session, member: MemberRow) -> list[BenefitPayment]:
    rows = session.scalars(
        select(BenefitRow)
        .where(BenefitRow.member_id == member.id)
        .order_by(BenefitRow.kind, BenefitRow.period)
    ).all()
    return [
        BenefitPayment(
            kind=BenefitKind(r.kind),
            period=period_of(r.period),
            amount=Money.from_fen(r.amount_fen),
        )
        for r in rows
    ]
