"""A widget at opacity 0 is not drawn.

Kivy draws a widget at opacity 0 all the same: the shader multiplies its colours by 0 after the
renderer has filled every pixel of every shape. On software GL (llvmpipe: kiosks without a GPU,
Xvfb in tests) that is the full cost of a visible widget, in every redraw of the page. The pages
hide alternatives by opacity (the preview before there is one, a loading line, the out-of-service
panel, a result view): the print page's redraw filled a blank 300,000 px picture at opacity 0.

So `install()` changes Kivy's Widget, once, before any widget exists: a widget whose opacity
drops to 0 takes its canvas out of its parent's, and puts it back in its place (between the
same siblings) when it shows again. Touch handling, layout and sizes are unchanged: a hidden
widget still takes its room and still needs `disabled` to ignore touches, as before.

Written here rather than found in a library: Kivy has no visibility flag on a canvas (its
Canvas.opacity is a shader uniform) and no widget "visible" property.
"""

from __future__ import annotations

from kivy.graphics import Canvas
from kivy.uix.widget import Widget

_installed = False


def _holder(parent: Widget, canvas: Canvas):
    """The group of the parent's canvas that holds `canvas` (main, before or after), or None."""
    pc = parent.canvas
    if canvas in pc.children:
        return pc
    if pc.has_before and canvas in pc.before.children:
        return pc.before
    if pc.has_after and canvas in pc.after.children:
        return pc.after
    return None


def _hide(widget: Widget) -> None:
    parent = widget.parent
    if parent is None or widget.canvas is None:
        return
    group = _holder(parent, widget.canvas)
    if group is not None:
        group.remove(widget.canvas)


def _show(widget: Widget) -> None:
    parent = widget.parent
    canvas = widget.canvas
    if parent is None or canvas is None or _holder(parent, canvas) is not None:
        return
    pc = parent.canvas
    siblings = parent.children  # children[0] is drawn last
    i = siblings.index(widget)
    # after the nearest sibling drawn before it, else before the nearest drawn after it
    for s in siblings[i + 1 :]:
        at = pc.indexof(s.canvas)
        if at >= 0:
            pc.insert(at + 1, canvas)
            return
    for s in reversed(siblings[:i]):
        at = pc.indexof(s.canvas)
        if at >= 0:
            pc.insert(at, canvas)
            return
    pc.add(canvas)  # no sibling drawn: after the parent's own instructions, as Kivy adds


def install() -> None:
    """Make opacity 0 mean not drawn, for every widget created from now on."""
    global _installed
    if _installed:
        return
    _installed = True
    kivy_add = Widget.add_widget

    def on_opacity(self: Widget, _instance: Widget, value: float) -> None:
        canvas = self.canvas
        if canvas is None:
            return
        canvas.opacity = value  # Kivy's own: the shader's alpha for 0 < opacity < 1
        if value == 0:
            _hide(self)
        else:
            _show(self)

    def add_widget(self: Widget, widget: Widget, *args, **kwargs) -> None:
        kivy_add(self, widget, *args, **kwargs)
        if widget.opacity == 0:
            _hide(widget)

    Widget.on_opacity = on_opacity
    Widget.add_widget = add_widget


def drawn(widget: Widget) -> bool:
    """Whether the widget's canvas is in its parent's (a test's view of the rule above)."""
    parent = widget.parent
    return parent is None or _holder(parent, widget.canvas) is not None
