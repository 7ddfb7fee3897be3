"""Seeded unemployment insurance (失业保险) for the unemployed members the seeder draws.

Each unemployed member draws a state from a generator of its own, keyed by the seed and the
member's index, before its working life is drawn: the state says when the last job ended (and,
for one not yet eligible, that it was a short first job), which the life then follows. The
other members' rows are the same as without this.

- eligible: the job ended last month (within the policy's window), not by the member's will;
  half of them already registered (失业登记/求职登记), half still to register;
- not yet eligible: a first job of 4 to 10 months ended last month (under 12 months paid);
- resigned: the job ended last month by the member's own will (no benefit);
- receiving: the job ended 2 to 10 months ago, claimed within the window, paid each month
  since (the months granted by the rule: 12 at least, so some are left);
- exhausted: the job ended 26 to 32 months ago: every month granted (at most 24) paid.

Whether a member is eligible and what a claim grants are the rule's
(backoffice/rules/unemployment.py, the policy's [unemployment]), never a second copy of it;
a life whose drawn contributions do not support its state (arrears in a short job) ends in
the state the rule gives. About 4 in 10 also hold a vocational certificate of the last
year (the skill-upgrading subsidy)."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import random
import zoneinfo
from dataclasses import dataclass

from backoffice.rules.unemployment import (
    SEPARATION_REASONS,
    UnemploymentRules,
    apply_by,
    certificate_window_start,
    entitlement_months,
    monthly_amount,
)
from backoffice.seed.rows import (
    BenefitPayment,
    ClaimRecord,
    RegistrationRecord,
    SeparationRecord,
    VocationalCertificateRecord,
)

ELIGIBLE = "eligible"
NOT_YET = "not yet eligible"
RESIGNED = "resigned"
RECEIVING = "receiving"
EXHAUSTED = "exhausted"
STATES = ((ELIGIBLE, 25), (NOT_YET, 15), (RESIGNED, 10), (RECEIVING, 30), (EXHAUSTED, 20))
_INVOLUNTARY = [r.code for r in SEPARATION_REASONS.values() if r.involuntary]
_VOLUNTARY = [r.code for r in SEPARATION_REASONS.values() if not r.involuntary]
_WISHES = ("仓储管理", "电工", "司机", "保洁", "餐饮服务", "销售", "会计", "行政文员", "快递员")
_OCCUPATIONS = ("电工", "焊工", "育婴员", "养老护理员", "中式烹调师", "车工", "保育师")


@dataclass(frozen=True)
class Plan:
    state: str
    tail_gap: int  # months from the job's last month to this month
    first_job_months: int | None  # a short first job: the whole working life
    registered: bool


@dataclass
class Drawn:
    """The member's rows of the unemployment tables, and the state the rule gives."""

    label: str
    separations: list[SeparationRecord]
    registrations: list[RegistrationRecord]
    claims: list[ClaimRecord]
    payments: list[BenefitPayment]
    certificates: list[VocationalCertificateRecord]


