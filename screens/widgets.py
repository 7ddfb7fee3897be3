"""Widgets the screens share: the scrambled PIN keypad, a data table, a bar chart, and an icon
with its text label (IconLabel, IconButton)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import ClassVar

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp, sp
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    OptionProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from screens import icons, theme
from screens.fonts import ICON_FONT_NAME
from screens.shapes import arc_pieces

AXIS_YEARS = 40  # a chart's years prewarmed: a member's contributions since the 1980s


class PinKeypad(BoxLayout):
    """Digits in a new random order each time it is shown, so a watcher learns nothing from
    where a finger lands. Shows dots, never digits. Digits live in a bytearray that is handed
    over on submit and wiped here at once."""

    length = NumericProperty(6)
    filled = NumericProperty(0)
    on_submit_digits: Callable[[bytearray], None] | None = None
    on_key: Callable[[], None] | None = None
    layout_digits = ListProperty([])
    dots = StringProperty("")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._buf = bytearray()
        self.scramble()

    def scramble(self) -> None:
        digits = list("0123456789")
        secrets.SystemRandom().shuffle(digits)
        self.layout_digits = digits

    def press(self, digit: str) -> None:
        if len(self._buf) < self.length:
            self._buf.append(ord(digit))
        self._update()
        if self.on_key:
            self.on_key()

    def backspace(self) -> None:
        if self._buf:
            self._buf[-1] = 0
            del self._buf[-1]
        self._update()

    def clear(self) -> None:
        self._buf[:] = b"\x00" * len(self._buf)
        self._buf = bytearray()
        self._update()

    def submit(self) -> None:
        if len(self._buf) != self.length or self.on_submit_digits is None:
            return
        digits, self._buf = self._buf, bytearray()
        self._update()
        self.on_submit_digits(digits)

    def _update(self) -> None:
        self.filled = len(self._buf)
        self.dots = " ".join("●" if i < self.filled else "○" for i in range(int(self.length)))


class InstantTransition(NoTransition):
    """The old page leaves in the same frame the new one enters. Kivy's NoTransition is an
    animation of no length: it ends on the next clock tick, so the first frame of every page
    drew the page it left under it, two full pages where llvmpipe fills every pixel of both
    (a page switch's flip measured ~1.5-3x a steady redraw of the same page)."""

    def start(self, manager: ScreenManager) -> None:
        super().start(manager)
        if self._anim is not None:
            self._anim.cancel(self)
        # what the animation's end would have done: on_complete (the old page removed from
        # the manager), then on_enter / on_leave, as Kivy dispatches them
        self._on_complete()


class PageManager(ScreenManager):
    """A ScreenManager for pages that switch at once and fill it. Kivy's own rule clips every
    ScreenManager with a stencil, which costs two extra full-size passes each frame plus a
    stencil test on every pixel drawn inside: on a software renderer (llvmpipe) about half of
    a frame's drawing. Its kv rule (`<-PageManager>` in common.kv) leaves that clip out; a
    transition that slides or fades would need it back."""

    def __init__(self, **kw) -> None:
        kw.setdefault("transition", InstantTransition())
        super().__init__(**kw)


class SharedTexture(Label):
    """A label whose texture is shared with every label of its class showing the same text at
    the same size, style and colour (the class's own cache, `_shared`, at most SHARED_MAX). A
    Button shares too: `class X(SharedTexture, Button)`."""

    _shared: ClassVar[OrderedDict[tuple, Texture]]
    SHARED_MAX: ClassVar[int] = 160  # ~30 KB each: a few tables' worth

    def _texture_key(self) -> tuple:
        return (
            self.text,
            tuple(self.disabled_color if self.disabled else self.color),
            self.font_size,
            self.font_name,
            self.bold,
            self.italic,
            tuple(self.text_size),
            self.halign,
            self.valign,
            tuple(self.padding),
            self.markup,
            self.shorten,
            self.shorten_from,
        )

    def texture_update(self, *largs) -> None:
        if not self.text:
            super().texture_update(*largs)
            return
        key = self._texture_key()
        tex = self._shared.get(key)
        if tex is not None:
            self._shared.move_to_end(key)
            self.texture = tex
            self.texture_size = list(tex.size)
            return
        # A texture of our own: Kivy's text renderer redraws its last texture in place when
        # the size matches, which would overwrite one that other cells show.
        self._label.texture = None
        super().texture_update(*largs)
        if self.texture is not None:
            # Kivy fills a new text texture when it is first drawn, from its label's text at
            # that moment: a recycled cell's next text (or an empty one, drawn black) would be
            # filled into a texture other cells share. Fill it now, from this text.
            self.texture.bind()
            self._shared[key] = self.texture
            while len(self._shared) > self.SHARED_MAX:
                self._shared.popitem(last=False)


class TableCell(SharedTexture):
    """One cell of a Table's body (RecycleView recycles these).

    Cells with the same text and size share one texture: a year of contributions repeats the
    same base, parts, status and payer in every month, so a 72-cell table renders ~20 textures,
    not 72, in the frame that shows it. The shared textures hold a member's figures:
    `forget_cell_textures()` drops them when the session ends."""

    _shared: ClassVar[OrderedDict[tuple, Texture]] = OrderedDict()


class KeyButton(SharedTexture, Button):
    """A keypad key (a class of its own so kv styles it and tests find it). Its digit's texture
    is shared: the keypad's new order at each PIN page re-rendered all ten in the frame that
    showed the page."""

    _shared: ClassVar[OrderedDict[tuple, Texture]] = OrderedDict()
    SHARED_MAX: ClassVar[int] = 64  # ten digits, at the sizes of both text modes


def forget_cell_textures() -> None:
    """Drop the table cells' and charts' shared textures (a member's figures) at the end of a
    session. A chart's axis labels (years) are no one's: they stay."""
    TableCell._shared.clear()
    _TEXTURES.clear()


class TableBody(RecycleView):
    """The table's scrolling rows, clipped by a scissor rectangle instead of Kivy's stencil
    (`<-TableBody>` in common.kv): a scissor costs a software renderer nothing, a stencil two
    more passes over the table and a test on every pixel inside it. The scissor is in window
    pixels, computed from the table's place on its page: pages never move."""


def prewarm_table_cells(count: int) -> None:
    """Build `count` table cells now and leave them in Kivy's RecycleView cache (a documented,
    size-limited pool every RecycleView draws from): the first table a member opens then
    reuses them instead of building 40-70 labels (~30 ms) in the frame that shows their data.
    Without that pool (another Kivy) this does nothing: tables build their cells as before."""
    from kivy.uix.recycleview import views

    pool = getattr(views, "_cached_views", None)
    if pool is not None:
        pool[TableCell].extend(TableCell() for _ in range(count))


class Table(BoxLayout):
    """A header row and a scrolling body. The body is a RecycleView: only the cells on screen
    are widgets, so a 30-year table costs the main thread no more than a one-year one."""

    header = ListProperty([])
    data_rows = ListProperty([])
    font_size = StringProperty(theme.font("caption"))

    def on_header(self, *_a) -> None:
        if list(self.header) == getattr(self, "_shown_header", None):
            return
        self._shown_header = list(self.header)
        head = self.ids.head
        labels = list(reversed(head.children))
        if len(labels) == len(self.header):  # same columns, new words: no new widgets
            for label, text in zip(labels, self.header, strict=True):
                label.text = text
            return
        head.clear_widgets()
        head.cols = max(1, len(self.header))
        self.ids.body_layout.cols = max(1, len(self.header))
        for text in self.header:
            head.add_widget(
                Label(text=text, font_size=self.font_size, bold=True, color=theme.TEXT_ON_SURFACE)
            )

    def on_data_rows(self, *_a) -> None:
        self.ids.body.data = [{"text": str(cell)} for row in self.data_rows for cell in row]
        self.ids.body.scroll_y = 1


class BarChart(Widget):
    """Bars per year (e.g. months paid, a balance), drawn with Kivy graphics; the selected year
    stands out by a frame and a label as well as by colour, with `selected_text` (e.g. its
    amount) above its bar. Axis labels are caption size. Redraws are coalesced into one per
    frame."""

    values = ListProperty([])  # [(label, value)]
    maximum = NumericProperty(12)
    selected = StringProperty("")
    selected_text = StringProperty("")  # drawn above the selected bar ("" for none)
    on_pick: Callable[[str], None] | None = None

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._redraw = Clock.create_trigger(self.redraw, -1)  # drawn in the frame that changed it
        self.bind(
            pos=self._redraw,
            size=self._redraw,
            values=self._redraw,
            selected=self._redraw,
            selected_text=self._redraw,
        )

    def redraw(self, *_a: object) -> None:
        self.canvas.clear()
        n = len(self.values)
        if not n:
            return
        gap = dp(4)
        w = max(dp(6), (self.width - gap * (n + 1)) / n)
        label_h = _axis_texture("0").height
        top_text = _text_texture(self.selected_text) if self.selected_text else None
        base_y = self.y + label_h + dp(4)
        height = self.height - label_h - dp(4) - (top_text.height + dp(4) if top_text else 0)
        # as many labels as fit side by side (two digits of the year when there are many)
        short = n > 12
        label_w = _axis_texture("00" if short else "0000").width + dp(8)
        step = max(1, int(n * label_w // max(1.0, self.width)) + 1)
        with self.canvas:
            for i, (label, value) in enumerate(self.values):
                x = self.x + gap + i * (w + gap)
                h = max(0.0, height * min(1.0, value / self.maximum)) if self.maximum else 0
                chosen = str(label) == self.selected
                Color(*(theme.ACCENT if chosen else theme.BAR))
                Rectangle(pos=(x, base_y), size=(w, h))
                if chosen:
                    Color(*theme.TEXT_ON_BACKGROUND)
                    Line(rectangle=(x - 2, base_y - 2, w + 4, h + 4), width=1.5)
                    if top_text is not None:
                        tx = min(
                            max(self.x, x + (w - top_text.width) / 2), self.right - top_text.width
                        )
                        Color(*theme.ACCENT)
                        Rectangle(
                            texture=top_text, size=top_text.size, pos=(tx, base_y + h + dp(4))
                        )
                if i % step == 0 or chosen:
                    tex = _axis_texture(str(label)[-2:] if short else str(label))
                    Color(*(theme.ACCENT if chosen else theme.TEXT_MUTED_ON_BACKGROUND))
                    Rectangle(
                        texture=tex, size=tex.size, pos=(x + (w - tex.width) / 2, self.y + dp(2))
                    )

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos) or not self.values or self.on_pick is None:
            return super().on_touch_down(touch)
        n = len(self.values)
        i = int((touch.x - self.x) / max(1, self.width) * n)
        i = max(0, min(n - 1, i))
        self.on_pick(str(self.values[i][0]))
        return True


_TEXTURES: dict[tuple[str, float], Texture] = {}  # figures of a member: forgotten at the end


def _text_texture(text: str) -> Texture:
    """A chart's figure (the selected bar's amount) as a texture at caption size (follows
    large-text mode), cached for the session."""
    key = (text, sp(theme.FONT_CAPTION))
    tex = _TEXTURES.get(key)
    if tex is None:
        tex = _TEXTURES[key] = _render(text, key[1])
    return tex


def _axis_texture(text: str) -> Texture:
    """A chart's axis label (a year, whole or its last two digits) at caption size: no one's
    words, kept for as long as the app runs (the same few dozen on every member's chart)."""
    return _words(text, sp(theme.FONT_CAPTION))


def prewarm_axis_labels(last_year: int, years: int = AXIS_YEARS) -> None:
    """Render the axis labels of the charts of `years` years up to `last_year` now (at start-up,
    before any member): ~60 labels the history and accounts pages' first frames would otherwise
    render with the member's data (~2 ms)."""
    for year in range(last_year - years + 1, last_year + 1):
        _axis_texture(str(year))
        _axis_texture(str(year)[-2:])
    for measure in ("0", "00", "0000"):  # what a chart measures its labels by
        _axis_texture(measure)


class IconText(Widget):
    """An icon and its text label, drawn as two textures: the icon (screens/icons.py name)
    left of the text, or above it when `vertical`; the pair centred in the widget, the text
    wrapped to the room left. Its width comes from its layout, its `minimum_height` from the
    text (never the other way round, so no layout loops). Without the icon font the text is
    shown alone. The texts are white textures tinted by `color`, so a colour change (pressed,
    disabled) costs no re-render."""

    icon = StringProperty("")
    text = StringProperty("")
    color = ColorProperty(theme.TEXT_ON_BACKGROUND)
    font_size = NumericProperty(theme.font("body"))
    bold = BooleanProperty(False)
    vertical = BooleanProperty(False)
    halign = OptionProperty("center", options=["left", "center"])
    icon_scale = NumericProperty(theme.ICON_SCALE)  # icon size / text size
    padding_x = NumericProperty(dp(theme.SPACE_M))
    padding_y = NumericProperty(dp(theme.SPACE_S))
    spacing = NumericProperty(dp(theme.SPACE_S))
    min_height = NumericProperty(0)  # a floor for minimum_height (a button: a touch target)
    minimum_height = NumericProperty(0)
    # Where the text and icon were drawn, in window-independent widget coordinates: for
    # tests and layout checks ([x, y, w, h]; w = 0 when there is nothing to draw).
    text_box = ListProperty([0, 0, 0, 0])
    icon_box = ListProperty([0, 0, 0, 0])

    def __init__(self, **kw) -> None:
        self._text_tex: Texture | None = None
        self._icon_tex: Texture | None = None
        self._text_width = 0.0  # width of the longest line drawn
        self._relayout = Clock.create_trigger(self.relayout, -1)
        self._recolor = Clock.create_trigger(self._draw, -1)
        super().__init__(**kw)
        self.bind(
            icon=self._relayout,
            icon_scale=self._relayout,
            text=self._relayout,
            font_size=self._relayout,
            bold=self._relayout,
            vertical=self._relayout,
            halign=self._relayout,
            padding_x=self._relayout,
            padding_y=self._relayout,
            spacing=self._relayout,
            min_height=self._relayout,
            width=self._relayout,
            pos=self._recolor,
            height=self._recolor,
            color=self._recolor,
        )
        self._relayout()

    def icon_size(self) -> float:
        return float(self.font_size) * float(self.icon_scale)

    def relayout(self, *_a: object) -> None:
        """Render the textures for the current text, size and width, then draw."""
        glyph = icons.glyph(self.icon) if self.icon else ""
        self._icon_tex = _icon_texture(glyph, self.icon_size()) if glyph else None
        icon_w = self._icon_tex.width if self._icon_tex else 0
        room = self.width - 2 * self.padding_x
        if self._icon_tex is not None and not self.vertical:
            room -= icon_w + self.spacing
        room = max(room, dp(40))
        self._text_tex, self._text_width = (
            _render_wrapped(self.text, float(self.font_size), self.bold, room, self.halign)
            if self.text
            else (None, 0.0)
        )
        icon_h = self._icon_tex.height if self._icon_tex else 0
        text_h = self._text_tex.height if self._text_tex else 0
        if self.vertical:
            content = icon_h + text_h + (self.spacing if icon_h and text_h else 0)
        else:
            content = max(icon_h, text_h)
        self.minimum_height = max(float(self.min_height), content + 2 * self.padding_y)
        self._draw()

    def _draw(self, *_a: object) -> None:
        self.canvas.after.clear()
        it, tt = self._icon_tex, self._text_tex
        iw, ih = (it.width, it.height) if it else (0, 0)
        tw, th = (tt.width, tt.height) if tt else (0, 0)
        cx, cy = self.center_x, self.center_y
        if self.vertical:
            gap = self.spacing if it and tt else 0
            short = ih + gap + th + 2 * self.padding_y - self.height
            if it and short > 0:
                # A tile its grid made shorter than minimum_height: the icon gives way (down
                # to the text's size), the label stays whole.
                scale = max(float(self.font_size) / it.height, (ih - short) / ih)
                iw, ih = iw * scale, ih * scale
            total = ih + gap + th
            top = cy + total / 2
            ipos = (cx - iw / 2, top - ih)
            tpos = (cx - tw / 2, top - ih - gap - th)
        else:
            gap = self.spacing if it and tt else 0
            group = iw + gap + self._text_width
            left = self.x + self.padding_x if self.halign == "left" else cx - group / 2
            ipos = (left, cy - ih / 2)
            # A wrapped text's texture is as wide as its room; its lines start at its left.
            tpos = (left + iw + gap, cy - th / 2)
        self.icon_box = [ipos[0] - self.x, ipos[1] - self.y, iw, ih]
        self.text_box = [tpos[0] - self.x, tpos[1] - self.y, tw, th]
        with self.canvas.after:
            Color(*self.color)
            if it is not None:
                Rectangle(texture=it, pos=ipos, size=(iw, ih))
            if tt is not None:
                Rectangle(texture=tt, pos=tpos, size=(tw, th))


def _icon_texture(glyph: str, size: float) -> Texture:
    """An icon's glyph as a white texture, rendered once per size: the same icons (back,
    exit, the tiles') are on every page, and a label's change used to re-render its icon."""
    return _words(glyph, size, ICON_FONT_NAME)


def _render(text: str, size: float, font_name: str | None = None, bold: bool = False) -> Texture:
    kw = {"font_name": font_name} if font_name else {}
    lbl = CoreLabel(text=text, font_size=size, bold=bold, **kw)
    lbl.refresh()
    return _filled(lbl.texture)


def fill_label_textures(root: Widget) -> int:
    """Rasterise now the text of every label under `root` whose texture Kivy left empty until
    its first draw (see _filled): a page built at start-up, or reset at a session's end, then
    shows its fixed words without rendering them in a member's frame. Returns the labels seen."""
    seen = 0
    for w in root.walk(restrict=True):
        if isinstance(w, Label) and w.texture is not None:
            w.texture.bind()  # fills it if it waits for its pixels, else only binds it
            seen += 1
    return seen


# Words that are no one's (icons, a step's name, its number, the seconds left, a chart's
# years), rendered once and shared by every page that shows them: each page has its own step
# indicator, ring and icons, and each re-rendered its words on every change of step or second.
# Bounded (least recently used go first) though in practice a few hundred at two text sizes.
_WORDS: OrderedDict[tuple, tuple[Texture, float]] = OrderedDict()
WORDS_MAX = 1024


def _words(text: str, size: float, font_name: str | None = None, bold: bool = False) -> Texture:
    key = ("one", text, round(size, 2), font_name, bold)
    hit = _recall(key)
    if hit is None:
        tex = _render(text, size, font_name, bold)
        hit = _remember(key, (tex, float(tex.width)))
    return hit[0]


def _words_wrapped(
    text: str, size: float, bold: bool, room: float, halign: str
) -> tuple[Texture, float]:
    key = ("wrapped", text, round(size, 2), bold, round(room, 1), halign)
    hit = _recall(key)
    return (
        hit if hit is not None else _remember(key, _render_wrapped(text, size, bold, room, halign))
    )


def _recall(key: tuple) -> tuple[Texture, float] | None:
    hit = _WORDS.get(key)
    if hit is not None:
        _WORDS.move_to_end(key)  # recently used: the last to go
    return hit


def _remember(key: tuple, value: tuple[Texture, float]) -> tuple[Texture, float]:
    _WORDS[key] = value
    while len(_WORDS) > WORDS_MAX:
        _WORDS.popitem(last=False)
    return value


def _filled(tex: Texture) -> Texture:
    """The texture with its pixels in it now. Kivy's text renderer leaves a new texture empty
    until it is first drawn, so a label made while a page is built (at start-up) was rasterised
    in the frame that first showed the page: a member's answer frame."""
    tex.bind()
    return tex


def _render_wrapped(
    text: str, size: float, bold: bool, room: float, halign: str
) -> tuple[Texture, float]:
    """The text on one line when it fits in `room`, else wrapped to `room` (centred lines
    when halign is "center"); returns the texture and the width its lines take."""
    lbl = CoreLabel(text=text, font_size=size, bold=bold)
    lbl.refresh()
    if lbl.texture.width <= room:
        return _filled(lbl.texture), float(lbl.texture.width)
    lbl = CoreLabel(text=text, font_size=size, bold=bold, text_size=(room, None), halign=halign)
    lbl.refresh()
    return _filled(lbl.texture), float(min(room, lbl.content_width))


class IconLabel(IconText):
    """An icon beside a line of text (status lines, result marks, empty states)."""


class IconButton(ButtonBehavior, IconText):
    """A button with an icon and a text label, always both (see screens/theme.py for its kv
    use). `kind` picks its colours from theme.BUTTON_KINDS."""

    kind = OptionProperty("primary", options=list(theme.BUTTON_KINDS))
    min_height = NumericProperty(dp(theme.TARGET_DP))
    background_color = ColorProperty(theme.ACCENT)


class StepIndicator(Widget):
    """Where the member is in a multi-step task (选择 → 核对 → 支付 → 凭证): a numbered circle
    per step joined by a line, the step's name below. Done steps show a check mark, the
    current one a filled circle and a bold name, later ones an outline and their number: the
    state is never told by colour alone. Height: `minimum_height` (from the caption size).
    `inline`: each name beside its circle, one row (a page header, where height is scarce)."""

    steps = ListProperty([])  # the steps' names, already translated
    current = NumericProperty(0)  # index of the current step
    inline = BooleanProperty(False)
    color = ColorProperty(theme.ACCENT)
    text_color = ColorProperty(theme.TEXT_ON_BACKGROUND)
    muted_color = ColorProperty(theme.TEXT_MUTED_ON_BACKGROUND)
    mark_color = ColorProperty(theme.TEXT_ON_ACCENT)
    font_size = NumericProperty(theme.font("caption"))
    minimum_height = NumericProperty(0)
    # Per step, where its circle and name were drawn: [(cx, cy, r), [x, y, w, h]] in widget
    # coordinates (for layout tests).
    boxes = ListProperty([])

    def __init__(self, **kw) -> None:
        self._redraw = Clock.create_trigger(self.redraw, -1)
        super().__init__(**kw)
        self.bind(
            steps=self._redraw,
            current=self._redraw,
            inline=self._redraw,
            font_size=self._redraw,
            pos=self._redraw,
            size=self._redraw,
            color=self._redraw,
        )
        self._redraw()

    def redraw(self, *_a: object) -> None:
        self.canvas.clear()
        n = len(self.steps)
        fs = float(self.font_size)
        radius = fs * 0.9
        if not n:
            self.minimum_height = 0
            self.boxes = []
            return
        cell = self.width / n
        gap = dp(theme.SPACE_S)
        room = cell - dp(8) - (2 * radius + gap if self.inline else 0)
        names = [
            _words_wrapped(str(name), fs, i == self.current, max(room, dp(40)), "center")[0]
            for i, name in enumerate(self.steps)
        ]
        name_h = max(t.height for t in names)
        if self.inline:
            self.minimum_height = max(2 * radius, name_h) + dp(4)
            cy = self.top - self.minimum_height / 2
            # each circle and its name centred together in the step's cell
            centres = [self.x + cell * (i + 0.5) - (gap + t.width) / 2 for i, t in enumerate(names)]
        else:
            self.minimum_height = 2 * radius + gap + name_h + dp(4)
            cy = self.top - radius - dp(2)
            centres = [self.x + cell * (i + 0.5) for i in range(n)]
        boxes = []
        with self.canvas:
            for i in range(n - 1):  # the joining lines first, under the circles
                Color(*(self.color if i < self.current else self.muted_color))
                x0 = centres[i] + radius + (gap + names[i].width + gap if self.inline else 0)
                x1 = centres[i + 1] - radius - (gap if self.inline else 0)
                if x1 > x0:
                    Line(points=[x0, cy, x1, cy], width=dp(2))
            for i, tex in enumerate(names):
                cx = centres[i]
                done, now = i < self.current, i == self.current
                if done or now:
                    Color(*self.color)
                    Ellipse(
                        pos=(cx - radius, cy - radius),
                        size=(2 * radius, 2 * radius),
                        segments=arc_pieces(radius),
                    )
                else:
                    Color(*self.muted_color)
                    r = radius - dp(1)
                    Line(circle=(cx, cy, r, 0, 360, arc_pieces(r)), width=dp(2), joint="miter")
                if done and icons.font_ready:
                    mark = _words(icons.glyph("confirm"), fs * 1.1, ICON_FONT_NAME)
                else:
                    mark = _words("✓" if done else str(i + 1), fs, None, now)
                Color(*(self.mark_color if done or now else self.muted_color))
                Rectangle(
                    texture=mark, size=mark.size, pos=(cx - mark.width / 2, cy - mark.height / 2)
                )
                Color(*(self.text_color if now else self.muted_color))
                if self.inline:
                    tpos = (cx + radius + gap, cy - tex.height / 2)
                else:
                    tpos = (cx - tex.width / 2, cy - radius - gap - tex.height)
                Rectangle(texture=tex, size=tex.size, pos=tpos)
                boxes.append(
                    [
                        [cx - self.x, cy - self.y, radius],
                        [tpos[0] - self.x, tpos[1] - self.y, tex.width, tex.height],
                    ]
                )
        self.boxes = boxes


class TimeRing(Widget):
    """Time left before the session's warning, as a ring that empties, with the caller's text
    in its middle (e.g. "40秒" / "40 s"). When `urgent` the ring and text turn to
    theme.URGENT_ON_BACKGROUND (7:1 on the page's blue); the text always says the time, so
    colour is never the only sign."""

    remaining = NumericProperty(0)  # seconds
    total = NumericProperty(1)  # seconds the ring stands for
    text = StringProperty("")
    urgent = BooleanProperty(False)
    color = ColorProperty(theme.ACCENT)
    urgent_color = ColorProperty(theme.URGENT_ON_BACKGROUND)
    track_color = ColorProperty((*theme.TEXT_MUTED_ON_BACKGROUND[:3], 0.35))
    text_color = ColorProperty(theme.TEXT_ON_BACKGROUND)
    font_size = NumericProperty(theme.font("caption"))
    line_width = NumericProperty(dp(5))

    def __init__(self, **kw) -> None:
        self._redraw = Clock.create_trigger(self.redraw, -1)
        self._text_tex: Texture | None = None
        super().__init__(**kw)
        self.bind(text=self._rerender, font_size=self._rerender)
        self.bind(
            remaining=self._redraw,
            total=self._redraw,
            urgent=self._redraw,
            pos=self._redraw,
            size=self._redraw,
        )
        self._rerender()

    def fraction(self) -> float:
        return max(0.0, min(1.0, self.remaining / self.total)) if self.total > 0 else 0.0

    def _rerender(self, *_a: object) -> None:
        self._text_tex = _words(self.text, float(self.font_size), None, True) if self.text else None
        self._redraw()

    def redraw(self, *_a: object) -> None:
        self.canvas.clear()
        r = min(self.width, self.height) / 2 - self.line_width
        if r <= 0:
            return
        cx, cy = self.center
        with self.canvas:
            Color(*self.track_color)
            Line(circle=(cx, cy, r, 0, 360, arc_pieces(r)), width=self.line_width, joint="miter")
            Color(*(self.urgent_color if self.urgent else self.color))
            # Kivy's circle angles run clockwise from 12 o'clock: the ring empties that way.
            sweep = 360 * self.fraction()
            Line(
                circle=(cx, cy, r, 0, sweep, arc_pieces(r, sweep)),
                width=self.line_width,
                joint="miter",
            )
            if self._text_tex is not None:
                t = self._text_tex
                Color(*(self.urgent_color if self.urgent else self.text_color))
                Rectangle(texture=t, size=t.size, pos=(cx - t.width / 2, cy - t.height / 2))


def year_bars(counts: Sequence[tuple[int, int]]) -> list[tuple[str, int]]:
    return [(str(y), c) for y, c in counts]


__all__ = [
    "BarChart",
    "IconButton",
    "IconLabel",
    "IconText",
    "KeyButton",
    "ObjectProperty",
    "PageManager",
    "PinKeypad",
    "StepIndicator",
    "Table",
    "TableBody",
    "TableCell",
    "TimeRing",
    "forget_cell_textures",
    "year_bars",
]
