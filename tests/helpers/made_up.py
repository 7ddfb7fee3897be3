"""Made-up records for drawing pages without a back office (tests/ui/scenarios_every_page.py's
views a member meets only on some roads): a member, a residents' pension tier and medical fee
with a fee reduction (代缴), their breakdown and payment, a retiree's certification due and
certified. Figures follow docs/rules.md's 低保 example; the pages only show them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.domain import CardHolder, Money, Period, Scheme
from kiosk.domain.certification import (
    Certification,
    CertificationAttempt,
    CertificationMethod,
    CertificationStatus,
)
from kiosk.domain.dues import Due, DueKind, DueLine, FeeCategory, Tier
from kiosk.domain.payments import Outcome, PaymentOutcome, Quote, QuoteLine, ReceiptState
from kiosk.payments.flow import PayQuote, PayResult
from kiosk.payments.service import ReceiptReadiness
from kiosk.session.certification import Certified
from kiosk.session.machine import Page, SessionState

M = Money.of
YEAR = 2026
DAY = dt.date(YEAR, 12, 3)
HOLDER = CardHolder("110101195803071234", "王小五", "X00000031", "C" * 32, "110100")


def signed_in(page: Page) -> SessionState:
    """HOLDER on `page` with the card in and the PIN verified, nothing loaded yet."""
    return SessionState(page=page, holder=HOLDER, card_present=True, pin_verified=True)


DIBAO = FeeCategory("dibao", "最低生活保障", "Minimum living allowance")


def _resident_due(scheme: Scheme, kind: DueKind, fee: Money, government: Money, tiers=()) -> Due:
    line = DueLine(
        period=Period(YEAR, 1),
        base=fee,
        amount=fee - government,  # the member's part: the fee less 代缴
        to_account=fee,
        late_fee=M("0"),
        due_date=dt.date(YEAR, 12, 31),
        back_payment=False,
        paid_by_government=government,
    )
    return Due(
        scheme=scheme,
        kind=kind,
        year=YEAR,
        periods=(Period(YEAR, 1),),
        rate=Decimal(0),
        account_rate=Decimal(0),
        base_min=None,
        base_max=None,
        base_default=None,
        tiers=tuple(tiers),
        annual_fee=fee if kind is DueKind.RESIDENT_ANNUAL else None,
        lines=(line,),
        deadline=dt.date(YEAR, 12, 31),
        late_fee_rate_per_day=Decimal("0.0005"),
        fee_category=DIBAO,
    )


# Residents' pension, two tiers, the government paying 100.00 of each (低保):
# 100.00 - 100.00 = 0.00 and 300.00 - 100.00 = 200.00 for the member; the state adds 30.00.
PENSION_TIERS = _resident_due(
    Scheme.RESIDENT_PENSION,
    DueKind.RESIDENT_TIER,
    M("100.00"),
    M("100.00"),
    tiers=(Tier(M("100.00"), M("30.00"), M("100.00")), Tier(M("300.00"), M("30.00"), M("100.00"))),
)
# Residents' medical, 380.00 a year, half by the government: 380.00 x 50 % = 190.00 each.
MEDICAL_FEE = _resident_due(
    Scheme.RESIDENT_MEDICAL, DueKind.RESIDENT_ANNUAL, M("380.00"), M("190.00")
)
# The 300.00 tier's breakdown: the member 300.00 - 100.00 = 200.00; credited to the account
# 300.00 + 30.00 (the state's subsidy) = 330.00.
QUOTE = PayQuote(
    Quote(
        quote_id="Q1",
        member_no="M1",
        scheme=Scheme.RESIDENT_PENSION,
        kind="resident_tier",
        lines=(QuoteLine(Period(YEAR, 1), M("300.00"), M("200.00"), M("0"), M("330.00"), False),),
        amount=M("200.00"),
        late_fee=M("0"),
        subsidy=M("30.00"),
        total=M("200.00"),
        as_of=DAY,
        rate="0",
        base=None,
        tier=M("300.00"),
        paid_by_government=M("100.00"),
    ),
    ReceiptReadiness.READY,
)
PAID = PayResult(
    PaymentOutcome("I1", Outcome.PAID, "P1", M("200.00"), "payments.paid", ReceiptState.PRINTED),
    "payments.receipt_printed",
    "",
)

# A retiree's certification: due by the year's end with 3 face checks left today; and the
# same member certified today, next due in a year.
CERTIFICATION_DUE = Certification(
    "X00000031",
    DAY,
    CertificationStatus.DUE,
    None,
    dt.date(YEAR, 12, 31),
    dt.date(YEAR, 12, 1),
    dt.date(YEAR + 1, 3, 31),
    False,
    None,
    3,
    3,
)
_CERTIFIED_NOW = Certification(
    "X00000031",
    DAY,
    CertificationStatus.CERTIFIED,
    DAY,
    dt.date(YEAR + 1, 12, 3),
    dt.date(YEAR + 1, 11, 3),
    dt.date(YEAR + 2, 3, 3),
    False,
    None,
    3,
    3,
)
CERTIFIED = Certified(
    CertificationAttempt(
        1,
        CertificationMethod.FACE_KIOSK,
        True,
        dt.datetime(YEAR, 12, 3, 10, 0),
        "0.912",
        _CERTIFIED_NOW,
    ),
    slip_printed=True,
)


def picture_records():
    """A member with five schemes (pension 120 of 180 months: 66 %), ten years of pension
    account, an eligible estimate; and the same member with nothing on record."""
    from kiosk.domain import CardHolder, Money, Scheme
    from kiosk.domain.estimate import Assumption, PensionEstimate
    from kiosk.domain.people import Sex
    from kiosk.domain.period import Period
    from kiosk.domain.records import (
        AccountYear,
        Enrolment,
        EnrolmentStatus,
        MedicalAccountYear,
        PersonalAccounts,
    )
    from kiosk.domain.summary import MemberSummary

    holder = CardHolder("110101197003071234", "王小五", "X00000031", "C" * 32, "110100")
    enrol = (
        Enrolment(
            Scheme.PENSION, EnrolmentStatus.ACTIVE, Period(2016, 1), "北京某某物流有限公司", 120
        ),
        Enrolment(
            Scheme.MEDICAL, EnrolmentStatus.ACTIVE, Period(2016, 1), "北京某某物流有限公司", 120
        ),
        Enrolment(Scheme.UNEMPLOYMENT, EnrolmentStatus.SUSPENDED, Period(2016, 1), None, 55),
        Enrolment(Scheme.WORK_INJURY, EnrolmentStatus.TERMINATED, Period(2016, 1), None, 30),
        Enrolment(Scheme.MATERNITY, EnrolmentStatus.ACTIVE, Period(2016, 1), None, 120),
    )

    def summary(enrolments):
        return MemberSummary(
            "X00000031",
            "王小五",
            "1101**********1234",
            Sex.MALE,
            dt.date(1970, 3, 7),
            False,
            60,
            enrolments,
            dt.date(2026, 12, 3),
        )

    # The pension account grows by 4,000.00 credited a year, at 2.00 % interest on the year's
    # opening balance (made-up figures: the chart shows them, the page does no arithmetic).
    years, balance = [], Money.of("0")
    for y in range(2016, 2026):
        interest = Money.of(balance.yuan * 2 / 100)
        balance = balance + Money.of("4000") + interest
        years.append(AccountYear(y, Money.of("4000"), interest, balance))
    medical = tuple(
        MedicalAccountYear(y, Money.of("1200"), Money.of("800"), Money.of(400 * (y - 2022)))
        for y in range(2023, 2026)
    )
    accounts = PersonalAccounts(tuple(years), balance, Money.of("1200"), medical)
    assumption = Assumption(
        "continue_contributing",
        "yes",
        "继续缴费至退休",
        "Contributions continue until retirement",
        "从本月起每月继续缴费直到退休，共 39 个月（已缴的月份不重复计算）。",
        "You keep paying every month until retirement: 39 more months "
        "(months already paid are not counted again).",
    )

    def pension_estimate(**figures: object) -> PensionEstimate:
        """An estimate at 60 on a 12,000 yuan average wage (divisor 139), with `figures`."""
        return PensionEstimate(
            retirement_age=60,
            average_index=Decimal("1.0000"),
            average_monthly_wage=Money.of("12000"),
            months_divisor=139,
            assumptions=(assumption,),
            deemed_months=0,
            **figures,  # type: ignore[arg-type]
        )

    estimate = pension_estimate(
        retirement_period=Period(2030, 3),
        contribution_months=159 + 39,
        basic_pension=Money.of("1980.00"),
        account_balance=Money.of("80000.00"),
        account_pension=Money.of("575.54"),
        eligible=True,
        recorded_months=120,
        future_months=39,
    )
    from kiosk.domain.records import ContributionMonth, MonthStatus

    def paid(scheme: Scheme, y: int, m: int) -> ContributionMonth:
        return ContributionMonth(
            scheme,
            Period(y, m),
            Money.of("6205.50"),
            Money.of("1241.10"),
            Money.of("496.44"),
            MonthStatus.PAID,
            "北京某某物流有限公司",
        )

    history = [paid(Scheme.PENSION, y, m) for y in (2024, 2025) for m in range(1, 13)]
    # 100 months by retirement: 80 short of the 180-month minimum, no monthly amount
    short = pension_estimate(
        retirement_period=Period(2027, 3),
        contribution_months=100,
        basic_pension=Money.of("0"),
        account_balance=Money.of("30000.00"),
        account_pension=Money.of("0"),
        eligible=False,
        recorded_months=85,
        future_months=15,
    )
    from kiosk.domain.certification import (
        Certification,
        CertificationAttempt,
        CertificationMethod,
        CertificationStatus,
    )
    from kiosk.session.certification import Certified

    cert = Certification(
        "X00000031",
        dt.date(2026, 12, 3),
        CertificationStatus.CERTIFIED,
        dt.date(2026, 12, 3),
        dt.date(2027, 12, 3),
        dt.date(2027, 11, 3),
        dt.date(2028, 3, 3),
        False,
        None,
        3,
        3,
    )
    attempt = CertificationAttempt(
        1, CertificationMethod.FACE_KIOSK, True, dt.datetime(2026, 12, 3, 10, 0), "0.912", cert
    )
    certified = Certified(attempt, slip_printed=True)
    # Pension paid in 2024 only, medical in 2025 only: the page opens on the latest year
    # (2025) and the first scheme (pension), a year with none of its months.
    gap = [
        paid(scheme, y, m)
        for scheme, y in ((Scheme.PENSION, 2024), (Scheme.MEDICAL, 2025))
        for m in range(1, 13)
    ]
    return holder, summary(enrol), summary(()), accounts, estimate, history, gap, short, certified


def warning_state(holder: CardHolder, left: float = 12.0, warning: float = 20.0):
    """The menu in the session's timeout warning, `left` of its `warning` seconds to go, on the
    monotonic clock a page without a controller reads (a made-up state)."""
    import time

    from kiosk.session.machine import Page, SessionState

    now = time.monotonic()
    return SessionState(
        page=Page.MENU,
        holder=holder,
        pin_verified=True,
        deadline=now + left,
        warn_at=now + left - warning,
        warning=True,
    )
