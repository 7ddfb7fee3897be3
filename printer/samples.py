"""Synthetic document data for tests, the benchmark and the demo: a receipt and a member with
30 years of monthly contributions in 5 schemes (1,800 rows). Deterministic: no clock, no random.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kiosk.domain import (
    AccountYear,
    ContributionMonth,
    Enrolment,
    EnrolmentStatus,
    Money,
    MonthStatus,
    Period,
    PersonalAccounts,
    Scheme,
    period_range,
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


def thirty_year_months(first: Period = FIRST, last: Period = LAST) -> tuple[ContributionMonth, ...]:
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
            rows.append(
                ContributionMonth(scheme, p, base, base.times(er), base.times(pr), status, payer)
            )
    return tuple(rows)


def sample_person() -> PersonDetails:
    return PersonDetails(
        name=NAME,
        id_number=ID_NUMBER,
        sex="男",
        birth_date=dt.date(1970, 1, 1),
        social_security_no=ID_NUMBER,
        employer=EMPLOYER,
        employer_code="91110105MA00EXAMPLE",
    )


def sample_enrolments() -> tuple[Enrolment, ...]:
    return tuple(
        Enrolment(s, EnrolmentStatus.ACTIVE, Period(1995, 1), EMPLOYER, 358) for s in RATES
    )


def sample_accounts() -> PersonalAccounts:
    years, balance = [], Money.zero()
    for y in range(1995, 2025):
        principal = money_of_year(y)
        interest = balance.times(Decimal("0.04"))
        balance = balance + principal + interest
        years.append(AccountYear(y, principal, interest, balance))
    return PersonalAccounts(tuple(years), balance, Money.of("12345.67"))


def money_of_year(year: int) -> Money:
    return _base_for(Period(year, 1)).times(Decimal("0.08") * 12)


def thirty_year_record(code: str = "V3X9K2P7QD") -> RightsRecordData:
    return RightsRecordData(
        person=sample_person(),
        enrolments=sample_enrolments(),
        months=thirty_year_months(),
        accounts=sample_accounts(),
        first_period=Period(1995, 1),
        last_period=Period(2024, 12),
        verification=verification(code),
        data_as_of=dt.date(2024, 12, 31),
        printed_at=dt.datetime(2025, 1, 6, 9, 30, 0),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
        notes=(
            "本记录单所列信息截至数据日期，如有疑问请到社保经办机构核实。",
            "●已缴费  △欠缴  ○转入。扫描二维码或登录核验页面输入验证码可核验真伪。",
        ),
    )


def sample_certificate(months: int = 24, code: str = "C8N4T6W2YZ") -> CertificateData:
    return CertificateData(
        person=sample_person(),
        enrolments=sample_enrolments(),
        months=thirty_year_months(),
        window_months=months,
        last_period=Period(2024, 12),
        verification=verification(code),
        data_as_of=dt.date(2024, 12, 31),
        printed_at=dt.datetime(2025, 1, 6, 9, 30, 0),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
        purpose="购房",
    )
