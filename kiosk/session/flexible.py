"""Flexible employment (灵活就业) at the kiosk (issue 17): the member's standing, registration
(pension only, or pension + medical, at a base within the year's limits), stop (暂停缴费) and
resume (恢复缴费).

Handlers for MemberServices (kiosk.session.services), run on the controller's worker threads.
Each change answers with the new standing (the back office's), which the session shows at
once; it also drops the dues it holds, so the pay page loads what the change made payable
(kiosk.session.machine: FLEXIBLE_CHANGES)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.domain.flexible import FlexiblePlan, FlexibleStatus
from kiosk.domain.money import Money


class FlexibleClient(Protocol):
    def flexible(self, member_no: str) -> FlexibleStatus: ...

    def register_flexible(
        self,
        member_no: str,
        plan: FlexiblePlan,
        *,
        base: Money | None = None,
        idempotency_key: str | None = None,
    ) -> FlexibleStatus: ...

    def stop_flexible(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> FlexibleStatus: ...

    def resume_flexible(
        self, member_no: str, *, idempotency_key: str | None = None
    ) -> FlexibleStatus: ...


Handler = Callable[[str, CardHolder, dict[str, Any]], Any]


def _key(params: dict[str, Any]) -> str:
    """One key per tap: the transport's retry of a lost answer gets the first answer."""
    return str(params.get("attempt") or uuid.uuid4().hex)


class FlexibleService:
    def __init__(self, client: FlexibleClient) -> None:
        self.client = client

    def handlers(self) -> dict[str, Handler]:
        return {
            "flexible": lambda no, _h, _p: self.client.flexible(no),
            "flexible_register": self.register,
            "flexible_stop": lambda no, _h, p: self.client.stop_flexible(
                no, idempotency_key=_key(p)
            ),
            "flexible_resume": lambda no, _h, p: self.client.resume_flexible(
                no, idempotency_key=_key(p)
            ),
        }

    def register(self, member_no: str, _holder: CardHolder, params: dict[str, Any]) -> Any:
        """params: plan ("pension" | "pension_medical"), base (yuan text; absent: the minimum)."""
        plan = FlexiblePlan(params.get("plan", FlexiblePlan.PENSION.value))
        base = params.get("base")
        return self.client.register_flexible(
            member_no,
            plan,
            base=Money.of(str(base)) if base else None,
            idempotency_key=_key(params),
        )
