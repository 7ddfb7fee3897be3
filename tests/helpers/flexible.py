"""Members for the flexible-employment, fee-reduction and my-receipts tests
(tests/backoffice/test_client_flexible.py, tests/backoffice/test_client_my_payments.py): the
real back office with importer-loaded members, and the records other systems hold (a stop kept
by the counter, the civil affairs' 低保 list) written into its database as they would be.
Today 2026-06-20, default policy: 2026's base limits from 2025's fallback wage 124,110:
124,110 x 60% / 12 = 6,205.50 and x 300% / 12 = 31,027.50.

    with flexible_service() as svc:
        ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select

from backoffice.fee_reductions import record_category
from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.flexible import FlexiblePauseRow
from backoffice.storage.members import MemberRow
from tests.helpers.builders import (
    employer,
    enrolment,
    flexible_months,
    imported,
    member,
    months,
    resident_year,
)

TODAY = dt.date(2026, 6, 20)
LEFT_JOB = "11010000000301"  # employed by E1 until 2026-03: free to register
EMPLOYED = "11010000000302"  # insured by E1 now
FLEXIBLE = "11010000000303"  # a flexible worker since 2024-01, paid to 2026-05
STOPPED = "11010000000304"  # a flexible worker, paid 2026-01..02, stopped from 2026-03
RETIRED = "11010000000305"
DIBAO = "11010000000311"  # residents' schemes, on 低保
DISABLED = "11010000000312"  # residents' schemes, severely disabled
PLAIN = "11010000000313"  # residents' schemes, no reduction
E1 = employer("E1")["name"]


def _employee(no: str, last: str, *, status: str) -> dict[str, object]:
    return member(
        no,
        birth_date="1985-03-01",
        enrolments=[
            enrolment(
                "pension",
                "2020-01",
                status=status,
                employer="E1",
                until=None if status == "active" else last,
            )
        ],
        contributions=months(
            "pension",
            "2020-01",
            last,
            base="6000.00",
            employer_part="960.00",
            personal_part="480.00",
            account="480.00",
            payer="E1",
        ),
    )


def _resident(no: str) -> dict[str, object]:
    return member(
        no,
        birth_date="1975-05-01",
        enrolments=[
            enrolment("resident_pension", "2020-01"),
            enrolment("resident_medical", "2020-01"),
        ],
        contributions=[resident_year(2025, "300.00", subsidy="30.00")],
    )


@contextmanager
def flexible_service() -> Iterator[RunningService]:
    members = [
        _employee(LEFT_JOB, "2026-03", status="terminated"),
        _employee(EMPLOYED, "2026-05", status="active"),
        member(
            FLEXIBLE,
            birth_date="1980-01-01",
            enrolments=[enrolment("pension", "2024-01")],
            # 6,205.50 x 20% = 1,241.10 a month
            contributions=flexible_months("2024-01", "2026-05", "6205.50"),
        ),
        member(
            STOPPED,
            birth_date="1982-07-01",
            enrolments=[enrolment("pension", "2025-01", status="suspended")],
            contributions=flexible_months("2025-01", "2026-02", "6205.50"),
        ),
        member(RETIRED, birth_date="1950-01-01", retired=True),
        _resident(DIBAO),
        _resident(DISABLED),
        _resident(PLAIN),
    ]
    with imported(members, [employer("E1")], today=TODAY) as s:
        db = Database(s.database)
        try:
            with db.session() as session:
                stopped_id = session.scalar(
                    select(MemberRow.id).where(MemberRow.member_no == STOPPED)
                )
                assert stopped_id is not None
                session.add(
                    FlexiblePauseRow(
                        member_id=stopped_id,
                        first=202603,
                        last=None,
                        stopped_on=dt.date(2026, 3, 2),
                        resumed_on=None,
                        terminal_id="counter",
                    )
                )
                record_category(session, DIBAO, "dibao")
                record_category(session, DISABLED, "disability")
                session.commit()
        finally:
            db.dispose()
        yield s
