"""The payments area of a back office process, as a FastAPI dependency (created on first use:
it holds the gateway simulator and its switches)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from backoffice.api.deps import Ctx
from backoffice.orders import Payments

_lock = threading.Lock()


def payments(request: Request, ctx: Ctx) -> Payments:
    state = request.app.state
    with _lock:
        p = getattr(state, "payments", None)
        if p is None:
            # The gateway is a part of the app (backoffice.parts): the simulator or none.
            p = Payments.create(ctx, gateway=state.parts.gateway)
            state.payments = p
    return p


Pay = Annotated[Payments, Depends(payments)]
