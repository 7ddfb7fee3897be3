"""The FastAPI application: routers from backoffice.api, JSON errors, an access log that never
holds an ID number (members are addressed by member number; cards by identifier)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from backoffice.api import routers, threads
from backoffice.api.models import invalid_request
from backoffice.context import Context
from backoffice.errors import ApiError
from backoffice.identity import authenticated
from backoffice.limits import RequestGate
from backoffice.parts import AppParts
from backoffice.policy import load_policy
from backoffice.settings import Settings
from backoffice.storage import Database

log = logging.getLogger("backoffice")
access = logging.getLogger("backoffice.access")

DESCRIPTION = """The kiosk API of the social insurance back office (社保自助一体机接口).

Terminals authenticate every /v1 call with `X-Terminal-Id` and `Authorization: Bearer <key>`.
Amounts are strings of yuan ("330.00"); months "YYYY-MM". Errors are JSON
`{code, message_zh, message_en}` with a stable code. See docs/api.md."""


def create_app(settings: Settings, *, parts: AppParts, db: Database | None = None) -> FastAPI:
    """The one factory of every variant (backoffice.parts): the API's routers, the card-session
    endpoints (and their guard when required), the simulator's /sim routes only in the lab,
    the TLS and signature guards only in production."""
    from backoffice.card_sessions import install_card_sessions
    from backoffice.security import install_certificate_guard, install_signature_guard

    database = db or Database(settings.database)
    database.create_schema()
    threads.use_defaults_for(sqlite=database.is_sqlite)
    app = _BackOffice(
        title="Social insurance back office — kiosk API",
        version="1.0",
        description=DESCRIPTION,
    )
    app.state.context = Context(
        db=database, policy=load_policy(settings.policy_file), settings=settings
    )
    app.state.parts = parts
    for r in routers():
        app.include_router(r)
    if parts.simulator_controls:
        from backoffice.gateway import api as simulator_api

        app.include_router(simulator_api.router)
    _install_error_handlers(app)

    # Added innermost first. A request meets: the certificate guard (TLS), the access log, the
    # gate (the terminal's key from the headers, the body held to its route's limit, before any
    # of it is read: backoffice.limits), the signature guard, the card-session guard, a route.
    install_card_sessions(app, require=parts.require_card_session, keys=parts.card_keys)
    if parts.security is not None:
        install_signature_guard(app, parts.security)
    app.add_middleware(RequestGate, context=app.state.context)
    app.add_middleware(AccessLog)
    if parts.security is not None:
        install_certificate_guard(app, parts.security, tls=parts.tls)
    return app


class _BackOffice(FastAPI):
    """FastAPI with the document completed by what the routes' signatures cannot say
    (security schemes, the identity headers' answers: backoffice.api.openapi)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            from backoffice.api.openapi import document

            self.openapi_schema = document(self)
        return self.openapi_schema


class AccessLog:
    """A plain ASGI middleware (cheaper than BaseHTTPMiddleware): method, path, status, time,
    authenticated terminal ('-' when none). Paths carry member numbers and card identifiers,
    never ID numbers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not access.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [0]

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            # The terminal whose key was checked (backoffice.identity), never the header's claim.
            terminal = authenticated(scope) or "-"
            access.info(
                "%s %s %d %.1fms terminal=%s",
                scope["method"],
                scope["path"],
                status[0],
                (time.perf_counter() - start) * 1000,
                terminal,
            )


def _error(
    status: int, code: str, zh: str, en: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message_zh": zh, "message_en": en}, status_code=status, headers=headers
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()[:5]
        )
        own = invalid_request(exc.errors())  # e.g. BAD_IDEMPOTENCY_KEY
        if own is not None:
            return _error(422, *own)
        return _error(422, "INVALID_REQUEST", "请求参数无效", f"Invalid request: {problems}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return _error(404, "NO_SUCH_ENDPOINT", "没有这个接口", "No such endpoint")
        if exc.status_code == 405:
            # Allow: the route's methods (RFC 9110 requires it on a 405; Starlette sets it).
            return _error(
                405,
                "METHOD_NOT_ALLOWED",
                "不支持此请求方法",
                "Method not allowed",
                headers=exc.headers,
            )
        return _error(
            exc.status_code, "HTTP_ERROR", "请求错误", str(exc.detail), headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:
        # A bug: log it for us, and give the terminal a JSON answer, not a traceback.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _error(
            500, "INTERNAL_ERROR", "系统内部错误，请稍后再试", "Internal error, try later"
        )
