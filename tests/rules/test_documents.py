"""The A4 documents (个人权益记录单, 参保证明) and the verification page: worked examples through
the real back office (members loaded by the importer, today fixed at 2024-06-20), the kiosk's
client and its PDF builder (kiosk.printing.build_document, which reads the issued certificate
alone); each paper is read back with pdftotext and held against the verification page's JSON
field by field (tests/helpers/paper.py). Then 20 random seeded members: page, paper and screen
agree on months, amounts and statuses."""

from __future__ import annotations

import datetime as dt
import random
import tomllib
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.harness import RunningService, running_service
from kiosk.backoffice.client import BackOfficeClient
from kiosk.domain import MonthStatus, Period, Scheme, mask_id, months_covered
from kiosk.domain.certificates import Certificate, CertificateKind
from kiosk.printing import PrintFailed, build_document
from printer.fonts import DEFAULT_FONT_PATH
from tests.helpers.backoffice import client_for
from tests.helpers.builders import (
    employer,
    enrolment,
    flexible_months,
    imported,
    member,
    months,
    resident_year,
)
from tests.helpers.paper import Paper, assert_paper_matches_page, read_pdf

TODAY = dt.date(2024, 6, 20)
PRINTED_AT = dt.datetime(2024, 6, 20, 10, 0, 0)
RECORD, CERT = CertificateKind.RIGHTS_RECORD, CertificateKind.PARTICIPATION

FLEX = "11010000000001"  # flexible worker: 补缴 2021, paid 2022-2024, accounts given
RESIDENT = "11010000000002"  # residents' pension, 500.00 a year + 60.00 subsidy
EMPLOYEE = "11010000000003"  # employee since 1993, 36 deemed months, one month in arrears


def _members() -> list[dict[str, Any]]:
    flex = member(
        FLEX,
        name="李小梅",
        sex="2",
        birth_date="1985-03-08",
        enrolments=[enrolment("pension", "2021-06")],
        contributions=[
            # 2021-06, 07 back paid on 2024-03-10 at 4,868.95: 20% = 973.79, 8% = 389.516 -> 389.52
            *flexible_months(
                "2021-06", "2021-07", "4868.95", status="back_paid", paid_on="2024-03-10"
            ),
            # 2022-01..2023-12 at 5,000.00: 20% = 1,000.00, 8% = 400.00
            *flexible_months("2022-01", "2023-12", "5000.00"),
            # 2024-01..05 at 6,034.90: 20% = 1,206.98, 8% = 482.792 -> 482.79
            *flexible_months("2024-01", "2024-05", "6034.90"),
        ],
        work_start="2019-07",
        first_insured="2021-06",
        pension_account=[
            # principal = the year's 8% credits; interest as loaded; balance chained
            {"year": 2021, "principal": "779.04", "interest": "10.00", "balance": "789.04"},
            # 789.04 + 4,800.00 + 100.00 = 5,689.04
            {"year": 2022, "principal": "4800.00", "interest": "100.00", "balance": "5689.04"},
            # 5,689.04 + 4,800.00 + 250.00 = 10,739.04
            {"year": 2023, "principal": "4800.00", "interest": "250.00", "balance": "10739.04"},
            # 10,739.04 + 5 x 482.79 = 10,739.04 + 2,413.95 = 13,152.99 (no interest yet)
            {"year": 2024, "principal": "2413.95", "interest": "0.00", "balance": "13152.99"},
        ],
        medical_account=[
            {"year": 2023, "credits": "1200.00", "spending": "300.00", "balance": "900.00"},
            # 900.00 + 500.00 - 100.00 = 1,300.00
            {"year": 2024, "credits": "500.00", "spending": "100.00", "balance": "1300.00"},
        ],
        medical_balance="1300.00",
        card=True,
    )
    resident = member(
        RESIDENT,
        name="王大山",
        birth_date="1970-05-05",
        enrolments=[enrolment("resident_pension", "2020-01")],
        contributions=[resident_year(y, "500.00", subsidy="60.00") for y in range(2020, 2025)],
        card=True,
    )
    employee = member(
        EMPLOYEE,
        name="欧阳建国",
        birth_date="1968-02-02",
        enrolments=[
            enrolment("pension", "1993-01", employer="E1"),
            enrolment("medical", "1993-01", employer="E1"),
        ],
        contributions=[
            # base 8,000.00: employer 20% = 1,600.00, personal 8% = 640.00 (all to the account)
            *_employee_pension("2023-01", "2023-02"),
            *_employee_pension("2023-03", "2023-03", status="arrears"),
            *_employee_pension("2023-04", "2024-05"),
            # medical: employer 8% = 640.00, personal 2% = 160.00 (to the medical account)
            *months(
                "medical",
                "2023-01",
                "2024-05",
                base="8000.00",
                employer_part="640.00",
                personal_part="160.00",
                account="160.00",
                payer="E1",
            ),
        ],
        work_start="1990-07",
        first_insured="1993-01",
        deemed_months=36,
        card=True,
    )
    return [flex, resident, employee]


