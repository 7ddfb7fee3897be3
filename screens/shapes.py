"""How finely round shapes are drawn (no Kivy here: the tests import it in their own process,
where importing the widgets would start SDL and its signal handlers)."""

from __future__ import annotations

import math


def arc_pieces(radius: float, sweep: float = 360.0) -> int:
    """Straight pieces for an arc of `radius` px over `sweep` degrees, each within 0.25 px of
    the arc. Kivy's defaults draw a circle as ~180 pieces (an Ellipse as a fan of 180
    triangles, a Line with round joints between each): software GL sets up every triangle, and
    a step indicator's circles cost more than the page they sit on."""
    if radius <= 0.25:
        return 3
    step = 2 * math.degrees(math.acos(1 - 0.25 / radius))
    return max(3, math.ceil(abs(sweep) / step))
