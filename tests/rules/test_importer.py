"""The importer (backoffice/importer.py, docs/import-format.md): a good file reads back over HTTP
exactly; each kind of bad input gets its own message naming the record and field, and leaves
the database empty; the CLI; the pension account computed by the national method when the file
has none."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from backoffice.harness import REPO, RunningService, running_service
from backoffice.importer import ImportFileError, import_data, import_file
from backoffice.policy import load_policy
from backoffice.storage import Database
from kiosk.domain import (
    AccountYear,
    EnrolmentStatus,
    MedicalAccountYear,
    Money,
    MonthStatus,
    Period,
    Scheme,
)
from kiosk.domain.benefits import BenefitKind
from kiosk.domain.cards import CardStatus
from kiosk.domain.identity import mask_id
from tests.helpers.backoffice import client_for
from tests.helpers.builders import (
    card_for,
    document,
    employer,
    enrolment,
    flexible_months,
    member,
    months,
    resident_year,
    write_import,
)

TODAY = dt.date(2024, 4, 20)
TABLES = (
    "member",
    "employer",
    "card",
    "enrolment",
    "contribution",
    "pension_account_year",
    "medical_account_year",
    "benefit_payment",
)


def money(text: str) -> Money:
    return Money(Decimal(text))


def counts(db_file: Path | str) -> dict[str, int]:
    with sqlite3.connect(db_file) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


EMPTY = dict.fromkeys(TABLES, 0)


# --- the members of the good file ---------------------------------------------------------

WORKER = "11010000000001"
RESIDENT = "11010000000002"


def worker() -> dict[str, Any]:
    """An employee of E1 until 2023-12, flexible since 2024-01; every field of the format."""
    return member(
        WORKER,
        name="王五",
        birth_date="1975-06-15",
        work_start="1996-07",
        first_insured="1997-01",
        deemed_months=18,
        enrolments=[
            enrolment("pension", "2023-11"),
            enrolment("medical", "2023-11", status="terminated", until="2023-12", employer="E1"),
        ],
        contributions=(
            # 2023 as an employee: base 6,000.00; employer 16% = 960.00, personal 8% = 480.00,
            # to the account 8% = 480.00.
            months(
                "pension",
                "2023-11",
                "2023-12",
                base="6000.00",
                employer_part="960.00",
                personal_part="480.00",
                account="480.00",
                payer="E1",
            )
            # Medical 2023: employer 9.8% = 588.00, personal 2% = 120.00, to the account 120.00.
            + months(
                "medical",
                "2023-11",
                "2023-12",
                base="6000.00",
                employer_part="588.00",
                personal_part="120.00",
                account="120.00",
                payer="E1",
            )
            # Flexible 2024 at 6,034.90: 20% = 1,206.98 paid, 8% = 482.792 -> 482.79 credited;
            # January back paid on 2024-04-10, February transferred in, March in arrears.
            + flexible_months(
                "2024-01", "2024-01", "6034.90", status="back_paid", paid_on="2024-04-10"
            )
            + flexible_months("2024-02", "2024-02", "6034.90", status="transferred_in")
            + flexible_months("2024-03", "2024-03", "6034.90", status="arrears")
        ),
        pension_account=[
            {"year": 2023, "principal": "960.00", "interest": "20.64", "balance": "980.64"},
            {"year": 2024, "principal": "965.58", "interest": "0.00", "balance": "1946.22"},
        ],
        medical_account=[
            {"year": 2023, "credits": "240.00", "spending": "75.50", "balance": "164.50"},
        ],
        benefits=[{"kind": "unemployment", "period": "2024-01", "amount": "1850.00"}],
        card=card_for(
            WORKER,
            status="lost",
            spec_version="2.00",
            issue_date="2016-03-01",
            expiry_date="2026-03-01",
        ),
    )


def resident() -> dict[str, Any]:
    return member(
        RESIDENT,
        name="赵六",
        sex="2",
        birth_date="1970-02-28",
        retired=True,
        retirement_age=55,
        enrolments=[
            enrolment("resident_pension", "2020-01"),
            enrolment("resident_medical", "2020-01"),
        ],
        # Tier 500.00 and a subsidy of 60.00: the account gets 500.00 + 60.00 = 560.00.
        contributions=[
            resident_year(2022, "500.00", subsidy="60.00"),
            resident_year(2023, "500.00", subsidy="60.00"),
            resident_year(2023, "380.00", scheme="resident_medical"),
        ],
        pension_account=[],
        card=True,
    )


def good_file() -> dict[str, Any]:
    return document([worker(), resident()], [employer("E1", "示例科技有限公司")])


# --- a good file -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    path = tmp_path_factory.mktemp("good") / "good.json"
    path.write_text(json.dumps(good_file(), ensure_ascii=False), encoding="utf-8")
    with running_service(members=0, import_files=[path], today=TODAY) as svc:
        yield svc


def _raw(svc: Any, path: str) -> Any:
    r = requests.get(
        svc.url + path,
        headers={"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_every_contribution_row_reads_back_as_written(good_service: Any) -> None:
    for m in good_file()["members"]:
        body = _raw(good_service, f"/v1/members/{m['member_no']}/contributions")
        payers = {"E1": "示例科技有限公司", None: "个人"}
        expected = sorted(
            (
                {
                    **{k: v for k, v in row.items() if k != "account"},
                    "payer": payers[row["payer"]],
                }
                for row in m["contributions"]
            ),
            key=lambda r: (r["scheme"], r["period"]),
        )
        assert body["rows"] == expected


def test_summary_accounts_benefits_and_card_read_back(good_service: Any) -> None:
    with client_for(good_service) as client:
        s = client.summary(WORKER)
        accounts = client.accounts(WORKER)
        benefits = client.benefits(WORKER)
        card = client.card_status(
            card_for(WORKER)["card_identifier"], card_for(WORKER)["card_number"]
        )
        r_summary = client.summary(RESIDENT)
        r_accounts = client.accounts(RESIDENT)
    assert (s.name, s.birth_date, s.sex.value, s.retired, s.retirement_age) == (
        "王五",
        dt.date(1975, 6, 15),
        "1",
        False,
        60,  # a man's default in the builder
    )
    assert s.id_number_masked == mask_id(worker()["id_number"])
    by_scheme = {e.scheme.value: e for e in s.enrolments}
    assert by_scheme["pension"].employer is None
    # Pension months counted: 2023-11, 2023-12 paid, 2024-01 back paid, 2024-02 transferred in
    # = 4; 2024-03 in arrears is not counted.
    assert by_scheme["pension"].cumulative_months == 4
    assert (by_scheme["medical"].status.value, by_scheme["medical"].until) == (
        "terminated",
        Period(2023, 12),
    )
    assert by_scheme["medical"].employer == "示例科技有限公司"
    # The file's pension account is stored as it is written (not recomputed). Its figures:
    # 2023 credits 2 x 480.00 = 960.00, interest 960.00 x 3.97% x 1.083 / 2 = 20.637648 -> 20.64,
    # closing 980.64; 2024 credits 2 x 482.79 = 965.58 (back paid + transferred in), closing
    # 980.64 + 965.58 = 1,946.22.
    assert accounts.pension_years == (
        AccountYear(2023, money("960.00"), money("20.64"), money("980.64")),
        AccountYear(2024, money("965.58"), money("0.00"), money("1946.22")),
    )
    assert accounts.pension_balance == money("1946.22")
    assert accounts.medical_years == (
        MedicalAccountYear(2023, money("240.00"), money("75.50"), money("164.50")),
    )
    # No medical_balance in the file: the last medical year's closing balance.
    assert accounts.medical_balance == money("164.50")
    assert [(b.kind.value, b.period, b.amount) for b in benefits] == [
        ("unemployment", Period(2024, 1), money("1850.00"))
    ]
    assert (card.status.value, card.member_no) == ("lost", WORKER)
    # The resident: a woman of 55, retired; two yearly pension rows count 2 x 12 = 24 months.
    assert (r_summary.sex.value, r_summary.retired, r_summary.retirement_age) == ("2", True, 55)
    assert {e.scheme.value: e.cumulative_months for e in r_summary.enrolments} == {
        "resident_pension": 24,
        "resident_medical": 12,
    }
    # "pension_account": [] in the file: no years, nothing computed.
    assert r_accounts.pension_years == ()


def test_member_fields_without_an_api_yet_are_stored(good_service: Any) -> None:
    with sqlite3.connect(good_service.database) as c:
        row = c.execute(
            "SELECT work_start, first_insured, deemed_months, medical_balance_fen FROM member"
            " WHERE member_no = ?",
            (WORKER,),
        ).fetchone()
        paid_on = c.execute(
            "SELECT paid_on, account_fen FROM contribution WHERE scheme = 'pension'"
            " AND period = 202401"
        ).fetchone()
        spec = c.execute(
            "SELECT spec_version, issue_date FROM card WHERE card_number = ?",
            (card_for(WORKER)["card_number"],),
        ).fetchone()
    assert row == (199607, 199701, 18, 16450)
    assert paid_on == ("2024-04-10", 48279)
    assert spec == ("2.00", "2016-03-01")


# --- the pension account computed --------------------------------------------------------


def test_pension_account_computed_by_the_national_method(imported: Callable[..., Any]) -> None:
    no = "11010000000003"
    m = member(
        no,
        enrolments=[enrolment("pension", "2022-01")],
        # Flexible at 6,034.90 from 2022-01 to 2024-03: 8% = 482.792 -> 482.79 a month credited;
        # 2024-04 in arrears credits nothing.
        contributions=flexible_months("2022-01", "2024-03", "6034.90")
        + flexible_months("2024-04", "2024-04", "6034.90", status="arrears"),
    )
    with imported([m], today=TODAY) as svc, client_for(svc) as client:
        accounts = client.accounts(no)
    # Rates (记账利率, default policy): 2022 6.12%, 2023 3.97%; 2024 is the current year.
    # 2022: credits 12 x 482.79 = 5,793.48
    #   interest = 0 x 6.12% + 5,793.48 x 6.12% x 1.083 / 2
    #            = 0 + 354.560976 x 1.083 / 2 = 383.989537008 / 2 = 191.994768504 -> 191.99
    #   closing  = 5,793.48 + 191.99 = 5,985.47
    # 2023: credits 5,793.48
    #   interest = 5,985.47 x 3.97% + 5,793.48 x 3.97% x 1.083 / 2
    #            = 237.623159 + 230.001156 x 1.083 / 2
    #            = 237.623159 + 124.545625974 = 362.168784974 -> 362.17
    #   closing  = 5,985.47 + 5,793.48 + 362.17 = 12,141.12
    # 2024 (current year, no interest yet): credits 3 x 482.79 = 1,448.37
    #   closing  = 12,141.12 + 1,448.37 = 13,589.49
    assert accounts.pension_years == (
        AccountYear(2022, money("5793.48"), money("191.99"), money("5985.47")),
        AccountYear(2023, money("5793.48"), money("362.17"), money("12141.12")),
        AccountYear(2024, money("1448.37"), money("0.00"), money("13589.49")),
    )
    assert accounts.pension_balance == money("13589.49")


def test_pension_account_runs_to_todays_year_without_new_credits(tmp_path: Path) -> None:
    # Credits in 2023 only, today in 2025: 2023 and 2024 earn interest, 2025 is carried.
    m = member("11010000000004", contributions=flexible_months("2023-12", "2023-12", "5000.00"))
    db = Database(str(tmp_path / "db.sqlite3"))
    try:
        import_data(db, load_policy(), document([m]), today=dt.date(2025, 1, 2))
    finally:
        db.dispose()
    with sqlite3.connect(tmp_path / "db.sqlite3") as c:
        years = c.execute(
            "SELECT year, principal_fen, interest_fen, balance_fen FROM pension_account_year"
            " ORDER BY year"
        ).fetchall()
    # 2023: credits 8% x 5,000.00 = 400.00; interest = 400.00 x 3.97% x 1.083 / 2
    #       = 15.88 x 1.083 / 2 = 17.19804 / 2 = 8.59902 -> 8.60; closing 408.60
    # 2024: interest = 408.60 x 2.62% = 10.70532 -> 10.71; closing 419.31
    # 2025: the current year: no interest, no credits; closing 419.31
    assert years == [(2023, 40000, 860, 40860), (2024, 0, 1071, 41931), (2025, 0, 0, 41931)]


# --- bad input ---------------------------------------------------------------------------

GOOD_NO = "11010000000010"
BAD_NO = "11010000000011"


def _pair() -> dict[str, Any]:
    """A good member, then the member each case spoils: nothing of the first may be loaded."""
    good = member(
        GOOD_NO,
        enrolments=[enrolment("pension", "2024-01", employer="E1")],
        contributions=flexible_months("2024-01", "2024-02", "6034.90"),
        card=True,
    )
    bad = member(
        BAD_NO,
        birth_date="1990-05-05",
        enrolments=[enrolment("pension", "2023-01")],
        contributions=[
            *flexible_months("2023-01", "2024-02", "6034.90"),
            resident_year(2023, "500.00"),
        ],
        card=True,
    )
    return document([good, bad], [employer("E1")])


def _bad(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["members"][1]


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a field of the bad member by a dotted path (list indexes as numbers)."""

    def spoil(doc: dict[str, Any]) -> None:
        obj: Any = _bad(doc)
        *head, last = path.split(".")
        for k in head:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        obj[int(last) if last.isdigit() else last] = value

    return spoil


