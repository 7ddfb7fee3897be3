"""The lab's controls of the acquirer (/sim/acquirer/...): fault switches, the host's totals.

Part of the lab's /sim routes (included by backoffice.gateway.api, JSON-only like them). The
acquirer runs only under `python -m backoffice serve --lab --acquirer-port N` (one worker:
the app is built in the process that runs the acquirer); otherwise these routes answer 404
ACQUIRER_NOT_RUNNING. The acquirer keeps the lab's clock as it was at start (--today)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from backoffice.acquirer.server import AcquirerServer
from backoffice.api.models import AcquirerTerminalText, IsoDate
from backoffice.errors import ApiError
from backoffice.switchboard import update_or_400


class AcquirerNotRunning(ApiError):
    status = 404
    code = "ACQUIRER_NOT_RUNNING"


_running: list[AcquirerServer] = []  # the acquirer of this process, if any


def running(server: AcquirerServer) -> None:
    """Make `server` the one these routes control."""
    _running[:] = [server]


def acquirer() -> AcquirerServer:
    if not _running:
        raise AcquirerNotRunning("收单模拟器未启动", "The acquirer host is not running")
    return _running[0]


Acq = Annotated[AcquirerServer, Depends(acquirer)]
TerminalQ = Annotated[
    AcquirerTerminalText | None,
    Query(description="an acquirer terminal number (field 41); default: every one"),
]
router = APIRouter(prefix="/acquirer", tags=["simulator"])


@router.get("/switches")
def switches(a: Acq, terminal: TerminalQ = None) -> dict[str, Any]:
    return {**a.switches.snapshot(terminal), "port": a.port}


@router.post("/switches")
def set_switches(
    a: Acq, values: Annotated[dict[str, Any], Body()], terminal: TerminalQ = None
) -> dict[str, Any]:
    """e.g. {"no_answer": 1}, {"answer_then_drop": 1}, {"duplicate_answer": 1},
    {"wrong_mac": 1}, {"slow_seconds": 2.5}, for every terminal or (?terminal=) one."""
    update_or_400(a.switches, dict(values), terminal)
    return switches(a, terminal)


@router.post("/reset")
def reset(a: Acq, terminal: TerminalQ = None) -> dict[str, Any]:
    a.switches.reset(terminal)
    return switches(a, terminal)


@router.get("/totals")
def totals(
    a: Acq, terminal: Annotated[AcquirerTerminalText, Query()], date: Annotated[IsoDate, Query()]
) -> dict[str, Any]:
    """The host's count and amount of a terminal's sales of a day, net of reversals."""
    t = a.host.totals(terminal, date)
    return {
        "terminal": terminal,
        "date": date.isoformat(),
        "count": t.count,
        "amount_fen": t.amount_fen,
    }
