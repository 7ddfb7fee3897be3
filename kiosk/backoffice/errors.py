"""Errors of the kiosk's calls to the back office (kiosk.backoffice.transport raises them for the
records client, the payments client and the card session alike): one root under KioskError,
four kinds the kiosk reacts to differently.

BackOfficeError
 +- BackOfficeUnavailable  no answer, a timeout, or a 5xx after the retries: "try later"
 +- Rejected               the back office said no: code + message in Chinese and English
 |   +- NotFound           404: no such member / card / code
 |   +- Unauthorized       401: this terminal is unknown or its key is wrong
 +- ProtocolError          an answer that is not what the API says (a bug on one side)
"""

from __future__ import annotations

from kiosk.errors import KioskError


class BackOfficeError(KioskError):
    """Root of the back office client's errors."""


class BackOfficeUnavailable(BackOfficeError):
    """The back office could not be reached or did not answer in time."""


class Rejected(BackOfficeError):
    """The back office refused the request; show message_zh / message_en to the member."""

    def __init__(self, status: int, code: str, message_zh: str, message_en: str) -> None:
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{status} {code}: {message_en}")

    def message(self, language: str) -> str:
        return self.message_zh if language == "zh" else self.message_en


class NotFound(Rejected):
    """404: no such member, card or certificate."""


class Unauthorized(Rejected):
    """401: the back office does not know this terminal or its key."""


class ProtocolError(BackOfficeError):
    """The answer does not follow the API (bad JSON, a missing field, a wrong type).
    `status`: the HTTP status of an answer without the API's body (None: a body that broke the
    wire format)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
