"""The back office's face check as the kiosk sees it (docs/api.md, POST /v1/face/...): the
challenge (what the screen asks while the frames are taken) and the answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

ACTIONS = ("turn_left", "turn_right")
PURPOSES = ("certification", "pin_reset", "id_session")
REASONS = ("NO_FACE", "NOT_LIVE", "NO_MATCH", "MANY_FACES")


@dataclass(frozen=True)
class FaceChallenge:
    challenge_id: str = field(repr=False)
    action: str  # "turn_left" | "turn_right": the member's left is the image's +x
    frames: int  # frames to take while the action is shown
    expires_in: int  # seconds to answer it, once


@dataclass(frozen=True)
class FaceAnswer:
    """The back office's verdict on the frames. `verification_id` only when matched and live:
    it stands for the member for a few minutes (never logged)."""

    verification_id: str | None = field(repr=False)
    matched: bool
    live: bool
    distance: Decimal | None
    threshold: Decimal
    reason: str | None  # None | one of REASONS
    member_no: str | None
    attempts_left: int

    @property
    def verified(self) -> bool:
        return self.matched and self.live and self.verification_id is not None
