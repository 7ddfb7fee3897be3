"""Synthetic document data for tests, the benchmark and the demo: a receipt and a member with
30 years of monthly contributions in 5 schemes (1,800 rows). Deterministic: no clock, no random.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.domain import (
    Enrolment,
    EnrolmentStatus,
    MedicalAccountYear,
    Money,
    MonthStatus,
    Period,
    Scheme,
    mask_id,
    money_sum,
    period_range,
)
from kiosk.domain.certificates import (
    AttestedContent,
    AttestedMonth,
    AttestedPensionYear,
    AttestedScheme,
    CertificateKind,
)
from kiosk.domain.documents import (
    CertificateData,
    PaymentReceipt,
    PersonDetails,
    RightsRecordData,
    Verification,
)
from kiosk.domain.receipts import ReceiptLine
from kiosk.domain.zone import DEFAULT_ZONE

VERIFY_BASE = "http://127.0.0.1:8750/verify/"
NAME = "欧阳建国"
ID_NUMBER = "110101197001011234"
EMPLOYER = "北京市朝阳区示例科技有限公司"

# (employer rate, personal rate) of each employee scheme
RATES = {
    Scheme.PENSION: (Decimal("0.20"), Decimal("0.08")),
    Scheme.MEDICAL: (Decimal("0.08"), Decimal("0.02")),
    Scheme.UNEMPLOYMENT: (Decimal("0.02"), Decimal("0.01")),
    Scheme.WORK_INJURY: (Decimal("0.01"), Decimal("0")),
    Scheme.MATERNITY: (Decimal("0.01"), Decimal("0")),
}


def verification(code: str) -> Verification:
    return Verification(code, VERIFY_BASE + code)


def sample_receipt(code: str = "R7K2M9Q4") -> PaymentReceipt:
    """Flexible pension 2026-10..12 at a base of 6,000: 6,000 x 20% = 1,200 a month,
    3 months = 3,600.00; late fee 2.70; total 3,602.70."""
    base = Money.of("6000")
    return PaymentReceipt(
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
        order_no="PO20261123000123",
        paid_at=dt.datetime(2026, 11, 23, 10, 15, 30, tzinfo=DEFAULT_ZONE),
        member_name=NAME,
        id_number=ID_NUMBER,
        scheme=Scheme.PENSION,
        lines=(ReceiptLine(Period(2026, 10), Period(2026, 12), 3, base, Money.of("3600")),),
        late_fee=Money.of("2.70"),
        total=Money.of("3602.70"),
        payment_method="社保卡金融账户",
        verification=verification(code),
    )


def _base_for(p: Period) -> Money:
    # A base growing with the year, e.g. 1995: 1,500 yuan -> 2024: 9,900 yuan; whole yuan.
    return Money.of(1500 + (p.year - 1995) * 290)


FIRST = Period(1995, 1)
LAST = Period(2024, 12)
AS_OF = dt.date(2024, 12, 31)
ACCOUNT_RATES = {Scheme.PENSION: Decimal("0.08"), Scheme.MEDICAL: Decimal("0.02")}


def thirty_year_months(first: Period = FIRST, last: Period = LAST) -> tuple[AttestedMonth, ...]:
    """5 schemes x 360 months = 1,800 rows; a few months in arrears and transferred in."""
    rows = []
    for scheme, (er, pr) in RATES.items():
        for p in period_range(first, last):
            base = _base_for(p)
            if p.year < 1998:
                status, payer = MonthStatus.TRANSFERRED_IN, "原参保地转入"
            elif p.year == 2009 and p.month in (5, 6):
                status, payer = MonthStatus.ARREARS, EMPLOYER
            else:
                status, payer = MonthStatus.PAID, EMPLOYER
            account = base.times(ACCOUNT_RATES.get(scheme, Decimal(0)))
            rows.append(
                AttestedMonth(
                    scheme, p, base, base.times(er), base.times(pr), Money.zero(), account,
                    status, payer, None,
                )
            )  # fmt: skip
    return tuple(rows)


def sample_person() -> PersonDetails:
    return PersonDetails(
        name=NAME,
        id_number=ID_NUMBER,
        sex="男",
        birth_date=dt.date(1970, 1, 1),
        social_security_no="11010000000001",
        employer=EMPLOYER,
        employer_code="91110105MA00EXAMPLE",
        first_insured=Period(1995, 1),
        work_start=Period(1992, 7),
        deemed_months=30,
    )


def sample_enrolments() -> tuple[Enrolment, ...]:
    return tuple(
        Enrolment(s, EnrolmentStatus.ACTIVE, Period(1995, 1), EMPLOYER, 358) for s in RATES
    )


def sample_pension_years(last_year: int = 2024) -> tuple[AttestedPensionYear, ...]:
    years, balance = [], Money.zero()
    for y in range(1995, last_year + 1):
        principal = money_of_year(y)
        rate = Decimal("0.04")
        interest = balance.times(rate)
        balance = balance + principal + interest
        years.append(AttestedPensionYear(y, rate, principal, interest, balance))
    return tuple(years)


def money_of_year(year: int) -> Money:
    return _base_for(Period(year, 1)).times(Decimal("0.08") * 12)


def sample_content(
    kind: CertificateKind,
    months: tuple[AttestedMonth, ...],
    first: Period,
    last: Period,
    *,
    enrolments: tuple[Enrolment, ...] | None = None,
    as_of: dt.date = AS_OF,
) -> AttestedContent:
    """Attested content for synthetic months, counted the back office's way (for layout
    tests and the benchmark; the real figures come from backoffice/rules/certificates.py)."""
    in_range = tuple(m for m in months if first <= m.period <= last)
    schemes = []
    for e in enrolments if enrolments is not None else sample_enrolments():
        mine = [m for m in in_range if m.scheme == e.scheme]
        counted = [m for m in mine if m.status.counted]
        schemes.append(
            AttestedScheme(
                scheme=e.scheme,
                status=e.status,
                first=counted[0].period if counted else None,
                last=counted[-1].period if counted else None,
                months_paid=sum(m.months for m in counted),
                months_in_arrears=sum(m.months for m in mine if not m.status.counted),
                personal_total=money_sum([m.personal_part for m in counted]),
                employer_total=money_sum([m.employer_part for m in counted]),
                cumulative_months=sum(
                    m.months
                    for m in months
                    if m.scheme == e.scheme and m.period <= last and m.status.counted
                ),
                since=e.since,
                employer=e.employer,
                months_back_paid=sum(
                    m.months for m in counted if m.status is MonthStatus.BACK_PAID
                ),
                months_transferred_in=sum(
                    m.months for m in counted if m.status is MonthStatus.TRANSFERRED_IN
                ),
                subsidy_total=money_sum([m.subsidy for m in counted]),
                account_total=money_sum([m.account for m in counted]),
            )
        )
    record = kind is CertificateKind.RIGHTS_RECORD
    pension = tuple(y for y in sample_pension_years() if first.year <= y.year <= last.year)
    person = sample_person()
    return AttestedContent(
        kind=kind,
        issuer="示例市",
        as_of=as_of,
        first=first,
        last=last,
        member_no=person.social_security_no,
        name=NAME,
        id_number_masked=mask_id(ID_NUMBER),
        sex="1",
        birth_date=person.birth_date,
        work_start=person.work_start,
        first_insured=person.first_insured,
        deemed_months=person.deemed_months,
        employer=EMPLOYER,
        schemes=tuple(schemes),
        months=in_range,
        pension_years=pension if record else (),
        medical_years=tuple(
            MedicalAccountYear(y, Money.of(2000), Money.of(1500), Money.of(500 * (y - 1994)))
            for y in range(first.year, last.year + 1)
        )
        if record
        else (),
        pension_balance=pension[-1].balance if record and pension else None,
        medical_balance=Money.of("12345.67") if record else None,
    )


DIGEST = "9f2c" * 16  # a SHA-256's length; the real one is the back office's


def thirty_year_record(
    code: str = "V3X9K2P7QD", first: Period = FIRST, last: Period = LAST
) -> RightsRecordData:
    return RightsRecordData(
        person=sample_person(),
        content=sample_content(CertificateKind.RIGHTS_RECORD, thirty_year_months(), first, last),
        verification=verification(code),
        digest=DIGEST,
        printed_at=dt.datetime(2025, 1, 6, 9, 30, 0),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
        notes=("本记录单所列信息截至数据日期，如有疑问请到社保经办机构核实。",),
    )


def sample_certificate(months: int = 24, code: str = "C8N4T6W2YZ") -> CertificateData:
    first = LAST
    for _ in range(months - 1):
        first = first.previous()
    return CertificateData(
        person=sample_person(),
        content=sample_content(CertificateKind.PARTICIPATION, thirty_year_months(), first, LAST),
        verification=verification(code),
        digest=DIGEST,
        printed_at=dt.datetime(2025, 1, 6, 9, 30, 0),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
        purpose="购房",
    )
