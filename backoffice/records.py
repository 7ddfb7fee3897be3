"""Reading a member's records from storage into kiosk.domain objects (and, for the long
contribution history, into plain tuples the API encodes directly)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from operator import itemgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import member_not_found
from backoffice.storage.members import (
    AccountYearRow,
    BenefitRow,
    MedicalAccountYearRow,
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


@dataclass(slots=True)
class Member:
    """A member's own row, read on the driver's cursor (no ORM object: the read routes only
    look at it). Same names as MemberRow's columns."""

    id: int
    member_no: str
    id_number: str
    name: str
    sex: str
    birth_date: dt.date
    retired: bool
    retirement_age: int
    medical_balance_fen: int
    work_start: int | None
    first_insured: int | None
    deemed_months: int


_MEMBER_COLUMNS = ", ".join(f.name for f in fields(Member))


def find_member(session: Session, member_no: str) -> Member:
    """The member (member_not_found if none): one indexed lookup on the driver's cursor."""
    cursor, mark = _cursor(session)
    try:
        cursor.execute(
            f"SELECT {_MEMBER_COLUMNS} FROM member WHERE member_no = {mark}", (member_no,)
        )
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise member_not_found()
    (pk, no, id_number, name, sex, birth, retired, age, balance, work, first, deemed) = row
    birth_date = _date(birth)
    assert birth_date is not None  # a NOT NULL column
    return Member(
        pk, no, id_number, name, sex, birth_date, bool(retired), age, balance, work, first, deemed
    )


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


# One query for the enrolments and their months counted (paid, transferred in, back paid; a
# yearly residents' row is 12, below): each count is a search of the contribution key
# (member, scheme), and the whole is one round trip to the database instead of two.
_ENROLMENTS = (
    "SELECT n.scheme, n.status, n.since, n.until, e.name,"
    " (SELECT COUNT(*) FROM contribution c WHERE c.member_id = n.member_id"
    " AND c.scheme = n.scheme"
    f" AND c.status IN ({', '.join(repr(s) for s in COUNTED)}))"
    " FROM enrolment n LEFT JOIN employer e ON e.id = n.employer_id WHERE n.member_id = {mark}"
)
_SCHEME_ORDER = {s.value: k for k, s in enumerate(Scheme)}


def enrolments(session: Session, member_id: int) -> list[Enrolment]:
    """The member's enrolments in Scheme's order, with their cumulative months."""
    cursor, mark = _cursor(session)
    try:
        cursor.execute(_ENROLMENTS.format(mark=mark), (member_id,))
        found = sorted(cursor.fetchall(), key=lambda r: _SCHEME_ORDER[r[0]])
    finally:
        cursor.close()
    return [
        Enrolment(
            scheme=Scheme(scheme),
            status=EnrolmentStatus(status),
            since=period_of(since),
            employer=employer,
            cumulative_months=n * 12 if scheme in YEARLY_SCHEMES else n,
            until=None if until is None else period_of(until),
        )
        for scheme, status, since, until, employer, n in found
    ]


def summary(session: Session, member: Member, as_of: dt.date) -> MemberSummary:
    return MemberSummary(
        member_no=member.member_no,
        name=member.name,
        id_number_masked=mask_id(member.id_number),
        sex=Sex(member.sex),
        birth_date=member.birth_date,
        retired=member.retired,
        retirement_age=member.retirement_age,
        enrolments=tuple(enrolments(session, member.id)),
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

    Runs on the driver's cursor: the ORM's per-row objects would cost more than the query."""
    return _member_rows(
        session,
        "c.scheme, c.period, c.base_fen, c.employer_fen, c.personal_fen, c.status, e.name,"
        " c.account_fen, c.subsidy_fen, c.paid_on"
        " FROM contribution c LEFT JOIN employer e ON e.id = c.payer_id",
        member_id,
        scheme,
        first,
        last,
    )


def history_rows(
    session: Session,
    member_id: int,
    *,
    scheme: str | None = None,
    first: int | None = None,
    last: int | None = None,
) -> tuple[Sequence[Any], dict[int, str]]:
    """The history's rows, (scheme, period, base, employer, personal, subsidy, status,
    payer_id, paid_on) in contribution_rows' order, and the names of their payers by id.

    The history is the API's longest answer and the driver's work is per column and row:
    without the account (not shown) and the employer's name on every row (a join and a
    Chinese string each), a row costs a fifth less; the few payers' names come after."""
    rows = _member_rows(
        session,
        "c.scheme, c.period, c.base_fen, c.employer_fen, c.personal_fen, c.subsidy_fen,"
        " c.status, c.payer_id, c.paid_on FROM contribution c",
        member_id,
        scheme,
        first,
        last,
    )
    ids = set(map(itemgetter(7), rows))
    ids.discard(None)
    if not ids:
        return rows, {}
    cursor, mark = _cursor(session)
    try:
        cursor.execute(
            f"SELECT id, name FROM employer WHERE id IN ({', '.join([mark] * len(ids))})",
            sorted(ids),
        )
        return rows, dict(cursor.fetchall())
    finally:
        cursor.close()


def _member_rows(
    session: Session,
    what: str,
    member_id: int,
    scheme: str | None,
    first: int | None,
    last: int | None,
) -> Sequence[Any]:
    """SELECT `what` (columns FROM contribution c ...) of one member, of one scheme and from
    / to a month where given, in the key's order (member, scheme, period)."""
    cursor, mark = _cursor(session)
    sql = [f"SELECT {what} WHERE c.member_id = {mark}"]
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


def dues_rows(
    session: Session, member_id: int, *, first: int, this_year: int, last: int
) -> Sequence[Any]:
    """The rows compute_dues needs, in contribution_rows' shape: every row from `this_year`
    (its January, YYYYMM) to `last`, and before it only the member's own arrears (no payer)
    from `first` on. compute_dues reads an earlier year's row only when it is such an arrears
    month (a scheme's month has one row, so a month in arrears is never also paid): the dues
    are the same as from every row since `first`, and a 30-year member's dues no longer read
    their whole history."""
    cursor, mark = _cursor(session)
    try:
        cursor.execute(_DUES_ROWS.format(mark=mark), (member_id, first, last, this_year))
        return cursor.fetchall()
    finally:
        cursor.close()


_DUES_ROWS = (
    "SELECT c.scheme, c.period, c.base_fen, c.employer_fen, c.personal_fen, c.status, e.name,"
    " c.account_fen, c.subsidy_fen, c.paid_on"
    " FROM contribution c LEFT JOIN employer e ON e.id = c.payer_id"
    " WHERE c.member_id = {mark} AND c.period >= {mark} AND c.period <= {mark}"
    " AND (c.period >= {mark} OR (c.status = 'arrears' AND c.payer_id IS NULL))"
    " ORDER BY c.member_id, c.scheme, c.period"
)


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


def accounts(session: Session, member: Member) -> PersonalAccounts:
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


def benefits(session: Session, member: Member) -> list[BenefitPayment]:
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
