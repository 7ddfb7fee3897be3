"""What a screen may ask of the kiosk: the one typed surface between screens/ and the core.

screens.app.KioskApp implements it; a screen reaches it as `self.kiosk`. Screens send intents
(kiosk.session.machine's PinSubmitted, Navigate, Request, Touched, ExitPressed...) with `post`,
read the session only from the SessionState their `show` is given, and put words on the
screen through `tr`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.i18n import Translator
from kiosk.session.machine import Event


class KioskFacade(Protocol):
    @property
    def lang(self) -> str:
        """The language shown now: "zh" or "en"."""

    @property
    def translator(self) -> Translator:
        """The catalog `tr` reads (for domain texts that translate themselves)."""

    def tr(self, key: str, _lang: str | None = None, **params: object) -> str:
        """The text of an i18n key in the language shown now."""

    def post(self, event: Event) -> None:
        """Hand a member's intent to the session (never blocks)."""

    def watch_language(self, fn: Callable[[], object]) -> Callable[[], None]:
        """Call `fn` (on the UI thread) every time the member switches language, until the
        call returned is made."""

    def key_tone(self) -> None:
        """The keypad's click."""

    def stop(self) -> None:
        """Close the app (the administrator's shutdown)."""
