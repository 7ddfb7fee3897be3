"""The liveness rule (backoffice/face/liveness.py) and the match's numbers, worked by hand; the
policy's [face] keys checked like the other sections. Pure functions: no model, no service."""

from __future__ import annotations

import math
import tomllib
from decimal import Decimal

import pytest

from backoffice.errors import PolicyError
from backoffice.face.liveness import FrameFaces, LivenessRules, Point, judge, yaw_ratio
from backoffice.face.matching import distance, milli, pack, similarity_milli, unpack
from backoffice.policy import DEFAULT_POLICY, load_policy, parse_policy

RULES = LivenessRules(yaw_delta=0.10, frontal=0.12)
L, R = Point(100.0, 200.0), Point(200.0, 200.0)  # level eyes 100 px apart, midpoint (150, 200)


def face(nose_x: float, left: Point = L, right: Point = R, nose_y: float = 260.0) -> FrameFaces:
    return FrameFaces(((left, right, Point(nose_x, nose_y)),))


def test_the_yaw_ratio_worked() -> None:
    # R - L = (100, 0), |R - L|^2 = 10,000; N - mid = (nose_x - 150, 60)
    assert yaw_ratio(L, R, Point(150, 260)) == 0.0  # (0*100 + 60*0) / 10,000
    assert yaw_ratio(L, R, Point(162, 260)) == pytest.approx(0.12)  # 12*100 / 10,000
    assert yaw_ratio(L, R, Point(135, 260)) == pytest.approx(-0.15)  # -15*100 / 10,000
    # moved by (+37, -5) and scaled x2 about the origin: the same r
    moved = [Point(2 * p.x + 37, 2 * p.y - 5) for p in (L, R, Point(162, 260))]
    assert yaw_ratio(*moved) == pytest.approx(0.12)
    # rolled 30 degrees about the left eye: dot products and norms are kept, r too
    c, s = math.cos(math.pi / 6), math.sin(math.pi / 6)

    def roll(p: Point) -> Point:
        x, y = p.x - L.x, p.y - L.y
        return Point(L.x + c * x - s * y, L.y + s * x + c * y)

    assert yaw_ratio(roll(L), roll(R), roll(Point(162, 260))) == pytest.approx(0.12)
    assert yaw_ratio(L, L, Point(150, 260)) == 0.0  # no eye line: nothing to measure


def test_a_flat_photo_turned_keeps_its_ratio_when_the_eyes_are_level() -> None:
    # turned about its vertical axis: x squeezed by c = 0.7 around x = 150.
    # r' = (c^2 dx ex + dy ey) / (c^2 ex^2 + ey^2) = (0.49*12*100 + 60*0) / (0.49*10,000) = 0.12
    def squeeze(p: Point) -> Point:
        return Point(150 + 0.7 * (p.x - 150), p.y)

    assert yaw_ratio(squeeze(L), squeeze(R), squeeze(Point(162, 260))) == pytest.approx(0.12)


def test_turn_left_and_right() -> None:
    # r per frame: 0.00, 0.04, 0.09, 0.12 (nose at 150, 154, 159, 162): the turn is 0.12 - 0 =
    # 0.12 >= 0.10 towards +x: "turn_left" (the member's left is the image's +x)
    frames = [face(x) for x in (150, 154, 159, 162)]
    left = judge(frames, "turn_left", RULES)
    assert left.live and left.reason is None
    assert left.ratios == pytest.approx((0.0, 0.04, 0.09, 0.12))
    assert left.frontal_frame == 0  # |0.00| is the smallest
    # the same frames asked to turn right: r went the wrong way
    assert judge(frames, "turn_right", RULES).reason == "NOT_LIVE"
    # right: 0.02 then -0.08: -0.08 - 0.02 = -0.10, exactly the delta: live
    assert judge([face(152), face(148), face(142)], "turn_right", RULES).live
    # 0.02 then -0.07: a turn of 0.09, short of 0.10
    assert not judge([face(152), face(145)], "turn_right", RULES).live


def test_a_still_photo_and_a_first_frame_not_frontal() -> None:
    # a photo shaking by 3 px: r 0.00, 0.03, -0.02, 0.01: never 0.10 from the first
    still = judge([face(x) for x in (150, 153, 148, 151)], "turn_left", RULES)
    assert not still.live and still.reason == "NOT_LIVE"
    # starting turned (r = 0.13 > 0.12) and turning on to 0.30: not live (a head already
    # turned, or a photo swapped for another mid-capture, is not the asked turn from frontal)
    assert not judge([face(163), face(180)], "turn_left", RULES).live
    # 0.12 is still frontal: 0.12 -> 0.22 passes
    assert judge([face(162), face(172)], "turn_left", RULES).live


def test_faces_counted_in_every_frame() -> None:
    two = FrameFaces(face(150).faces + face(160).faces)
    none = FrameFaces(())
    assert judge([face(150), none, face(170)], "turn_left", RULES).reason == "NO_FACE"
    assert judge([face(150), two, face(170)], "turn_left", RULES).reason == "MANY_FACES"
    assert judge([], "turn_left", RULES).reason == "NO_FACE"
    with pytest.raises(ValueError):
        judge([face(150)], "nod", RULES)


def test_the_match_numbers() -> None:
    a = [0.0] * 128
    b = [0.0] * 128
    b[0], b[1] = 0.3, 0.4  # sqrt(0.09 + 0.16) = 0.5
    assert distance(a, b) == pytest.approx(0.5)
    assert milli(0.3645) == 365 and milli(0.3644) == 364  # thousandths, half up
    # similarity = 1 - distance: 0.334 -> 0.666; clipped: a distance over 1 scores 0
    assert similarity_milli(334) == 666
    assert similarity_milli(1200) == 0 and similarity_milli(0) == 1000
    assert unpack(pack(b)) == tuple(b) and len(pack(b)) == 1024  # 128 x 8 bytes
    with pytest.raises(ValueError):
        distance(a[:3], b[:3])


def test_the_policy_face_section() -> None:
    face_rules = load_policy().face
    assert face_rules.threshold == Decimal("0.6") and face_rules.frames == 5
    assert face_rules.liveness == LivenessRules(yaw_delta=0.15, frontal=0.12)
    assert (face_rules.challenge_seconds, face_rules.verification_seconds) == (60, 300)
    base = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))

    def with_face(**keys: object) -> dict[str, object]:
        return base | {"face": base["face"] | keys}

    assert parse_policy(with_face(threshold="0.5")).face.threshold == Decimal("0.5")
    for bad, message in (
        ({"threshold": 0.6}, "expected a decimal string"),
        ({"threshold": "0"}, "between 0 and 2"),
        ({"frames": 2}, "3 to 8"),
        ({"frames": "5"}, "expected int"),
        ({"challenge_seconds": 0}, ">= 1"),
        ({"verification_seconds": True}, "expected int"),
    ):
        with pytest.raises(PolicyError, match=message):
            parse_policy(with_face(**bad))
    without = {k: v for k, v in base.items() if k != "face"}
    assert parse_policy(without).face == face_rules  # the section may be left out
