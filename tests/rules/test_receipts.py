"""The payment receipt (缴费凭证): one line per run of consecutive months at one base, each with
its base, months and amount; 补缴 runs marked; the late fee its own line; the lines add up to
the total; the residents' pension subsidy (政府补贴) shown apart from what the member paid.

Worked examples run the real back office (importer + HTTP) and the kiosk's payment service,
printing to the virtual receipt printer, which decodes what was printed."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from backoffice.harness import RunningService
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.documents import PaymentReceipt, Verification
from kiosk.domain.errors import DomainError
from kiosk.domain.payments import (
    CardAuthorization,
    Outcome,
    Payer,
    PayMethod,
    Quote,
    ReceiptState,
)
from kiosk.domain.receipts import PaidPeriod, ReceiptLine, receipt_lines
from kiosk.domain.zone import DEFAULT_ZONE
from kiosk.payments.client import PaymentClient
from kiosk.payments.journal import Journal
from kiosk.payments.service import PaymentService, PaymentSettings
from printer.escpos_bytes import COLUMNS
from printer.harness import virtual_receipt_printer
from printer.receipt import BASE_INDENT, receipt_bytes
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from printer.virtual import decode
from printer.virtual.server import VirtualPrinter
from tests.helpers.backoffice import client_for
from tests.helpers.builders import enrolment, flexible_months, member, resident_year

PAYER = Payer("0", "*三", "110***********001X")
CARD = CardAuthorization("X00000019", pin_verified=True, initial_pin=False)
RULE = "-" * COLUMNS
AMOUNT = re.compile(r"￥([\d,]+\.\d\d)$")


def yuan(text: str) -> Money:
    return Money.of(text.replace(",", ""))


def printed_lines(data: bytes) -> list[str]:
    return [t.rstrip() for t in decode(data).text_lines()]


def amount_lines(lines: list[str]) -> tuple[list[str], Money]:
    """The amount lines between the 2nd and 3rd rules (the months' runs and the late fee, not
    the bases under them), and the printed 合计金额."""
    rules = [i for i, t in enumerate(lines) if t == RULE]
    detail = lines[rules[1] + 1 : rules[2]]
    found = [t for t in detail if AMOUNT.search(t) and not t.startswith(BASE_INDENT)]
    [total] = [t for t in lines if t.startswith("合计金额")]
    match = AMOUNT.search(total)
    assert match is not None
    return found, yuan(match.group(1))


# --- the runs, pure --------------------------------------------------------------------------


def p(text: str) -> Period:
    return Period.parse(text)


def test_the_issues_example_prints_two_runs_not_one_35_month_span() -> None:
    # 2021-06 and 2021-07 at the 2021 minimum base: 2020 average wage 97,379 x 60% / 12
    # = 4,868.95; 20% = 973.79 a month, both 补缴. 2024-04 at 2024's: 120,698 x 60% / 12
    # = 6,034.90; 20% = 1,206.98.
    b21, b24 = Money.of("4868.95"), Money.of("6034.90")
    lines = receipt_lines(
        Scheme.PENSION,
        [
            PaidPeriod(p("2024-04"), b24, Money.of("1206.98")),
            PaidPeriod(p("2021-06"), b21, Money.of("973.79"), back_payment=True),
            PaidPeriod(p("2021-07"), b21, Money.of("973.79"), back_payment=True),
        ],
    )
    assert lines == (
        # 973.79 x 2 = 1,947.58
        ReceiptLine(p("2021-06"), p("2021-07"), 2, b21, Money.of("1947.58"), back_payment=True),
        ReceiptLine(p("2024-04"), p("2024-04"), 1, b24, Money.of("1206.98")),
    )
    assert [x.span for x in lines] == ["2021-06 至 2021-07", "2024-04"]


def test_a_run_breaks_at_a_new_base_and_at_the_start_of_on_time_months() -> None:
    # 2023-11, 2023-12 补缴 at 5,000 (20% = 1,000.00); 2024-01 on time at 5,000 too: a new line
    # (补缴 marks whole lines); 2024-02 at 6,000 (1,200.00): a new line for the new base.
    five, six = Money.of("5000"), Money.of("6000")
    lines = receipt_lines(
        Scheme.PENSION,
        [
            PaidPeriod(p("2023-11"), five, Money.of("1000"), back_payment=True),
            PaidPeriod(p("2023-12"), five, Money.of("1000"), back_payment=True),
            PaidPeriod(p("2024-01"), five, Money.of("1000")),
            PaidPeriod(p("2024-02"), six, Money.of("1200")),
        ],
    )
    assert [(x.span, x.months, x.amount, x.back_payment) for x in lines] == [
        ("2023-11 至 2023-12", 2, Money.of("2000"), True),  # 1,000 x 2
        ("2024-01", 1, Money.of("1000"), False),
        ("2024-02", 1, Money.of("1200"), False),
    ]


def test_a_residents_year_is_one_line_of_12_months() -> None:
    # Residents' pension, tier 500 for 2024: one row (2024-01) standing for 2024-01..12.
    [line] = receipt_lines(
        Scheme.RESIDENT_PENSION, [PaidPeriod(p("2024-01"), None, Money.of("500"))]
    )
    assert (line.span, line.months, line.base, line.amount) == (
        "2024-01 至 2024-12",
        12,
        None,
        Money.of("500"),
    )


def test_a_receipt_whose_lines_do_not_add_up_is_refused() -> None:
    line = ReceiptLine(p("2024-04"), p("2024-04"), 1, Money.of("6034.90"), Money.of("1206.98"))

    def receipt(total: Money) -> PaymentReceipt:
        return PaymentReceipt(
            hall_name="大厅",
            terminal_id="KIOSK-0001",
            order_no="P1",
            paid_at=dt.datetime(2024, 4, 16, 1, 30, tzinfo=DEFAULT_ZONE),
            member_name="张三",
            id_number="11010119800101001X",
            scheme=Scheme.PENSION,
            lines=(line,),
            total=total,
            payment_method="扫码支付",
            verification=Verification("P1", "http://x/receipts/P1"),
            late_fee=Money.of("0.60"),
        )

    # 1,206.98 + late fee 0.60 = 1,207.58; a total of 1,207.00 is refused.
    with pytest.raises(DomainError):
        receipt(Money.of("1207.00"))
    ok = receipt(Money.of("1207.58"))
    assert ok.months == 1


# --- property: the printed lines add up to the charged total ---------------------------------

MONTHS = [Period(2019, 1)]
for _ in range(71):
    MONTHS.append(MONTHS[-1].next())  # 2019-01 .. 2024-12
BASES = [Money.of("4868.95"), Money.of("6034.90"), Money.of("30174.50")]


@st.composite
def payments(draw: st.DrawFn) -> tuple[list[PaidPeriod], Money]:
    chosen = draw(st.lists(st.sampled_from(MONTHS), min_size=1, max_size=24, unique=True))
    out = []
    for period in sorted(chosen):
        base = draw(st.sampled_from(BASES))
        out.append(
            PaidPeriod(period, base, base.times(Decimal("0.20")), back_payment=draw(st.booleans()))
        )
    late = Money.from_fen(draw(st.integers(min_value=0, max_value=500_000)))
    return out, late


@settings(max_examples=120, deadline=None)
@given(payments())
def test_printed_amounts_add_up_to_the_total(case: tuple[list[PaidPeriod], Money]) -> None:
    paid, late = case
    lines = receipt_lines(Scheme.PENSION, paid)
    charged = Money.zero()
    for x in paid:
        charged = charged + x.amount
    total = charged + late
    receipt = PaymentReceipt(
        hall_name="大厅",
        terminal_id="KIOSK-0001",
        order_no="P1",
        paid_at=dt.datetime(2024, 4, 16, 1, 30, tzinfo=DEFAULT_ZONE),
        member_name="张三",
        id_number="11010119800101001X",
        scheme=Scheme.PENSION,
        lines=lines,
        total=total,
        payment_method="扫码支付",
        verification=Verification("P1", "http://x/receipts/P1"),
        late_fee=late if late else None,
    )
    printed = printed_lines(receipt_bytes(receipt))
    found, printed_total = amount_lines(printed)
    summed = Money.zero()
    for t in found:
        m = AMOUNT.search(t)
        assert m is not None
        summed = summed + yuan(m.group(1))
    assert printed_total == total
    assert summed == total
    # Every month on exactly one line; a line never spans a gap, a base change or a 补缴 edge.
    assert sum(x.months for x in lines) == len(paid)
    by_period = {x.period: x for x in paid}
    for line in lines:
        covered = [q for q in MONTHS if line.first <= q <= line.last]
        assert len(covered) == line.months
        assert {(by_period[q].base, by_period[q].back_payment) for q in covered} == {
            (line.base, line.back_payment)
        }
    for a, b in itertools.pairwise(lines):
        joined = a.last.next() == b.first and a.base == b.base
        assert not (joined and a.back_payment == b.back_payment)


# --- worked examples through the real back office and the kiosk's payment service -----------

NO = "11010000000018"


@pytest.fixture
def printer() -> Iterator[VirtualPrinter]:
    with virtual_receipt_printer() as vp:
        yield vp


def pay_and_print(
    svc: RunningService,
    printer: VirtualPrinter,
    tmp_path: Path,
    scheme: Scheme,
    *,
    periods: list[Period] | None = None,
    base: Money | None = None,
    tier: Money | None = None,
) -> tuple[Quote, list[str], requests.Response]:
    """Quote, confirm, pay by card and print, as the pay screen does; the printed lines."""
    bo = client_for(svc)
    journal = Journal(tmp_path / "journal.sqlite3")
    service = PaymentService(
        PaymentClient(bo, attempts=2, backoff=0.05),
        journal,
        PaymentSettings(
            terminal_id=svc.terminal_id, hall_name="测试大厅", settle_wait=5.0, account_debit=True
        ),
        printer=EscposReceiptPrinter(ReceiptPrinterSettings(port=printer.port)),
    )
    try:
        quote = service.quote(NO, scheme, base=base, periods=periods, tier=tier)
        pending = service.confirm(quote, quote.total, PAYER, PayMethod.CARD)
        outcome = service.pay_by_card(pending, CARD)
        assert outcome.outcome is Outcome.PAID, outcome
        assert service.print_receipt(outcome.intent_id) is ReceiptState.PRINTED
        job = printer.wait_for_jobs(1)[-1]
        page = requests.get(f"{svc.url}/receipts/{pending.order_no}", timeout=10)
        return quote, [t.rstrip() for t in job.decoded.text_lines()], page
    finally:
        journal.close()
        bo.close()


def test_paying_2021_06_07_and_2024_04_prints_two_lines_with_their_bases(
    imported, printer: VirtualPrinter, tmp_path: Path
) -> None:
    # A flexible worker since 2021-01, every month paid but 2021-06 and 2021-07 (in arrears at
    # the 2021 minimum base 4,868.95). On 2024-04-10 the oldest months must be paid first:
    # 2021-06, 2021-07, then 2024-04 at the 2024 minimum base 6,034.90.
    m = member(
        NO,
        enrolments=[enrolment("pension", "2021-01")],
        contributions=flexible_months("2021-01", "2021-05", "4868.95")
        + flexible_months("2021-06", "2021-07", "4868.95", status="arrears")
        + flexible_months("2021-08", "2021-12", "4868.95")
        + flexible_months("2022-01", "2022-12", "5341.85")  # 106,837 x 60% / 12
        + flexible_months("2023-01", "2023-12", "5701.45")  # 114,029 x 60% / 12
        + flexible_months("2024-01", "2024-03", "6034.90"),
    )
    with imported([m], today=dt.date(2024, 4, 10)) as svc:
        quote, lines, page = pay_and_print(
            svc,
            printer,
            tmp_path,
            Scheme.PENSION,
            periods=[p("2021-06"), p("2021-07"), p("2024-04")],
            base=Money.of("6034.90"),
        )
    # Late fees, 0.05% a day from the due date (the 15th) to 2024-04-10:
    # 2021-06-15 -> 2024-04-10: 365 + 365 + 305 (to 2024-04-15, over 2024-02-29) - 5 = 1,030
    # days: 973.79 x 0.0005 x 1,030 = 501.50185 -> 501.50.
    # 2021-07-15 -> 2024-04-10: 1,030 - 30 = 1,000 days: 973.79 x 0.5 = 486.895 -> 486.90.
    # 2024-04 is not yet due (the 15th): no fee.
    # Total: 973.79 x 2 + 1,206.98 + 501.50 + 486.90 = 1,947.58 + 1,206.98 + 988.40 = 4,142.96.
    assert quote.total == Money.of("4142.96")
    detail = lines[lines.index("缴费月数：3个月") + 2 :]
    assert detail[:6] == [
        _two("2021-06 至 2021-07（2个月） 补缴", "￥1,947.58"),
        BASE_INDENT + "缴费基数：￥4,868.95",
        _two("2024-04（1个月）", "￥1,206.98"),
        BASE_INDENT + "缴费基数：￥6,034.90",
        _two("滞纳金", "￥988.40"),  # 501.50 + 486.90
        RULE,
    ]
    assert _two("合计金额", "￥4,142.96") in lines
    assert not any("35个月" in t for t in lines)
    # The back office's receipt page has the same runs.
    assert page.status_code == 200
    assert "2021-06 至 2021-07 补缴</td><td>2</td><td>￥4,868.95</td><td>￥1,947.58" in page.text
    assert "2024-04</td><td>1</td><td>￥6,034.90</td><td>￥1,206.98" in page.text
    assert "￥988.40" in page.text and "￥4,142.96" in page.text


def test_a_residents_pension_year_shows_the_subsidy_apart(
    imported, printer: VirtualPrinter, tmp_path: Path
) -> None:
    # Residents' pension, 2023 paid at tier 300; on 2024-05-06 the member chooses tier 500 for
    # 2024. The state adds 60 a year from the 500 tier up ([residents] pension_subsidy_high):
    # shown as 政府补贴, not charged: the member pays 500.00.
    m = member(
        NO,
        enrolments=[enrolment("resident_pension", "2023-01")],
        contributions=[resident_year(2023, "300", subsidy="30")],
    )
    with imported([m], today=dt.date(2024, 5, 6)) as svc:
        quote, lines, page = pay_and_print(
            svc, printer, tmp_path, Scheme.RESIDENT_PENSION, tier=Money.of("500")
        )
    assert quote.total == Money.of("500")
    assert "缴费月数：12个月" in lines
    assert _two("2024-01 至 2024-12（12个月）", "￥500.00") in lines
    assert not any("缴费基数" in t for t in lines)  # a tier, not a base
    assert _two("合计金额", "￥500.00") in lines  # the subsidy is not in it
    assert _two("政府补贴（不计入合计）", "￥60.00") in lines
    assert "政府补贴 Government subsidy" in page.text and "￥60.00" in page.text


def _two(left: str, right: str) -> str:
    from printer.textwidth import two_columns

    return two_columns(left, right, COLUMNS)
