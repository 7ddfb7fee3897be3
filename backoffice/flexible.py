"""Flexible employment (灵活就业) in the back office: a member's standing as a flexible worker,
and what a terminal records: the registration (pension only or pension + medical, the base
within the year's limits), a stop (暂停缴费) and a resume (恢复缴费). Every refusal is raised
before anything is written; the dues (backoffice/rules/dues.py) follow at once because they
read the same enrolments, the base chosen and the months stopped (`flexible_terms`).

- Register in month M: the pension (and medical) enrolment becomes the member's own (no
  employer), active from M; the dues offer M .. December at the chosen base.
- Stop in month S: the own enrolments are suspended (nothing is offered) and a stop from S is
  kept; months already paid stay paid.
- Resume in month R: active again; the stop ends with R - 1, and its months S .. R - 1 are
  never offered at the kiosk (a gap in the record, settled at the counter if at all)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import BadRequestProblem, ConflictProblem
from backoffice.policy import AverageWageMissing, Policy
from backoffice.records import Member, period_of, yyyymm
from backoffice.storage.flexible import FlexiblePauseRow, FlexibleRegistrationRow
from backoffice.storage.members import EmployerRow, EnrolmentRow
from kiosk.domain import Money, Period, Scheme

SCHEMES = (Scheme.PENSION, Scheme.MEDICAL)
OWN = ("active", "suspended")  # an own enrolment in these states is a registration


class Standing(enum.StrEnum):
    NOT_REGISTERED = "not_registered"
    ACTIVE = "active"  # 正常缴费
    STOPPED = "stopped"  # 暂停缴费


def _conflict(code: str, zh: str, en: str) -> ConflictProblem:
    return ConflictProblem(zh, en, code=code)


@dataclass(frozen=True)
class FlexibleView:
    standing: Standing
    employer: str | None  # the unit that employs the member now (pension enrolment)
    schemes: tuple[Scheme, ...]  # the member's own schemes (pension, medical)
    since: Period | None
    registration: FlexibleRegistrationRow | None  # the latest, when it is the current one
    pauses: tuple[FlexiblePauseRow, ...]
    base_min: Money | None  # this year's limits (None: the average wage is not stated)
    base_max: Money | None
    retired: bool

    @property
    def base(self) -> Money | None:
        """The base chosen (None: none recorded, the dues use the minimum)."""
        return None if self.registration is None else Money.from_fen(self.registration.base_fen)

    @property
    def open_pause(self) -> FlexiblePauseRow | None:
        return next((p for p in self.pauses if p.resumed_on is None), None)

    @property
    def can_register(self) -> bool:
        return self.standing is Standing.NOT_REGISTERED and not self.employer and not self.retired


def view(db: Session, member: Member, policy: Policy, today: dt.date) -> FlexibleView:
    rows = {
        r.scheme: r
        for r in db.scalars(
            select(EnrolmentRow).where(
                EnrolmentRow.member_id == member.id,
                EnrolmentRow.scheme.in_([s.value for s in SCHEMES]),
            )
        )
    }
    pension = rows.get(Scheme.PENSION.value)
    employer = None
    if pension is not None and pension.status == "active" and pension.employer_id is not None:
        employer = db.scalar(select(EmployerRow.name).where(EmployerRow.id == pension.employer_id))
    own = tuple(
        s
        for s in SCHEMES
        if (r := rows.get(s.value)) is not None and r.employer_id is None and r.status in OWN
    )
    standing = Standing.NOT_REGISTERED
    since = None
    if pension is not None and Scheme.PENSION in own:
        standing = Standing.ACTIVE if pension.status == "active" else Standing.STOPPED
        since = period_of(pension.since)
    registration = db.scalars(
        select(FlexibleRegistrationRow)
        .where(FlexibleRegistrationRow.member_id == member.id)
        .order_by(FlexibleRegistrationRow.id.desc())
        .limit(1)
    ).first()
    if registration is not None and (since is None or registration.since != yyyymm(since)):
        registration = None  # an earlier registration, not the enrolment of now
    pauses = tuple(
        db.scalars(
            select(FlexiblePauseRow)
            .where(FlexiblePauseRow.member_id == member.id)
            .order_by(FlexiblePauseRow.id)
        )
    )
    lo: Money | None
    hi: Money | None
    try:
        lo, hi = policy.base_range(today.year)
    except AverageWageMissing:
        lo = hi = None
    return FlexibleView(
        standing=standing,
        employer=employer,
        schemes=own,
        since=since,
        registration=registration,
        pauses=pauses,
        base_min=lo,
        base_max=hi,
        retired=member.retired,
    )


def flexible_terms(
    db: Session, member_id: int
) -> tuple[dict[Scheme, Money], list[tuple[Period, Period | None]]]:
    """What the dues need of the member's registration: the base chosen per scheme, and the
    months stopped (first, last; last None while stopped)."""
    bases: dict[Scheme, Money] = {}
    reg = db.scalars(
        select(FlexibleRegistrationRow)
        .where(FlexibleRegistrationRow.member_id == member_id)
        .order_by(FlexibleRegistrationRow.id.desc())
        .limit(1)
    ).first()
    if reg is not None:
        base = Money.from_fen(reg.base_fen)
        bases[Scheme.PENSION] = base
        if reg.medical:
            bases[Scheme.MEDICAL] = base
    paused = [
        (period_of(first), None if last is None else period_of(last))
        for first, last in db.execute(
            select(FlexiblePauseRow.first, FlexiblePauseRow.last).where(
                FlexiblePauseRow.member_id == member_id
            )
        )
        if last is None or last >= first
    ]
    return bases, paused


# --- what a terminal records ---------------------------------------------------------------


def not_registered() -> ConflictProblem:
    return _conflict(
        "FLEXIBLE_NOT_REGISTERED",
        "您尚未登记为灵活就业人员",
        "You are not registered as a flexible worker",
    )


def check_register(v: FlexibleView, base: Money | None, year: int) -> Money:
    """Refuse a registration that may not be made (nothing written); the base to record."""
    if v.retired:
        raise _conflict(
            "FLEXIBLE_RETIRED",
            "您已办理退休，不能登记灵活就业参保",
            "You are retired: you cannot register as a flexible worker",
        )
    if v.employer is not None:
        raise _conflict(
            "FLEXIBLE_EMPLOYED",
            f"您目前由{v.employer}参保缴费，不能同时以灵活就业身份参保",
            f"You are insured through your employer ({v.employer}): you cannot also register"
            " as a flexible worker",
        )
    if v.standing is Standing.ACTIVE:
        raise _conflict(
            "FLEXIBLE_ALREADY_REGISTERED",
            "您已登记为灵活就业人员，无需重复登记",
            "You are already registered as a flexible worker",
        )
    if v.standing is Standing.STOPPED:
        raise _conflict(
            "FLEXIBLE_ALREADY_REGISTERED",
            "您已登记为灵活就业人员，目前暂停缴费，请办理恢复缴费",
            "You are already registered as a flexible worker and your contributions are"
            " stopped: resume them instead",
        )
    if v.base_min is None or v.base_max is None:
        raise AverageWageMissing(year - 1)  # this year's limits come from last year's wage
    chosen = v.base_min if base is None else base
    if not v.base_min <= chosen <= v.base_max:
        raise BadRequestProblem(
            f"缴费基数须在 {v.base_min} 至 {v.base_max} 元之间",
            f"The base must be from {v.base_min} to {v.base_max} yuan",
            code="BASE_OUT_OF_RANGE",
        )
    return chosen


def _enrol(db: Session, member_id: int, scheme: Scheme, since: int) -> None:
    row = db.get(EnrolmentRow, (member_id, scheme.value))
    if row is None:
        row = EnrolmentRow(member_id=member_id, scheme=scheme.value)
        db.add(row)
    row.status, row.since, row.until, row.employer_id = "active", since, None, None


def register(
    db: Session,
    member: Member,
    v: FlexibleView,
    *,
    medical: bool,
    base: Money | None,
    today: dt.date,
    now: dt.datetime,
    terminal_id: str,
    idempotency_key: str,
    request_hash: str,
) -> FlexibleRegistrationRow:
    chosen = check_register(v, base, today.year)
    since = yyyymm(Period.of(today))
    _enrol(db, member.id, Scheme.PENSION, since)
    if medical:
        _enrol(db, member.id, Scheme.MEDICAL, since)
    row = FlexibleRegistrationRow(
        member_id=member.id,
        registered_on=today,
        since=since,
        medical=medical,
        base_fen=chosen.fen,
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        created_at=now,
    )
    db.add(row)
    return row


def registration_by_key(db: Session, terminal_id: str, key: str) -> FlexibleRegistrationRow | None:
    return db.scalars(
        select(FlexibleRegistrationRow).where(
            FlexibleRegistrationRow.terminal_id == terminal_id,
            FlexibleRegistrationRow.idempotency_key == key,
        )
    ).first()


def _own_rows(db: Session, member_id: int, status: str) -> list[EnrolmentRow]:
    return list(
        db.scalars(
            select(EnrolmentRow).where(
                EnrolmentRow.member_id == member_id,
                EnrolmentRow.scheme.in_([s.value for s in SCHEMES]),
                EnrolmentRow.employer_id.is_(None),
                EnrolmentRow.status == status,
            )
        )
    )


def pause_by_key(db: Session, member_id: int, key: str) -> bool:
    """Did `key` already stop or resume this member's contributions (a retry)?"""
    found = db.scalar(
        select(FlexiblePauseRow.id).where(
            FlexiblePauseRow.member_id == member_id,
            (FlexiblePauseRow.stop_key == key) | (FlexiblePauseRow.resume_key == key),
        )
    )
    return found is not None


