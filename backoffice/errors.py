"""The back office's errors. An ApiError is what a terminal sees: an HTTP status, a stable code,
and a message in Chinese and in English. PolicyError is a bad policy file (at start)."""

from __future__ import annotations


class BackOfficeError(Exception):
    """Root of the errors raised by the reference back office."""


class PolicyError(BackOfficeError):
    """The policy file is unreadable or holds a wrong value; the message names file and key."""


class ApiError(BackOfficeError):
    """An answer to a terminal that is not a success. Codes are stable: clients match on them."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(
        self,
        message_zh: str,
        message_en: str,
        *,
        code: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def body(self) -> dict[str, str]:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en}


class Unauthorized(ApiError):
    status = 401
    code = "UNAUTHORIZED"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"


class BadRequest(ApiError):
    status = 400
    code = "BAD_REQUEST"


def member_not_found() -> NotFound:
    return NotFound("未找到该参保人", "No such member", code="MEMBER_NOT_FOUND")


def card_not_found() -> NotFound:
    return NotFound("未找到该社会保障卡", "No such card", code="CARD_NOT_FOUND")
