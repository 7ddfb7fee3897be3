"""Shared bits of the routers: the error responses every authenticated route documents."""

from __future__ import annotations

from typing import Any

from backoffice.api.models import ErrorBody

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "unknown terminal or wrong key"},
    422: {"model": ErrorBody, "description": "the request is not valid"},
}
MEMBER_ERRORS: dict[int | str, dict[str, Any]] = {
    **AUTH_ERRORS,
    404: {"model": ErrorBody, "description": "no such member"},
}


def problem(description: str) -> dict[str, Any]:
    """An error answer of a route: ErrorBody, its codes in the description."""
    return {"model": ErrorBody, "description": description}