def _employee_pension(first: str, last: str, status: str = "paid") -> list[dict[str, Any]]:
    return months(
        "pension", first, last, base="8000.00", employer_part="1600.00",
        personal_part="640.00", account="640.00", payer="E1", status=status,
    )  # fmt: skip


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[RunningService, dict[str, str]]]:
    people = _members()
    ids = {m["member_no"]: m["id_number"] for m in people}
    with imported(people, [employer("E1", "示例科技有限公司")], today=TODAY) as svc:
        yield svc, ids


@pytest.fixture(scope="module")
def client(loaded) -> Iterator[BackOfficeClient]:
    with client_for(loaded[0]) as c:
        yield c


def page_json(svc: RunningService, cert: Certificate) -> dict[str, Any]:
    r = requests.get(
        f"{svc.url}/verify/{cert.verification_code}",
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def issue(
    loaded, client: BackOfficeClient, tmp_path: Path, no: str, kind: CertificateKind, **range_
) -> tuple[Certificate, dict[str, Any], Paper]:
    """Issue, print (the kiosk's builder, from the answer alone), read the paper back and
    hold it against the verification page."""
    svc, ids = loaded
    cert = client.issue_certificate(no, kind, **range_)
    doc = build_document(
        cert, ids[no], printed_at=PRINTED_AT, hall_name="市社保大厅", terminal_id="KIOSK-0001",
        font_path=DEFAULT_FONT_PATH,
    )  # fmt: skip
    paper = read_pdf(doc.pdf, tmp_path / f"{no}-{kind.value}.pdf")
    page = page_json(svc, cert)
    assert_paper_matches_page(paper, page, id_number=ids[no])
    return cert, page, paper


def scheme_of(page: dict[str, Any], scheme: str) -> dict[str, Any]:
    return next(s for s in page["schemes"] if s["scheme"] == scheme)


# --- worked examples -------------------------------------------------------------------------


def test_a_past_years_record_counts_months_up_to_that_years_end(loaded, client, tmp_path):
    cert, page, paper = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2023)
    pension = scheme_of(page, "pension")
    # Up to 2023-12: 2021-06, 07 (补缴) + 12 (2022) + 12 (2023) = 26 months.
    assert pension["cumulative_months"] == 26
    assert paper.schemes[Scheme.PENSION]["cumulative_months"] == "26"
    # Today (2024-06-20) the screen says 26 + 5 (2024-01..05) = 31: not what a 2023 record shows.
    summary = client.summary(FLEX)
    assert next(e for e in summary.enrolments if e.scheme is Scheme.PENSION).cumulative_months == 31
    # The year's own months: 12 paid, none in arrears, none back paid.
    assert (pension["months_paid"], pension["months_in_arrears"]) == (12, 0)
    assert pension["months_back_paid"] == 0
    assert (cert.first, cert.last) == (Period(2023, 1), Period(2023, 12))


