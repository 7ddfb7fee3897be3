"""The kiosk core's errors: one root, so callers can catch everything the core raises."""

from __future__ import annotations


class KioskError(Exception):
    """Root of the errors raised by the kiosk core.

    `message_key` is the one attribute that says what to tell the member (an i18n key of
    kiosk/locale/); a subclass or an instance narrows it. `message_zh` / `message_en` carry the
    back office's own words when it gave them (a refusal), shown instead of the key's text."""

    message_key: str = "error.backoffice"  # "try again later": nothing more specific is known
    message_zh: str = ""
    message_en: str = ""


class ConfigError(KioskError):
    """The configuration file is unreadable or a key holds a wrong value.

    The message names the file, the key, what was expected and what was found.
    """

    def __init__(self, file: str, key: str, expected: str, found: str, hint: str = "") -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found
        self.hint = hint
        where = f"{file}: {key}: " if key else f"{file}: "
        text = f"{where}expected {expected}, found {found}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)
