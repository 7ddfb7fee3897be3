"""Time: every rule, screen and paper uses the configured zone (default Asia/Shanghai), whatever
the host's TZ. The real back office runs as a subprocess with TZ=UTC and with
TZ=Asia/Shanghai, its clock frozen at an instant (--now); the kiosk's code runs in this process
under the same TZ. Both must print and decide the same local times and dates.

The instant: 2024-04-15 17:30 UTC = 2024-04-16 01:30 in Beijing (UTC+8): the 15th deadline of
April has passed in Beijing (one day late), though in UTC it is still the 15th."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.settings import Settings, shown
from kiosk.config import DEFAULT_CONFIG, parse_config
from kiosk.domain import CardHolder, Money, Period, Scheme
from kiosk.domain.certificates import CertificateKind
from kiosk.domain.payments import CardAuthorization, Outcome, Payer, PayMethod, ReceiptState
from kiosk.domain.people import Sex
from kiosk.domain.zone import DEFAULT_ZONE, in_zone
from kiosk.errors import ConfigError
from kiosk.payments.client import PaymentClient
from kiosk.payments.journal import Journal
from kiosk.payments.service import PaymentService, PaymentSettings
from kiosk.printing import PrintService
from printer.harness import virtual_receipt_printer
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from tests.helpers.backoffice import client_for
from tests.helpers.builders import (
    enrolment,
    flexible_months,
    id_number_for,
    member,
    resident_year,
)

NO = "11010000000027"
UTC_INSTANT = dt.datetime(2024, 4, 15, 17, 30, tzinfo=dt.UTC)  # = 2024-04-16 01:30 +08:00
HOST_ZONES = ["UTC", "Asia/Shanghai"]
PAYER = Payer("0", "*三", "110***********001X")
CARD = CardAuthorization("X00000019", pin_verified=True, initial_pin=False)


@pytest.fixture(params=HOST_ZONES)
def host_tz(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This process and the back office's subprocess run with TZ set to the parameter."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


def service_env() -> dict[str, str]:
    return dict(os.environ)  # TZ as host_tz set it


# --- the back office's clock, pure -----------------------------------------------------------


def test_settings_read_the_date_in_the_zone() -> None:
    s = Settings(database="sqlite://", timezone="Asia/Shanghai", fixed_now=UTC_INSTANT)
    # 17:30 UTC + 8 h = 01:30 the next day.
    assert s.current_date() == dt.date(2024, 4, 16)
    assert s.now() == dt.datetime(2024, 4, 15, 17, 30)  # stored: naive UTC
    assert shown(s.local(s.now())) == "2024-04-16 01:30:00 +08:00"
    # A fixed day keeps that day in the zone, whatever the time of day is.
    fixed = Settings(database="sqlite://", timezone="Asia/Shanghai", today=dt.date(2024, 4, 16))
    assert fixed.current_date() == dt.date(2024, 4, 16)
    assert fixed.local_now().date() == dt.date(2024, 4, 16)
    assert fixed.local(fixed.now()).date() == dt.date(2024, 4, 16)


def test_the_zone_comes_from_the_policy_by_default() -> None:
    assert Settings(database="sqlite://").zone.key == "Asia/Shanghai"


def test_an_unknown_zone_in_the_kiosk_config_is_a_clear_error() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"terminal": {"timezone": "Asia/Shangai"}}, source=DEFAULT_CONFIG)
    assert "[terminal] timezone" in str(e.value) and "Asia/Shanghai" in str(e.value)
    assert parse_config({}, source=DEFAULT_CONFIG).terminal.zone.key == "Asia/Shanghai"


def test_zoneinfo_finds_the_zone() -> None:
    # Debian ships the tz database; pyproject pins tzdata for hosts that do not.
    assert Path("/usr/share/zoneinfo/Asia/Shanghai").exists()
    assert in_zone(dt.datetime(2024, 4, 15, 17, 30), DEFAULT_ZONE).utcoffset() == dt.timedelta(
        hours=8
    )


# --- the real back office and the kiosk under each host TZ ----------------------------------


def flexible_member() -> dict:
    # A flexible worker since 2024-01, January to March paid at the 2024 minimum base:
    # 120,698 x 60% / 12 = 6,034.90; 20% = 1,206.98 a month.
    return member(
        NO,
        enrolments=[enrolment("pension", "2024-01")],
        contributions=flexible_months("2024-01", "2024-03", "6034.90"),
        card=True,
    )


def test_a_payment_at_17_30_utc_is_paid_on_the_16th_in_beijing(
    host_tz: str, imported, tmp_path: Path
) -> None:
    with (
        imported([flexible_member()], today=None, now=UTC_INSTANT, env=service_env()) as svc,
        client_for(svc) as bo,
        virtual_receipt_printer() as vp,
    ):
        summary = bo.summary(NO)
        [due] = [d for d in bo.dues(NO) if d.scheme is Scheme.PENSION]
        journal = Journal(tmp_path / "journal.sqlite3")
        service = PaymentService(
            PaymentClient(bo, attempts=2, backoff=0.05),
            journal,
            PaymentSettings(
                terminal_id=svc.terminal_id,
                hall_name="测试大厅",
                settle_wait=5.0,
                account_debit=True,
            ),
            printer=EscposReceiptPrinter(ReceiptPrinterSettings(port=vp.port)),
        )
        quote = service.quote(NO, Scheme.PENSION, periods=[Period(2024, 4)])
        pending = service.confirm(quote, quote.total, PAYER, PayMethod.CARD)
        outcome = service.pay_by_card(pending, CARD)
        assert outcome.outcome is Outcome.PAID
        assert service.print_receipt(outcome.intent_id) is ReceiptState.PRINTED
        text = vp.wait_for_jobs(1)[-1].text()
        page = requests.get(f"{svc.url}/receipts/{pending.order_no}", timeout=10).text
        journal.close()
    # "Today" is the 16th in Beijing on both hosts.
    assert summary.as_of == dt.date(2024, 4, 16)
    # April was due by 2024-04-15: one day late on the 16th:
    # 1,206.98 x 0.05% x 1 = 0.60349 -> 0.60; total 1,206.98 + 0.60 = 1,207.58.
    [line] = quote.lines
    assert line.late_fee == Money.of("0.60")
    assert quote.total == Money.of("1207.58")
    assert due.deadline == dt.date(2024, 5, 15)  # April's deadline passed: May's is next
    assert "缴费时间：2024-04-16 01:30:00" in text
    assert "￥1,207.58" in text and "滞纳金" in text
    assert pending.order_no.startswith("P20240416")  # the business day is Beijing's
    assert "支付时间 2024-04-16 01:30:00 +08:00" in page


def test_the_verification_page_and_the_fleet_show_beijing_time(host_tz: str, imported) -> None:
    with (
        imported([flexible_member()], today=None, now=UTC_INSTANT, env=service_env()) as svc,
        client_for(svc) as bo,
    ):
        cert = bo.issue_certificate(NO, CertificateKind.PARTICIPATION, months=12)
        code = cert.verification_code
        body = requests.get(
            f"{svc.url}/verify/{code}", headers={"Accept": "application/json"}, timeout=10
        ).json()
        html = requests.get(f"{svc.url}/verify/{code}", timeout=10).text
        bo.heartbeat({"reader": "ok"})
        fleet = requests.get(f"{svc.url}/fleet.json", timeout=10).json()
        fleet_html = requests.get(f"{svc.url}/fleet", timeout=10).text
    assert body["issued_at"] == "2024-04-16T01:30:00+08:00"
    # Valid 90 days ([certificates] valid_days): 2024-04-16 + 90 days = 2024-07-15.
    assert body["expires_at"] == "2024-07-15T01:30:00+08:00"
    assert "2024-04-16T01:30:00+08:00" in html
    assert fleet["generated"] == "2024-04-16T01:30:00+08:00"
    [kiosk] = [k for k in fleet["kiosks"] if k["terminal_id"] == svc.terminal_id]
    assert kiosk["last_seen"] == "2024-04-16T01:30:00+08:00"
    assert "2024-04-16 01:30:00 +08:00" in fleet_html


def test_the_year_turns_at_midnight_in_beijing(host_tz: str, imported) -> None:
    # 2024-12-31 16:30 UTC = 2025-01-01 00:30 in Beijing: the residents' pension year offered
    # is 2025 (2024 is paid), on a UTC host too.
    m = member(
        NO,
        enrolments=[enrolment("resident_pension", "2023-01")],
        contributions=[resident_year(2023, "300", subsidy="30"), resident_year(2024, "300")],
    )
    new_year = dt.datetime(2024, 12, 31, 16, 30, tzinfo=dt.UTC)
    with (
        imported([m], today=None, now=new_year, env=service_env()) as svc,
        client_for(svc) as bo,
    ):
        summary = bo.summary(NO)
        [due] = [d for d in bo.dues(NO) if d.scheme is Scheme.RESIDENT_PENSION]
    assert summary.as_of == dt.date(2025, 1, 1)
    assert due.year == 2025 and due.periods == (Period(2025, 1),)


class CapturingA4:
    """Stands in for the CUPS queue: keeps what would be printed."""

    def __init__(self) -> None:
        self.pdfs: list[bytes] = []

    def print_pdf(self, pdf: bytes, title: str) -> object:
        self.pdfs.append(pdf)

        class Done:
            job_id = len(self.pdfs)

        return Done()


def test_the_a4_print_time_is_beijing_time(host_tz: str, imported, tmp_path: Path) -> None:
    cfg = parse_config({}, source=DEFAULT_CONFIG)
    a4 = CapturingA4()
    holder = CardHolder(
        id_number=id_number_for("1980-01-01", "1", int(NO)),
        name="张三",
        card_number="A00000027",
        card_identifier="0" * 32,
        region="110100",
        sex=Sex("1"),
        birth_date=dt.date(1980, 1, 1),
    )
    with (
        imported([flexible_member()], today=None, now=UTC_INSTANT, env=service_env()) as svc,
        client_for(svc) as bo,
    ):
        printing = PrintService(
            bo,
            a4,  # type: ignore[arg-type]
            font_path=cfg.ui.font_path,
            hall_name="测试大厅",
            terminal_id=svc.terminal_id,
            zone=cfg.terminal.zone,
            clock=lambda: UTC_INSTANT,  # the kiosk's clock at the same instant
        )
        printing.prepare(NO, holder, {"kind": "participation", "months": 12})
        printing.submit()
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(a4.pdfs[0])
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "打印时间：2024-04-16 01:30:00" in text
    assert "数据截至：2024-04-16" in text
