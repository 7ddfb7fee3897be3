"""Members for unemployment insurance tests (tests/rules/test_unemployment_http.py,
tests/backoffice/test_client_unemployment.py): the real back office with importer-loaded
members and the records the city's other systems hold, written into the service's own database
the way they would (backoffice.unemployment.record_*). Today 2026-06-20, default policy.

    with unemployment_service() as svc:
        ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backoffice import unemployment as unemp
from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.unemployment import ClaimRow
from kiosk.domain import Money, Period
from tests.helpers.builders import employer, enrolment, imported, member, months

TODAY = dt.date(2026, 6, 20)
ELIGIBLE = "11010000000201"  # 2020-01..2026-04 paid (76 months); contract ended 2026-04-30
SHORT = "11010000000202"  # 2025-09..2026-04 (8 months); dismissed 2026-05-15
RESIGNED = "11010000000203"  # 2023-06..2026-05 (36 months); resigned 2026-05-31
LATE = "11010000000204"  # 2024-04..2026-03 (24 months); contract ended 2026-04-10
AGAIN = "11010000000205"  # claim of 2024 stopped after 4 of 12 months; dismissed 2026-05-31
CAPPED = "11010000000206"  # claim of 2024 (18 months) stopped after 2; closed 2026-06-05
NONE = "11010000000207"  # working: no separation on record
E1 = employer("E1")["name"]
E2 = employer("E2")["name"]


def _worker(no: str, first: str, last: str) -> dict[str, Any]:
    # base 5,000.00: employer 2% = 100.00, personal 1% = 50.00 (the default employee rates)
    return member(
        no,
        birth_date="1985-03-01",
        enrolments=[enrolment("unemployment", first, status="suspended")],
        contributions=months(
            "unemployment",
            first,
            last,
            base="5000.00",
            employer_part="100.00",
            personal_part="50.00",
            payer="E1",
        ),
    )


def _claim(
    db: Any,
    no: str,
    sep: Any,
    applied_on: dt.date,
    granted: int,
    contributed: int,
    paid: int,
    stopped_on: dt.date,
) -> None:
    """An earlier claim as the city's system holds it, with its monthly payments."""
    first = Period.of(applied_on)
    db.add(
        ClaimRow(
            member_id=sep.member_id,
            separation_day=sep.last_day,
            applied_on=applied_on,
            applied_at=dt.datetime.combine(applied_on, dt.time(2)),
            first_period=first.year * 100 + first.month,
            contribution_months=contributed,
            months_carried=0,
            months_granted=granted,
            monthly_fen=228600,
            stopped_on=stopped_on,
            stop_reason="reemployed",
            terminal_id="counter",
            idempotency_key=f"counter-{no}",
            request_hash="",
        )
    )
    p = first
    for _ in range(paid):
        unemp.record_payment(db, no, p, Money.of("2286.00"))
        p = p.next()


@contextmanager
def unemployment_service() -> Iterator[RunningService]:
    """The service with the members above and their records."""
    members = [
        _worker(ELIGIBLE, "2020-01", "2026-04"),
        _worker(SHORT, "2025-09", "2026-04"),
        _worker(RESIGNED, "2023-06", "2026-05"),
        _worker(LATE, "2024-04", "2026-03"),
        # 2022-11..2023-12 = 14 months (the first claim's); 2024-05..2026-05 = 25 months after it
        {
            **_worker(AGAIN, "2022-11", "2023-12"),
            "contributions": _worker(AGAIN, "2022-11", "2023-12")["contributions"]
            + _worker(AGAIN, "2024-05", "2026-05")["contributions"],
        },
        # 2018-01..2023-12 = 72 months; 2024-07..2025-08 = 14 months after the first claim
        {
            **_worker(CAPPED, "2018-01", "2023-12"),
            "contributions": _worker(CAPPED, "2018-01", "2023-12")["contributions"]
            + _worker(CAPPED, "2024-07", "2025-08")["contributions"],
        },
        _worker(NONE, "2020-01", "2026-05"),
    ]
    with imported(members, [employer("E1"), employer("E2")], today=TODAY) as s:
        db = Database(s.database)
        try:
            with db.session() as session:
                rec = unemp.record_separation
                rec(session, ELIGIBLE, E1, dt.date(2026, 4, 30), "contract_expired")
                rec(session, SHORT, E1, dt.date(2026, 5, 15), "dismissed")
                rec(session, RESIGNED, E1, dt.date(2026, 5, 31), "resigned")
                rec(session, LATE, E1, dt.date(2026, 4, 10), "contract_expired")
                first = rec(session, AGAIN, E1, dt.date(2023, 12, 31), "contract_expired")
                _claim(session, AGAIN, first, dt.date(2024, 1, 10), 12, 14, 4, dt.date(2024, 5, 1))
                rec(session, AGAIN, E2, dt.date(2026, 5, 31), "dismissed")
                first = rec(session, CAPPED, E1, dt.date(2023, 12, 31), "employer_closed")
                _claim(session, CAPPED, first, dt.date(2024, 1, 5), 18, 72, 2, dt.date(2024, 3, 1))
                rec(session, CAPPED, E2, dt.date(2026, 6, 5), "agreed_by_employer")
                unemp.record_certificate(
                    session, ELIGIBLE, "S202601150001", "电工", 4, dt.date(2026, 1, 15)
                )
                unemp.record_certificate(
                    session, ELIGIBLE, "S202505010002", "焊工", 5, dt.date(2025, 5, 1)
                )
                unemp.record_certificate(
                    session, SHORT, "S202603010003", "育婴员", 5, dt.date(2026, 3, 1)
                )
                session.commit()
        finally:
            db.dispose()
        yield s
