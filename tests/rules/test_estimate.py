"""Pension estimate (养老金测算): worked examples through the real back office over HTTP, on
members loaded by the importer, today fixed at 2025-03-20.

Figures every example uses (default policy, docs/rules.md):
- 2024's average wage 124,110 -> monthly 124,110 / 12 = 10,342.50 (the reference wage of 2025's
  months, and W for retiring in 2025); 2023's 120,698 / 12 = 10,058.1666... -> 10,058.17 (the
  reference wage of 2024's months).
- A base equal to the reference wage has index 1 exactly: 10,342.50 / 10,342.50.
- The account is credited 8% of the base: 10,342.50 x 8% = 827.40; 10,058.17 x 8% = 804.6536
  -> 804.65; 6,205.50 x 8% = 496.44.
- Crediting rates: 2024 2.62% (published); 2025 and later the assumed 2.62% ([estimate]
  crediting_rate) unless the query sets another.
- Interest, national method: opening x rate + the year's credits x rate x 1.083 / 2, rounded to
  the fen; the year of retirement has none yet.
- 计发月数 at 60: 139."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import requests

from backoffice.harness import RunningService
from kiosk.domain import Money, Period
from kiosk.domain.estimate import describe
from kiosk.i18n import Translator
from tests.helpers import builders
from tests.helpers.backoffice import client_for
from tests.helpers.builders import enrolment, flexible_months, member, months

TODAY = dt.date(2025, 3, 20)
W2024 = "10342.50"  # 124,110 / 12, exactly
W2023 = "10058.17"  # 120,698 / 12 = 10,058.1666... -> 10,058.17

# Born 1965-06: reaching 60 in 2025-06, the retirement month; contributions run to 2025-06
# included (as the dues allow), the pension starts 2025-07.
ACCOUNT_2024 = [
    {"year": 2024, "principal": "9000.00", "interest": "1000.00", "balance": "50000.00"},
    # January to March 2025 credited so far: 3 x 827.40 = 2,482.20
    {"year": 2025, "principal": "2482.20", "interest": "0.00", "balance": "52482.20"},
]

ONCE = "11010000000101"  # March paid this month: counted once
SHORT = "11010000000102"  # suspended, 1 month short; continuing reaches the minimum
FAR_SHORT = "11010000000103"  # suspended, far short even if continuing
INDEX = "11010000000104"  # bases at 60%: the average index
INTEREST = "11010000000105"  # retiring 2027-06: two years of interest projected
CROSS_YEAR = "11010000000106"  # account computed by the importer; future credits over a year end
AHEAD = "11010000000107"  # April paid ahead, March in arrears


def _members() -> list[dict[str, Any]]:
    q1 = flexible_months("2025-01", "2025-03", W2024)  # index 1, account 827.40 a month
    return [
        member(
            ONCE,
            birth_date="1965-06-10",
            enrolments=[enrolment("pension", "2025-01")],
            contributions=q1,
            deemed_months=175,
            pension_account=ACCOUNT_2024,
        ),
        member(
            SHORT,
            birth_date="1965-06-10",
            enrolments=[enrolment("pension", "2025-01", status="suspended")],
            contributions=q1,
            deemed_months=176,
            pension_account=ACCOUNT_2024,
        ),
        member(
            FAR_SHORT,
            birth_date="1965-06-10",
            enrolments=[enrolment("pension", "2025-01", status="suspended")],
            contributions=q1,
            deemed_months=100,
            pension_account=ACCOUNT_2024,
        ),
        member(
            INDEX,
            birth_date="1965-06-10",
            enrolments=[enrolment("pension", "2025-01")],
            # 60% of 10,342.50 = 6,205.50: index 0.6; account 8% = 496.44 a month
            contributions=flexible_months("2025-01", "2025-03", "6205.50"),
            deemed_months=175,
            pension_account=[
                ACCOUNT_2024[0],
                # 3 x 496.44 = 1,489.32
                {"year": 2025, "principal": "1489.32", "interest": "0.00", "balance": "51489.32"},
            ],
        ),
        member(
            INTEREST,
            birth_date="1967-06-10",
            enrolments=[enrolment("pension", "2025-01", status="suspended")],
            contributions=q1,
            deemed_months=200,
            pension_account=ACCOUNT_2024,
        ),
        member(
            CROSS_YEAR,
            birth_date="1966-01-10",
            enrolments=[enrolment("pension", "2024-01")],
            contributions=flexible_months("2024-01", "2024-12", W2023)
            + flexible_months("2025-01", "2025-03", W2024),
            deemed_months=160,
        ),
        member(
            AHEAD,
            birth_date="1965-06-10",
            enrolments=[enrolment("pension", "2025-01")],
            contributions=flexible_months("2025-01", "2025-02", W2024)
            # March in arrears: 20% of 10,342.50 = 2,068.50 owed
            + months(
                "pension",
                "2025-03",
                "2025-03",
                base=W2024,
                personal_part="2068.50",
                status="arrears",
            )
            + flexible_months("2025-04", "2025-04", W2024),
            deemed_months=175,
            pension_account=ACCOUNT_2024,
        ),
    ]


@pytest.fixture(scope="module")
def svc() -> Any:
    with builders.imported(_members(), today=TODAY) as s:
        yield s


def _raw(svc: RunningService, no: str, **params: str) -> dict[str, Any]:
    r = requests.get(
        f"{svc.url}/v1/members/{no}/pension-estimate",
        params=params,
        headers={"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_a_month_paid_this_month_is_counted_once(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(ONCE)
    assert e.retirement_period == Period(2025, 6)  # born 1965-06, at 60
    # On record: 2025-01, 02, 03 (March paid in March) = 3. Future: 2025-03..2025-06 (the
    # retirement month included) less March, on record already = April, May, June = 3 (counting
    # March again would make 4).
    assert (e.recorded_months, e.future_months, e.deemed_months) == (3, 3, 175)
    assert e.contribution_months == 181  # 175 + 3 + 3, not 182
    assert e.eligible and e.months_missing == 0 and e.if_continued is None


def test_basic_pension_by_the_formula(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(ONCE)
    # Every month at index 1 (deemed 1.0; bases = reference wage; future index = the average
    # of the last 12 months on record = 1): I = 1.0000.
    assert e.average_index == Decimal("1.0000")
    assert e.average_monthly_wage == Money.of("10342.50")  # 2024: 124,110 / 12
    # 10,342.50 x (1 + 1) / 2 x 181 / 12 x 1% = 10,342.50 x 181 / 1,200
    #   = 1,871,992.50 / 1,200 = 1,559.99375 -> 1,559.99
    assert e.basic_pension == Money.of("1559.99")


def test_account_pension_is_the_balance_over_the_months_divisor(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(ONCE)
    # 2024 closed at 50,000.00; 2025: 2,482.20 so far + April, May and June 3 x 827.40
    # = 2,482.20; 2025 is the year of retirement, no interest yet:
    # 50,000.00 + 2,482.20 + 2,482.20 = 54,964.40
    assert e.account_balance == Money.of("54964.40")
    assert e.months_divisor == 139
    # 54,964.40 / 139 = 395.4273... -> 395.43
    assert e.account_pension == Money.of("395.43")
    body = _raw(svc, ONCE)
    assert body["monthly_total"] == "1955.42"  # 1,559.99 + 395.43


def test_below_the_minimum_says_the_months_missing_and_what_continuing_gives(
    svc: RunningService,
) -> None:
    body = _raw(svc, SHORT)
    # Suspended: no future months. 176 deemed + 3 on record = 179: 180 - 179 = 1 missing.
    assert (body["contribution_months"], body["future_months"]) == (179, 0)
    assert body["eligible"] is False and body["months_missing"] == 1
    assert body["monthly_total"] is None  # no monthly pension below the minimum
    c = body["if_continued"]
    # Paying April, May and June (the retirement month) 2025: 179 + 3 = 182 >= 180.
    assert (c["contribution_months"], c["future_months"], c["months_missing"]) == (182, 3, 0)
    assert c["eligible"] is True
    # 10,342.50 x (1 + 1) / 2 x 182 / 12 x 1% = 1,882,335.00 / 1,200 = 1,568.6125 -> 1,568.61
    assert c["basic_pension"] == "1568.61"
    # 50,000.00 + 2,482.20 + 3 x 827.40 = 54,964.40; / 139 = 395.4273... -> 395.43
    assert (c["account_balance"], c["account_pension"]) == ("54964.40", "395.43")
    assert c["monthly_total"] == "1964.04"  # 1,568.61 + 395.43
    with client_for(svc) as client:
        e = client.pension_estimate(SHORT)
    assert e.months_missing == 1 and e.if_continued is not None
    assert e.if_continued.contribution_months == 182


def test_far_below_the_minimum_even_if_continuing(svc: RunningService) -> None:
    body = _raw(svc, FAR_SHORT)
    # 100 deemed + 3 on record = 103: 180 - 103 = 77 missing.
    assert (body["contribution_months"], body["months_missing"]) == (103, 77)
    c = body["if_continued"]
    # Continuing adds April, May and June: 106, still 180 - 106 = 74 short at retirement.
    assert (c["contribution_months"], c["months_missing"], c["eligible"]) == (106, 74, False)
    assert c["monthly_total"] is None


def test_average_index_weighs_deemed_recorded_and_future_months(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(INDEX)
    # 175 deemed at 1.0; 3 on record at 6,205.50 / 10,342.50 = 0.6; 3 future (April to June) at
    # the average of the last 12 on record = 0.6: 175 + 6 x 0.6 = 178.6 over 175 + 3 + 3 = 181
    # months: 178.6 / 181 = 0.98674... -> 0.9867
    assert e.average_index == Decimal("0.9867")
    # 10,342.50 x (1 + 0.9867) / 2 = 10,342.50 x 0.99335 = 10,273.722375;
    #   x 181 = 1,859,543.749875; / 12 x 1% = / 1,200 = 1,549.6197915... -> 1,549.62
    assert e.basic_pension == Money.of("1549.62")
    # 50,000.00 + 1,489.32 + 3 future x (10,342.50 x 0.6 = 6,205.50; x 8% = 496.44) = 1,489.32
    #   = 52,978.64; / 139 = 381.1412... -> 381.14
    assert e.account_balance == Money.of("52978.64")
    assert e.account_pension == Money.of("381.14")


def test_interest_is_projected_by_the_national_method(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(INTEREST)
        e3 = client.pension_estimate(INTEREST, crediting_rate=Decimal("0.03"))
    assert e.retirement_period == Period(2027, 6) and e.future_months == 0  # suspended
    # 2025: 50,000.00 x 2.62% = 1,310.00; 2,482.20 x 2.62% = 65.03364, x 1.083 = 70.43143212,
    #   / 2 = 35.21571606; interest 1,345.21571606 -> 1,345.22;
    #   closing 50,000.00 + 2,482.20 + 1,345.22 = 53,827.42
    # 2026: 53,827.42 x 2.62% = 1,410.278404 -> 1,410.28; closing 55,237.70
    # 2027: the year of retirement, no interest: 55,237.70
    assert e.account_balance == Money.of("55237.70")
    assert e.account_pension == Money.of("397.39")  # 55,237.70 / 139 = 397.3935... -> 397.39
    # At 3%: 2025: 1,500.00 + 2,482.20 x 3% = 74.466, x 1.083 = 80.646678, / 2 = 40.323339
    #   -> 1,540.32; closing 54,022.52. 2026: 54,022.52 x 3% = 1,620.6756 -> 1,620.68;
    #   closing 55,643.20; / 139 = 400.3107... -> 400.31
    assert e3.account_balance == Money.of("55643.20")
    assert e3.account_pension == Money.of("400.31")


def test_future_credits_over_a_year_end_with_the_account_the_importer_computed(
    svc: RunningService,
) -> None:
    with client_for(svc) as client:
        accounts = client.accounts(CROSS_YEAR)
        e = client.pension_estimate(CROSS_YEAR)
    # The importer's account (no pension_account in the file): 2024 credits 12 x 804.65
    # = 9,655.80; interest 9,655.80 x 2.62% = 252.98196, x 1.083 = 273.97946268, / 2
    # = 136.98973134 -> 136.99; closing 9,792.79. 2025 so far: 3 x 827.40 = 2,482.20, no interest.
    assert [(y.year, y.interest, y.balance) for y in accounts.pension_years] == [
        (2024, Money.of("136.99"), Money.of("9792.79")),
        (2025, Money.zero(), Money.of("12274.99")),
    ]
    # Born 1966-01: the retirement month is 2026-01. Future: 2025-04..2026-01 (the retirement
    # month included) = 9 + 1 = 10 months at index 1 (the last 12 on record are all at their
    # reference wage); 2025's nine each 827.40: 7,446.60.
    assert (e.recorded_months, e.future_months, e.contribution_months) == (15, 10, 185)
    # 2025: opening 9,792.79 x 2.62% = 256.571098; credits 2,482.20 + 7,446.60 = 9,928.80,
    #   x 2.62% = 260.13456, x 1.083 = 281.72572848, / 2 = 140.86286424;
    #   interest 397.43396224 -> 397.43; closing 9,792.79 + 9,928.80 + 397.43 = 20,119.02
    # 2026, the year of retirement: January's credit belongs to it, at 2025's wage (the
    #   [average_wage_fallback] 124,110 / 12 = 10,342.50) x 8% = 827.40; no interest yet:
    #   20,119.02 + 827.40 = 20,946.42
    assert e.account_balance == Money.of("20946.42")
    assert e.account_pension == Money.of("150.69")  # 20,946.42 / 139 = 150.6936... -> 150.69


def test_months_paid_ahead_and_arrears_of_this_month(svc: RunningService) -> None:
    with client_for(svc) as client:
        e = client.pension_estimate(AHEAD)
    # On record: January, February, April (paid ahead) = 3; March is in arrears, so it is
    # still to pay. Future: March, May and June = 3 (April not again). 175 + 3 + 3 = 181.
    assert (e.recorded_months, e.future_months, e.contribution_months) == (3, 3, 181)
    # Account: 50,000.00 + 2,482.20 as imported + 3 x 827.40 = 2,482.20: 54,964.40
    assert e.account_balance == Money.of("54964.40")


def test_assumptions_are_sentences_in_both_languages(svc: RunningService) -> None:
    body = _raw(svc, ONCE)
    by_key = {a["key"]: a for a in body["assumptions"]}
    assert {"retirement_age", "continue_contributing", "wage_growth", "crediting_rate"} <= set(
        by_key
    )
    for a in body["assumptions"]:
        assert a["text_zh"] and a["text_en"], a["key"]
        assert "yes" not in a["text_en"].split() and ": yes" not in a["text_zh"]
    cont = by_key["continue_contributing"]
    assert "3 个月" in cont["text_zh"] and "3 more months" in cont["text_en"]  # April to June
    # Reaching 60 in 2025-06: paid to that month, the pension from the next (as the dues allow).
    age, month = by_key["retirement_age"], by_key["retirement_month"]
    assert "2025年07月开始领取养老金" in age["text_zh"]
    assert "the pension starts in 2025-07" in age["text_en"]
    assert "退休年月为2025年06月" in month["text_zh"] and "缴费算到当月" in month["text_zh"]
    assert "2025-06" in month["text_en"] and "contributions run to that month" in month["text_en"]
    assert "175" in by_key["deemed_months"]["text_zh"]  # deemed months said where present
    suspended = {a["key"]: a for a in _raw(svc, SHORT)["assumptions"]}
    assert "不再缴费" in suspended["continue_contributing"]["text_zh"]


def test_the_page_says_the_months_short_never_a_monthly_amount(svc: RunningService) -> None:
    with client_for(svc) as client:
        short, far, ok = (client.pension_estimate(no) for no in (SHORT, FAR_SHORT, ONCE))
    zh, en = Translator(language="zh"), Translator(language="en")
    page = describe(short, zh, "zh")
    assert page.headline == "还差 1 个月（最低缴费年限15年）"  # 180 - 179
    # what paying April, May and June would give: 182 months, 1,568.61 + 395.43 = 1,964.04
    assert any("再缴 3 个月" in p and "182 个月" in p and "￥1,964.04" in p for p in page.parts)
    assert describe(short, en, "en").headline == "1 month short of the 15-year minimum"
    far_page = describe(far, en, "en")
    assert far_page.headline == "77 months short of the 15-year minimum"  # 180 - 103
    assert "￥" not in far_page.headline
    assert any("106 months, 74 short" in p for p in far_page.parts)  # 103 + 3; 180 - 106
    ok_page = describe(ok, zh, "zh")
    assert ok_page.headline == "预计每月养老金：￥1,955.42"  # 1,559.99 + 395.43
    # each assumption the back office's sentence, never "key: value"
    assert all(": yes" not in a and "：yes" not in a for a in ok_page.assumptions)
    assert ok_page.assumptions == tuple(a.text_zh for a in ok.assumptions)