def stop(
    db: Session,
    member: Member,
    v: FlexibleView,
    *,
    today: dt.date,
    terminal_id: str,
    key: str | None,
) -> None:
    """暂停缴费 from this month: the own enrolments suspended, the stop kept."""
    if v.standing is Standing.NOT_REGISTERED:
        raise not_registered()
    if v.standing is Standing.STOPPED:
        raise _conflict(
            "FLEXIBLE_ALREADY_STOPPED",
            "您的灵活就业缴费已处于暂停状态",
            "Your contributions as a flexible worker are already stopped",
        )
    for row in _own_rows(db, member.id, "active"):
        row.status = "suspended"
    db.add(
        FlexiblePauseRow(
            member_id=member.id,
            first=yyyymm(Period.of(today)),
            last=None,
            stopped_on=today,
            resumed_on=None,
            terminal_id=terminal_id,
            stop_key=key,
        )
    )


def resume(
    db: Session, member: Member, v: FlexibleView, *, today: dt.date, key: str | None
) -> None:
    """恢复缴费 from this month: active again, the stop ends last month."""
    if v.standing is Standing.NOT_REGISTERED:
        raise not_registered()
    if v.standing is Standing.ACTIVE:
        raise _conflict(
            "FLEXIBLE_NOT_STOPPED",
            "您的灵活就业缴费未暂停，无需恢复",
            "Your contributions as a flexible worker are not stopped",
        )
    for row in _own_rows(db, member.id, "suspended"):
        row.status = "active"
    pause = v.open_pause
    if pause is not None:
        this = Period.of(today)
        last = Period(this.year - 1, 12) if this.month == 1 else Period(this.year, this.month - 1)
        pause.last, pause.resumed_on, pause.resume_key = yyyymm(last), today, key
