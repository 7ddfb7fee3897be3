"""Medical insurance (医保) at the kiosk (issue 17): the medical account month by month, and
this year's outpatient and inpatient settlements with the year's totals.

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads:
"medical_account" (GET /v1/members/{no}/medical/account) and "medical_settlements"
(GET .../medical/settlements, the latest first, the whole year's totals beside them). Both are
this year's: the back office's "today" decides which year that is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.domain.medical import MedicalAccount, Settlements

# The most settlements listed on the page; the totals are always the whole year's.
LISTED = 100


class MedicalClient(Protocol):
    def medical_account(self, member_no: str, year: int | None = None) -> MedicalAccount: ...

    def medical_settlements(
        self, member_no: str, year: int | None = None, *, limit: int | None = None
    ) -> Settlements: ...


class MedicalService:
    def __init__(self, client: MedicalClient) -> None:
        self.client = client

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {
            "medical_account": lambda no, h, p: self.client.medical_account(no),
            "medical_settlements": lambda no, h, p: self.client.medical_settlements(
                no, limit=LISTED
            ),
        }
