"""The kiosk's client against the real back office: dues, certificates and their public
verification page, the pension estimate, card loss, heartbeat (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import requests

from backoffice.harness import RunningService
from backoffice.policy import load_policy
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import NotFound, Rejected
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.cards import CardStatus
from kiosk.domain.certificates import CertificateKind
from kiosk.domain.dues import DueKind
from tests.helpers.backoffice import TODAY, members_index, showcase

POLICY = load_policy()


def test_dues_of_a_flexible_worker(client: BackOfficeClient, service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    dues = {d.scheme: d for d in client.dues(no)}
    assert set(dues) == {Scheme.PENSION, Scheme.MEDICAL}
    pension = dues[Scheme.PENSION]
    assert pension.kind is DueKind.FLEXIBLE
    # 2026's limits from 2025's figure, which default.toml names (124,110, as 2024's):
    # 124,110 x 0.6 / 12 = 6,205.50; 124,110 x 3 / 12 = 31,027.50
    lo, hi = Money.of("6205.50"), Money.of("31027.50")
    assert (pension.base_min, pension.base_max, pension.base_default) == (lo, hi, lo)
    assert pension.rate == Decimal("0.2") and pension.account_rate == Decimal("0.08")
    this_year = [x for x in pension.lines if not x.back_payment]
    assert this_year[-1].period == Period(TODAY.year, 12)  # may pay ahead to December
    paid = {r.period for r in client.contributions(no, scheme=Scheme.PENSION, year=TODAY.year)}
    assert not paid & {x.period for x in this_year}
    for x in this_year:
        # 6,205.50 x 20% = 1,241.10; 8% = 496.44
        assert x.amount == Money.of("1241.10") and x.to_account == Money.of("496.44")
        # In-year months pay the fee too, from the day after the 15th: June (20th) 5 days,
        # 1,241.10 x 0.0025 = 3.10275 -> 3.10; July onwards not yet due.
        days = max((TODAY - x.due_date).days, 0)
        assert x.late_fee == x.amount.times(Decimal("0.0005") * days)
        if x.period == Period(2026, 6):
            assert x.late_fee == Money.of("3.10")
    back = [x for x in pension.lines if x.back_payment]
    assert back, "the showcase has arrears of earlier years"
    for x in back:
        days = (TODAY - x.due_date).days
        assert x.due_date == dt.date(x.period.year, x.period.month, 15)
        assert x.late_fee == x.amount.times(Decimal("0.0005") * days)
        # 60 months before 2026-06 is 2021-06: the oldest month payable here
        assert Period(2021, 6) <= x.period and x.period.year < TODAY.year
    assert all(p < Period(2021, 6) for p in pension.counter_only)
    assert pension.total == pension.amount + pension.late_fee
    assert pension.deadline == dt.date(2026, 7, 15)  # the 20th: this month's 15th has passed
    medical = dues[Scheme.MEDICAL]
    assert medical.rate == Decimal("0.095")


def test_the_member_with_a_changed_pin_has_something_to_pay(
    client: BackOfficeClient, service: RunningService
) -> None:
    m = showcase(service, 1)
    assert m["pin"] != "123456"
    dues = client.dues(str(m["member_no"]))
    assert {d.scheme for d in dues} == {Scheme.PENSION, Scheme.MEDICAL}
    assert all(d.total > Money.zero() for d in dues)


def test_an_employee_and_a_retiree_owe_nothing_at_the_kiosk(
    client: BackOfficeClient, service: RunningService
) -> None:
    assert client.dues(str(showcase(service, 2)["member_no"])) == []
    assert client.dues(str(showcase(service, 3)["member_no"])) == []


def test_residents_dues_show_tiers_and_subsidies(
    client: BackOfficeClient, service: RunningService
) -> None:
    found = []
    for m in members_index(service):
        for d in client.dues(str(m["member_no"])):
            if d.kind is DueKind.RESIDENT_TIER:
                found.append(d)
    assert found, "some resident has not paid this year"
    d = found[0]
    assert [t.amount for t in d.tiers][:3] == [Money.of("100"), Money.of("200"), Money.of("300")]
    assert {t.amount: t.subsidy for t in d.tiers}[Money.of("500")] == Money.of("60")
    assert {t.amount: t.subsidy for t in d.tiers}[Money.of("400")] == Money.of("30")


def test_certificate_and_its_verification(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 2)["member_no"])
    cert = client.issue_certificate(no, CertificateKind.PARTICIPATION, months=24)
    code = cert.verification_code.replace("-", "")
    assert len(code) == 16 and len(cert.verification_code) == 19  # 80 bits, base32, grouped
    assert (cert.first, cert.last) == (Period(2024, 6), Period(2026, 5))
    pension = next(s for s in cert.schemes if s.scheme is Scheme.PENSION)
    assert pension.months_paid <= 24 and pension.cumulative_months >= pension.months_paid
    assert len(cert.digest) == 64
    assert cert.expires_at - cert.issued_at == dt.timedelta(days=90)
    checked = client.verify(cert.verification_code)
    assert checked.valid and not checked.expired
    assert checked.digest == cert.digest
    assert checked.name_masked.startswith("*") and checked.name_masked[1:] == cert.name[1:]
    assert checked.schemes == cert.schemes
    page = requests.get(cert.verify_url.replace("http://127.0.0.1:8750", service.url), timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "有效" in page.text and cert.digest in page.text and cert.name not in page.text


def test_rights_record_by_years(client: BackOfficeClient, service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    cert = client.issue_certificate(
        no, CertificateKind.RIGHTS_RECORD, first_year=2020, last_year=2024
    )
    assert (cert.first, cert.last) == (Period(2020, 1), Period(2024, 12))
    pension = next(s for s in cert.schemes if s.scheme is Scheme.PENSION)
    rows = client.contributions(no, scheme=Scheme.PENSION, first=cert.first, last=cert.last)
    assert pension.months_paid == sum(1 for r in rows if r.status.value != "arrears")
    assert pension.months_in_arrears == sum(1 for r in rows if r.status.value == "arrears")


def test_the_same_idempotency_key_returns_the_same_certificate(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 2)["member_no"])
    key = uuid.uuid4().hex
    a = client.issue_certificate(no, CertificateKind.PARTICIPATION, idempotency_key=key)
    b = client.issue_certificate(no, CertificateKind.PARTICIPATION, idempotency_key=key)
    c = client.issue_certificate(no, CertificateKind.PARTICIPATION)
    assert a.certificate_id == b.certificate_id and a.verification_code == b.verification_code
    assert c.certificate_id != a.certificate_id and c.verification_code != a.verification_code


def test_unknown_verification_codes(client: BackOfficeClient, service: RunningService) -> None:
    with pytest.raises(NotFound) as e:
        client.verify("AAAA-BBBB-CCCC-DDDD")
    assert e.value.code == "CERTIFICATE_NOT_FOUND"
    with pytest.raises(NotFound):
        client.verify("not-a-code")
    page = requests.get(service.url + "/verify/AAAABBBBCCCCDDDD", timeout=5)
    assert page.status_code == 404 and "未找到" in page.text


def test_bad_certificate_requests_are_rejected(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 2)["member_no"])
    with pytest.raises(Rejected) as e:
        client.issue_certificate(no, CertificateKind.PARTICIPATION, first_year=2020)
    assert e.value.status == 400 and e.value.code == "BAD_RANGE"
    with pytest.raises(Rejected) as e:
        client.issue_certificate(no, CertificateKind.PARTICIPATION, months=13)
    assert e.value.status == 422 and e.value.code == "INVALID_REQUEST"
    with pytest.raises(Rejected) as e:
        client.issue_certificate(no, CertificateKind.RIGHTS_RECORD, first_year=2024, last_year=2020)
    assert e.value.code == "BAD_RANGE"


def test_pension_estimate_follows_the_national_formula(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 2)["member_no"])
    e = client.pension_estimate(no)
    assert e.retirement_age == 60 and e.months_divisor == 139
    years = Decimal(e.contribution_months) / 12
    expected = e.average_monthly_wage.yuan * (1 + e.average_index) / 2 * years / 100
    assert abs(e.basic_pension.yuan - expected) < Decimal("0.5")  # index shown rounded
    assert e.account_pension == Money.of(e.account_balance.yuan / 139)
    assert e.monthly_total == e.basic_pension + e.account_pension
    keys = {a.key for a in e.assumptions}
    assert {"retirement_age", "wage_growth", "crediting_rate", "continue_contributing"} <= keys
    stop = client.pension_estimate(no, continue_contributing=False, wage_growth=Decimal("0.03"))
    assert stop.contribution_months < e.contribution_months
    assert stop.basic_pension < e.basic_pension
    assert next(a.value for a in stop.assumptions if a.key == "wage_growth") == "3.00%"


def test_no_estimate_for_a_retiree(client: BackOfficeClient, service: RunningService) -> None:
    with pytest.raises(Rejected) as e:
        client.pension_estimate(str(showcase(service, 3)["member_no"]))
    assert e.value.status == 409 and e.value.code == "ALREADY_RETIRED"
    assert e.value.message("zh") == e.value.message_zh


def test_report_loss(client: BackOfficeClient, service: RunningService) -> None:
    # A member the other tests do not use, different per database.
    m = next(
        x for x in members_index(service)[10:] if x["card_status"] == "valid" and x["index"] % 2
    )
    ident, number = str(m["card_identifier"]), str(m["card_number"])
    before = client.card_status(ident, number)
    if before.status is CardStatus.VALID:
        lost = client.report_loss(ident, number)
        assert lost.status is CardStatus.LOST
    assert client.card_status(ident, number).status is CardStatus.LOST
    assert client.report_loss(ident, number).status is CardStatus.LOST  # repeating is harmless
    void = showcase(service, 6)
    with pytest.raises(Rejected) as e:
        client.report_loss(str(void["card_identifier"]), str(void["card_number"]))
    assert e.value.status == 409 and e.value.code == "CARD_VOID"


def test_heartbeat(client: BackOfficeClient) -> None:
    at = client.heartbeat({"card_reader": "ok", "receipt_printer": "paper_low"}, "0.1.0")
    # the service's day (--today) is a day in the hall's zone; `at` is UTC, which from 16:00
    # UTC is still the day before in Beijing
    assert at.astimezone(ZoneInfo("Asia/Shanghai")).date() == TODAY