def test_a_past_years_record_shows_the_balance_at_that_years_end(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2023)
    # 2023's closing balance: 5,689.04 + 4,800.00 + 250.00 = 10,739.04; today's 13,152.99.
    assert page["pension_balance"] == "10739.04"
    assert paper.balances["养老保险个人账户累计储存额"] == ("2023年末", "10739.04")
    assert str(client.accounts(FLEX).pension_balance.yuan) == "13152.99"
    # The medical account likewise: 2023 closed at 900.00 (today 1,300.00), with the year's
    # credits 1,200.00 and spending 300.00.
    assert page["medical_balance"] == "900.00"
    assert page["medical_years"] == [
        {"year": 2023, "credits": "1200.00", "spending": "300.00", "balance": "900.00"}
    ]
    assert paper.medical_years == [
        {"year": "2023", "credits": "1200.00", "spending": "300.00", "balance": "900.00"}
    ]


def test_each_account_year_shows_its_crediting_rate(loaded, client, tmp_path):
    _cert, page, paper = issue(
        loaded, client, tmp_path, FLEX, RECORD, first_year=2022, last_year=2024
    )
    # The national rates of the policy: 2022 6.12%, 2023 3.97%; 2024 is in progress (no
    # interest credited yet, so no rate: —).
    assert [(y["year"], y["rate"]) for y in page["pension_years"]] == [
        (2022, "0.0612"),
        (2023, "0.0397"),
        (2024, None),
    ]
    assert [(y["year"], y["rate"]) for y in paper.pension_years] == [
        ("2022", "6.12%"),
        ("2023", "3.97%"),
        ("2024", "—"),
    ]
    # A range up to this year: the balance is today's, 13,152.99, as at the data day.
    assert paper.balances["养老保险个人账户累计储存额"] == ("2024-06-20", "13152.99")
    # Months 2022-01..2024-05: 24 + 5 = 29; all of them up to now: 2 + 29 = 31.
    pension = scheme_of(page, "pension")
    assert (pension["months_paid"], pension["cumulative_months"]) == (29, 31)
    # Personal: 24 x 1,000.00 + 5 x 1,206.98 = 24,000.00 + 6,034.90 = 30,034.90.
    assert pension["personal_total"] == "30034.90"


def test_back_paid_months_show_as_such_with_the_day_paid(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2021)
    pension = scheme_of(page, "pension")
    # 2021-06 and 07, both 补缴: 2 x 973.79 = 1,947.58 paid; 2 x 389.52 = 779.04 to the account.
    assert (pension["months_paid"], pension["months_back_paid"]) == (2, 2)
    assert (pension["personal_total"], pension["account_total"]) == ("1947.58", "779.04")
    assert [(m["period"], m["status"], m["paid_on"]) for m in page["months"]] == [
        ("2021-06", "back_paid", "2024-03-10"),
        ("2021-07", "back_paid", "2024-03-10"),
    ]
    assert paper.text.count("◆ 补缴 2024-03-10") == 2
    assert [m["status"] for m in paper.months] == ["back_paid", "back_paid"]
    html = requests.get(f"{loaded[0].url}/verify/{_code(paper)}", timeout=10)
    assert "◆ 补缴 2024-03-10" in html.text


def _code(paper: Paper) -> str:
    return paper.code.replace("-", "")


def test_the_certificate_names_back_paid_months_and_the_day(loaded, client, tmp_path):
    # 36 months to last month (2024-05): 2021-06..2024-05.
    cert, page, paper = issue(loaded, client, tmp_path, FLEX, CERT, months=36)
    assert (cert.first, cert.last) == (Period(2021, 6), Period(2024, 5))
    pension = scheme_of(page, "pension")
    # 2 back paid + 24 (2022-2023) + 5 (2024-01..05) = 31 months, of them 2 补缴.
    assert (pension["months_paid"], pension["months_back_paid"]) == (31, 2)
    # 1,947.58 + 24 x 1,000.00 + 5 x 1,206.98 = 1,947.58 + 24,000.00 + 6,034.90 = 31,982.48
    assert pension["personal_total"] == "31982.48"
    assert paper.schemes[Scheme.PENSION]["months_back_paid"] == "2"
    assert paper.back_paid_lines == ["补缴：养老保险 2021-06 至 2021-07，于 2024-03-10 补缴。"]