class UnemploymentDrawer:
    def __init__(self, seed: int, as_of: dt.date, rules: UnemploymentRules, timezone: str):
        self.seed = seed
        self.as_of = as_of
        self.rules = rules
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.now_m = as_of.year * 12 + as_of.month - 1

    def _rng(self, index: int) -> random.Random:
        return random.Random(f"{self.seed}/unemployment/{index}")

    def plan(self, index: int) -> Plan:
        rng = self._rng(index)
        state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
        gap = {RECEIVING: rng.randint(2, 10), EXHAUSTED: rng.randint(26, 32)}.get(state, 1)
        first_job = rng.randint(4, 10) if state == NOT_YET else None
        return Plan(state, gap, first_job, rng.random() < 0.5)

    def draw(
        self,
        index: int,
        plan: Plan,
        *,
        member_id: int,
        member_no: str,
        employer_id: int,
        counted_months: int,
    ) -> Drawn:
        """The rows, once the life is drawn (`counted_months`: its unemployment months paid)."""
        rng = self._rng(index)
        rng.random()  # past the plan's draws: the same stream, further on
        last_m = self.now_m - plan.tail_gap
        year, month = divmod(last_m, 12)
        last_day = dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])
        reason = rng.choice(_VOLUNTARY if plan.state == RESIGNED else _INVOLUNTARY)
        out = Drawn(
            plan.state, [SeparationRecord(member_id, employer_id, last_day, reason)], [], [], [], []
        )
        if rng.random() < 0.4:
            out.certificates.append(self._certificate(rng, member_id, index))
        granted = entitlement_months(self.rules, counted_months)
        eligible = granted > 0 and SEPARATION_REASONS[reason].involuntary
        deadline = apply_by(self.rules, last_day)
        claims = plan.state in (RECEIVING, EXHAUSTED) and eligible
        if claims:
            applied_on = min(last_day + dt.timedelta(days=rng.randint(3, 40)), deadline)
            applied_on = min(applied_on, self.as_of - dt.timedelta(days=1))
            out.registrations.append(self._registration(rng, member_id, last_day, applied_on))
            out.claims.append(
                self._claim(
                    rng, member_id, member_no, last_day, applied_on, counted_months, granted
                )
            )
            first = applied_on.year * 12 + applied_on.month - 1
            # Paid at each month's end: up to last month, at most the months granted.
            amount = monthly_amount(self.rules).fen
            for m in range(first, min(self.now_m, first + granted)):
                out.payments.append(BenefitPayment(member_id, "unemployment", _yyyymm(m), amount))
            out.label = EXHAUSTED if len(out.payments) >= granted else RECEIVING
            return out
        within = last_day < self.as_of <= deadline
        if plan.state in (RECEIVING, EXHAUSTED):
            out.label = "not eligible"  # the drawn life does not support a claim
        elif not eligible:
            out.label = RESIGNED if not SEPARATION_REASONS[reason].involuntary else NOT_YET
        elif within and plan.registered:
            registered_on = self.as_of - dt.timedelta(
                days=rng.randint(0, min(20, self.as_of.day - 1))
            )
            out.registrations.append(self._registration(rng, member_id, last_day, registered_on))
            out.label = "eligible, registered"
        else:
            out.label = "eligible, to register" if within else "eligible, window passed"
        return out

    def _registration(
        self, rng: random.Random, member_id: int, last_day: dt.date, on: dt.date
    ) -> RegistrationRecord:
        wishes = rng.sample(_WISHES, rng.randint(1, 3))
        phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        at = dt.datetime.combine(on, dt.time(rng.randint(9, 16), rng.randint(0, 59)), self.zone)
        return RegistrationRecord(
            member_id,
            last_day,
            on,
            phone,
            json.dumps(wishes, ensure_ascii=False),
            "counter",
            at.astimezone(dt.UTC).replace(tzinfo=None),
        )

    def _claim(
        self,
        rng: random.Random,
        member_id: int,
        member_no: str,
        last_day: dt.date,
        on: dt.date,
        counted: int,
        granted: int,
    ) -> ClaimRecord:
        at = dt.datetime.combine(on, dt.time(rng.randint(9, 16), rng.randint(0, 59)), self.zone)
        return ClaimRecord(
            member_id,
            last_day,
            on,
            at.astimezone(dt.UTC).replace(tzinfo=None),
            on.year * 100 + on.month,
            counted,
            0,
            granted,
            monthly_amount(self.rules).fen,
            None,
            None,
            "counter",
            f"seed:{member_no}:claim",
            "",
        )

    def _certificate(
        self, rng: random.Random, member_id: int, index: int
    ) -> VocationalCertificateRecord:
        start = certificate_window_start(self.rules, self.as_of)
        issued = start + dt.timedelta(days=rng.randint(1, (self.as_of - start).days))
        return VocationalCertificateRecord(
            member_id,
            f"S{self.seed % 100:02d}{index:09d}",
            rng.choice(_OCCUPATIONS),
            rng.choice((5, 5, 4, 4, 3)),
            issued,
        )


def _yyyymm(m: int) -> int:
    return (m // 12) * 100 + m % 12 + 1
