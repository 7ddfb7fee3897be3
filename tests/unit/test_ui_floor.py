"""bench/ui_flow.ui_floor: the least a UI that draws its answers adds to the core's journey."""

from __future__ import annotations

import importlib.util

from tests.helpers.paths import REPO


def _ui_flow():
    spec = importlib.util.spec_from_file_location("ui_flow", REPO / "bench" / "ui_flow.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_answer_costs_one_full_redraw_of_the_page_it_is_drawn_on():
    ui_flow = _ui_flow()
    ms = 0.001
    redraw = {
        "pin": {"draw": 2 * ms, "flip": 5 * ms},
        "menu": {"draw": 1 * ms, "flip": 8 * ms},
        "print": {"draw": 1 * ms, "flip": 6 * ms},
        "goodbye": {"draw": 0.5 * ms, "flip": 2.5 * ms},
        "attract": {"draw": 9 * ms, "flip": 9 * ms},  # no answer drawn there: not counted
    }
    steps = ["pin", "menu", "print", "preview", "printed", "goodbye"]
    # pin 2+5 = 7; menu 1+8 = 9; print, preview, printed all on the print page: 3 x (1+6) = 21;
    # goodbye 0.5+2.5 = 3; total 7 + 9 + 21 + 3 = 40 ms
    assert abs(ui_flow.ui_floor(redraw, steps) - 40 * ms) < 1e-9
