"""Members for the transfer (转移接续) and medical (医保) tests: the real back office with
importer-loaded members, and the records the city's other systems hold (a finished transfer-in
request, the hospitals' settlements) written into the service's own database as those systems
would. Today 2026-06-20, default policy (this city: region 110100, 示例市).

MOVER: pension and medical transferred in from Shanghai for 2015-01..2016-12 (24 months), then
paid here from 2017-03 to 2026-05; one pension month in arrears (2019-06). Pension account as
written: 2025 closing 60,000.00, 2026 credits 2,400.00 (5 x 480.00), closing 62,400.00.
Medical account as written: 2025 credits 1,440.00 (12 x 120.00), spending 100.00 (the November
settlement below), closing 1,340.00; 120.00 credited each month of 2026 to May; the 2026
settlements below; balance now 1,750.00 (worked in tests/backoffice/test_client_medical.py).

    with transfer_medical_service() as svc:
        ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.medical import MedicalSettlementRow
from backoffice.storage.members import MemberRow
from backoffice.storage.transfer import TransferRequestRow
from tests.helpers.builders import employer, enrolment, imported, member, months

TODAY = dt.date(2026, 6, 20)
MOVER = "11010000000301"
LOCAL = "11010000000302"  # pension and medical paid here 2020-01..2026-05; no request yet
RESIDENT = "11010000000303"  # residents' pension only: nothing to transfer
SHANGHAI_EMPLOYER = "上海市华信科技有限公司"
E1 = employer("E1")["name"]

# (member, day, number, kind, institution, total, fund, member's, of it the account), fen
SETTLEMENTS = [
    (MOVER, dt.date(2025, 11, 20), "MZ2025112001", "outpatient", "示例市人民医院",
     20000, 10000, 10000, 10000),
    (MOVER, dt.date(2026, 2, 10), "MZ2026021001", "outpatient", "示例市第一人民医院",
     30000, 15000, 15000, 15000),
    (MOVER, dt.date(2026, 4, 5), "MZ2026040501", "outpatient", "城东社区卫生服务中心",
     8550, 4275, 4275, 4000),
    (MOVER, dt.date(2026, 5, 12), "ZY2026051201", "inpatient", "示例市第一人民医院",
     1200000, 935000, 265000, 0),
]  # fmt: skip


def _mover() -> dict[str, Any]:
    moved = {"status": "transferred_in", "payer": "SH"}
    return member(
        MOVER,
        name="李四",
        birth_date="1988-05-06",
        enrolments=[
            enrolment("pension", "2015-01", employer="E1"),
            enrolment("medical", "2015-01", employer="E1"),
        ],
        contributions=[
            *months("pension", "2015-01", "2016-12", base="5000.00", employer_part="800.00",
                    personal_part="400.00", account="400.00", **moved),
            *months("pension", "2017-03", "2019-05", base="6000.00", employer_part="960.00",
                    personal_part="480.00", account="480.00", payer="E1"),
            *months("pension", "2019-06", "2019-06", base="6000.00", employer_part="960.00",
                    personal_part="480.00", status="arrears", payer="E1"),
            *months("pension", "2019-07", "2026-05", base="6000.00", employer_part="960.00",
                    personal_part="480.00", account="480.00", payer="E1"),
            *months("medical", "2015-01", "2016-12", base="5000.00", employer_part="400.00",
                    personal_part="100.00", account="100.00", **moved),
            *months("medical", "2017-03", "2026-05", base="6000.00", employer_part="480.00",
                    personal_part="120.00", account="120.00", payer="E1"),
        ],
        pension_account=[
            {"year": 2025, "principal": "5760.00", "interest": "1200.00", "balance": "60000.00"},
            {"year": 2026, "principal": "2400.00", "interest": "0.00", "balance": "62400.00"},
        ],
        medical_account=[
            {"year": 2025, "credits": "1440.00", "spending": "100.00", "balance": "1340.00"},
        ],
        medical_balance="1750.00",
        card=True,
    )  # fmt: skip


@contextmanager
def transfer_medical_service() -> Iterator[RunningService]:
    members = [
        _mover(),
        member(
            LOCAL,
            name="王五",
            enrolments=[enrolment("pension", "2020-01", employer="E1")],
            contributions=months(
                "pension",
                "2020-01",
                "2026-05",
                base="6000.00",
                employer_part="960.00",
                personal_part="480.00",
                account="480.00",
                payer="E1",
            ),
        ),
        member(
            RESIDENT,
            name="赵六",
            enrolments=[enrolment("resident_pension", "2020-01")],
            contributions=[],
        ),
    ]
    employers = [employer("E1"), employer("SH", SHANGHAI_EMPLOYER)]
    with imported(members, employers, today=TODAY) as s:
        db = Database(s.database)
        try:
            with db.session() as session:
                ids = {
                    m.member_no: m.id
                    for m in session.query(MemberRow).filter(
                        MemberRow.member_no.in_([MOVER, LOCAL, RESIDENT])
                    )
                }
                session.add(
                    TransferRequestRow(
                        member_id=ids[MOVER],
                        from_city="310100",
                        submitted_on=dt.date(2017, 2, 10),
                        contacted_on=dt.date(2017, 2, 20),
                        funds_on=dt.date(2017, 3, 15),
                        done_on=dt.date(2017, 3, 30),
                        terminal_id="COUNTER",
                        idempotency_key="counter-2017-0001",
                        request_hash="",
                    )
                )
                for no, day, number, kind, place, total, fund, own, account in SETTLEMENTS:
                    session.add(
                        MedicalSettlementRow(
                            member_id=ids[no],
                            settled_on=day,
                            settlement_no=number,
                            kind=kind,
                            institution=place,
                            total_fen=total,
                            fund_fen=fund,
                            member_fen=own,
                            account_fen=account,
                        )
                    )
                session.commit()
        finally:
            db.dispose()
        yield s
