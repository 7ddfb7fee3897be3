"""GET /v1/health: is the service up (no authentication; for load balancers and the harness)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from backoffice.api.deps import Ctx
from backoffice.api.models import Health

router = APIRouter(prefix="/v1", tags=["health"])
VERSION = "1.0"


@router.get("/health", response_model=Health)
def health(ctx: Ctx) -> dict[str, str]:
    with ctx.db.engine.connect() as c:
        c.execute(text("SELECT 1"))
    return {
        "status": "ok",
        "version": VERSION,
        "database": "sqlite" if ctx.db.is_sqlite else "postgresql",
    }