def test_a_flexible_worker_has_no_employer_part(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2023)
    pension = scheme_of(page, "pension")
    # 12 x 1,000.00 = 12,000.00 paid by the member, 12 x 400.00 = 4,800.00 to the account,
    # no employer: the pooled part is the member's own payment, never 单位缴费.
    assert (pension["personal_total"], pension["employer_total"]) == ("12000.00", "0.00")
    assert pension["account_total"] == "4800.00"
    assert paper.schemes[Scheme.PENSION]["employer_printed"] == "—"
    assert {m["employer_printed"] for m in paper.months} == {"—"}
    assert {(m["personal_part"], m["account"], m["total"]) for m in paper.months} == {
        ("1000.00", "400.00", "1000.00")
    }


def test_a_residents_year_is_12_months_with_the_subsidy_apart(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, RESIDENT, RECORD, first_year=2023)
    rp = scheme_of(page, "resident_pension")
    # One yearly row = 12 months; the member paid the 500.00 tier, the state 60.00 (政府补贴),
    # 500.00 + 60.00 = 560.00 to the account; no employer.
    assert (rp["months_paid"], rp["personal_total"], rp["subsidy_total"]) == (12, "500.00", "60.00")
    assert (rp["employer_total"], rp["account_total"]) == ("0.00", "560.00")
    # Up to 2023-12: 2020, 2021, 2022, 2023 = 4 x 12 = 48; the screen today: 5 x 12 = 60.
    assert rp["cumulative_months"] == 48
    summary = client.summary(RESIDENT)
    assert summary.enrolments[0].cumulative_months == 60
    [row] = paper.months
    assert (row["period"], row["personal_part"], row["subsidy"], row["account"]) == (
        "2023-01",
        "500.00",
        "60.00",
        "560.00",
    )
    assert row["months"] == 12 and row["status"] == "paid"
    assert paper.schemes[Scheme.RESIDENT_PENSION]["subsidy_printed"] == "60.00"
    assert "单位缴费" not in _yearly_table(paper.text)


def _yearly_table(text: str) -> str:
    start = text.index("城乡居民养老保险缴费明细（按年度）")
    return text[start : text.index("五、说明", start)]


def test_a_residents_certificate_counts_12_months_not_1(loaded, client, tmp_path):
    # The last 12 months: 2023-06..2024-05; the 2024 year's row (2024-01) is in it.
    cert, page, paper = issue(loaded, client, tmp_path, RESIDENT, CERT, months=12)
    rp = scheme_of(page, "resident_pension")
    assert rp["months_paid"] == 12 and paper.schemes[Scheme.RESIDENT_PENSION]["months_paid"] == "12"
    # The screen's history of the same window counts the same: 1 row x 12 months.
    rows = client.contributions(RESIDENT, first=cert.first, last=cert.last)
    assert sum(months_covered(r.scheme) for r in rows if r.status.counted) == 12
    # Paid 500.00, subsidy 60.00 apart: never 560.00 as the member's payment.
    assert (rp["personal_total"], rp["subsidy_total"]) == ("500.00", "60.00")
    assert paper.schemes[Scheme.RESIDENT_PENSION]["personal_total"] == "500.00"


def test_the_record_names_first_insured_work_start_and_deemed_months(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, EMPLOYEE, RECORD, first_year=2023)
    assert (page["first_insured"], page["work_start"], page["deemed_months"]) == (
        "1993-01",
        "1990-07",
        36,
    )
    assert paper.facts["首次参保时间"] == "1993-01" and paper.facts["参加工作时间"] == "1990-07"
    assert paper.facts["视同缴费月数"] == "36"
    # A member without deemed months has no such line.
    _c, _p, flex = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2023)
    assert "视同缴费月数" not in flex.facts and flex.facts["首次参保时间"] == "2021-06"


