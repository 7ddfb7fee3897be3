"""Bindings from a page's widgets to objects that outlive the page, undone when it is released.

Kivy's `fbind` holds its callback strongly: a widget that binds to the app (its language) or to
Metrics (the text size) is kept alive by them for as long as they live, with its whole page.
The pages a member rarely opens are built on their first visit in a session and released when
the session ends (screens/app.py): each such binding is made with `tie`, and `release` undoes
them and the kv rules' own bindings (Builder.unbind_widget) over a page's widget tree, so that
nothing outside the page still points into it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.lang import Builder
from kivy.uix.widget import Widget

_TIES = "_kiosk_ties"  # the attribute on a widget: the bindings to undo


def tie(owner: Widget, dispatcher: Any, name: str, callback: Callable[..., object]) -> None:
    """`dispatcher.fbind(name, callback)`, undone when `owner`'s page is released."""
    uid = dispatcher.fbind(name, callback)
    ties: list[tuple[Any, str, int]] = owner.__dict__.setdefault(_TIES, [])
    ties.append((dispatcher, name, uid))


def tie_undo(owner: Widget, undo: Callable[[], None]) -> None:
    """Keep `undo` (a binding's own undo call) to run when `owner`'s page is released."""
    owner.__dict__.setdefault(_TIES, []).append(undo)


def release(root: Widget) -> int:
    """Undo every tie and kv-rule binding of `root` and the widgets under it, including those a
    page keeps off screen for now (a view it swaps in, found through the kv `ids`); the number
    of widgets seen."""
    seen: set[int] = set()
    todo: list[Widget] = [root]
    while todo:
        w = todo.pop()
        if w.uid in seen:
            continue
        seen.add(w.uid)
        for t in w.__dict__.pop(_TIES, ()):
            if callable(t):
                t()
            else:
                dispatcher, name, uid = t
                dispatcher.unbind_uid(name, uid)
        Builder.unbind_widget(w.uid)
        todo.extend(w.children)
        todo.extend(_held(w))
    return len(seen)


def _held(w: Widget) -> list[Widget]:
    """The widgets `w` keeps off its tree: its kv ids (weak proxies) and its own attributes
    (a page's views by name, a list of rows)."""
    found: list[Widget] = []
    for held in w.ids.values():
        try:
            found.append(held.__ref__() if hasattr(held, "__ref__") else held)
        except ReferenceError:
            continue
    for value in vars(w).values():
        items = value.values() if isinstance(value, dict) else value
        if isinstance(value, Widget):
            found.append(value)
        elif isinstance(value, (dict, list, tuple)):
            found.extend(v for v in items if isinstance(v, Widget))
    return found
