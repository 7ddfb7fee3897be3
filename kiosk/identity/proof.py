"""What a check of the person in front of the kiosk gives: `FaceVerified`, a token the
services that need a proven member take (the PIN reset spends it; the certification and the
ID-card session send its verification_id to the back office), and the `IdentityProof` port.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kiosk.domain import CardHolder
from kiosk.domain.identity import mask_id
from kiosk.errors import KioskError


class RecoveryError(KioskError):
    """A reset or a loss cancellation refused; `message_key` says why (kiosk/locale)."""

    def __init__(
        self,
        message_key: str,
        detail: str = "",
        *,
        tries_left: int | None = None,
        message_zh: str = "",
        message_en: str = "",
    ) -> None:
        self.message_key = message_key
        self.tries_left = tries_left
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(f"{message_key}: {detail}" if detail else message_key)


class IdentityNotProven(RecoveryError):
    """No proof, or one for another card, stale or already used: the face must be checked.
    The face check's own refusals (kiosk.identity.face.FaceError) are kinds of it."""

    def __init__(self, detail: str = "", *, message_key: str = "pin_reset.identity_required"):
        super().__init__(message_key, detail)


@dataclass(frozen=True, eq=False)
class FaceVerified:
    """The face in front of the kiosk matched the member and was live (a token issued by an
    `IdentityProof`; never built by a screen). `card_identifier`: the card in the reader when
    the check was for a card (None for an ID card); `verification_id`: the back office's, good
    once for a few minutes (None from the emulated stand-in); `score`: the face distance.
    `emulated`: issued by the stand-in."""

    card_identifier: str | None
    score: float
    at: float  # monotonic seconds
    emulated: bool = False
    verification_id: str | None = field(default=None, repr=False)
    member_no: str | None = None
    id_number: str | None = field(default=None, repr=False)
    _used: list[bool] = field(default_factory=lambda: [False], repr=False)

    @property
    def spent(self) -> bool:
        return self._used[0]

    def spend(self) -> None:
        """One proof opens one reset."""
        self._used[0] = True

    def __repr__(self) -> str:
        # Never the ID number in full, nor the verification id (it stands for the member).
        shown = mask_id(self.id_number) if self.id_number else None
        return (
            f"FaceVerified(member_no={self.member_no}, id={shown}, score={self.score:.3f}, "
            f"emulated={self.emulated}, spent={self.spent})"
        )


class IdentityProof(Protocol):
    """The port the face verification implements (kiosk.identity.face.FaceVerifier)."""

    def prove(self, holder: CardHolder) -> FaceVerified:
        """Check that the person in front of the kiosk is `holder`. Raises IdentityNotProven."""
