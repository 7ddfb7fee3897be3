"""The OpenAPI document as the service answers: FastAPI's document, completed with what FastAPI
cannot see in a route's signature.

- Authentication: the `terminal` dependency reads X-Terminal-Id and Authorization from the
  request itself (backoffice.identity), so FastAPI lists no parameter for them. They are
  documented as security schemes on every operation that depends on `terminal` (and `security:
  []` on the public ones), with the answers that dependency gives: 400 REPEATED_HEADER, 401.
- Member data (/v1/members/{member_no}/...): the card session (X-Card-Session) that the
  production service requires (backoffice.card_sessions.CardSessionGuard), with its 403.
- Validation: our handler answers 422 with ErrorBody (backoffice.app), not FastAPI's
  HTTPValidationError; an operation without any input cannot answer 422.

Everything else (each route's own 201, 404, 409, 503 ...) is in the route's decorator."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from backoffice.api import deps
from backoffice.card_sessions import _MEMBER_PATH
from backoffice.identity import (
    CARD_SESSION_SCHEME,
    SECURITY_SCHEMES,
    TERMINAL_ID_SCHEME,
    TERMINAL_KEY_SCHEME,
)

_ERROR = {"$ref": "#/components/schemas/ErrorBody"}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


REPEATED = _error(
    "REPEATED_HEADER: an identity header (X-Terminal-Id, Authorization, ...) came twice"
)
UNAUTHORIZED = _error("UNAUTHORIZED: unknown terminal, wrong or missing key")
CARD_SESSION_REQUIRED = _error(
    "CARD_SESSION_REQUIRED: no card session of this member on this terminal (production)"
)
TOO_LARGE = _error("BODY_TOO_LARGE: the body is over this route's limit (docs/api.md, Limits)")
INVALID = _error("INVALID_REQUEST: a parameter or the body is not valid")


def document(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document (cached by FastAPI once built: app.openapi_schema)."""
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    # Routes of included routers are reached through their contexts (FastAPI >= 0.16x).
    for context in iter_route_contexts(app.routes):
        route: Any = context
        if isinstance(context.original_route, APIRoute) and route.include_in_schema:
            for method in route.methods:
                _complete(schema["paths"][route.path_format][method.lower()], route)
    _drop_unused(components.get("schemas", {}), schema)
    return schema


def _complete(op: dict[str, Any], route: Any) -> None:
    """`route`: an APIRoute or the context of one (path_format, dependant, body_field)."""
    responses: dict[str, Any] = op["responses"]
    member_data = _MEMBER_PATH.match(route.path_format) is not None
    if deps.terminal in _calls(route.dependant):
        terminal: dict[str, list[str]] = {TERMINAL_ID_SCHEME: [], TERMINAL_KEY_SCHEME: []}
        op["security"] = [terminal]
        if member_data:
            # Required where card sessions are on (production's default), not in the lab or
            # the plain app: the two alternatives, the 403 for the first.
            op["security"] = [{**terminal, CARD_SESSION_SCHEME: []}, terminal]
            responses.setdefault("403", CARD_SESSION_REQUIRED)
        responses["400"] = _merge(responses.get("400"), REPEATED)
        responses["401"] = UNAUTHORIZED
    else:
        op["security"] = []
    if route.body_field is not None:
        # backoffice.limits (RequestGate): each route's limit, refused before the body is read.
        responses["413"] = TOO_LARGE
    if route.body_field is not None or any(_checked(f) for f in get_flat_params(route.dependant)):
        responses["422"] = INVALID
    else:
        responses.pop("422", None)
    op["responses"] = dict(sorted(responses.items()))
    for parameter in op.get("parameters", []):
        _absent_not_null(parameter)


def _absent_not_null(parameter: dict[str, Any]) -> None:
    """An optional parameter is absent, never null: FastAPI writes `X | None` as anyOf [X,
    null], and a client (schemathesis) then sends the text "null" as a header or query value."""
    schema = parameter.get("schema", {})
    kinds = schema.get("anyOf")
    if parameter.get("required") or not kinds or {"type": "null"} not in kinds:
        return
    rest = [k for k in kinds if k != {"type": "null"}]
    if len(rest) == 1:
        del schema["anyOf"]
        schema.update(rest[0])
    else:
        schema["anyOf"] = rest


def _checked(field: Any) -> bool:
    """A parameter validation can refuse: anything but a bare string (a public page's path
    takes any text and answers 404 for what it does not know)."""
    info = field.field_info
    return info.annotation not in (str, str | None) or bool(info.metadata)


def _calls(d: Dependant) -> set[Any]:
    """Every dependency's callable, at any depth."""
    out: set[Any] = set()
    for sub in d.dependencies:
        out.add(sub.call)
        out |= _calls(sub)
    return out


def _merge(own: dict[str, Any] | None, common: dict[str, Any]) -> dict[str, Any]:
    """A route's own 400 (e.g. BAD_PERIOD) and the common REPEATED_HEADER: one description."""
    if own is None:
        return common
    return {**common, "description": f"{own['description']}; {common['description']}"}


def _drop_unused(schemas: dict[str, Any], schema: dict[str, Any]) -> None:
    """FastAPI's HTTPValidationError and ValidationError, no longer referenced: our 422 is an
    ErrorBody."""
    import json

    for name in ("HTTPValidationError", "ValidationError"):
        body = json.dumps(schema)
        if name in schemas and not re.search(f'"#/components/schemas/{name}"', body):
            del schemas[name]
