"""The simulator's HTTP side: fault switches, the phone's QR payment, the daily bill, the clock.

These /sim routes exist only in the lab app (`python -m backoffice serve --lab`, backoffice.parts):
tests, benchmarks and demos drive the simulated world through them. `python -m backoffice.tls`
has no way to mount them. Every POST here takes JSON only (415 JSON_REQUIRED otherwise): a page
of another site can make a browser send a form or plain text without asking, but not JSON
(that needs a CORS preflight, which this app never grants)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse

from backoffice.acquirer import api as acquirer_api
from backoffice.api.deps import Ctx
from backoffice.api.models import IsoDate, TerminalIdText
from backoffice.api.payments_deps import Pay
from backoffice.errors import ApiError, BadRequestProblem, NotFoundProblem
from backoffice.gateway.simulator import GatewayDeclined, GatewaySimulator, GatewayTxn
from backoffice.switchboard import update_or_400


class JsonRequired(ApiError):
    status = 415
    code = "JSON_REQUIRED"


async def json_only(request: Request) -> None:
    """Refuse a control sent as a form or text: what a cross-site page can post unasked."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind != "application/json":
        raise JsonRequired(
            "模拟器控制只接受 JSON 请求", "The simulator's controls take application/json only"
        )


router = APIRouter(prefix="/sim", tags=["simulator"], dependencies=[Depends(json_only)])
OrderNo = Annotated[str, Path(pattern=r"^[A-Z0-9]{8,32}$")]


def txn_json(t: GatewayTxn) -> dict[str, Any]:
    return {
        "order_no": t.order_no,
        "txn_id": t.txn_id,
        "terminal_id": t.terminal_id,
        "method": t.method,
        "account_masked": t.account_masked,
        "amount_fen": t.amount_fen,
        "state": t.state,
        "charges": t.charges,
        "net_fen": t.net_fen,
        "business_date": t.business_date.isoformat(),
        "charged_at": None if t.charged_at is None else t.charged_at.isoformat(),
        "reversed_at": None if t.reversed_at is None else t.reversed_at.isoformat(),
    }


TerminalQ = Annotated[
    TerminalIdText | None,
    Query(description="only this terminal's calls (default: every terminal)"),
]


@router.get("/gateway/switches")
def switches(p: Pay, terminal: TerminalQ = None) -> dict[str, Any]:
    return {**p.switches.snapshot(terminal), "in_doubt_after": p.in_doubt_after}


@router.post("/gateway/switches")
def set_switches(
    p: Pay, values: Annotated[dict[str, Any], Body()], terminal: TerminalQ = None
) -> dict[str, Any]:
    """Set switches, e.g. {"timeout_after": 1} or {"slow_seconds": 2.5, "drop_notify": true},
    for every terminal or (?terminal=) one; "in_doubt_after" (seconds, global) sets when an
    unanswered charge is resolved."""
    values = dict(values)
    if "in_doubt_after" in values:
        v = values.pop("in_doubt_after")
        if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
            raise BadRequestProblem("参数无效", "in_doubt_after: expected seconds >= 0")
        p.in_doubt_after = float(v)
    update_or_400(p.switches, values, terminal)
    return switches(p, terminal)


@router.post("/gateway/reset")
def reset(p: Pay, terminal: TerminalQ = None) -> dict[str, Any]:
    p.switches.reset(terminal)
    return switches(p, terminal)


@router.get("/gateway/qr/{order_no}", response_class=HTMLResponse)
def qr_page(order_no: OrderNo, p: Pay) -> str:
    """What the member's phone opens after scanning: the amount and a pay button."""
    t = p.gateway.query(order_no)
    if t is None:
        raise NotFoundProblem("没有这笔二维码订单", "No such QR order", code="QR_NOT_FOUND")
    yuan = f"{t.amount_fen // 100}.{t.amount_fen % 100:02d}"
    return (
        "<!doctype html><meta charset=utf-8><title>社保缴费</title>"
        f"<h1>社保缴费 ￥{yuan}</h1><p>订单 {order_no}: <span id=state>{t.state}</span></p>"
        "<button id=pay>支付</button><script>"
        "document.getElementById('pay').onclick=async()=>{"
        f"const r=await fetch('/sim/gateway/qr/{order_no}',{{method:'POST',"
        "headers:{'Content-Type':'application/json'},body:'{}'});"
        "document.getElementById('state').textContent=r.ok?(await r.json()).state:r.status;};"
        "</script>"
    )


@router.post("/gateway/qr/{order_no}")
def qr_pay(order_no: OrderNo, p: Pay) -> dict[str, Any]:
    """The phone pays. Answers 409 when the QR was closed or reversed."""
    gateway = p.gateway
    assert isinstance(gateway, GatewaySimulator)  # the lab app's gateway (backoffice.parts)
    try:
        return txn_json(gateway.qr_pay(order_no))
    except GatewayDeclined as e:
        from backoffice.errors import ConflictProblem

        raise ConflictProblem(
            "该二维码已失效", f"This QR code can no longer be paid: {e.reason}", code="QR_CLOSED"
        ) from None


@router.get("/gateway/bill")
def bill(
    p: Pay,
    terminal: Annotated[TerminalIdText | None, Query()] = None,
    date: Annotated[IsoDate | None, Query()] = None,
) -> dict[str, Any]:
    """The gateway's bill (对账单): every transaction of a terminal on a business day."""
    rows = p.gateway.bill(terminal, date)
    return {
        "terminal": terminal,
        "date": None if date is None else date.isoformat(),
        "count": len(rows),
        "net_fen": sum(t.net_fen for t in rows),
        "transactions": [txn_json(t) for t in rows],
    }


# The acquirer's controls (/sim/acquirer/...), under this router's JSON-only rule.
router.include_router(acquirer_api.router)


@router.post("/clock")
def set_clock(ctx: Ctx, today: Annotated[IsoDate, Body(embed=True)]) -> dict[str, str]:
    """Move the back office's "today" (a deadline passing between quote and order)."""
    ctx.settings = dataclasses.replace(ctx.settings, today=today)
    return {"today": today.isoformat()}
