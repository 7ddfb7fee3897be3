"""What every route needs: the app's context (backoffice.context: database, policy, settings), a
database session, and the calling terminal (authenticated by X-Terminal-Id + Authorization: Bearer <key>,
before the body is read: backoffice.limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from backoffice.context import Context
from backoffice.identity import authenticated, not_authenticated

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
    """The authenticated terminal's id. The key was checked from the headers before the body
    was read (backoffice.limits.RequestGate calls backoffice.identity.authenticate, the one
    check): this only reads what it proved, and refuses (401) where nothing was proved."""
    terminal_id = authenticated(request.scope)
    if terminal_id is None:
        raise not_authenticated()
    return terminal_id


Ctx = Annotated[Context, Depends(context)]
Db = Annotated[Session, Depends(session)]
Terminal = Annotated[str, Depends(terminal)]
