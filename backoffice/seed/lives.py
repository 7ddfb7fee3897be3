"""Synthetic members: a realistic working life per member, turned into the rows the back office
stores and the card profile the emulator serves.

Each member is drawn from its own random generator, seeded with (seed, index): member 7 of seed 1
is the same person whether 10 or 20,000 members are seeded. The first members are fixed
showcases (a 30-year flexible worker, a retiree, a lost card...) that tests and the demo use."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from backoffice.policy import EMPLOYEE_SCHEMES, Policy
from backoffice.records import COUNTED
from backoffice.rules.certification import CertificationStatus, retirement_date
from backoffice.rules.estimate import (
    account_pension,
    average_index,
    basic_pension,
    contribution_index,
    projected_monthly_wage,
)
from backoffice.rules.interest import account_years
from backoffice.seed import names
from backoffice.seed.certifications import CertificationDrawer
from backoffice.seed.medical import MEDICAL_SCHEMES, MedicalDrawer, SettlementRecord
from backoffice.seed.rows import (
    BenefitPayment,
    CardRecord,
    CertificationRecord,
    ClaimRecord,
    Contribution,
    Enrolment,
    MedicalYear,
    MemberRecord,
    PensionYear,
    RegistrationRecord,
    SeparationRecord,
    VocationalCertificateRecord,
)
from backoffice.seed.transfer import TransferDrawer, TransferRequestRecord
from backoffice.seed.unemployment import Plan, UnemploymentDrawer
from kiosk.domain import Money, Scheme, id_check_digit

RECORDS_START = 1993 * 12  # month index of 1993-01: the first month of synthetic records
INITIAL_PIN = "123456"
CHANGED_PINS = ("246810", "135790", "112233")

# Archetypes of a life, and how often each is drawn after the showcases.
EMPLOYEE = "employee"
FLEXIBLE = "flexible"
RETIREE = "retiree"
RESIDENT = "resident"
UNEMPLOYED = "unemployed"
_WEIGHTS = ((EMPLOYEE, 45), (FLEXIBLE, 20), (RETIREE, 15), (RESIDENT, 12), (UNEMPLOYED, 8))


@dataclass(frozen=True)
class Showcase:
    archetype: str
    pin: str
    card_status: str
    note: str
    birth_year: int | None = None
    transfer_in: bool = False


# The first members of every seed: what tests and the demo rely on (docs/backoffice.md).
SHOWCASES = (
    Showcase(FLEXIBLE, INITIAL_PIN, "valid", "30+ years, flexible since 2015, arrears", 1972),
    Showcase(FLEXIBLE, "246810", "valid", "flexible, PIN changed: can pay", 1980),
    Showcase(EMPLOYEE, INITIAL_PIN, "valid", "employee, job changes", 1985),
    Showcase(RETIREE, INITIAL_PIN, "valid", "retiree receiving pension"),
    Showcase(RESIDENT, INITIAL_PIN, "valid", "residents' pension and medical"),
    Showcase(EMPLOYEE, INITIAL_PIN, "lost", "card reported lost", 1990),
    Showcase(EMPLOYEE, INITIAL_PIN, "void", "card void", 1988),
    Showcase(EMPLOYEE, "135790", "valid", "transferred in from another city", 1979, True),
)

# The showcase retiree's certification on the seeding day: due soon, so the menu reminds (a new
# retiree, if the seed drew one, is never certified).
SHOWCASE_CERTIFICATION = CertificationStatus.DUE

N_LOCAL_EMPLOYERS = 300
N_OTHER_EMPLOYERS = 40


def employers(seed: int) -> list[tuple[int, str]]:
    """The employer pool: local employers first, then employers of other cities (transfers)."""
    rng = random.Random(f"{seed}/employers")
    out: list[tuple[int, str]] = []
    seen: set[str] = set()
    while len(out) < N_LOCAL_EMPLOYERS + N_OTHER_EMPLOYERS:
        other = len(out) >= N_LOCAL_EMPLOYERS
        prefix = rng.choice(names.OTHER_CITIES) if other else ""
        name = (
            prefix
            + rng.choice(names.EMPLOYER_WORDS)
            + rng.choice(names.EMPLOYER_TRADES)
            + rng.choice(names.EMPLOYER_FORMS)
        )
        if name in seen:
            continue
        seen.add(name)
        out.append((len(out) + 1, name))
    return out


@dataclass
class CardProfile:
    """What the card emulator needs (docs/card-profiles.md)."""

    spec_version: str
    pin: str
    card_identifier: str
    issuer: str
    issue_date: dt.date
    expiry_date: dt.date
    card_number: str
    id_number: str
    name: str
    sex: str
    ethnicity: int
    birthplace: str
    birth_date: dt.date


@dataclass
class History:
    """A member's records as they are drawn (backoffice.seed.rows)."""

    index: int
    member_id: int
    enrolments: list[Enrolment] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    account_years: list[PensionYear] = field(default_factory=list)
    medical_years: list[MedicalYear] = field(default_factory=list)
    benefits: list[BenefitPayment] = field(default_factory=list)
    # A retiree's certification attempts (backoffice.seed.certifications).
    certifications: list[CertificationRecord] = field(default_factory=list)
    # The unemployed's records (backoffice.seed.unemployment).
    separations: list[SeparationRecord] = field(default_factory=list)
    registrations: list[RegistrationRecord] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)
    vocational_certificates: list[VocationalCertificateRecord] = field(default_factory=list)
    # Transfer-in requests and medical settlements (backoffice.seed.transfer, .medical).
    transfer_requests: list[TransferRequestRecord] = field(default_factory=list)
    medical_settlements: list[SettlementRecord] = field(default_factory=list)
    last_employer: int | None = None  # the employer of the last job (the unemployed's)


