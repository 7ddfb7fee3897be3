"""Round shapes are drawn with as few straight pieces as the eye allows: software GL (llvmpipe)
sets up every triangle, and Kivy's defaults (10 pieces per rounded corner, ~180 per circle)
cost a measurable share of each redraw (docs/ui.md, "Start-up, frames and memory")."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

pytest.importorskip("kivy")

from screens import theme
from screens.shapes import arc_pieces

SCREENS = Path(__file__).resolve().parents[2] / "screens"


def test_a_circle_of_20_px_in_pieces_within_a_quarter_pixel():
    # A piece spanning angle a departs from the arc by r * (1 - cos(a / 2)) at its middle.
    # Within 0.25 px at r = 20: cos(a / 2) >= 1 - 0.25 / 20 = 0.9875
    #   a / 2 <= acos(0.9875) = 0.158 rad = 9.07 deg, so a <= 18.14 deg
    #   360 / 18.14 = 19.85 -> 20 pieces (Kivy's default: ~180)
    assert arc_pieces(20) == 20
    # a quarter of it: 90 / 18.14 = 4.96 -> 5
    assert arc_pieces(20, 90) == 5
    # and the pieces chosen do stay within 0.25 px
    a = math.radians(360 / arc_pieces(20))
    assert 20 * (1 - math.cos(a / 2)) <= 0.25


def test_a_bigger_circle_needs_more_pieces_and_a_dot_at_least_a_triangle():
    # r = 80: cos(a / 2) >= 1 - 0.25 / 80 = 0.996875 -> a / 2 <= 4.53 deg, a <= 9.06 deg
    #   360 / 9.06 = 39.7 -> 40 pieces
    assert arc_pieces(80) == 40
    assert arc_pieces(0.1) == 3
    assert arc_pieces(20, 0) == 3  # an empty ring's arc is still a valid Line


def test_every_rounded_rectangle_in_the_kv_rules_sets_its_corner_pieces():
    missing = []
    for kv in sorted(SCREENS.glob("*.kv")):
        lines = kv.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if line.strip() != "RoundedRectangle:":
                continue
            indent = len(line) - len(line.lstrip())
            body = []
            for nxt in lines[i + 1 :]:
                if nxt.strip() and len(nxt) - len(nxt.lstrip()) <= indent:
                    break
                body.append(nxt.strip())
            if "segments: theme.CORNER_SEGMENTS" not in body:
                missing.append(f"{kv.name}:{i + 1}")
    assert missing == [], f"RoundedRectangle with Kivy's 10 pieces per corner: {missing}"


def test_corner_pieces_stay_within_half_a_pixel_of_the_largest_radius():
    # 4 pieces per quarter turn: each spans 22.5 deg; the largest radius in the kv rules is
    # dp(14) (the attract card), 21 px on a panel of 1.5 px per dp:
    #   21 * (1 - cos 11.25 deg) = 21 * (1 - 0.98079) = 21 * 0.01921 = 0.40 px
    radii = [
        float(m)
        for kv in SCREENS.glob("*.kv")
        for m in re.findall(r"radius: \[dp\((\d+)\)", kv.read_text(encoding="utf-8"))
    ]
    largest = max([*radii, theme.RADIUS_DP]) * 1.5
    a = math.radians(90 / theme.CORNER_SEGMENTS)
    assert largest * (1 - math.cos(a / 2)) < 0.5
