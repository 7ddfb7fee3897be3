"""What every route needs: the app's context (database, policy, settings), a database session,
and the calling terminal (authenticated by X-Terminal-Id + Authorization: Bearer <key>)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from backoffice.errors import Unauthorized
from backoffice.policy import Policy
from backoffice.settings import Settings
from backoffice.storage import Database
from backoffice.storage.terminals import TerminalRow


@dataclass
class Context:
    db: Database
    policy: Policy
    settings: Settings


def context(request: Request) -> Context:
    return request.app.state.context


def session(ctx: Annotated[Context, Depends(context)]) -> Iterator[Session]:
    with ctx.db.session() as s:
        yield s


def terminal(
    request: Request,
    s: Annotated[Session, Depends(session)],
    x_terminal_id: Annotated[str | None, Header(description="the terminal's number")] = None,
    authorization: Annotated[str | None, Header(description="Bearer <API key>")] = None,
) -> str:
    """The authenticated terminal's id, or 401."""
    if not x_terminal_id or not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized(
            "终端未认证", "Terminal not authenticated: send X-Terminal-Id and Authorization: Bearer"
        )
    key = authorization.removeprefix("Bearer ").strip()
    row = s.get(TerminalRow, x_terminal_id)
    given = hashlib.sha256(key.encode()).hexdigest()
    if row is None or not row.active or not hmac.compare_digest(row.key_sha256, given):
        raise Unauthorized("终端未登记或密钥错误", "Unknown terminal or wrong key")
    request.state.terminal_id = x_terminal_id
    return x_terminal_id


Ctx = Annotated[Context, Depends(context)]
Db = Annotated[Session, Depends(session)]
Terminal = Annotated[str, Depends(terminal)]
