"""The session's identity port (issue 20): the face check, the PIN reset and the loss
cancellation as the controller runs them, with their refusals in the session's terms.

`IdentityPort` is what the controller calls on its worker threads; `IdentityFlows` implements
it with the face verifier (kiosk.identity.face), cardio's reader and the recovery services
(kiosk.session.card_recovery). A refusal is a `FaceRefused` (face) or a `RecoveryError`
(reset, loss) whose `message_key` the page shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from kiosk.domain import CardHolder
from kiosk.errors import KioskError

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