def test_an_employees_year_with_a_month_in_arrears(loaded, client, tmp_path):
    _cert, page, paper = issue(loaded, client, tmp_path, EMPLOYEE, RECORD, first_year=2023)
    pension = scheme_of(page, "pension")
    # 12 months, 2023-03 in arrears: 11 counted. Employer 11 x 1,600.00 = 17,600.00,
    # member 11 x 640.00 = 7,040.00 (the arrear is owed, not paid: not summed).
    assert (pension["months_paid"], pension["months_in_arrears"]) == (11, 1)
    assert (pension["employer_total"], pension["personal_total"]) == ("17600.00", "7040.00")
    assert pension["cumulative_months"] == 11  # the record starts in 2023
    march = next(m for m in paper.months if m["period"] == "2023-03" and m["scheme"] == "pension")
    assert march["status"] == "arrears" and march["employer_part"] == "1600.00"
    # Each row: 1,600.00 + 640.00 = 2,240.00 in 合计.
    assert {m["total"] for m in paper.months if m["scheme"] == "pension"} == {"2240.00"}
    assert paper.facts["单位名称"] == "示例科技有限公司"


def test_the_id_number_is_masked_on_the_page_and_whole_on_the_paper(loaded, client, tmp_path):
    svc, ids = loaded
    _cert, page, paper = issue(loaded, client, tmp_path, EMPLOYEE, CERT, months=12)
    assert page["id_number_masked"] == mask_id(ids[EMPLOYEE]) != ids[EMPLOYEE]
    assert ids[EMPLOYEE] in paper.text
    html = requests.get(f"{svc.url}/verify/{_code(paper)}", timeout=10).text
    assert ids[EMPLOYEE] not in html and "欧阳建国" not in html and page["digest"] in html


def test_the_kiosk_refuses_to_print_a_record_with_another_members_id(loaded, client):
    _svc, ids = loaded
    cert = client.issue_certificate(FLEX, CERT, months=12)
    with pytest.raises(PrintFailed):
        build_document(
            cert, ids[EMPLOYEE], printed_at=PRINTED_AT, hall_name="h", terminal_id="t",
            font_path=DEFAULT_FONT_PATH,
        )  # fmt: skip


def test_the_digest_is_the_sha256_of_the_attested_content(loaded, client):
    import hashlib
    import json

    from backoffice.rules.certificates import canonical_json

    cert = client.issue_certificate(FLEX, RECORD, first_year=2023)
    # The issued answer holds the content (plus how to verify it): rebuilding the canonical
    # JSON from it gives the digest back.
    body = requests.post(
        f"{loaded[0].url}/v1/members/{FLEX}/certificates",
        json={"kind": "rights_record", "first_year": 2023},
        headers={"Authorization": f"Bearer {loaded[0].api_key}",
                 "X-Terminal-Id": loaded[0].terminal_id},
        timeout=10,
    ).json()  # fmt: skip
    # Two certificates of the same record: the content names each one, so two digests.
    assert cert.digest != body["digest"] and cert.certificate_id != body["certificate_id"]
    content = {k: v for k, v in body.items() if k not in _NOT_CONTENT}
    content["issued_at"], content["expires_at"] = _stored(body)
    assert hashlib.sha256(canonical_json(content).encode()).hexdigest() == body["digest"]
    assert json.loads(canonical_json(content))["months"] == body["months"]


_NOT_CONTENT = {"verification_code", "verify_url", "digest", "issued_at",
                "expires_at"}  # fmt: skip


def _stored(body: dict[str, Any]) -> tuple[str, str]:
    """The instants as the content stores them (naive UTC, ISO)."""
    out = []
    for key in ("issued_at", "expires_at"):
        t = dt.datetime.fromisoformat(body[key])
        if t.tzinfo is not None:
            t = t.astimezone(dt.UTC).replace(tzinfo=None)
        out.append(t.isoformat())
    return out[0], out[1]


# --- 20 random members: page, paper and screen agree ------------------------------------------


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Iterator[tuple[RunningService, Path]]:
    cards = tmp_path_factory.mktemp("cards")
    with running_service(members=60, seed=11, today=TODAY, cards_dir=cards) as svc:
        yield svc, cards


