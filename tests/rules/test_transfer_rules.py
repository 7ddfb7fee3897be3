"""The transfer rules (backoffice/rules/transfer.py) on hand-made rows: insured periods by city,
the request's progress, and what a new request may name. Worked examples in the comments."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from backoffice import transfers
from backoffice.errors import ApiError
from backoffice.rules import transfer as rules
from kiosk.domain import Scheme

HERE = rules.City("110100", "示例市", "Example City")
SHANGHAI = rules.CITIES["310100"]


def row(
    period: int,
    status: str = "paid",
    payer: str | None = "示例科技",
    er: int = 96000,
    pe: int = 48000,
    scheme: str = "pension",
) -> tuple[Any, ...]:
    return (scheme, period, 600000, er, pe, status, payer, pe, 0, None)


def test_runs_split_on_city_gap_and_arrears() -> None:
    rows = [
        row(202311, "transferred_in", "上海市华信科技有限公司", er=80000, pe=40000),
        row(202312, "transferred_in", "上海市华信科技有限公司", er=80000, pe=40000),
        row(202401),  # here: a new run (another city)
        row(202402),
        row(202403, "arrears"),  # not counted: ends the run
        row(202404, "back_paid"),  # counted
        row(202406),  # 2024-05 missing: a gap ends the run
        row(202406, scheme="medical"),  # another scheme: not this voucher's
    ]
    got = rules.runs(rows, Scheme.PENSION, HERE, None)
    assert [(r.city.zh, r.first, r.last, r.months) for r in got] == [
        ("上海市", 202311, 202312, 2),
        ("示例市", 202401, 202402, 2),
        ("示例市", 202404, 202404, 1),
        ("示例市", 202406, 202406, 1),
    ]
    # Shanghai: 2 x 400.00 personal, 2 x 800.00 employer
    assert (got[0].personal_fen, got[0].employer_fen, got[0].transferred_in) == (
        80000,
        160000,
        True,
    )
    assert got[1].personal_fen == 96000  # 2 x 480.00


def test_a_run_crosses_the_year_end() -> None:
    got = rules.runs([row(202412), row(202501)], Scheme.PENSION, HERE, None)
    assert [(r.first, r.last, r.months) for r in got] == [(202412, 202501, 2)]


def test_transferred_months_without_a_city_in_the_name() -> None:
    rows = [row(202001, "transferred_in", "某某公司"), row(202002, "transferred_in", None)]
    # the member's finished request names the city; without one: 外地
    assert rules.runs(rows, Scheme.PENSION, HERE, SHANGHAI)[0].city == SHANGHAI
    assert rules.runs(rows, Scheme.PENSION, HERE, None)[0].city == rules.UNKNOWN_CITY


def test_voucher_totals() -> None:
    member = SimpleNamespace(
        member_no="11010000000001",
        name="张三",
        id_number="110101198001010010",
        sex="1",
        birth_date=dt.date(1980, 1, 1),
    )
    rows = [row(202312, "transferred_in", "上海市甲公司"), row(202401), row(202402)]
    c = rules.voucher(
        certificate_id="c1",
        kind=rules.VoucherKind.PENSION,
        member=member,
        rows=rows,
        here=HERE,
        came_from=None,
        account_fen=1234567,
        account_year=2024,
        today=dt.date(2024, 3, 5),
        issuer="示例市",
        issued_at="2024-03-05T01:00:00+00:00",
        expires_at="2024-06-03T01:00:00+00:00",
    )
    assert (c["months_paid"], c["months_transferred_in"], c["months_here"]) == (3, 1, 2)
    assert (c["first"], c["last"]) == ("2023-12", "2024-02")
    assert c["account_balance"] == "12345.67"
    assert c["id_number_masked"] != member.id_number and "name" in c
    view = rules.verification_view(c)
    assert "name" not in view and "birth_date" not in view and view["name_masked"] != "张三"


@pytest.mark.parametrize(
    ("dates", "state"),
    [
        ((None, None, None), rules.Step.SUBMITTED),
        ((dt.date(2026, 1, 2), None, None), rules.Step.CONTACTED),
        ((dt.date(2026, 1, 2), dt.date(2026, 2, 2), None), rules.Step.FUNDS_RECEIVED),
        ((dt.date(2026, 1, 2), dt.date(2026, 2, 2), dt.date(2026, 2, 9)), rules.Step.DONE),
    ],
)
def test_state_is_the_furthest_step(dates: tuple[dt.date | None, ...], state: rules.Step) -> None:
    assert rules.state_of(*dates) is state


def _policy() -> Any:
    return SimpleNamespace(region="110100")


def _open(done: dt.date | None) -> Any:
    return SimpleNamespace(from_city="440300", submitted_on=dt.date(2026, 5, 1), done_on=done)


def test_a_new_request() -> None:
    assert (
        transfers.check_new_request(_policy(), "310100", [_open(dt.date(2020, 1, 1))]) == SHANGHAI
    )
    for city, existing, code in (
        ("110100", [], "TRANSFER_SAME_CITY"),
        ("999999", [], "UNKNOWN_CITY"),
        ("310100", [_open(None)], "TRANSFER_ALREADY_OPEN"),
    ):
        with pytest.raises(ApiError) as e:
            transfers.check_new_request(_policy(), city, existing)
        assert e.value.code == code
