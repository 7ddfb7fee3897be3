"""Widgets the screens share: the scrambled PIN keypad, a data table, a bar chart."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import ClassVar

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.graphics.texture import Texture
from kivy.metrics import dp, sp
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from screens import theme


class KeyButton(Button):
    """A keypad key (a class of its own so kv styles it and tests find it)."""


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


class PageManager(ScreenManager):
    """A ScreenManager for pages that switch at once and fill it. Kivy's own rule clips every
    ScreenManager with a stencil, which costs two extra full-size passes each frame plus a
    stencil test on every pixel drawn inside: on a software renderer (llvmpipe) about half of
    a frame's drawing. Its kv rule (`<-PageManager>` in common.kv) leaves that clip out; a
    transition that slides or fades would need it back."""

    def __init__(self, **kw) -> None:
        kw.setdefault("transition", NoTransition())
        super().__init__(**kw)


class TableCell(Label):
    """One cell of a Table's body (RecycleView recycles these).

    Cells with the same text and size share one texture: a year of contributions repeats the
    same base, parts, status and payer in every month, so a 72-cell table renders ~20 textures,
    not 72, in the frame that shows it. The shared textures hold a member's figures:
    `forget_cell_textures()` drops them when the session ends."""

    _shared: ClassVar[OrderedDict[tuple, Texture]] = OrderedDict()
    SHARED_MAX: ClassVar[int] = 160  # ~30 KB each: a few tables' worth

    def _texture_key(self) -> tuple:
        return (
            self.text,
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
            self._shared[key] = self.texture
            while len(self._shared) > self.SHARED_MAX:
                self._shared.popitem(last=False)


def forget_cell_textures() -> None:
    """Drop the table cells' shared textures (a member's figures) at the end of a session."""
    TableCell._shared.clear()


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
    font_size = StringProperty("18sp")

    def on_header(self, *_a) -> None:
        if list(self.header) == getattr(self, "_shown_header", None):
            return
        self._shown_header = list(self.header)
        head = self.ids.head
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
    """Bars per year (e.g. months paid), drawn with Kivy graphics; the selected year stands out
    by a frame and a label as well as by colour. Redraws are coalesced into one per frame."""

    values = ListProperty([])  # [(label, value)]
    maximum = NumericProperty(12)
    selected = StringProperty("")
    on_pick: Callable[[str], None] | None = None

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._redraw = Clock.create_trigger(self.redraw)
        self.bind(pos=self._redraw, size=self._redraw, values=self._redraw, selected=self._redraw)

    def redraw(self, *_a: object) -> None:
        self.canvas.clear()
        n = len(self.values)
        if not n:
            return
        gap = dp(4)
        w = max(dp(6), (self.width - gap * (n + 1)) / n)
        base_y = self.y + sp(22)
        height = self.height - sp(44)
        step = max(1, n // 10)
        with self.canvas:
            for i, (label, value) in enumerate(self.values):
                x = self.x + gap + i * (w + gap)
                h = height * min(1.0, value / self.maximum) if self.maximum else 0
                chosen = str(label) == self.selected
                Color(*(theme.ACCENT if chosen else theme.BAR))
                Rectangle(pos=(x, base_y), size=(w, h))
                if chosen:
                    Color(*theme.TEXT_ON_BACKGROUND)
                    Line(rectangle=(x - 2, base_y - 2, w + 4, h + 4), width=1.5)
                if i % step == 0 or chosen:
                    tex = _text_texture(str(label)[-2:] if n > 12 else str(label))
                    Color(*theme.TEXT_MUTED_ON_BACKGROUND)
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


_TEXTURES: dict[tuple[str, float], object] = {}


def _text_texture(text: str):
    """A small label as a texture, cached: axis labels repeat on every redraw."""
    key = (text, sp(12))
    tex = _TEXTURES.get(key)
    if tex is None:
        lbl = CoreLabel(text=text, font_size=sp(12))
        lbl.refresh()
        tex = _TEXTURES[key] = lbl.texture
    return tex


def year_bars(counts: Sequence[tuple[int, int]]) -> list[tuple[str, int]]:
    return [(str(y), c) for y, c in counts]


__all__ = [
    "BarChart",
    "KeyButton",
    "ObjectProperty",
    "PageManager",
    "PinKeypad",
    "Table",
    "TableBody",
    "TableCell",
    "forget_cell_textures",
    "year_bars",
]