def _id_numbers(cards: Path) -> dict[str, str]:
    import json

    index = json.loads((cards / "members.json").read_text(encoding="utf-8"))["members"]
    out = {}
    for m in index:
        profile = tomllib.loads((cards / m["card_file"]).read_text(encoding="utf-8"))
        out[m["member_no"]] = _find(profile, "id_number")
    return out


def _find(d: Any, key: str) -> str:
    if isinstance(d, dict):
        if key in d:
            return str(d[key])
        for v in d.values():
            found = _find(v, key)
            if found:
                return found
    return ""


def test_page_paper_and_screen_agree_for_20_random_members(seeded, tmp_path):
    svc, cards = seeded
    ids = _id_numbers(cards)
    rng = random.Random(18)
    chosen = rng.sample(sorted(ids), 20)
    checked = {"months": 0, "back_paid_or_arrears": 0, "residents": 0}
    with client_for(svc) as client:
        for no in chosen:
            year = rng.choice((TODAY.year - 1, TODAY.year - rng.randint(2, 8)))
            for kind, range_ in (
                (RECORD, {"first_year": year}),
                (RECORD, {"first_year": TODAY.year}),
                (CERT, {"months": rng.choice((12, 24, 36, 48))}),
            ):
                cert, page, _paper = issue((svc, ids), client, tmp_path, no, kind, **range_)
                _screen_agrees(client, no, cert, page)
                checked["months"] += len(page["months"])
                checked["back_paid_or_arrears"] += sum(
                    m["status"] in ("arrears", "back_paid") for m in page["months"]
                )
                checked["residents"] += sum(
                    s["scheme"].startswith("resident") for s in page["schemes"]
                )
    # The comparison saw real data: ~2,500 rows, arrears, residents' years (seed 11, 2024).
    assert checked["months"] > 500 and checked["back_paid_or_arrears"] > 0, checked
    assert checked["residents"] > 0, checked


def _screen_agrees(client: BackOfficeClient, no: str, cert: Certificate, page: dict) -> None:
    """What the kiosk's screens get (summary, contributions, accounts) says what the page
    says: the same rows, counted and summed the same way."""
    rows = client.contributions(no, first=cert.first, last=cert.last)
    assert [
        (r.scheme.value, str(r.period), _s(r.base), _s(r.employer_part), _s(r.personal_part),
         _s(r.subsidy), r.status.value, r.paid_on and r.paid_on.isoformat())
        for r in sorted(rows, key=lambda r: (list(Scheme).index(r.scheme), r.period))
    ] == [
        (m["scheme"], m["period"], m["base"], m["employer_part"], m["personal_part"],
         m["subsidy"], m["status"], m["paid_on"])
        for m in page["months"]
    ]  # fmt: skip
    for s in page["schemes"]:
        scheme = Scheme(s["scheme"])
        mine = [r for r in rows if r.scheme is scheme]
        counted = [r for r in mine if r.status.counted]
        n = months_covered(scheme)
        assert s["months_paid"] == n * len(counted)
        assert s["months_back_paid"] == n * sum(r.status is MonthStatus.BACK_PAID for r in mine)
        assert s["months_in_arrears"] == n * sum(r.status is MonthStatus.ARREARS for r in mine)
        assert Decimal(s["personal_total"]) == sum(
            (r.personal_part.yuan for r in counted), Decimal(0)
        )
        assert Decimal(s["employer_total"]) == sum(
            (r.employer_part.yuan for r in counted), Decimal(0)
        )
        assert Decimal(s["subsidy_total"]) == sum((r.subsidy.yuan for r in counted), Decimal(0))
    if cert.kind is RECORD:
        accounts = client.accounts(no)
        years = {y.year: y for y in accounts.pension_years}
        assert [(y["year"], y["balance"]) for y in page["pension_years"]] == [
            (y, _s(years[y].balance))
            for y in sorted(years)
            if cert.first.year <= y <= cert.last.year
        ]
        if cert.last.year == TODAY.year:
            # As at today: the screen's cumulative months and balances.
            summary = client.summary(no)
            for e in summary.enrolments:
                assert scheme_of(page, e.scheme.value)["cumulative_months"] == e.cumulative_months
            if accounts.pension_years:
                assert page["pension_balance"] == _s(accounts.pension_balance)
            assert page["medical_balance"] == _s(accounts.medical_balance)