def _both(*spoils: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Several spoils of the bad member, in order."""

    def spoil(doc: dict[str, Any]) -> None:
        for s in spoils:
            s(doc)

    return spoil


def _delete(path: str) -> Callable[[dict[str, Any]], None]:
    def spoil(doc: dict[str, Any]) -> None:
        obj: Any = _bad(doc)
        *head, last = path.split(".")
        for k in head:
            obj = obj[int(k)] if k.isdigit() else obj[k]
        del obj[last]

    return spoil


def _append_copy(path: str, index: int) -> Callable[[dict[str, Any]], None]:
    def spoil(doc: dict[str, Any]) -> None:
        rows = _bad(doc)[path]
        rows.append(copy.deepcopy(rows[index]))

    return spoil


def _wrong_check_digit(doc: dict[str, Any]) -> None:
    idn = _bad(doc)["id_number"]
    _bad(doc)["id_number"] = idn[:17] + ("0" if idn[17] != "0" else "1")


def _top(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def spoil(doc: dict[str, Any]) -> None:
        doc[key] = value

    return spoil


B = f"members[1] ({BAD_NO})"
NOT_AMOUNT = 'is not an amount (yuan with at most 2 decimals, e.g. "6034.90")'

CASES: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    (
        "comma",
        _set("contributions.12.base", "12,3"),
        f'{B}.contributions[12].base: "12,3" {NOT_AMOUNT}',
    ),
    (
        "three decimals",
        _set("contributions.3.personal_part", "1206.985"),
        f'{B}.contributions[3].personal_part: "1206.985" {NOT_AMOUNT}',
    ),
    (
        "full-width digits",
        _set("contributions.0.base", "６０３４.９０"),
        f'{B}.contributions[0].base: "６０３４.９０" {NOT_AMOUNT}',
    ),
    (
        "negative",
        _set("contributions.0.account", "-1.00"),
        f'{B}.contributions[0].account: "-1.00" {NOT_AMOUNT}',
    ),
    (
        "float",
        _set("contributions.1.base", Decimal("6034.9")),
        f"{B}.contributions[1].base: 6034.9 is a number: write amounts as strings "
        f'(yuan with at most 2 decimals, e.g. "6034.90")',
    ),
    (
        "integer amount",
        _set("contributions.1.base", 6000),
        f"{B}.contributions[1].base: 6000 is a number: write amounts as strings "
        f'(yuan with at most 2 decimals, e.g. "6000.00")',
    ),
    ("check digit", _wrong_check_digit, "__id__"),
    (
        "month 13",
        _set("contributions.2.period", "2024-13"),
        f'{B}.contributions[2].period: "2024-13" is not a month (YYYY-MM, e.g. "2024-10")',
    ),
    (
        "month one digit",
        _set("enrolments.0.since", "2023-1"),
        f'{B}.enrolments[0].since: "2023-1" is not a month (YYYY-MM, e.g. "2024-10")',
    ),
    (
        "status",
        _set("contributions.4.status", "owed"),
        f'{B}.contributions[4].status: "owed" is not one of paid, arrears, transferred_in, back_paid',
    ),
    (
        "scheme",
        _set("enrolments.0.scheme", "pensions"),
        f'{B}.enrolments[0].scheme: "pensions" is not one of pension, medical, unemployment, '
        f"work_injury, maternity, resident_pension, resident_medical",
    ),
    (
        "enrolment status",
        _set("enrolments.0.status", "stopped"),
        f'{B}.enrolments[0].status: "stopped" is not one of active, suspended, terminated',
    ),
    (
        "residents' month",
        _set("contributions.14.period", "2023-07"),
        f'{B}.contributions[14].period: "2023-07": residents\' schemes are yearly: one row per '
        f'year, month 01 (e.g. "2023-01")',
    ),
    (
        "duplicate month",
        _append_copy("contributions", 5),
        f"{B}.contributions[15].period: pension 2023-06 appears twice (also contributions[5])",
    ),
    ("duplicate member_no", _set("member_no", GOOD_NO), "__dup__"),
    (
        "member_no letters",
        _set("member_no", "1101A000"),
        'members[1] (1101A000).member_no: "1101A000" is not a member number (8-16 digits)',
    ),
    (
        "unknown employer",
        _set("contributions.0.payer", "E9"),
        f'{B}.contributions[0].payer: "E9" is not the code of any employers[] entry',
    ),
    (
        "unknown field",
        _set("contributions.0.bse", "1.00"),
        f'{B}.contributions[0]: unknown field "bse" (known: scheme, period, base, employer_part, '
        f"personal_part, account, subsidy, status, payer, paid_on)",
    ),
    (
        "missing field",
        _delete("contributions.0.personal_part"),
        f"{B}.contributions[0].personal_part: is missing",
    ),
    (
        "birth date",
        _set("birth_date", "1990-05-06"),
        f"{B}.birth_date: 1990-05-06 is not the birth date in the ID number (1990-05-05)",
    ),
    (
        "sex",
        _set("sex", "2"),
        f'{B}.sex: "2" disagrees with the ID number (its 17th digit is odd: a man, "1")',
    ),
    (
        "until before since",
        _set("enrolments.0.until", "2022-12"),
        f"{B}.enrolments[0].until: 2022-12 is before since 2023-01",
    ),
    (
        "arrears paid on",
        _both(
            _set("contributions.0.status", "arrears"),
            _set("contributions.0.paid_on", "2024-01-01"),
        ),
        f"{B}.contributions[0].paid_on: an arrear (status arrears) has no day paid",
    ),
    (
        "bad date",
        _set("contributions.0.paid_on", "2024-02-30"),
        f'{B}.contributions[0].paid_on: "2024-02-30" is not a date (YYYY-MM-DD, e.g. "2024-04-20")',
    ),
    ("card number", _set("card.card_number", card_for(GOOD_NO)["card_number"]), "__card__"),
    (
        "deemed months",
        _set("deemed_months", "12"),
        f'{B}.deemed_months: "12" is not a whole number from 0 to 600',
    ),
    (
        "format",
        _top("format", "kiosk-members/2"),
        'format: "kiosk-members/2" is not "kiosk-members/1"',
    ),
]


@pytest.mark.parametrize(("spoil", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_bad_input_has_its_message_and_loads_nothing(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], None], expected: str
) -> None:
    doc = _pair()
    spoil(doc)
    if expected == "__id__":
        idn = _bad(doc)["id_number"]
        expected = (
            f'{B}.id_number: "{idn}" is not a valid ID number (18 characters, check digit of '
            "GB 11643)"
        )
    elif expected == "__dup__":
        expected = (
            f"members[1] ({GOOD_NO}).member_no: member number {GOOD_NO} is also "
            f"members[0] ({GOOD_NO})'s"
        )
    elif expected == "__card__":
        expected = (
            f"{B}.card.card_number: card number {card_for(GOOD_NO)['card_number']} is also "
            f"members[0] ({GOOD_NO})'s"
        )
    db_file = tmp_path / "db.sqlite3"
    db = Database(str(db_file))
    try:
        db.create_schema()
        with pytest.raises(ImportFileError) as e:
            import_data(db, load_policy(), doc, today=TODAY, source="bad.json")
    finally:
        db.dispose()
    assert e.value.problems == [expected]
    assert expected in str(e.value)
    assert counts(db_file) == EMPTY


def test_a_member_already_in_the_database_refuses_the_whole_file(tmp_path: Path) -> None:
    db_file = tmp_path / "db.sqlite3"
    db = Database(str(db_file))
    policy = load_policy()
    try:
        first = import_data(
            db, policy, document([member(BAD_NO, birth_date="1990-05-05")]), today=TODAY
        )
        before = counts(db_file)
        with pytest.raises(ImportFileError) as e:
            import_data(db, policy, _pair(), today=TODAY, source="second.json")
    finally:
        db.dispose()
    assert first.members == 1
    assert e.value.problems == [
        f"{B}.member_no: member number {BAD_NO} is in the database already",
        f"{B}.id_number: ID number {_bad(_pair())['id_number']} is in the database already",
    ]
    assert counts(db_file) == before  # the good member of the second file is not loaded either


def test_a_failure_while_writing_rolls_back_the_members_written_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The checks run before any row is written; should the database or the code fail while
    writing anyway, the one transaction leaves nothing behind (here: the second member's
    pension account fails after the first member's rows went in)."""
    from backoffice import importer

    real = importer._pension_years
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_pension_years", failing)
    db_file = tmp_path / "db.sqlite3"
    db = Database(str(db_file))
    try:
        with pytest.raises(RuntimeError, match="disk full"):
            import_data(db, load_policy(), _pair(), today=TODAY)
    finally:
        db.dispose()
    assert len(calls) == 2  # the first member was written before the failure
    assert counts(db_file) == EMPTY


def test_every_problem_of_a_file_is_named_at_once(tmp_path: Path) -> None:
    doc = _pair()
    _set("contributions.12.base", "12,3")(doc)
    _set("contributions.13.status", "owed")(doc)
    doc["members"][0]["contributions"][0]["period"] = "2024-00"
    db = Database(str(tmp_path / "db.sqlite3"))
    try:
        with pytest.raises(ImportFileError) as e:
            import_data(db, load_policy(), doc, today=TODAY)
    finally:
        db.dispose()
    assert e.value.problems == [
        f'members[0] ({GOOD_NO}).contributions[0].period: "2024-00" is not a month '
        '(YYYY-MM, e.g. "2024-10")',
        f'{B}.contributions[12].base: "12,3" {NOT_AMOUNT}',
        f'{B}.contributions[13].status: "owed" is not one of paid, arrears, transferred_in, '
        "back_paid",
    ]


def test_employers_are_shared_by_name_across_files(tmp_path: Path) -> None:
    db_file = tmp_path / "db.sqlite3"
    db = Database(str(db_file))
    policy = load_policy()
    one = member("11010000000021", enrolments=[enrolment("pension", "2024-01", employer="A")])
    two = member("11010000000022", enrolments=[enrolment("pension", "2024-01", employer="X")])
    try:
        r1 = import_data(db, policy, document([one], [employer("A", "同一公司")]), today=TODAY)
        r2 = import_data(db, policy, document([two], [employer("X", "同一公司")]), today=TODAY)
    finally:
        db.dispose()
    with sqlite3.connect(db_file) as c:
        ids = c.execute("SELECT DISTINCT employer_id FROM enrolment").fetchall()
    assert (r1.employers_created, r2.employers_created) == (1, 0)
    assert len(ids) == 1 and counts(db_file)["employer"] == 1


# --- the command line --------------------------------------------------------------------


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backoffice", "import", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_refuses_a_bad_file_with_exit_2_and_loads_nothing(tmp_path: Path) -> None:
    doc = _pair()
    _set("contributions.12.base", "12,3")(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    db_file = tmp_path / "db.sqlite3"
    done = _cli(str(path), "--db", str(db_file), "--today", "2024-04-20")
    assert done.returncode == 2
    assert f'{B}.contributions[12].base: "12,3" {NOT_AMOUNT}' in done.stderr
    assert "nothing was loaded" in done.stderr
    assert counts(db_file) == EMPTY


def test_cli_refuses_text_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "kiosk-members/1",\n "members": [}', encoding="utf-8")
    done = _cli(str(path), "--db", str(tmp_path / "db.sqlite3"))
    assert done.returncode == 2
    assert re.search(r"not valid JSON: .* \(line 2, column \d+\)", done.stderr), done.stderr


def test_cli_loads_a_good_file_that_the_service_then_serves(tmp_path: Path) -> None:
    path = write_import(tmp_path, good_file()["members"], good_file()["employers"])
    db_file = tmp_path / "db.sqlite3"
    done = _cli(str(path), "--db", str(db_file), "--today", "2024-04-20", "--demo-terminals")
    assert done.returncode == 0, done.stderr
    assert "imported 2 members" in done.stdout
    # Rows: 2 members, 1 employer, 2 cards, 4 enrolments; contributions: the worker's 2 + 3
    # pension and 2 medical months, the resident's 3 years = 10; 2 pension account years (the
    # worker's; the resident's list is empty), 1 medical year, 1 benefit.
    assert counts(db_file) == {
        "member": 2,
        "employer": 1,
        "card": 2,
        "enrolment": 4,
        "contribution": 10,
        "pension_account_year": 2,
        "medical_account_year": 1,
        "benefit_payment": 1,
    }
    with (
        running_service(database=str(db_file), seed_first=False, today=TODAY) as svc,
        client_for(svc) as client,
    ):
        assert client.summary(RESIDENT).name == "赵六"


def test_import_file_reads_the_documented_example(tmp_path: Path) -> None:
    """The example in docs/import-format.md loads as it is written."""
    text = (REPO / "docs" / "import-format.md").read_text(encoding="utf-8")
    example = re.search(r"```json\n(.*?)\n```", text, re.S)
    assert example is not None
    path = tmp_path / "example.json"
    path.write_text(example.group(1), encoding="utf-8")
    db = Database(str(tmp_path / "db.sqlite3"))
    try:
        report = import_file(db, load_policy(), path, today=TODAY)
    finally:
        db.dispose()
    # The first member has no pension_account: computed with --today 2024-04-20.
    # 2023: credits 480.00 (December; the medical row credits the medical account)
    #   interest = 0 x 3.97% + 480.00 x 3.97% x 1.083 / 2 = 19.056 x 1.083 / 2
    #            = 20.637648 / 2 = 10.318824 -> 10.32; closing 480.00 + 10.32 = 490.32
    # 2024 (the current year): credits 482.79 (the back-paid January; the February arrear
    #   credits nothing), no interest; closing 490.32 + 482.79 = 973.11
    with sqlite3.connect(tmp_path / "db.sqlite3") as c:
        years = c.execute(
            "SELECT y.year, y.principal_fen, y.interest_fen, y.balance_fen"
            " FROM pension_account_year y JOIN member m ON m.id = y.member_id"
            " WHERE m.member_no = '11010000000001' ORDER BY y.year"
        ).fetchall()
    assert report.members == 2
    assert years == [(2023, 48000, 1032, 49032), (2024, 48279, 0, 97311)]


# --- the JSON Schema ---------------------------------------------------------------------

SCHEMA = json.loads((REPO / "docs" / "import-format.schema.json").read_text(encoding="utf-8"))


def test_the_schema_names_the_fields_codes_and_patterns_the_importer_reads() -> None:
    from backoffice import importer

    d = SCHEMA["$defs"]
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["properties"]["format"] == {"const": importer.FORMAT}
    for name, keys in (
        ("member", importer._MEMBER_KEYS),
        ("enrolment", importer._ENROLMENT_KEYS),
        ("contribution", importer._CONTRIBUTION_KEYS),
        ("pension_year", importer._PENSION_KEYS),
        ("medical_year", importer._MEDICAL_KEYS),
        ("benefit", importer._BENEFIT_KEYS),
        ("card", importer._CARD_KEYS),
    ):
        assert tuple(d[name]["properties"]) == keys, name
        assert d[name]["additionalProperties"] is False
    assert d["contribution"]["properties"]["status"]["enum"] == [s.value for s in MonthStatus]
    assert d["contribution"]["properties"]["scheme"]["enum"] == [s.value for s in Scheme]
    assert d["enrolment"]["properties"]["status"]["enum"] == [s.value for s in EnrolmentStatus]
    assert d["benefit"]["properties"]["kind"]["enum"] == [k.value for k in BenefitKind]
    assert d["card"]["properties"]["status"]["enum"] == [s.value for s in CardStatus]
    for name, regex in (
        ("amount", importer._AMOUNT),
        ("month", importer._MONTH),
        ("date", importer._DATE),
    ):
        assert d[name]["pattern"] == f"^{regex.pattern}$", name


def _objects(m: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(schema definition, a sample object of the good worker) for each kind of record."""
    return [
        ("member", m),
        ("enrolment", m["enrolments"][1]),
        ("contribution", m["contributions"][0]),
        ("pension_year", m["pension_account"][0]),
        ("medical_year", m["medical_account"][0]),
        ("benefit", m["benefits"][0]),
        ("card", m["card"]),
    ]


@pytest.mark.parametrize(
    ("definition", "key"),
    [(name, key) for name, obj in _objects(worker()) for key in obj],
)
def test_the_schemas_required_fields_are_the_ones_the_importer_misses(
    definition: str, key: str
) -> None:
    """Each field of each record left out in turn: the importer says "is missing" exactly when
    the schema lists the field as required (the optional ones have their defaults)."""
    from backoffice.importer import read_import

    m = worker()
    obj = dict(_objects(m))[definition]
    del obj[key]
    required = key in SCHEMA["$defs"][definition]["required"]
    try:
        read_import(document([m], [employer("E1")]))
        problems: list[str] = []
    except ImportFileError as e:
        problems = e.problems
    missing = [p for p in problems if p.endswith(f".{key}: is missing")]
    assert bool(missing) == required, problems
    if not required:
        # Leaving out an optional field breaks nothing but what referred to it.
        assert problems == [] or key in ("birth_date", "sex"), problems


@pytest.mark.postgres
def test_the_good_file_loads_on_postgresql_too(tmp_path: Path) -> None:
    from backoffice.harness import postgres_server

    path = write_import(tmp_path, good_file()["members"], good_file()["employers"])
    with (
        postgres_server() as url,
        running_service(database=url, members=0, import_files=[path], today=TODAY) as svc,
    ):
        body = _raw(svc, f"/v1/members/{WORKER}/contributions")
        with client_for(svc) as client:
            accounts = client.accounts(WORKER)
    assert [r["status"] for r in body["rows"] if r["scheme"] == "pension"] == [
        "paid",
        "paid",
        "back_paid",
        "transferred_in",
        "arrears",
    ]
    assert accounts.medical_balance == money("164.50")  # the last medical year's balance
    assert svc.imported[0].members == 2


# --- the seeder's members, exported and imported -----------------------------------------


def test_seeded_members_exported_and_imported_answer_the_same(tmp_path: Path) -> None:
    """`seed --export` writes the seeded members in the import format; loaded into an empty
    database they give the same answers over HTTP as the seeded database (the showcases: a
    30-year flexible worker with arrears, an employee with job changes, a retiree, a
    resident, a lost card, one transferred in)."""
    export = tmp_path / "seeded.json"
    seeded_db = tmp_path / "seeded.sqlite3"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "backoffice",
            "seed",
            "--db",
            str(seeded_db),
            "--members",
            "10",
            "--seed",
            "3",
            "--today",
            "2026-06-20",
            "--export",
            str(export),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "exported 10 members" in done.stdout
    today = dt.date(2026, 6, 20)
    members = [m["member_no"] for m in json.loads(export.read_text(encoding="utf-8"))["members"]]
    cards = {
        m["member_no"]: m["card"] for m in json.loads(export.read_text(encoding="utf-8"))["members"]
    }
    answers = []
    for kwargs in (
        {"database": str(seeded_db), "seed_first": False},
        {"members": 0, "import_files": [export]},
    ):
        got = {}
        with running_service(today=today, **kwargs) as svc:  # type: ignore[arg-type]
            for no in members:
                card = cards[no]
                got[no] = [
                    _raw(svc, f"/v1/members/{no}/{what}")
                    for what in ("summary", "contributions", "accounts", "benefits")
                ] + [
                    _raw(
                        svc,
                        f"/v1/cards/{card['card_identifier']}?card_number={card['card_number']}",
                    )
                ]
        answers.append(got)
    seeded, reloaded = answers
    assert len(seeded) == 10
    for no in members:
        assert reloaded[no] == seeded[no], no
