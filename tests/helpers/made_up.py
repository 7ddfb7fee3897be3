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

M = Money.of
YEAR = 2026
DAY = dt.date(YEAR, 12, 3)
HOLDER = CardHolder("110101195803071234", "王小五", "X00000031", "C" * 32, "110100")
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
