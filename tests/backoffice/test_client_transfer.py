"""Transfers between cities (转移接续) through the kiosk's client against the real back office
over HTTP (tests/helpers/transfer_medical.py: today 2026-06-20, this city 示例市 110100): the
pension and medical vouchers (参保缴费凭证) with their verification code and public page, and the
transfer-in requests. Worked figures beside each value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.members import MemberRow
from backoffice.storage.transfer import TransferRequestRow
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money, Period
from kiosk.domain.transfer import TransferStep, VoucherKind
from tests.helpers.backoffice import client_for
from tests.helpers.transfer_medical import LOCAL, MOVER, RESIDENT, transfer_medical_service


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with transfer_medical_service() as s:
        yield s


def test_pension_voucher_by_city(svc: RunningService) -> None:
    with client_for(svc) as c:
        v = c.transfer_voucher(MOVER, VoucherKind.PENSION)
    assert v.kind is VoucherKind.PENSION and v.name == "李四"
    assert v.id_number_masked.startswith("110") and "*" in v.id_number_masked
    shanghai, before, after = v.periods
    assert (shanghai.city.code, shanghai.city.zh) == ("310100", "上海市")  # the employer's city
    assert (shanghai.first, shanghai.last, shanghai.months) == (
        Period(2015, 1),
        Period(2016, 12),
        24,  # 2015-01..2016-12
    )
    assert shanghai.transferred_in
    assert shanghai.personal_total == Money.of("9600.00")  # 24 x 400.00
    assert shanghai.employer_total == Money.of("19200.00")  # 24 x 800.00
    # 2019-06 in arrears ends the first run here: 2017-03..2019-05 = 10 + 12 + 5 = 27 months
    assert (before.city.zh, before.first, before.last, before.months) == (
        "示例市",
        Period(2017, 3),
        Period(2019, 5),
        27,
    )
    assert before.personal_total == Money.of("12960.00")  # 27 x 480.00
    # 2019-07..2026-05 = 6 + 6 x 12 + 5 = 83 months
    assert (after.first, after.last, after.months) == (Period(2019, 7), Period(2026, 5), 83)
    assert after.employer_total == Money.of("79680.00")  # 83 x 960.00
    assert not before.transferred_in and not after.transferred_in
    assert v.months_paid == 134  # 24 + 27 + 83
    assert (v.months_transferred_in, v.months_here) == (24, 110)  # 27 + 83 here
    # the pension account's latest year, as written: 2026 closing 62,400.00
    assert (v.account_balance, v.account_year) == (Money.of("62400.00"), 2026)
    assert (v.first, v.last) == (Period(2015, 1), Period(2026, 5))
    assert len(v.verification.code) == 19  # XXXX-XXXX-XXXX-XXXX


def test_medical_voucher(svc: RunningService) -> None:
    with client_for(svc) as c:
        v = c.transfer_voucher(MOVER, VoucherKind.MEDICAL)
    assert [(p.city.zh, p.months) for p in v.periods] == [
        ("上海市", 24),  # 2015-01..2016-12
        ("示例市", 111),  # 2017-03..2026-05: 10 + 8 x 12 + 5
    ]
    assert v.periods[1].personal_total == Money.of("13320.00")  # 111 x 120.00
    assert v.months_paid == 135  # 24 + 111
    assert v.account_balance == Money.of("1750.00")  # the medical account today


def test_voucher_is_verified_on_the_public_page(svc: RunningService) -> None:
    with client_for(svc) as c:
        v = c.transfer_voucher(MOVER, VoucherKind.PENSION, idempotency_key="voucher-key-0001")
        again = c.transfer_voucher(MOVER, VoucherKind.PENSION, idempotency_key="voucher-key-0001")
        assert again == v  # a retry hears the first voucher, not a second one
        with pytest.raises(Rejected) as e:
            c.transfer_voucher(MOVER, VoucherKind.MEDICAL, idempotency_key="voucher-key-0001")
        assert e.value.code == "IDEMPOTENCY_CONFLICT"
    code = v.verification.code.replace("-", "")
    page = requests.get(f"{svc.url}/verify/{code}", headers={"Accept": "application/json"})
    assert page.status_code == 200
    body = page.json()
    assert body["valid"] and body["digest"] == v.digest
    assert body["name_masked"] != "李四" and "name" not in body and "birth_date" not in body
    assert body["months_paid"] == 134 and body["periods"][0]["city_zh"] == "上海市"
    html = requests.get(f"{svc.url}/verify/{v.verification.code}").text
    assert "基本养老保险参保缴费凭证" in html and "上海市" in html and "62400.00" in html
    assert "李四" not in html


def test_nothing_to_transfer(svc: RunningService) -> None:
    with client_for(svc) as c, pytest.raises(Rejected) as e:
        c.transfer_voucher(RESIDENT, VoucherKind.PENSION)
    assert (e.value.status, e.value.code) == (409, "NO_TRANSFER_RECORD")


def test_finished_request_and_its_steps(svc: RunningService) -> None:
    with client_for(svc) as c:
        r = c.transfer_requests(MOVER)
    assert r.open is None
    (done,) = r.requests
    assert done.state is TransferStep.DONE and done.from_city.zh == "上海市"
    assert [(s.step, s.reached_on) for s in done.steps] == [
        (TransferStep.SUBMITTED, dt.date(2017, 2, 10)),
        (TransferStep.CONTACTED, dt.date(2017, 2, 20)),
        (TransferStep.FUNDS_RECEIVED, dt.date(2017, 3, 15)),
        (TransferStep.DONE, dt.date(2017, 3, 30)),
    ]


def test_start_a_request_once(svc: RunningService) -> None:
    with client_for(svc) as c:
        cities = c.transfer_cities()
        assert cities.here.code == "110100"
        assert "110100" not in [x.code for x in cities.cities]
        with pytest.raises(Rejected) as e:
            c.start_transfer(LOCAL, "110100")
        assert (e.value.status, e.value.code) == (409, "TRANSFER_SAME_CITY")
        with pytest.raises(Rejected) as e:
            c.start_transfer(LOCAL, "999999")
        assert (e.value.status, e.value.code) == (400, "UNKNOWN_CITY")
        assert c.transfer_requests(LOCAL).requests == ()  # refusals record nothing
        first = c.start_transfer(LOCAL, "440300", idempotency_key="transfer-key-0001")
        assert first == c.start_transfer(LOCAL, "440300", idempotency_key="transfer-key-0001")
        assert first.open is not None and first.open.state is TransferStep.SUBMITTED
        assert first.open.submitted_on == dt.date(2026, 6, 20)
        assert first.open.from_city.zh == "深圳市"
        assert [s.reached_on for s in first.open.steps][1:] == [None, None, None]
        with pytest.raises(Rejected) as e:
            c.start_transfer(LOCAL, "510100")  # another key: a second request
        assert (e.value.status, e.value.code) == (409, "TRANSFER_ALREADY_OPEN")
        assert "深圳市" in e.value.message_zh
        with pytest.raises(Rejected) as e:
            c.start_transfer(LOCAL, "510100", idempotency_key="transfer-key-0001")
        assert e.value.code == "IDEMPOTENCY_CONFLICT"
        assert len(c.transfer_requests(LOCAL).requests) == 1


def test_the_database_holds_one_open_request_a_member(svc: RunningService) -> None:
    # Two terminals asking at once pass the service's check together: the partial unique
    # index (member, done_on NULL) refuses the second row.
    db = Database(svc.database)
    try:
        with db.session() as session:
            member_id = session.scalars(
                select(MemberRow.id).where(MemberRow.member_no == RESIDENT)
            ).one()
            for key in ("race-0001", "race-0002"):
                session.add(
                    TransferRequestRow(
                        member_id=member_id,
                        from_city="310100",
                        submitted_on=dt.date(2026, 6, 20),
                        terminal_id="KIOSK-0002",
                        idempotency_key=key,
                        request_hash="",
                    )
                )
            with pytest.raises(IntegrityError):
                session.commit()
    finally:
        db.dispose()
