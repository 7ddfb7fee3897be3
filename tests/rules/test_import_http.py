"""One member loaded by the importer, read back over HTTP: summary and contributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import requests

from kiosk.domain import EnrolmentStatus, Money, MonthStatus, Period, Scheme
from tests.helpers.backoffice import client_for
from tests.helpers.builders import employer, enrolment, member, months

TODAY = dt.date(2024, 4, 20)
NO = "11010000000001"


def test_one_member_reads_back_over_http(imported) -> None:
    m = member(
        NO,
        name="李四",
        birth_date="1985-03-02",
        enrolments=[enrolment("pension", "2024-01", employer="E1")],
        # 2024 at the 60% base: 120,698 x 60% / 12 = 6,034.90; employer 16% = 965.584 -> 965.58,
        # personal 8% = 482.792 -> 482.79, account 8% -> 482.79.
        contributions=months(
            "pension",
            "2024-01",
            "2024-02",
            base="6034.90",
            employer_part="965.58",
            personal_part="482.79",
            account="482.79",
            payer="E1",
        )
        + months(
            "pension",
            "2024-03",
            "2024-03",
            base="6034.90",
            employer_part="965.58",
            personal_part="482.79",
            status="arrears",
            payer="E1",
        ),
    )
    with imported([m], [employer("E1", "示例科技有限公司")], today=TODAY) as svc:
        with client_for(svc) as client:
            summary = client.summary(NO)
            rows = client.contributions(NO)
        raw = requests.get(
            f"{svc.url}/v1/members/{NO}/contributions",
            headers={"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"},
            timeout=10,
        )
    assert summary.name == "李四"
    assert summary.birth_date == dt.date(1985, 3, 2)
    assert summary.as_of == TODAY
    [e] = summary.enrolments
    assert (e.scheme, e.status, e.since, e.employer) == (
        Scheme.PENSION,
        EnrolmentStatus.ACTIVE,
        Period(2024, 1),
        "示例科技有限公司",
    )
    assert e.cumulative_months == 2  # January and February paid; March in arrears
    assert [(r.period, r.status) for r in rows] == [
        (Period(2024, 1), MonthStatus.PAID),
        (Period(2024, 2), MonthStatus.PAID),
        (Period(2024, 3), MonthStatus.ARREARS),
    ]
    assert {r.base for r in rows} == {Money(Decimal("6034.90"))}
    assert {r.employer_part for r in rows} == {Money(Decimal("965.58"))}
    assert {r.personal_part for r in rows} == {Money(Decimal("482.79"))}
    assert {r.payer for r in rows} == {"示例科技有限公司"}
    assert raw.status_code == 200, raw.text
    body = raw.json()
    assert (body["first"], body["last"], body["count"]) == ("2024-01", "2024-03", 3)
    assert body["rows"][2] == {
        "scheme": "pension",
        "period": "2024-03",
        "base": "6034.90",
        "employer_part": "965.58",
        "personal_part": "482.79",
        "subsidy": "0.00",
        "status": "arrears",
        "payer": "示例科技有限公司",
        "paid_on": None,
    }
