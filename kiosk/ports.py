"""The kiosk core's view of its devices and of the back office: small Protocols.

The controller calls only these. Each has a real implementation (an adapter over cardio, the
back office client, the printer package) and may have a simulated one; config.toml chooses.
Every method may block: the controller calls them on worker threads, never on the UI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.errors import KioskError
from kiosk.session.machine import CardProblem


class CardAccessError(KioskError):
    """The card cannot be used; `problem` says why in the session's terms."""

    def __init__(self, problem: CardProblem, detail: str = "") -> None:
        self.problem = problem
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)


class PinRefused(KioskError):
    """A PIN change the card or the rules refuse; `reason` is an i18n key."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class CardReading:
    holder: CardHolder
    admin: bool
    pinpad: bool


@dataclass(frozen=True)
class PinResult:
    ok: bool
    tries_left: int | None = None
    blocked: bool = False
    initial_pin: bool = False


class CardPort(Protocol):
    def watch(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        """Deliver card inserted / removed, from any thread."""

    def read(self) -> CardReading:
        """Read the card, prove it genuine, check it at the back office. Raises
        CardAccessError."""

    def verify_pin(self, digits: bytearray | None) -> PinResult:
        """VERIFY; `None` = on the reader's own PIN pad. Wipes `digits` before returning."""

    def change_pin(self, old: bytearray, new: bytearray) -> None:
        """CHANGE PIN; wipes both buffers. Raises PinRefused."""

    def forget(self) -> None:
        """Drop what was read from the card."""


class MemberDataPort(Protocol):
    def load(self, key: str, holder: CardHolder, params: dict[str, Any]) -> Any:
        """Fetch one kind of member data ("summary", "history", "accounts", ...)."""

    def forget(self) -> None:
        """Drop what is known of the member (the session ended)."""

    def warm_up(self) -> None:
        """Load now, while no one waits, what the first member would otherwise wait for
        (optional: the controller calls it only if it is there)."""


class VoicePort(Protocol):
    def say(self, text: str, language: str) -> None:
        """Speak a prompt without blocking the caller for long."""
