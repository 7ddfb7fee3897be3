"""The active liveness check: pure functions over the five landmarks of each frame.

The frames are taken while the kiosk's screen asks for an action ("turn_left" or "turn_right").
Per frame, with the eye centres L (smaller x) and R and the nose N in image coordinates, the yaw
proxy is

    r = dot(N - (L + R) / 2, R - L) / |R - L|^2

the nose's offset from the eyes' midpoint along the eye line, in eye distances. It does not
change when the picture is moved, scaled or rolled (rotated in its plane): a flat photo moved or
tilted in front of the camera keeps its r. Turning a head moves the nose, which stands out of
the face, across the eyes' line; a flat photo turned about its vertical axis is squeezed
horizontally by c, and then r' = (c^2 dx ex + dy ey) / (c^2 ex^2 + ey^2) (d = N - mid, e = R - L):
r' = r exactly when the eyes are level (ey = 0), and it moves by a small amount when they are
not (docs/face.md gives the figures).

Live when every frame has exactly one face, the first frame is near frontal (|r| <= frontal)
and some later frame has r - r_first >= +yaw_delta for "turn_left" (the member's left is the
image's +x side in an unmirrored camera picture) or <= -yaw_delta for "turn_right"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ACTIONS = ("turn_left", "turn_right")


@dataclass(frozen=True)
class Point:
    x: float
    y: float


Face = tuple[Point, Point, Point]  # (left eye centre, right eye centre, nose)


@dataclass(frozen=True)
class FrameFaces:
    """The faces the detector found in one frame, each by its three points."""

    faces: tuple[Face, ...]


@dataclass(frozen=True)
class LivenessRules:
    """The policy's [face] keys the check reads."""

    yaw_delta: float = 0.15
    frontal: float = 0.12


@dataclass(frozen=True)
class Liveness:
    live: bool
    reason: str | None  # None (live) | "NO_FACE" | "MANY_FACES" | "NOT_LIVE"
    ratios: tuple[float, ...]  # r of each frame (empty when a frame had not one face)
    frontal_frame: int | None  # the frame with the smallest |r|: the one to match


def yaw_ratio(left: Point, right: Point, nose: Point) -> float:
    """r = dot(N - (L+R)/2, R - L) / |R - L|^2 (0: the nose midway between the eyes)."""
    ex, ey = right.x - left.x, right.y - left.y
    dx = nose.x - (left.x + right.x) / 2
    dy = nose.y - (left.y + right.y) / 2
    norm = ex * ex + ey * ey
    if norm == 0.0:
        return 0.0  # both eyes on one point: no direction to measure along
    return (dx * ex + dy * ey) / norm


def judge(frames: Sequence[FrameFaces], action: str, rules: LivenessRules) -> Liveness:
    """The rule above over the frames in the order they were taken."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    counts = [len(f.faces) for f in frames]
    if not frames or any(n == 0 for n in counts):
        return Liveness(False, "NO_FACE", (), None)
    if any(n > 1 for n in counts):
        return Liveness(False, "MANY_FACES", (), None)
    ratios = tuple(yaw_ratio(*f.faces[0]) for f in frames)
    frontal = min(range(len(ratios)), key=lambda i: abs(ratios[i]))
    first = ratios[0]
    sign = 1.0 if action == "turn_left" else -1.0
    # A small epsilon: a turn of exactly yaw_delta passes whatever the float rounding.
    turned = any(sign * (r - first) >= rules.yaw_delta - 1e-9 for r in ratios[1:])
    live = abs(first) <= rules.frontal + 1e-9 and turned
    return Liveness(live, None if live else "NOT_LIVE", ratios, frontal)