@dataclass
class Life:
    """Every row seeded for one member, and the card profile."""

    archetype: str
    note: str
    member: MemberRecord
    card: CardRecord
    profile: CardProfile
    history: History

    @property
    def index(self) -> int:
        return self.history.index


def month_index(d: dt.date) -> int:
    return d.year * 12 + d.month - 1


def yyyymm(m: int) -> int:
    return (m // 12) * 100 + m % 12 + 1


class LifeMaker:
    """Draws lives for one seed, policy and day (as_of: the last day the records cover)."""

    def __init__(self, policy: Policy, seed: int, as_of: dt.date) -> None:
        self.policy = policy
        self.seed = seed
        self.as_of = as_of
        self.now_m = month_index(as_of)
        self.local_employers = list(range(1, N_LOCAL_EMPLOYERS + 1))
        self.other_employers = list(
            range(N_LOCAL_EMPLOYERS + 1, N_LOCAL_EMPLOYERS + N_OTHER_EMPLOYERS + 1)
        )
        self._id_numbers: set[str] = set()
        self._base_cache: dict[tuple[int, str], int] = {}
        self._amounts: dict[tuple[int, Decimal, Decimal], tuple[int, int]] = {}
        self.certifier = CertificationDrawer(seed, as_of, policy.certification, policy.timezone)
        self.unemployment = UnemploymentDrawer(seed, as_of, policy.unemployment, policy.timezone)
        self.transfers = TransferDrawer(seed, as_of, policy.region, dict(employers(seed)))
        self.medical = MedicalDrawer(seed, as_of, policy.city_name)

    def take_id_numbers(self, numbers: set[str]) -> None:
        """Draw against these ID numbers, already given to the members before the next one
        drawn (shared, and added to): a seed drawn in ranges repairs a collision between
        ranges with it (backoffice.seed.run)."""
        self._id_numbers = numbers

    # --- identity -------------------------------------------------------------------------

    def _id_number(self, rng: random.Random, birthplace: str, birth: dt.date, sex: str) -> str:
        while True:
            seq = rng.randrange(0, 1000)
            if (seq % 2 == 1) != (sex == "1"):  # the 17th digit: odd for men, even for women
                seq = (seq + 1) % 1000
            first17 = f"{birthplace}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self._id_numbers:
                self._id_numbers.add(number)
                return number

    def _name(self, rng: random.Random) -> tuple[str, int]:
        if rng.random() < 0.02:
            return rng.choice(names.MINORITY_NAMES)
        surname = (
            rng.choice(names.COMPOUND_SURNAMES)
            if rng.random() < 0.03
            else rng.choice(names.SURNAMES)
        )
        given = "".join(rng.choice(names.GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))
        return surname + given, 1

    # --- money ----------------------------------------------------------------------------

    def _base(self, year: int, share: Decimal) -> int:
        """Monthly base in fen: share of last year's average monthly wage, within 60%-300%."""
        key = (year, str(share))
        if key not in self._base_cache:
            lo, hi = self.policy.projected_base_range(year)
            base = self.policy.projected_average_monthly_wage(year - 1).times(share)
            base = min(max(base, lo), hi)
            self._base_cache[key] = base.fen
        return self._base_cache[key]

    def _parts(self, base_fen: int, r1: Decimal, r2: Decimal) -> tuple[int, int]:
        key = (base_fen, r1, r2)
        if key not in self._amounts:
            base = Money.from_fen(base_fen)
            self._amounts[key] = (base.times(r1).fen, base.times(r2).fen)
        return self._amounts[key]

    # --- a life ---------------------------------------------------------------------------

    def make(self, index: int) -> Life:
        rng = random.Random(f"{self.seed}/member/{index}")
        show = SHOWCASES[index] if index < len(SHOWCASES) else None
        if show:
            archetype = show.archetype
        else:
            archetype = rng.choices([a for a, _ in _WEIGHTS], [w for _, w in _WEIGHTS])[0]
        sex = rng.choice("12")
        if show and show.birth_year:
            sex = "1"  # showcases of working age: men, so the 30-year one is not past retirement
        retire_age = 60 if sex == "1" else rng.choice((50, 55))
        y = self.as_of.year
        if show and show.birth_year:
            birth_year = show.birth_year
        elif archetype == RETIREE:
            birth_year = y - retire_age - rng.randint(1, 15)
        elif archetype == RESIDENT:
            birth_year = y - rng.randint(25, 59)
        else:
            birth_year = y - rng.randint(24, min(retire_age - 1, 58))
        birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
        name, ethnicity = self._name(rng)
        birthplace = rng.choice(names.BIRTHPLACES)
        id_number = self._id_number(rng, birthplace, birth, sex)
        member_id = index + 1
        member_no = f"{self.policy.region[:4]}{(index * 7919 + self.seed * 12345) % 10**8:08d}"
        retire_m = month_index(birth) + retire_age * 12
        retired = archetype == RETIREE
        history = History(index=index, member_id=member_id)
        plan: Plan | None = None
        if archetype == RESIDENT:
            self._resident_life(rng, history, birth)
        else:
            end = retire_m if retired else self.now_m + 1
            # The unemployed's state, from a generator of its own, says when the job ended.
            plan = self.unemployment.plan(index) if archetype == UNEMPLOYED else None
            self._working_life(
                rng,
                history,
                birth,
                end,
                archetype,
                transfer=bool(show and show.transfer_in),
                unemployment=plan,
            )
        if retired:
            self._pension_payments(history, retire_m, retire_age)
        rng.randint(20, 60)  # drawn as before, so every later draw (the card) stays the same
        medical_balance = self._medical_account(
            random.Random(f"{self.seed}/medical/{index}"), history
        )
        work_start = min((c.period for c in history.contributions), default=None)
        member = MemberRecord(
            id=member_id,
            member_no=member_no,
            id_number=id_number,
            name=name,
            sex=sex,
            birth_date=birth,
            retired=retired,
            retirement_age=retire_age,
            medical_balance_fen=medical_balance,
            work_start=None if archetype == RESIDENT else work_start,
            first_insured=None,
            deemed_months=0,
        )
        card, profile = self._card(rng, index, show, member, ethnicity, birthplace)
        note = show.note if show else archetype
        if plan is not None and history.last_employer is not None:
            drawn = self.unemployment.draw(
                index,
                plan,
                member_id=member_id,
                member_no=member_no,
                employer_id=history.last_employer,
                counted_months=sum(
                    1
                    for c in history.contributions
                    if c.scheme == "unemployment" and c.status in COUNTED
                ),
            )
            history.separations = drawn.separations
            history.registrations = drawn.registrations
            history.claims = drawn.claims
            history.benefits += drawn.payments
            history.vocational_certificates = drawn.certificates
            note += f"; {drawn.label}"
        if retired:
            # From a generator of its own: every row above is the same with or without these.
            retired_on = retirement_date(birth, retire_age)
            history.certifications = self.certifier.draw(
                member_id, member_no, retired_on, wanted=SHOWCASE_CERTIFICATION if show else None
            )
            if show:
                state = self.certifier.state_of(history.certifications, retired_on)
                note += f"; certification {state.value}"
        self._transfers_and_medical(history, archetype)
        return Life(
            archetype=archetype,
            note=note,
            member=member,
            card=card,
            profile=profile,
            history=history,
        )

    def _transfers_and_medical(self, history: History, archetype: str) -> None:
        """Transfer-in requests and medical settlements, each from a generator of its own."""
        rows = history.contributions
        history.transfer_requests = self.transfers.draw(
            history.index,
            history.member_id,
            [
                (c.period, c.payer_id)
                for c in rows
                if c.scheme == "pension" and c.status == "transferred_in"
            ],
            working=archetype in (EMPLOYEE, FLEXIBLE, UNEMPLOYED),
        )
        credits: dict[int, int] = {}
        for c in rows:
            if c.scheme == "medical" and c.status != "arrears":
                credits[c.period] = credits.get(c.period, 0) + c.account_fen
        history.medical_settlements = self.medical.draw(
            history.index,
            history.member_id,
            credits,
            {y.year: (y.spending_fen, y.balance_fen) for y in history.medical_years},
            insured=any(c.scheme in MEDICAL_SCHEMES for c in rows),
        )

    def _card(
        self,
        rng: random.Random,
        index: int,
        show: Showcase | None,
        member: MemberRecord,
        ethnicity: int,
        birthplace: str,
    ) -> tuple[CardRecord, CardProfile]:
        region = self.policy.region
        ident = f"{region}D156000005{self.seed % 256:02X}{index + 1:012X}FF"
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        card_number = f"{letters[self.seed % 24]}{(index * 104729 + self.seed * 7 + 1) % 10**8:08d}"
        issue = dt.date(rng.randint(2016, max(2016, self.as_of.year - 1)), rng.randint(1, 12), 1)
        spec = "3.00" if issue.year >= 2019 and rng.random() < 0.9 else "2.00"
        if show:
            status, pin = show.card_status, show.pin
        else:
            r = rng.random()
            status = "lost" if r < 0.01 else "void" if r < 0.015 else "valid"
            pin = rng.choice(CHANGED_PINS) if rng.random() < 0.25 else INITIAL_PIN
        expiry = dt.date(issue.year + 10, issue.month, 1)
        card = CardRecord(
            card_identifier=ident,
            card_number=card_number,
            member_id=member.id,
            status=status,
            status_changed_at=None,
            spec_version=spec,
            issue_date=issue,
            expiry_date=expiry,
        )
        profile = CardProfile(
            spec_version=spec,
            pin=pin,
            card_identifier=ident,
            issuer=f"{region}{'0' * 18}",
            issue_date=issue,
            expiry_date=expiry,
            card_number=card_number,
            id_number=member.id_number,
            name=member.name,
            sex=member.sex,
            ethnicity=ethnicity,
            birthplace=birthplace,
            birth_date=member.birth_date,
        )
        return card, profile

    def _working_life(
        self,
        rng: random.Random,
        history: History,
        birth: dt.date,
        end: int,
        archetype: str,
        *,
        transfer: bool,
        unemployment: Plan | None = None,
    ) -> None:
        """Segments of employment, flexible employment and gaps from first job to `end`."""
        start = max(RECORDS_START, month_index(birth) + 12 * rng.randint(18, 24))
        if history.index == 0:
            start = RECORDS_START + 24  # the 30-year showcase: from 1995
        final_kind = {FLEXIBLE: "flex", UNEMPLOYED: "emp"}.get(archetype, "emp")
        if archetype == RETIREE:
            final_kind = rng.choice(("emp", "emp", "flex"))
        final_len = rng.randint(12, 96) if history.index != 0 else 11 * 12 + (self.now_m % 12)
        tail_gap = rng.randint(3, 20) if archetype == UNEMPLOYED else 0
        if unemployment is not None:
            tail_gap = unemployment.tail_gap
            if unemployment.first_job_months is not None:
                # A first job, short: the whole working life.
                final_len = unemployment.first_job_months
                start = max(RECORDS_START, end - tail_gap - final_len)
        final_start = max(start, end - tail_gap - final_len)
        segs: list[_Segment] = []
        t = start
        if transfer or (history.index >= len(SHOWCASES) and rng.random() < 0.12):
            n = min(rng.randint(24, 96), max(0, final_start - t))
            if n > 0:
                segs.append(_Segment("transfer", t, t + n, rng.choice(self.other_employers)))
                t += n
        last = ""
        while t < final_start:
            if last == "emp":
                kind = rng.choices(("gap", "emp", "flex"), (35, 50, 15))[0]
            else:
                kind = rng.choices(("emp", "flex"), (80, 20))[0]
            n = {
                "emp": rng.randint(18, 120),
                "flex": rng.randint(12, 72),
                "gap": rng.randint(1, 18),
            }[kind]
            n = min(n, final_start - t)
            segs.append(_Segment(kind, t, t + n, rng.choice(self.local_employers)))
            t += n
            last = kind
        segs.append(
            _Segment(final_kind, final_start, end - tail_gap, rng.choice(self.local_employers))
        )
        current_employer: int | None = None
        for kind, first, stop, employer in segs:
            share = Decimal(rng.choice(("0.7", "0.9", "1.0", "1.2", "1.6", "2.4")))
            if kind in ("emp", "transfer"):
                arrears: set[int] = set()
                if kind == "emp" and rng.random() < 0.08 and stop - first > 6:
                    a = rng.randint(first, stop - 3)
                    arrears = set(range(a, a + rng.randint(1, 3)))
                self._employee_rows(history, first, stop, employer, share, kind, arrears)
                current_employer = employer if kind == "emp" else None
            elif kind == "flex":
                flex_share = Decimal(rng.choice(("0.6", "0.6", "0.6", "1.0")))
                self._flexible_rows(rng, history, first, stop, flex_share, archetype)
                current_employer = None
        if archetype == UNEMPLOYED:
            rng.randint(0, 60)  # drawn as before: the later draws stay the same
            # The benefit's payments follow the claim (backoffice.seed.unemployment).
            history.last_employer = segs[-1].employer
        self._enrolments(history, archetype, current_employer)
        self._pension_account(history, min(end, self.now_m + 1))

    def _employee_rows(
        self,
        history: History,
        first: int,
        stop: int,
        employer: int,
        share: Decimal,
        kind: str,
        arrears: set[int],
    ) -> None:
        status = "transferred_in" if kind == "transfer" else "paid"
        schemes = (Scheme.PENSION, Scheme.MEDICAL) if kind == "transfer" else EMPLOYEE_SCHEMES
        rates = self.policy.employee_rates
        out = history.contributions
        mid = history.member_id
        year_parts: dict[int, list[_Part]] = {}
        # The personal part of pension and medical goes to the member's accounts.
        to_account = (Scheme.PENSION.value, Scheme.MEDICAL.value)
        for m in range(first, stop):
            y = m // 12
            parts = year_parts.get(y)
            if parts is None:
                base = self._base(y, share)
                parts = [_Part(s.value, base, *self._parts(base, *rates[s])) for s in schemes]
                year_parts[y] = parts
            p = yyyymm(m)
            if m in arrears:
                out.extend(
                    [
                        Contribution(mid, s, p, b, er, pe, "arrears", employer, 0, 0, None)
                        for s, b, er, pe in parts
                    ]
                )
            else:
                out.extend(
                    [
                        Contribution(
                            mid,
                            s,
                            p,
                            b,
                            er,
                            pe,
                            status,
                            employer,
                            pe if s in to_account else 0,
                            0,
                            None,
                        )
                        for s, b, er, pe in parts
                    ]
                )

    def _flexible_rows(
        self,
        rng: random.Random,
        history: History,
        first: int,
        stop: int,
        share: Decimal,
        archetype: str,
    ) -> None:
        pol = self.policy
        # (rate the member pays, share of the base credited to the account): an individual has
        # no employer, so the whole payment is the member's own (personal part).
        pen = (pol.flexible_pension_rate, pol.flexible_pension_account_rate)
        med = (pol.flexible_medical_rate, pol.flexible_medical_account_rate)
        this_year_start = self.as_of.year * 12
        paid_until = stop
        arrears: set[int] = set()
        if archetype == FLEXIBLE and stop > self.now_m:
            # The current year is paid up to some month; the rest is what the member may pay now.
            paid_until = max(first, this_year_start + rng.randint(0, self.as_of.month - 1))
            if history.index == 0 or rng.random() < 0.4:
                lo = max(first, this_year_start - 36)
                if lo < this_year_start - 2:
                    a = rng.randint(lo, this_year_start - 2)
                    arrears = set(range(a, min(a + rng.randint(2, 8), this_year_start)))
        out = history.contributions
        mid = history.member_id
        for m in range(first, paid_until):
            base = self._base(m // 12, share)
            owed = m in arrears
            st = "arrears" if owed else "paid"
            p = yyyymm(m)
            amount, account = self._parts(base, *pen)
            out.append(
                Contribution(
                    mid, "pension", p, base, 0, amount, st, None, 0 if owed else account, 0, None
                )
            )
            amount, account = self._parts(base, *med)
            out.append(
                Contribution(
                    mid, "medical", p, base, 0, amount, st, None, 0 if owed else account, 0, None
                )
            )

    def _enrolments(self, history: History, archetype: str, employer: int | None) -> None:
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for c in history.contributions:
            s, p = c.scheme, c.period
            if s not in first or p < first[s]:
                first[s] = p
            if s not in last or p > last[s]:
                last[s] = p
        for s, since in first.items():
            emp: int | None
            if archetype == RETIREE:
                status = "active" if s == "medical" else "terminated"
                emp = None
            elif archetype == UNEMPLOYED:
                status, emp = "suspended", None
            elif archetype == FLEXIBLE:
                status = "active" if s in ("pension", "medical") else "suspended"
                emp = None
            else:
                status, emp = "active", employer
            until = last[s] if status == "terminated" else None
            history.enrolments.append(Enrolment(history.member_id, s, status, since, emp, until))

    @staticmethod
    def _pension_credits(history: History) -> dict[int, Money]:
        """The pension account's credits by year, from the months paid (not those in arrears)."""
        fen: dict[int, int] = {}
        for c in history.contributions:
            if c.scheme == "pension" and c.status != "arrears":
                year = c.period // 100
                fen[year] = fen.get(year, 0) + c.account_fen
        return {year: Money.from_fen(f) for year, f in fen.items()}

    def _pension_account(self, history: History, end: int) -> None:
        """Pension personal account per year from the months' account credits, with interest by
        the national method (backoffice.rules.interest); the current year has none yet."""
        credits = self._pension_credits(history)
        if not credits:
            return
        years = account_years(
            credits,
            self.policy.crediting_rate,
            last_year=(end - 1) // 12,
            current_year=self.as_of.year,
        )
        for y in years:
            history.account_years.append(
                PensionYear(history.member_id, y.year, y.credits.fen, y.interest.fen, y.closing.fen)
            )

    def _medical_account(self, rng: random.Random, history: History) -> int:
        """Medical account per year: credits from the months, some spent; returns the balance."""
        credits: dict[int, int] = {}
        for c in history.contributions:
            if c.scheme == "medical" and c.status != "arrears":
                year = c.period // 100
                credits[year] = credits.get(year, 0) + c.account_fen
        balance = 0
        for year in sorted(credits):
            spent = min(balance + credits[year], credits[year] * rng.randint(20, 90) // 100)
            balance += credits[year] - spent
            history.medical_years.append(
                MedicalYear(history.member_id, year, credits[year], spent, balance)
            )
        return balance

    def _pension_payments(self, history: History, retire_m: int, retire_age: int) -> None:
        """Monthly pension from the month after retirement by the national formula
        (backoffice.rules.estimate: basic pension + account balance / months divisor of the
        age), raised each January by 3%. At retirement the retirement year's interest is not
        credited yet (backoffice.rules.interest: the year in progress has none)."""
        pol = self.policy
        months = [
            c for c in history.contributions if c.scheme == "pension" and c.status != "arrears"
        ]
        n = len(months)
        if not n:
            return
        ry = retire_m // 12
        growth = pol.wage_growth
        index_sum = sum(
            (contribution_index(pol, c.period // 100, c.base_fen, growth) for c in months),
            Decimal(0),
        )
        wage = projected_monthly_wage(pol, ry - 1, growth)
        basic = basic_pension(wage, average_index(index_sum, n), n)
        years = account_years(
            self._pension_credits(history), pol.crediting_rate, last_year=ry, current_year=ry
        )
        balance = years[-1].closing if years else Money.zero()
        amount = basic + account_pension(balance, retire_age)
        for m in range(retire_m + 1, self.now_m + 1):
            if m % 12 == 0 and m > retire_m + 1:
                amount = amount.times(Decimal("1.03"))
            history.benefits.append(
                BenefitPayment(history.member_id, "pension", yyyymm(m), amount.fen)
            )

    def _resident_life(self, rng: random.Random, history: History, birth: dt.date) -> None:
        pol = self.policy
        y0 = max(2012, birth.year + 18)
        tier = rng.choice(pol.resident_pension_tiers[:8])
        subsidy = pol.resident_subsidy(tier)
        last = self.as_of.year - (1 if rng.random() < 0.6 else 0)  # the current year: unpaid?
        for y in range(y0, last + 1):
            # The member pays the tier; the government's subsidy is its own column; both go to
            # the residents' pension account.
            history.contributions.append(
                Contribution(
                    history.member_id,
                    "resident_pension",
                    y * 100 + 1,
                    tier.fen,
                    0,
                    tier.fen,
                    "paid",
                    None,
                    tier.fen + subsidy.fen,
                    subsidy.fen,
                    None,
                )
            )
        for y in range(max(2016, y0), last + 1):
            fee = max(120, 380 - 30 * (self.as_of.year - y)) * 100
            history.contributions.append(
                Contribution(
                    history.member_id,
                    "resident_medical",
                    y * 100 + 1,
                    fee,
                    0,
                    fee,
                    "paid",
                    None,
                    0,
                    0,
                    None,
                )
            )
        self._enrolments(history, RESIDENT, None)


class _Segment(NamedTuple):
    """A stretch of a working life: months first..stop (excluded) of one kind."""

    kind: str  # "emp", "flex", "gap" or "transfer"
    first: int
    stop: int
    employer: int


class _Part(NamedTuple):
    """A scheme's month for an employee: the base and its employer and personal parts."""

    scheme: str
    base_fen: int
    employer_fen: int
    personal_fen: int
