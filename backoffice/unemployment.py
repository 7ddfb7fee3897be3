"""Unemployment insurance in the back office: a member's standing read from the tables and the
policy (backoffice/rules/unemployment.py), and what a terminal records: the registration as
unemployed and job seeker, the benefit claim, its stop on re-employment, the skill-upgrading
subsidy. Every refusal is raised before anything is written.

The employer's record of a separation and the vocational certificates come from the city's
other systems (the employer's declaration, the skills authority); `record_separation` and
`record_certificate` are their way in (the seeder and tests use them)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.errors import BadRequestProblem, ConflictProblem, member_not_found
from backoffice.records import COUNTED, Member, yyyymm
from backoffice.rules.unemployment import (
    SEPARATION_REASONS,
    Condition,
    Reason,
    UnemploymentRules,
    apply_by,
    benefit_reasons,
    certificate_window_start,
    entitlement_months,
    monthly_amount,
    skill_reasons,
    skill_subsidy_amount,
)
from backoffice.storage.members import BenefitRow, ContributionRow, EmployerRow, MemberRow
from backoffice.storage.unemployment import (
    ClaimRow,
    RegistrationRow,
    SeparationRow,
    SkillSubsidyRow,
    VocationalCertificateRow,
)
from kiosk.domain import Money, Period

STOP_REASONS = ("reemployed",)


def _conflict(code: str, zh: str, en: str) -> ConflictProblem:
    return ConflictProblem(zh, en, code=code)


def no_separation() -> ConflictProblem:
    return _conflict(
        "NO_SEPARATION_RECORD",
        "没有用人单位出具的解除或终止劳动关系记录，请到柜台办理",
        "No record from an employer that your employment ended; please go to the counter",
    )


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    period: Period
    amount: Money


@dataclass(frozen=True)
class ClaimView:
    row: ClaimRow
    payments: tuple[Payment, ...]

    @property
    def months_paid(self) -> int:
        return len(self.payments)

    @property
    def months_left(self) -> int:
        return 0 if self.row.stopped_on else max(0, self.row.months_granted - self.months_paid)

    @property
    def status(self) -> str:
        if self.row.stopped_on is not None:
            return "stopped"
        return "exhausted" if self.months_paid >= self.row.months_granted else "receiving"

    @property
    def not_drawn(self) -> int:
        """Months granted and not paid: carried to a later claim."""
        return max(0, self.row.months_granted - self.months_paid)


@dataclass(frozen=True)
class UnemploymentView:
    separation: SeparationRow | None
    employer: str | None
    registration: RegistrationRow | None
    claim: ClaimView | None  # the claim of this separation
    contribution_months: int  # counted for a claim of this separation
    carried_months: int  # an earlier claim's months not drawn
    reasons: tuple[Reason, ...]
    entitlement_months: int
    monthly: Money
    apply_by: dt.date | None
    within_window: bool

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.reasons)

    @property
    def can_apply(self) -> bool:
        return (
            self.eligible
            and self.within_window
            and self.claim is None
            and self.entitlement_months > 0
        )


def latest_separation(db: Session, member_id: int) -> SeparationRow | None:
    return db.scalars(
        select(SeparationRow)
        .where(SeparationRow.member_id == member_id)
        .order_by(SeparationRow.last_day.desc(), SeparationRow.id.desc())
        .limit(1)
    ).first()


def contribution_months(db: Session, member_id: int, after: int | None = None) -> int:
    """Unemployment months paid (paid, transferred in, back paid), after YYYYMM `after`."""
    q = select(func.count()).where(
        ContributionRow.member_id == member_id,
        ContributionRow.scheme == "unemployment",
        ContributionRow.status.in_(COUNTED),
    )
    if after is not None:
        q = q.where(ContributionRow.period > after)
    return int(db.scalar(q) or 0)


def claim_view(db: Session, row: ClaimRow) -> ClaimView:
    """The claim and the payments made for it: benefit months from its first, at most the
    months granted, none after the month it stopped."""
    last = None if row.stopped_on is None else yyyymm(Period.of(row.stopped_on))
    q = (
        select(BenefitRow.period, BenefitRow.amount_fen)
        .where(
            BenefitRow.member_id == row.member_id,
            BenefitRow.kind == "unemployment",
            BenefitRow.period >= row.first_period,
        )
        .order_by(BenefitRow.period)
        .limit(row.months_granted)
    )
    if last is not None:
        q = q.where(BenefitRow.period <= last)
    payments = tuple(
        Payment(Period(p // 100, p % 100), Money.from_fen(f)) for p, f in db.execute(q).all()
    )
    return ClaimView(row, payments)


def _claim_of(db: Session, sep: SeparationRow) -> ClaimRow | None:
    return db.scalars(
        select(ClaimRow).where(
            ClaimRow.member_id == sep.member_id, ClaimRow.separation_day == sep.last_day
        )
    ).first()


def _earlier_claim(db: Session, member_id: int, separation: SeparationRow) -> ClaimRow | None:
    """The latest claim of an earlier separation."""
    return db.scalars(
        select(ClaimRow)
        .where(ClaimRow.member_id == member_id, ClaimRow.separation_day < separation.last_day)
        .order_by(ClaimRow.separation_day.desc())
        .limit(1)
    ).first()


def view(db: Session, member: Member, rules: UnemploymentRules, today: dt.date) -> UnemploymentView:
    sep = latest_separation(db, member.id)
    monthly = monthly_amount(rules)
    if sep is None:
        months = contribution_months(db, member.id)
        return UnemploymentView(
            None,
            None,
            None,
            None,
            months,
            0,
            benefit_reasons(rules, contribution_months=months, separation=None, registered=False),
            0,
            monthly,
            None,
            False,
        )
    registration = db.scalars(
        select(RegistrationRow).where(
            RegistrationRow.member_id == sep.member_id,
            RegistrationRow.separation_day == sep.last_day,
        )
    ).first()
    claim = _claim_of(db, sep)
    if claim is not None:
        months, carried = claim.contribution_months, claim.months_carried
    else:
        # Re-employed and unemployed again: contributions count afresh after the earlier
        # claim's job ended, and that claim's months not drawn are carried over.
        earlier = _earlier_claim(db, member.id, sep)
        after = None if earlier is None else yyyymm(Period.of(earlier.separation_day))
        months = contribution_months(db, member.id, after)
        carried = 0 if earlier is None else claim_view(db, earlier).not_drawn
    reasons = benefit_reasons(
        rules,
        contribution_months=months,
        separation=sep.reason,
        registered=registration is not None,
    )
    deadline = apply_by(rules, sep.last_day)
    return UnemploymentView(
        separation=sep,
        employer=db.scalar(select(EmployerRow.name).where(EmployerRow.id == sep.employer_id)),
        registration=registration,
        claim=None if claim is None else claim_view(db, claim),
        contribution_months=months,
        carried_months=carried,
        reasons=reasons,
        entitlement_months=(
            claim.months_granted if claim else entitlement_months(rules, months, carried)
        ),
        monthly=Money.from_fen(claim.monthly_fen) if claim else monthly,
        apply_by=deadline,
        within_window=sep.last_day < today <= deadline,
    )


# --- the member's registration, claim and stop -------------------------------------------


def register(
    db: Session,
    member: Member,
    *,
    phone: str,
    job_wishes: list[str],
    today: dt.date,
    now: dt.datetime,
    terminal_id: str,
) -> RegistrationRow:
    """失业登记 + 求职登记 for the latest separation (again: the phone and wishes updated)."""
    sep = latest_separation(db, member.id)
    if sep is None or sep.last_day >= today:
        raise no_separation()
    claim = _claim_of(db, sep)
    if claim is not None and claim.stopped_on is not None:
        raise reemployed()
    row = db.scalars(
        select(RegistrationRow).where(
            RegistrationRow.member_id == sep.member_id,
            RegistrationRow.separation_day == sep.last_day,
        )
    ).first()
    wishes = json.dumps(job_wishes, ensure_ascii=False)
    if row is None:
        row = RegistrationRow(
            member_id=member.id,
            separation_day=sep.last_day,
            registered_on=today,
            phone=phone,
            job_wishes=wishes,
            terminal_id=terminal_id,
            updated_at=now,
        )
        db.add(row)
    else:
        row.phone, row.job_wishes, row.updated_at, row.terminal_id = phone, wishes, now, terminal_id
    return row


def reemployed() -> ConflictProblem:
    return _conflict(
        "UNEMPLOYMENT_STOPPED",
        "失业保险金已因重新就业停发，本次失业无需再登记",
        "The benefit was stopped on re-employment: this unemployment needs no registration",
    )


def check_claim(v: UnemploymentView, today: dt.date) -> SeparationRow:
    """Refuse a claim that may not be made, with the reason (nothing is written)."""
    sep = v.separation
    if sep is None:
        raise no_separation()
    if v.claim is not None:
        raise _conflict(
            "UNEMPLOYMENT_ALREADY_CLAIMED",
            "本次失业已申领失业保险金，可查看申领进度",
            "The benefit has already been claimed for this unemployment; see its progress",
        )
    # The refusals the member cannot mend at the kiosk first, registration last.
    unmet = [r for r in v.reasons if not r.met and r.condition is not Condition.REGISTERED]
    if unmet or v.entitlement_months == 0:
        raise _conflict(
            "UNEMPLOYMENT_NOT_ELIGIBLE",
            "不符合领取失业保险金的条件：" + "；".join(r.message_zh for r in unmet),
            "Not eligible for unemployment benefit: " + "; ".join(r.message_en for r in unmet),
        )
    assert v.apply_by is not None
    if not v.within_window:
        raise _conflict(
            "UNEMPLOYMENT_WINDOW_CLOSED",
            f"申领期限已过（须在{v.apply_by.isoformat()}前申领），请到柜台咨询",
            f"The time to claim has passed (by {v.apply_by.isoformat()}); please ask at the"
            " counter",
        )
    if not v.eligible:
        raise _conflict(
            "UNEMPLOYMENT_NOT_REGISTERED",
            "请先办理失业登记和求职登记",
            "Please register as unemployed and as a job seeker first",
        )
    return sep


def claim(
    db: Session,
    member: Member,
    v: UnemploymentView,
    *,
    today: dt.date,
    now: dt.datetime,
    terminal_id: str,
    idempotency_key: str,
    request_hash: str,
) -> ClaimRow:
    sep = check_claim(v, today)
    row = ClaimRow(
        member_id=member.id,
        separation_day=sep.last_day,
        applied_on=today,
        applied_at=now,
        first_period=yyyymm(Period.of(today)),
        contribution_months=v.contribution_months,
        months_carried=v.carried_months,
        months_granted=v.entitlement_months,
        monthly_fen=v.monthly.fen,
        stopped_on=None,
        stop_reason=None,
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    db.add(row)
    return row


def claim_by_key(db: Session, terminal_id: str, key: str) -> ClaimRow | None:
    return db.scalars(
        select(ClaimRow).where(ClaimRow.terminal_id == terminal_id, ClaimRow.idempotency_key == key)
    ).first()


def stop(v: UnemploymentView, *, on: dt.date, today: dt.date, reason: str) -> None:
    """Stop the running claim on re-employment from `on` (repeating it: harmless)."""
    if v.claim is None:
        raise _conflict(
            "NO_UNEMPLOYMENT_CLAIM",
            "没有正在领取的失业保险金",
            "There is no unemployment benefit claim to stop",
        )
    row = v.claim.row
    if row.stopped_on is not None:
        return
    if on > today or on < row.applied_on:
        raise BadRequestProblem(
            f"重新就业日期须在{row.applied_on.isoformat()}至{today.isoformat()}之间",
            f"The re-employment date must be from {row.applied_on} to {today}",
            code="BAD_STOP_DATE",
        )
    row.stopped_on, row.stop_reason = on, reason


# --- the skill-upgrading subsidy ----------------------------------------------------------


@dataclass(frozen=True)
class CertificateView:
    row: VocationalCertificateRow
    in_window: bool
    amount: Money | None  # None: the city pays none for this level
    subsidy: SkillSubsidyRow | None


@dataclass(frozen=True)
class SkillView:
    contribution_months: int
    certificates: tuple[CertificateView, ...]
    claimed_this_year: SkillSubsidyRow | None
    reasons: tuple[Reason, ...]

    @property
    def eligible(self) -> bool:
        return all(r.met for r in self.reasons)

    def claimable(self, c: CertificateView) -> bool:
        return self.eligible and c.in_window and c.amount is not None and c.subsidy is None


def skill_view(db: Session, member: Member, rules: UnemploymentRules, today: dt.date) -> SkillView:
    start = certificate_window_start(rules, today)
    subsidies = {
        s.certificate_id: s
        for s in db.scalars(select(SkillSubsidyRow).where(SkillSubsidyRow.member_id == member.id))
    }
    certs = tuple(
        CertificateView(
            c,
            start <= c.issued_on <= today,
            skill_subsidy_amount(rules, c.level),
            subsidies.get(c.id),
        )
        for c in db.scalars(
            select(VocationalCertificateRow)
            .where(VocationalCertificateRow.member_id == member.id)
            .order_by(VocationalCertificateRow.issued_on.desc(), VocationalCertificateRow.id)
        )
    )
    this_year = next((s for s in subsidies.values() if s.year == today.year), None)
    months = contribution_months(db, member.id)
    reasons = skill_reasons(
        rules,
        contribution_months=months,
        certificate_in_window=any(
            c.in_window and c.amount is not None and c.subsidy is None for c in certs
        ),
        claimed_this_year=this_year is not None,
    )
    return SkillView(months, certs, this_year, reasons)


def claim_skill_subsidy(
    db: Session,
    member: Member,
    v: SkillView,
    certificate_no: str,
    *,
    today: dt.date,
    terminal_id: str,
    idempotency_key: str,
    request_hash: str,
) -> SkillSubsidyRow:
    found = next((c for c in v.certificates if c.row.certificate_no == certificate_no), None)
    if found is None:
        raise _conflict(
            "VOCATIONAL_CERTIFICATE_UNKNOWN",
            "您名下没有该职业资格或职业技能等级证书的记录",
            "No vocational certificate with that number is on your record",
        )
    if not v.claimable(found):
        unmet = [r for r in v.reasons if not r.met]
        if found.subsidy is not None:
            zh, en = "该证书已领取过技能提升补贴", "This certificate has already been subsidized"
        elif not found.in_window:
            zh, en = "该证书取得时间已超过申领期限", "This certificate is too old for the subsidy"
        elif found.amount is None:
            zh, en = "该等级证书不在补贴范围内", "This certificate's level carries no subsidy"
        else:
            zh = "；".join(r.message_zh for r in unmet)
            en = "; ".join(r.message_en for r in unmet)
        raise _conflict(
            "SKILL_SUBSIDY_NOT_ELIGIBLE", f"不符合技能提升补贴条件：{zh}", f"Not eligible: {en}"
        )
    assert found.amount is not None
    row = SkillSubsidyRow(
        member_id=member.id,
        certificate_id=found.row.id,
        year=today.year,
        applied_on=today,
        amount_fen=found.amount.fen,
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_hash=request_hash,
    )
    db.add(row)
    return row


def skill_by_key(db: Session, terminal_id: str, key: str) -> SkillSubsidyRow | None:
    return db.scalars(
        select(SkillSubsidyRow).where(
            SkillSubsidyRow.terminal_id == terminal_id, SkillSubsidyRow.idempotency_key == key
        )
    ).first()


# --- records from the city's other systems ------------------------------------------------


def _member_id(db: Session, member_no: str) -> int:
    found = db.scalar(select(MemberRow.id).where(MemberRow.member_no == member_no))
    if found is None:
        raise member_not_found()
    return found


def record_separation(
    db: Session, member_no: str, employer: str, last_day: dt.date, reason: str
) -> SeparationRow:
    """The employer's record that the member's job ended (the employer by its name)."""
    if reason not in SEPARATION_REASONS:
        raise ValueError(f"unknown separation reason {reason!r}")
    employer_id = db.scalar(select(EmployerRow.id).where(EmployerRow.name == employer))
    if employer_id is None:
        row = EmployerRow(name=employer)
        db.add(row)
        db.flush()
        employer_id = row.id
    sep = SeparationRow(
        member_id=_member_id(db, member_no),
        employer_id=employer_id,
        last_day=last_day,
        reason=reason,
    )
    db.add(sep)
    db.flush()
    return sep


def record_certificate(
    db: Session,
    member_no: str,
    certificate_no: str,
    occupation: str,
    level: int,
    issued_on: dt.date,
) -> VocationalCertificateRow:
    row = VocationalCertificateRow(
        member_id=_member_id(db, member_no),
        certificate_no=certificate_no,
        occupation=occupation,
        level=level,
        issued_on=issued_on,
    )
    db.add(row)
    db.flush()
    return row


def record_payment(db: Session, member_no: str, period: Period, amount: Money) -> None:
    """A month of benefit paid (the fund's monthly payment run)."""
    db.add(
        BenefitRow(
            member_id=_member_id(db, member_no),
            kind="unemployment",
            period=yyyymm(period),
            amount_fen=amount.fen,
        )
    )
