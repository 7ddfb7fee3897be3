"""What every route needs: the app's context (backoffice.context: database, policy, settings), a
database session, and the calling terminal (authenticated by X-Terminal-Id + Authorization: Bearer <key>)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backoffice.context import Context
from backoffice.errors import UnauthorizedProblem
from backoffice.identity import claimed, set_authenticated

# The dependencies are `async def` on purpose: FastAPI runs a sync dependency on the thread
# pool, one hop per dependency per request; these do no blocking work (a Session connects
# lazily, in the endpoint's thread), so only the endpoint itself takes a thread.
# session and terminal take the context from the request, not from Depends(context): FastAPI
# solves every sub-dependency of every dependency afresh on each request, cached or not
# (reading path, query, headers and cookies for each), and a route with Db + Terminal solved
# seven of them where it now solves three.


async def context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


async def session(request: Request) -> AsyncIterator[Session]:
    s = request.app.state.context.db.sessions()
    try:
        yield s
    finally:
        if s.in_transaction():
            # Returning the connection to the pool rolls back: a thread, not the event loop.
            # The read routes close the session themselves at their end, in their own thread,
            # and spare this second hop.
            await run_in_threadpool(s.close)
        else:
            s.close()


async def terminal(request: Request) -> str:
    """The authenticated terminal's id, or 401 (400 if an identity header comes twice).
    Identity headers are read by backoffice.identity only, the same way for every guard."""
    claim = claimed(request.scope)
    key = claim.bearer
    if not claim.terminal_id or key is None:
        raise UnauthorizedProblem(
            "终端未认证", "Terminal not authenticated: send X-Terminal-Id and Authorization: Bearer"
        )
    ctx: Context = request.app.state.context
    known = ctx.cached_terminal(claim.terminal_id)
    if known is None:
        known = await run_in_threadpool(ctx.load_terminal, claim.terminal_id)
    given = hashlib.sha256(key.encode()).hexdigest()
    if known is None or not known[1] or not hmac.compare_digest(known[0], given):
        raise UnauthorizedProblem("终端未登记或密钥错误", "Unknown terminal or wrong key")
    set_authenticated(request.scope, claim.terminal_id)
    return claim.terminal_id


Ctx = Annotated[Context, Depends(context)]
Db = Annotated[Session, Depends(session)]
Terminal = Annotated[str, Depends(terminal)]