def _s(m: Any) -> str:
    return f"{m.yuan:.2f}"


def test_the_paper_check_fails_when_one_figure_differs(loaded, client, tmp_path):
    """Control: the field-by-field check is not vacuous."""
    _cert, page, paper = issue(loaded, client, tmp_path, FLEX, RECORD, first_year=2023)
    for change in (
        lambda p: p["schemes"][0].update(cumulative_months=31),  # today's, not 2023's end
        lambda p: p["months"][3].update(personal_part="1000.01"),
        lambda p: p["months"][0].update(status="back_paid", paid_on="2024-03-10"),
        lambda p: p.update(pension_balance="13152.99"),
        lambda p: p["medical_years"][0].update(spending="300.01"),
        lambda p: p.update(digest="0" * 64),
    ):
        import copy

        wrong = copy.deepcopy(page)
        change(wrong)
        with pytest.raises(AssertionError):
            assert_paper_matches_page(paper, wrong, id_number=loaded[1][FLEX])


def test_the_kiosks_print_service_previews_the_attested_record(loaded, client):
    """PrintService.prepare: one certificate call (no summary, history or accounts call), the
    PDF from its answer, page 1 previewed; the card holder's ID number must be the record's."""
    from kiosk.domain import CardHolder
    from kiosk.printing import PrintService

    svc, ids = loaded
    calls: list[str] = []
    real = client.session.request

    def counting(method: str, url: str, **kw: Any):
        calls.append(f"{method} {url.removeprefix(svc.url)}")
        return real(method, url, **kw)

    client.session.request = counting
    service = PrintService(
        client, None, font_path=DEFAULT_FONT_PATH, hall_name="市社保大厅",
        terminal_id="KIOSK-0001", clock=lambda: dt.datetime(2024, 6, 20, 2, 0, tzinfo=dt.UTC),
    )  # fmt: skip
    holder = CardHolder(ids[FLEX], "李小梅", "A00000001", "0" * 32, "110100")
    try:
        preview = service.prepare(FLEX, holder, {"kind": "rights_record", "first_year": 2023})
        assert calls == [f"POST /v1/members/{FLEX}/certificates"]
        assert preview.title == "个人权益记录单 2023" and Path(preview.image).exists()
        other = CardHolder(ids[EMPLOYEE], "欧阳建国", "A00000003", "0" * 32, "110100")
        with pytest.raises(PrintFailed):
            service.prepare(FLEX, other, {"kind": "participation", "months": 12})
    finally:
        client.session.request = real
        service.forget()


def test_a_certificate_issued_before_the_content_grew_still_verifies():
    """Format 1 content (the schemes' counts only) is shown with the fields it has."""
    from backoffice.api.models import VerificationOut
    from backoffice.rules.certificates import verification_view

    old = {
        "kind": "participation", "member_no": "11010000000001", "name": "李小梅",
        "id_number_masked": "110***********0027", "first": "2023-06", "last": "2024-05",
        "issued_at": "2024-06-20T02:00:00", "expires_at": "2024-09-18T02:00:00",
        "issuer": "示例市",
        "schemes": [{"scheme": "pension", "status": "active", "first": "2023-06",
                     "last": "2024-05", "months_paid": 12, "months_in_arrears": 0,
                     "personal_total": "13034.90", "employer_total": "0.00",
                     "cumulative_months": 31}],
    }  # fmt: skip
    view = verification_view(old)
    out = VerificationOut(
        **view, valid=True, expired=False, issued_at=old["issued_at"],
        expires_at=old["expires_at"], digest="0" * 64,
    )  # fmt: skip
    assert out.format == 1 and out.name_masked == "*小梅" and out.months == []
    assert out.schemes[0].months_paid == 12 and out.schemes[0].months_back_paid == 0
