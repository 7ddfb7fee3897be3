"""POST /v1/terminals/heartbeat: a kiosk reports it is alive and how its devices are."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from backoffice.api.common import AUTH_ERRORS
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.models import HeartbeatIn, HeartbeatOut
from backoffice.storage.terminals import HeartbeatRow, TerminalRow

router = APIRouter(prefix="/v1/terminals", tags=["terminals"], responses=AUTH_ERRORS)


@router.post("/heartbeat", response_model=HeartbeatOut)
def heartbeat(body: HeartbeatIn, db: Db, ctx: Ctx, terminal_id: Terminal) -> dict[str, Any]:
    now = ctx.settings.now()
    db.add(
        HeartbeatRow(
            terminal_id=terminal_id,
            at=now,
            status_json=json.dumps(
                {"app_version": body.app_version, "devices": body.devices}, ensure_ascii=False
            ),
        )
    )
    t = db.get(TerminalRow, terminal_id)
    if t is not None:
        t.last_seen = now
    db.commit()
    return {"terminal_id": terminal_id, "server_time": now}
