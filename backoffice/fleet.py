"""GET /fleet: the hall manager's page of every kiosk, its last heartbeat and its devices.

Built for a glance: one row per kiosk, problems first; every state is written in words (中文 and
English) with a symbol, and colour only repeats what the words say. A kiosk whose receipt paper
is out has its row and cell marked "缺纸 PAPER OUT". A kiosk not heard from for STALE_SECONDS is
marked "失联 NOT SEEN". The page reloads itself every REFRESH_SECONDS. GET /fleet.json gives the
same data to a monitoring system.

The heartbeat's devices are strings (POST /v1/terminals/heartbeat, kiosk.backoffice.heartbeat): service
(kiosk.health: ok, out_of_service, print_unavailable), reader, psam, receipt_paper, a4_queue: a
state word below; journal_backlog: a count; last_error: text.
The audit chain column is the back office's own: the last head accepted (backoffice.audit_heads),
or the alarm raised when a heartbeat brought a head that went back or forked.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.api.deps import Ctx
from backoffice.context import Context
from backoffice.settings import shown
from backoffice.storage.terminals import AuditHeadRow, HeartbeatRow, TerminalRow

router = APIRouter(tags=["fleet"])
TEMPLATE = Template((Path(__file__).parent / "fleet.html").read_text(encoding="utf-8"))
STALE_SECONDS = 180  # three missed heartbeats at the kiosk's default 60 s
REFRESH_SECONDS = 10

# The device columns, in order: key in the heartbeat, heading (zh, en).
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("service", "服务", "Service"),  # kiosk.health: what members can do there now
    ("reader", "读卡器", "Card reader"),
    ("psam", "PSAM", "PSAM"),
    ("receipt_paper", "凭条纸", "Receipt paper"),
    ("a4_queue", "A4 打印", "A4 printer"),
    ("journal_backlog", "待补交易", "Payments to finish"),
    ("last_error", "最近错误", "Last error"),
    ("audit_chain", "审计链", "Audit chain"),
)
AUDIT_ALARMS = {
    "backwards": ("审计链回退", "AUDIT HEAD WENT BACK"),
    "forked": ("审计链分叉", "AUDIT HEAD FORKED"),
}

# state word -> (zh, en, level); level: ok, warn, bad. Unknown words show as they came, "warn".
STATES: dict[str, tuple[str, str, str]] = {
    "ok": ("正常", "OK", "ok"),
    "idle": ("空闲", "Idle", "ok"),
    "printing": ("打印中", "Printing", "ok"),
    "paper_low": ("纸将尽", "Paper low", "warn"),
    "paper_out": ("缺纸", "PAPER OUT", "bad"),
    "cover_open": ("盖板打开", "Cover open", "bad"),
    "stopped": ("已停止", "Stopped", "bad"),
    "offline": ("离线", "Offline", "bad"),
    "absent": ("未连接", "Not connected", "bad"),
    "error": ("故障", "Fault", "bad"),
    "none": ("未配备", "Not fitted", "ok"),
    "software": ("软件密钥", "Software keys (test)", "warn"),
    "unknown": ("未知", "Unknown", "warn"),
    "out_of_service": ("暂停服务", "OUT OF SERVICE", "bad"),
    "print_unavailable": ("打印暂停", "No printing", "warn"),
}
SYMBOL = {"ok": "✔", "warn": "▲", "bad": "✖"}


@dataclass(frozen=True)
class Cell:
    zh: str
    en: str
    level: str  # ok, warn, bad

    def html(self) -> str:
        return (
            f'<td class="{self.level}"><span class="sym" aria-hidden="true">'
            f"{SYMBOL[self.level]}</span> {html.escape(self.zh)} "
            f'<span class="en">{html.escape(self.en)}</span></td>'
        )


@dataclass(frozen=True)
class KioskRow:
    terminal_id: str
    hall: str
    last_seen: dt.datetime | None
    age_seconds: float | None
    version: str
    cells: dict[str, Cell]
    audit_head: dict[str, Any] | None = None  # the last head accepted: seq, hash, month
    audit_alarm: str = ""  # "", backwards, forked (backoffice.audit_heads)
    audit_alarm_detail: str = ""

    @property
    def stale(self) -> bool:
        return self.age_seconds is None or self.age_seconds > STALE_SECONDS

    @property
    def level(self) -> str:
        levels = {c.level for c in self.cells.values()} | ({"bad"} if self.stale else set())
        return "bad" if "bad" in levels else "warn" if "warn" in levels else "ok"

    def as_json(self, zone: dt.tzinfo = dt.UTC) -> dict[str, Any]:
        """last_seen (stored naive UTC) in `zone`, with its offset."""
        seen = self.last_seen
        return {
            "terminal_id": self.terminal_id,
            "hall": self.hall,
            "last_seen": (
                seen.replace(tzinfo=dt.UTC).astimezone(zone).isoformat() if seen else None
            ),
            "stale": self.stale,
            "level": self.level,
            "version": self.version,
            "audit_head": self.audit_head,
            "audit_alarm": self.audit_alarm,
            "audit_alarm_detail": self.audit_alarm_detail,
            "devices": {k: {"state": c.en, "level": c.level} for k, c in self.cells.items()},
        }


def _cell(key: str, value: str | None) -> Cell:
    if value is None or value == "":
        if key == "service":  # a kiosk from before issue 19 reports no service: not a fault
            return Cell("—", "-", "ok")
        return (
            Cell("未报告", "Not reported", "warn")
            if key != "last_error"
            else Cell("无", "None", "ok")
        )
    if key == "journal_backlog":
        try:
            n = int(value)
        except ValueError:
            return Cell(value, "", "warn")
        return Cell(f"{n} 笔", "", "ok" if n == 0 else "warn")
    if key == "last_error":
        return Cell(value[:120], "", "warn")
    zh, en, level = STATES.get(value, (value, "", "warn"))
    return Cell(zh, en, level)


def _audit_cell(head: AuditHeadRow | None) -> Cell:
    if head is None:
        return Cell("未报告", "Not reported", "warn")
    if head.alarm:
        zh, en = AUDIT_ALARMS.get(head.alarm, (head.alarm, head.alarm))
        return Cell(zh, en, "bad")
    return Cell(f"正常 第 {head.seq} 条", f"OK, record {head.seq}", "ok")


def fleet_rows(s: Session, now: dt.datetime) -> list[KioskRow]:
    """Every terminal with its latest heartbeat; problems first, then by terminal id."""
    latest = (
        select(HeartbeatRow.terminal_id, func.max(HeartbeatRow.id).label("last_id"))
        .group_by(HeartbeatRow.terminal_id)
        .subquery()
    )
    beats = {
        hb.terminal_id: hb
        for hb in s.scalars(select(HeartbeatRow).join(latest, HeartbeatRow.id == latest.c.last_id))
    }
    heads = {h.terminal_id: h for h in s.scalars(select(AuditHeadRow))}
    rows = []
    for t in s.scalars(select(TerminalRow).order_by(TerminalRow.terminal_id)):
        hb = beats.get(t.terminal_id)
        status = json.loads(hb.status_json) if hb else {}
        devices = status.get("devices", {}) if isinstance(status, dict) else {}
        seen = hb.at if hb else t.last_seen
        head = heads.get(t.terminal_id)
        cells = {key: _cell(key, devices.get(key)) for key, _, _ in COLUMNS}
        cells["audit_chain"] = _audit_cell(head)
        rows.append(
            KioskRow(
                terminal_id=t.terminal_id,
                hall=t.hall,
                last_seen=seen,
                age_seconds=(now - seen).total_seconds() if seen else None,
                version=str(status.get("app_version", "")) if isinstance(status, dict) else "",
                cells=cells,
                audit_head=(
                    {"seq": head.seq, "hash": head.hash, "month": head.month} if head else None
                ),
                audit_alarm=head.alarm if head else "",
                audit_alarm_detail=head.alarm_detail if head else "",
            )
        )
    order = {"bad": 0, "warn": 1, "ok": 2}
    rows.sort(key=lambda r: (order[r.level], r.terminal_id))
    return rows


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "从未 never"
    if seconds < 90:
        return f"{int(max(seconds, 0))} 秒前 s ago"
    if seconds < 5400:
        return f"{int(seconds // 60)} 分钟前 min ago"
    return f"{int(seconds // 3600)} 小时前 h ago"


def render(rows: list[KioskRow], now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> str:
    """The page; `now` is naive UTC (as stored), shown in `zone` with its offset."""
    head = "".join(
        f'<th>{html.escape(zh)}<br><span class="en">{html.escape(en)}</span></th>'
        for _, zh, en in COLUMNS
    )
    body = []
    for r in rows:
        seen = Cell(
            "失联 " + _age(r.age_seconds) if r.stale else _age(r.age_seconds),
            "NOT SEEN" if r.stale else "",
            "bad" if r.stale else "ok",
        )
        paper_out = r.cells["receipt_paper"].en == "PAPER OUT"
        cls = f"row-{r.level}" + (" paper-out" if paper_out else "")
        body.append(
            f'<tr class="{cls}" data-terminal="{html.escape(r.terminal_id)}">'
            f'<th scope="row">{html.escape(r.terminal_id)}<br>'
            f'<span class="en">{html.escape(r.hall)}</span></th>'
            + seen.html()
            + "".join(r.cells[key].html() for key, _, _ in COLUMNS)
            + f"<td>{html.escape(r.version)}</td></tr>"
        )
    counts = {lvl: sum(1 for r in rows if r.level == lvl) for lvl in ("bad", "warn", "ok")}
    summary = (
        f"共 {len(rows)} 台 kiosks: {counts['bad']} 需处理 need attention, "
        f"{counts['warn']} 注意 warnings, {counts['ok']} 正常 OK"
    )
    no_paper = [r.terminal_id for r in rows if r.cells["receipt_paper"].en == "PAPER OUT"]
    if no_paper:
        summary += f" — 缺纸 PAPER OUT: {', '.join(no_paper)}"
    return TEMPLATE.substitute(
        refresh=REFRESH_SECONDS,
        generated=html.escape(shown(now.replace(tzinfo=dt.UTC).astimezone(zone))),
        summary=html.escape(summary),
        head=head,
        rows="\n".join(body) or '<tr><td colspan="10">没有终端 No kiosks</td></tr>',
    )


@router.get("/fleet", response_class=HTMLResponse, include_in_schema=False)
async def fleet_page(ctx: Ctx) -> HTMLResponse:
    now = ctx.settings.now()
    rows = await run_in_threadpool(_rows, ctx, now)
    return HTMLResponse(render(rows, now, ctx.settings.zone), headers={"Cache-Control": "no-store"})


@router.get("/fleet.json", include_in_schema=False)
async def fleet_json(ctx: Ctx) -> dict[str, Any]:
    now = ctx.settings.now()
    rows = await run_in_threadpool(_rows, ctx, now)
    zone = ctx.settings.zone
    return {
        "generated": ctx.settings.local(now).isoformat(),
        "kiosks": [r.as_json(zone) for r in rows],
    }


def _rows(ctx: Context, now: dt.datetime) -> list[KioskRow]:
    with ctx.db.sessions() as s:
        return fleet_rows(s, now)
