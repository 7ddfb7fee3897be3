"""The kiosks' audit chain heads: the last one each kiosk's heartbeat brought, and refusal of
one that goes back or forks.

The back office does not hold the kiosks' audit keys, so it cannot recompute a record's HMAC
or tell whether a new head extends the last one. What it can check without the key:
    seq goes up, or stays with the very same hash    accepted, stored
    seq stays with another hash                      forked: refused, flagged
    seq goes down                                    backwards: refused, flagged
That a later head extends the last one is checked on the kiosk, with the key:
`python -m kiosk.audit verify --expect-head SEQ:HASH` (the head shown on /fleet.json) fails
unless the log holds that very record and chains through it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from backoffice.errors import ConflictProblem
from backoffice.storage.terminals import AuditHeadRow


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str
    month: str = ""


def accept_head(
    s: Session, terminal_id: str, head: Head, now: dt.datetime
) -> ConflictProblem | None:
    """Store `head` as the terminal's last, or flag the terminal and return the refusal to send
    (the caller commits either way: the alarm must outlive the refused request)."""
    row = s.get(AuditHeadRow, terminal_id)
    if row is None:
        s.add(
            AuditHeadRow(
                terminal_id=terminal_id, seq=head.seq, hash=head.hash, month=head.month, at=now
            )
        )
        return None
    if head.seq > row.seq or (head.seq == row.seq and head.hash == row.hash):
        row.seq, row.hash, row.month, row.at = head.seq, head.hash, head.month, now
        return None
    last = f"{row.seq}:{row.hash[:16]}…"
    if head.seq == row.seq:
        row.alarm = "forked"
        row.alarm_detail = (
            f"record {head.seq} came with another hash ({head.hash[:16]}…) than {last}"
        )
        refusal = ConflictProblem(
            f"审计链分叉：第 {head.seq} 条记录与已接收的不同",
            f"Audit chain forked: record {head.seq} differs from the head already received",
            code="AUDIT_HEAD_FORKED",
        )
    else:
        row.alarm = "backwards"
        row.alarm_detail = f"head {head.seq}:{head.hash[:16]}… after {last}"
        refusal = ConflictProblem(
            f"审计链回退：收到第 {head.seq} 条，已接收到第 {row.seq} 条",
            f"Audit chain went back: head {head.seq} after head {row.seq} was received",
            code="AUDIT_HEAD_BACKWARDS",
        )
    row.alarm_at = now
    return refusal
