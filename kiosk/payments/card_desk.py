"""Where a card sale running on a worker thread meets the member at the screen.

The card sale (kiosk/payments/card_sale.py) asks two things of the member mid-transaction:
which of the card's bank applications to use (only when it has several), and the financial
PIN (金融密码) on the PIN pad. Both calls block the payment's worker thread; `CardDesk` shows
them as a `CardPrompt` the pay page reads, and takes the page's answers (`pick`, `key`,
`cancel`) without blocking the UI thread.

The PIN itself never passes through here: an on-screen key goes straight to the emulated pad
(`EppPort.press`), and only the digit count comes back for the dots. A pad with keys of its own
is polled for its count instead, and the screen shows the prompt and the dots.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cardio.emv.selection import Candidate
from common import emv_profile
from kiosk.devices.epp import EppError
from kiosk.payments.card_sale import PinPrompt
from kiosk.ports import EppPort

log = logging.getLogger("kiosk.payments.card")

KEYS = frozenset("0123456789") | {"back", "clear", "enter"}


@dataclass(frozen=True)
class AppOption:
    """One of the card's bank applications, as the member sees it."""

    label_zh: str
    label_en: str

    def label(self, language: str) -> str:
        return self.label_zh if language == "zh" else self.label_en


@dataclass(frozen=True)
class ChooseApplication:
    options: tuple[AppOption, ...]


@dataclass(frozen=True)
class EnterBankPin:
    message_key: str  # payments.enter_bank_pin, or payments.card_wrong_pin_again after a 55
    pan_masked: str
    attempt: int  # 1, 2... within this sale
    tries_left: int  # entries this sale still allows, this one included
    digits: int  # how many dots to show
    on_screen_keypad: bool  # False: the member types on the pad's own keys


CardPrompt = ChooseApplication | EnterBankPin


def app_option(c: Candidate) -> AppOption:
    known = emv_profile.LABELS.get(c.aid)
    return AppOption(known[1], known[0]) if known else AppOption(c.label, c.label)


