"""The session's identity port (issue 20): the face check, the PIN reset and the loss
cancellation as the controller runs them, with their refusals in the session's terms.

`IdentityPort` is what the controller calls on its worker threads; `IdentityFlows` implements
it with the face verifier (kiosk.identity.face), cardio's reader and the recovery services
(kiosk.session.card_recovery). A refusal is a `FaceRefused` (face) or a `RecoveryError`
(reset, loss) whose `message_key` the page shows.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from cardio import errors as ce
from cardio.pin import ScreenPin
from kiosk.domain import CardHolder
from kiosk.errors import KioskError
from kiosk.session.card_recovery import (
    LossCancelService,
    LossClient,
    PinResetService,
    RecoveryError,
)

# on_step(step, action): "prompt" with the action the screen shows, then "checking".
OnStep = Callable[[str, str | None], None]


class FaceRefused(KioskError):
    """The face check did not prove the member: `message_key` says why (kiosk/locale
    face.toml), `attempts_left` today's checks left, `final` no retry at the kiosk."""

    def __init__(
        self, message_key: str, attempts_left: int | None = None, *, final: bool = False
    ) -> None:
        self.message_key = message_key
        self.attempts_left = attempts_left
        self.final = final
        super().__init__(message_key)


class IdentityPort(Protocol):
    def check_face(
        self, id_number: str, purpose: str, card_identifier: str | None, on_step: OnStep
    ) -> Any:
        """The face in front of the camera is the member of `id_number`: returns the proof
        (FaceVerified). Raises FaceRefused."""

    def reset_pin(self, holder: CardHolder, proof: Any, new: bytearray, confirm: bytearray) -> None:
        """RELOAD PIN on `holder`'s card in the reader. Wipes both. Raises RecoveryError."""

    def cancel_loss(self, holder: CardHolder, pin: bytearray) -> object:
        """The PIN on the card, then the back office lifts the loss. Wipes `pin`. Raises
        RecoveryError."""


class FaceCheck(Protocol):
    """kiosk.identity.face.FaceVerifier as the session uses it."""

    def verify(
        self,
        id_number: str,
        purpose: str,
        on_step: OnStep | None = None,
        *,
        card_identifier: str | None = None,
    ) -> Any: ...


class RecoveryReader(Protocol):
    """cardio.reader.CardReader as the reset and the cancellation need it."""

    @property
    def card_identifier(self) -> str | None: ...

    def read_card(self, *, require_genuine: bool = True) -> Any: ...

    def reload_pin(self, new: ScreenPin, confirm: ScreenPin) -> None: ...

    def verify_pin(self, pin: ScreenPin) -> object: ...


# Refusals after which the kiosk offers no retry: the counter's business.
FINAL = frozenset({"face.counter_required", "face.not_enrolled"})


class IdentityFlows:
    """The IdentityPort over the face verifier (None: no camera configured), the card reader
    and the back office's loss cancellation. The reset and the cancellation read the card
    afresh first (the problem page released it) and insist it is the card whose holder the
    session kept: a card swapped meanwhile is refused."""

    def __init__(
        self,
        verifier: FaceCheck | None,
        reader: RecoveryReader,
        losses: LossClient,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.verifier = verifier
        self.reader = reader
        self.resets = PinResetService(reader, clock)
        self.losses = LossCancelService(reader, losses)

    @property
    def camera(self) -> Any:
        """The verifier's camera (the demo panel and the UI tests pick its subject)."""
        return getattr(self.verifier, "camera", None)

    def check_face(
        self, id_number: str, purpose: str, card_identifier: str | None, on_step: OnStep
    ) -> Any:
        if self.verifier is None:
            raise FaceRefused("face.unavailable", final=True)
        try:
            return self.verifier.verify(
                id_number, purpose, on_step, card_identifier=card_identifier
            )
        except KioskError as e:  # kiosk.identity.face.FaceError and its kinds
            key = e.message_key if e.message_key.startswith("face.") else "face.unavailable"
            left = getattr(e, "attempts_left", None)
            raise FaceRefused(key, left, final=key in FINAL) from None

    def _same_card(self, holder: CardHolder) -> None:
        try:
            info = self.reader.read_card()
        except ce.CardError as e:
            raise RecoveryError("problem.unreadable.title", type(e).__name__) from None
        if info.card_identifier != holder.card_identifier:
            raise RecoveryError("problem.unreadable.title", "another card in the reader")

    def reset_pin(self, holder: CardHolder, proof: Any, new: bytearray, confirm: bytearray) -> None:
        try:
            self._same_card(holder)
        except RecoveryError:
            new[:] = bytes(len(new))
            confirm[:] = bytes(len(confirm))
            raise
        self.resets.reset(proof, new, confirm)

    def cancel_loss(self, holder: CardHolder, pin: bytearray) -> object:
        try:
            self._same_card(holder)
        except RecoveryError:
            pin[:] = bytes(len(pin))
            raise
        return self.losses.cancel(holder, pin)
