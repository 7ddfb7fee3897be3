"""screens/transparent.py: a widget at opacity 0 is not drawn (its canvas leaves its parent's)
and comes back between the same siblings when it shows again."""

from __future__ import annotations

import pytest

pytest.importorskip("kivy")

from screens import transparent

transparent.install()  # before the widgets below exist (bootstrap does it for the app)

from kivy.uix.boxlayout import BoxLayout  # noqa: E402
from kivy.uix.widget import Widget  # noqa: E402


def _drawn_order(box, named: dict) -> str:
    return "".join(named[c] for c in box.canvas.children if c in named)


@pytest.fixture
def row():
    box = BoxLayout()
    a, b, c = Widget(), Widget(opacity=0), Widget()
    for w in (a, b, c):
        box.add_widget(w)
    return box, a, b, c, {a.canvas: "a", b.canvas: "b", c.canvas: "c"}


def test_a_widget_added_at_opacity_0_is_not_drawn(row):
    box, a, b, _c, named = row
    assert _drawn_order(box, named) == "ac"
    assert not transparent.drawn(b) and transparent.drawn(a)
    assert b in box.children  # still laid out and still a child


def test_shown_again_it_is_drawn_between_the_same_siblings(row):
    box, a, b, c, named = row
    b.opacity = 1
    assert _drawn_order(box, named) == "abc"
    a.opacity = c.opacity = 0
    assert _drawn_order(box, named) == "b"
    c.opacity, a.opacity = 1, 0.5  # back in any order, each in its own place
    assert _drawn_order(box, named) == "abc"
    assert a.canvas.opacity == 0.5  # Kivy's own fading still applies in between


def test_a_hidden_widget_added_back_stays_undrawn_and_removes_cleanly(row):
    box, _a, b, _c, named = row
    box.remove_widget(b)
    box.add_widget(b, index=1)
    assert _drawn_order(box, named) == "ac"
    box.remove_widget(b)  # its canvas is not in the box: nothing to take out, no error
    assert b not in box.children
