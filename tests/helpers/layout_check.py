"""What a page's widget tree says about its layout (tests/ui/test_every_page_layout.py).

`problems(root, large)` walks the widgets a member can see (not under a hidden or collapsed
parent, not scrolled out of a ScrollView) and lists, in words:

- a label whose text is wider or taller than its box, an icon-and-label pair drawn outside
  its widget;
- text smaller than the mode's minimum: FONT_CAPTION (22 sp) at the standard size,
  LARGE_TEXT_MIN_SP (30 sp) in large-text mode (sizes compared in px at fontscale 1, as the
  metrics in sp would follow the mode);
- a touch target (any ButtonBehavior) off the window, under TARGET_DP (60 dp) in either
  direction, overlapping another or nearer than TARGET_GAP_DP (8 dp) to it;
- text drawn over a touch target it does not belong to ("covered": e.g. a hint under a keypad
  that grew past its box);
- a widget hidden by opacity 0 that still fills more than HIDDEN_FILL_PX ("hidden fill"):
  software GL fills a shape at opacity 0 as dearly as a visible one, in every redraw (a hidden
  widget with a large box gives its shapes no size).

Each problem is a short string starting with its kind ("overflow", "small text", "target",
"overlap", "gap", "off window"), then the widget's text, so a test can list what it found.
"""

from __future__ import annotations

KINDS = (
    "overflow",
    "small text",
    "target",
    "overlap",
    "gap",
    "off window",
    "covered",
    "hidden fill",
)
HIDDEN_FILL_PX = 20_000  # ~2 % of a 1280x800 window; a hidden back button is ~11,000


def _filled(w) -> float:
    """Pixels the shapes of w and its children cover (each shape counted, as a renderer fills
    it); none when w's canvas is not drawn (screens/transparent.py takes it out)."""
    from kivy.graphics import BorderImage, Ellipse, Rectangle, RoundedRectangle

    from screens.transparent import drawn

    if not drawn(w):
        return 0.0
    area = 0.0
    groups = [w.canvas]
    if w.canvas.has_before:
        groups.append(w.canvas.before)
    if w.canvas.has_after:
        groups.append(w.canvas.after)
    for g in groups:
        for i in g.children:
            if isinstance(i, Rectangle | RoundedRectangle | BorderImage | Ellipse):
                area += abs(i.size[0] * i.size[1])
    return area + sum(_filled(c) for c in w.children)


def _hidden_fill(root) -> list[str]:
    found = []
    stack = [root]
    while stack:
        w = stack.pop()
        if w.opacity == 0:
            area = _filled(w)
            if area > HIDDEN_FILL_PX:
                found.append(f"hidden fill: {_name(w)} fills {area:.0f} px at opacity 0")
            continue
        stack.extend(w.children)
    return found


def _visible_children(root):
    """(widget, clip) for every widget a member can see under root; clip is the window rect
    of the nearest ScrollView around it (or None)."""
    from kivy.uix.scrollview import ScrollView

    stack = [(root, None)]
    while stack:
        w, clip = stack.pop()
        if w.opacity == 0 or w.width <= 1 or w.height <= 1:
            continue
        yield w, clip
        if isinstance(w, ScrollView):
            x, y = w.to_window(w.x, w.y)
            clip = (x, y, w.width, w.height)
        stack.extend((c, clip) for c in w.children)


def _rect(w):
    x, y = w.to_window(w.x, w.y)
    return (x, y, w.width, w.height)


def _inside(r, clip) -> bool:
    if clip is None:
        return True
    x, y, w, h = r
    cx, cy, cw, ch = clip
    return x < cx + cw and cx < x + w and y < cy + ch and cy < y + h


def _gap(a, b) -> float:
    """The distance between two rectangles (negative when they overlap)."""
    dx = max(b[0] - (a[0] + a[2]), a[0] - (b[0] + b[2]))
    dy = max(b[1] - (a[1] + a[3]), a[1] - (b[1] + b[3]))
    return max(dx, dy)


def _within(w, outer) -> bool:
    p = w.parent
    while p is not None and p is not p.parent:
        if p is outer:
            return True
        p = p.parent
    return False


def _name(w) -> str:
    text = getattr(w, "text", "") or ""
    return f"{type(w).__name__} {text[:28]!r}" if text else type(w).__name__


def problems(root, large: bool) -> list[str]:
    from kivy.core.window import Window
    from kivy.metrics import dp
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label

    from screens import theme
    from screens.widgets import IconText

    tol = 2  # px: rounding of texture sizes
    min_px = dp(theme.LARGE_TEXT_MIN_SP if large else theme.FONT_CAPTION) - 0.5
    found: list[str] = []
    targets = []
    texts = []  # (label, window rect of its drawn text)
    for w, clip in _visible_children(root):
        r = _rect(w)
        if not _inside(r, clip):
            continue
        if isinstance(w, Label) and w.text.strip():
            tw, th = w.texture_size
            if tw > w.width + tol or th > w.height + tol:
                found.append(
                    f"overflow: {_name(w)} text {tw:.0f}x{th:.0f} in {w.width:.0f}x{w.height:.0f}"
                )
            if w.font_size < min_px:
                found.append(f"small text: {_name(w)} {w.font_size:.1f} px < {min_px:.1f}")
            # Kivy draws a label's texture centred in its box
            cx, cy = r[0] + r[2] / 2, r[1] + r[3] / 2
            texts.append((w, (cx - tw / 2, cy - th / 2, tw, th)))
        if isinstance(w, IconText) and w.text.strip():
            tx, ty, tw, th = w.text_box
            if tx < -tol or ty < -tol or tx + tw > w.width + tol or ty + th > w.height + tol:
                found.append(
                    f"overflow: {_name(w)} label {tw:.0f}x{th:.0f} at {tx:.0f},{ty:.0f} in {w.width:.0f}x{w.height:.0f}"
                )
            if w.font_size < min_px:
                found.append(f"small text: {_name(w)} {w.font_size:.1f} px < {min_px:.1f}")
        if isinstance(w, ButtonBehavior):
            x, y, bw, bh = r
            if x < -1 or y < -1 or x + bw > Window.width + 1 or y + bh > Window.height + 1:
                found.append(f"off window: {_name(w)} at {x:.0f},{y:.0f} {bw:.0f}x{bh:.0f}")
            if min(bw, bh) < dp(theme.TARGET_DP) - 1:
                found.append(f"target: {_name(w)} {bw:.0f}x{bh:.0f} under {theme.TARGET_DP} dp")
            targets.append((w, r))
    for label, rt in texts:
        for t, rb in targets:
            if label is t or _within(label, t):
                continue
            if _gap(rt, rb) < -2:
                found.append(f"covered: {_name(label)} drawn over {_name(t)}")
    for i, (a, ra) in enumerate(targets):
        for b, rb in targets[i + 1 :]:
            if _within(a, b) or _within(b, a):
                continue  # a button inside another (a widget tree, not two targets)
            g = _gap(ra, rb)
            if g < -1:
                found.append(f"overlap: {_name(a)} and {_name(b)}")
            elif g < dp(theme.TARGET_GAP_DP) - 1:
                found.append(f"gap: {_name(a)} and {_name(b)} {max(g, 0):.0f} px apart")
    return found + _hidden_fill(root)
