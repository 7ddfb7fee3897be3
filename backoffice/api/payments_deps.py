"""The payments area of a back office process, as a FastAPI dependency (created on first use:
it holds the gateway simulator and its switches)."""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import Depends, Request

from backoffice.orders import Payments

_lock = threading.Lock()


async def payments(request: Request) -> Payments:
    """`async` on purpose, like backoffice.api.deps: a sync dependency costs the request a
    hop to the thread pool of its own, and this one only looks up (once: makes) an object."""
    state = request.app.state
    with _lock:
        p = getattr(state, "payments", None)
        if p is None:
            # The gateway is a part of the app (backoffice.parts): the simulator or none.
            p = Payments.create(state.context, gateway=state.parts.gateway)
            state.payments = p
    return p


Pay = Annotated[Payments, Depends(payments)]