class CardDesk:
    """One sale's questions to the member at a time; `begin()` opens it for a sale, `close()`
    (the session ended) makes every wait answer "cancelled"."""

    def __init__(
        self,
        *,
        pin_attempts: int = 3,
        timeout: float = 90.0,
        poll: float = 0.1,
        card_present: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pin_attempts = pin_attempts
        self.timeout = timeout  # seconds the member has for one choice or one PIN entry
        self.poll = poll
        self.card_present = card_present
        self._clock = clock
        self._cond = threading.Condition()
        self._prompt: CardPrompt | None = None
        self._candidates: tuple[Candidate, ...] = ()
        self._picked: int | None = None
        self._cancelled = False
        self._closed = False
        self._epp: EppPort | None = None
        self._listeners: list[Callable[[CardPrompt | None], None]] = []
        self._notify_later = False  # the pad's count changed while polled: tell the screen

    # -- the screen's side (never blocks) ----------------------------------------------------

    def subscribe(self, fn: Callable[[CardPrompt | None], None]) -> None:
        """`fn(prompt)` on every change, from whichever thread made it (hand it over)."""
        self._listeners.append(fn)

    def prompt(self) -> CardPrompt | None:
        with self._cond:
            return self._prompt

    def pick(self, index: int) -> None:
        with self._cond:
            if isinstance(self._prompt, ChooseApplication) and 0 <= index < len(self._candidates):
                self._picked = index
                self._cond.notify_all()

    def key(self, key: str) -> None:
        """A key of the on-screen keypad: to the emulated pad, which keeps the digits."""
        if key not in KEYS:
            return
        with self._cond:
            epp, prompt = self._epp, self._prompt
        if epp is None or not isinstance(prompt, EnterBankPin) or not prompt.on_screen_keypad:
            return
        try:
            state = epp.press(key)
        except EppError:  # the entry closed meanwhile (timeout, card pulled)
            return
        self._set_digits(state.digits, wake=state.done or state.cancelled)

    def cancel(self) -> None:
        """The member pressed cancel (on the application list or the PIN page)."""
        with self._cond:
            if self._prompt is not None:
                self._cancelled = True
                self._cond.notify_all()

    # -- the session's side ------------------------------------------------------------------

    def begin(self) -> None:
        with self._cond:
            self._closed = False
            self._cancelled = False

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._show(None)

    # -- the card sale's side (worker thread; blocks) ---------------------------------------

    def choose(self, candidates: Sequence[Candidate]) -> Candidate | None:
        """BankCard.choose: the member's choice when the card has several applications."""
        if len(candidates) <= 1:
            return candidates[0] if candidates else None
        with self._cond:
            self._candidates = tuple(candidates)
            self._picked, self._cancelled = None, False
        self._show(ChooseApplication(tuple(app_option(c) for c in candidates)))
        try:
            if not self._wait(lambda: self._picked is not None):
                return None
            with self._cond:
                assert self._picked is not None
                return self._candidates[self._picked]
        finally:
            with self._cond:
                self._candidates, self._picked = (), None
            self._show(None)

    def enter_pin(self, epp: EppPort, prompt: PinPrompt) -> bool:
        """BankCard.enter_pin: True once ENTER was pressed on the pad with enough digits."""
        with self._cond:
            self._epp, self._cancelled = epp, False
        self._show(
            EnterBankPin(
                prompt.message_key,
                prompt.pan_masked,
                prompt.attempt,
                max(1, self.pin_attempts - prompt.attempt + 1),
                0,
                on_screen_keypad=not epp.has_keypad,
            )
        )
        try:
            return self._wait(lambda: self._pad_done(epp))
        finally:
            with self._cond:
                self._epp = None
            self._show(None)

    def _pad_done(self, epp: EppPort) -> bool:
        """Called with the lock held: the pad's state (a keypad pad's count polled here)."""
        try:
            state = epp.state()
        except EppError as e:
            log.warning("PIN pad state: %s", type(e).__name__)
            self._cancelled = True
            return False
        if isinstance(self._prompt, EnterBankPin) and self._prompt.digits != state.digits:
            self._prompt = _with_digits(self._prompt, state.digits)
            self._notify_later = True
        if state.cancelled:
            self._cancelled = True
        return state.done

    def _wait(self, done: Callable[[], bool]) -> bool:
        """Wait until `done()`; False on cancel, close, timeout or the card taken out."""
        deadline = self._clock() + self.timeout
        next_presence = self._clock() + 1.0
        while True:
            changed = None
            with self._cond:
                self._notify_later = False
                if self._closed or self._cancelled:
                    return False
                if done():
                    return True
                if self._cancelled:
                    return False
                if self._notify_later:
                    changed = self._prompt
                if changed is None:
                    self._cond.wait(self.poll)
            if changed is not None:
                self._tell(changed)
            now = self._clock()
            if now >= deadline:
                log.info("card sale: the member did not answer in %.0f s", self.timeout)
                return False
            if now >= next_presence:
                next_presence = now + 1.0
                if not self.card_present():
                    return False

    # -- prompts -------------------------------------------------------------------------------

    def _set_digits(self, digits: int, *, wake: bool) -> None:
        with self._cond:
            p = self._prompt
            if not isinstance(p, EnterBankPin):
                return
            self._prompt = _with_digits(p, digits)
            if wake:
                self._cond.notify_all()
            changed = self._prompt
        self._tell(changed)

    def _show(self, prompt: CardPrompt | None) -> None:
        with self._cond:
            self._prompt = prompt
        self._tell(prompt)

    def _tell(self, prompt: CardPrompt | None) -> None:
        for fn in list(self._listeners):
            try:
                fn(prompt)
            except Exception:  # a screen's bug must not stop the sale
                log.exception("card desk listener failed")


def _with_digits(p: EnterBankPin, digits: int) -> EnterBankPin:
    return EnterBankPin(
        p.message_key, p.pan_masked, p.attempt, p.tries_left, digits, p.on_screen_keypad
    )
