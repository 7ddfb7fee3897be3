"""POST /v1/terminals/heartbeat: a kiosk reports it is alive, how its devices are, and its audit
chain head (backoffice.audit_heads: one that goes back or forks is refused and flagged)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter

from backoffice.api.common import AUTH_ERRORS
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.encode import instant
from backoffice.api.models import ErrorBody, HeartbeatIn, HeartbeatOut
from backoffice.audit_heads import Head, accept_head
from backoffice.storage.terminals import HeartbeatRow, TerminalRow

router = APIRouter(prefix="/v1/terminals", tags=["terminals"], responses=AUTH_ERRORS)


@router.post(
    "/heartbeat",
    response_model=HeartbeatOut,
    responses={
        409: {
            "model": ErrorBody,
            "description": "the audit head went back or forked (AUDIT_HEAD_BACKWARDS, "
            "AUDIT_HEAD_FORKED): the heartbeat is recorded, the kiosk flagged on /fleet",
        }
    },
)
def heartbeat(body: HeartbeatIn, db: Db, ctx: Ctx, terminal_id: Terminal) -> dict[str, Any]:
    now = ctx.settings.now()
    head = body.audit_head
    status: dict[str, Any] = {"app_version": body.app_version, "devices": body.devices}
    if head is not None:
        status["audit_head"] = head.model_dump()  # the trail of every head received
    db.add(
        HeartbeatRow(
            terminal_id=terminal_id,
            at=now,
            status_json=json.dumps(status, ensure_ascii=False),
        )
    )
    t = db.get(TerminalRow, terminal_id)
    if t is not None:
        t.last_seen = now
    refusal = None
    if head is not None:
        refusal = accept_head(db, terminal_id, Head(head.seq, head.hash, head.month), now)
    db.commit()  # the kiosk is alive, and an alarm must stay even though the head is refused
    if refusal is not None:
        raise refusal
    return {"terminal_id": terminal_id, "server_time": instant(now)}
