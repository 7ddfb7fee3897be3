"""The policy's `[face]` keys (backoffice/policies/default.toml): the match threshold, the
liveness thresholds, the frames asked for and how long a challenge and a verification last."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backoffice.face.liveness import LivenessRules


@dataclass(frozen=True)
class FaceRules:
    threshold: Decimal = Decimal("0.6")  # the largest distance that is the same person
    yaw_delta: Decimal = Decimal("0.15")  # the turn asked for, in eye distances of the nose
    frontal: Decimal = Decimal("0.12")  # the first frame's |r| at most
    frames: int = 5  # frames the terminal takes while the action is shown
    challenge_seconds: int = 60  # a challenge is answered within this
    verification_seconds: int = 300  # a matched verification is spent within this

    @property
    def liveness(self) -> LivenessRules:
        return LivenessRules(yaw_delta=float(self.yaw_delta), frontal=float(self.frontal))
