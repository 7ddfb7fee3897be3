"""The back office's errors, all under BackOfficeServerError (named apart from the kiosk's
kiosk.backoffice.errors, which are how the kiosk sees the back office's answers).

An ApiError is what a terminal sees: an HTTP status, a stable code, and a message in Chinese and
in English; its kinds are named ...Problem (UnauthorizedProblem, NotFoundProblem, ...).
PolicyError is a bad policy file (at start). Other parts raise their own subclasses of the root:
GatewayError, EstimateError, SeedError, ImportFileError, SecurityConfigError, HarnessError."""

from __future__ import annotations


class BackOfficeServerError(Exception):
    """Root of the errors raised by the reference back office (one root for the package)."""


class PolicyError(BackOfficeServerError):
    """The policy file is unreadable or holds a wrong value; the message names file and key."""


class ApiError(BackOfficeServerError):
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


class UnauthorizedProblem(ApiError):
    status = 401
    code = "UNAUTHORIZED"


class NotFoundProblem(ApiError):
    status = 404
    code = "NOT_FOUND"


class ConflictProblem(ApiError):
    status = 409
    code = "CONFLICT"


class BadRequestProblem(ApiError):
    status = 400
    code = "BAD_REQUEST"


def member_not_found() -> NotFoundProblem:
    return NotFoundProblem("未找到该参保人", "No such member", code="MEMBER_NOT_FOUND")


def card_not_found() -> NotFoundProblem:
    return NotFoundProblem("未找到该社会保障卡", "No such card", code="CARD_NOT_FOUND")


def receipt_not_found() -> NotFoundProblem:
    return NotFoundProblem("没有这张缴费凭证", "No such receipt", code="RECEIPT_NOT_FOUND")
