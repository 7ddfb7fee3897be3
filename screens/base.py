"""What every kiosk screen shares: access to the app, `show(state)` to redraw from state, and
the page chrome (PageHeader): back and exit, the title, the member's masked name, the time left
before the session's warning (TimeRing) and, in a multi-step task, where the member is
(StepIndicator)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.metrics import Metrics, sp
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.domain import mask_name
from kiosk.facade import KioskFacade
from kiosk.session.machine import Page, Session, SessionState
from screens import theme
from screens.ties import release, tie, tie_undo

CHROME_TICK = 0.25  # seconds between looks at the clock while a page with a header shows
URGENT_SECONDS = 10  # the ring turns urgent (colour and the warning itself follow)
NOT_LAID_OUT = 100  # px: Kivy's default width; a header's title always has more room
TITLE_ROLES = ("title", "heading", "body")  # a page title's sizes, the first that fits


@dataclass(frozen=True)
class TimeLeft:
    """What the header's ring shows: whole seconds left of `total`, and whether it is urgent."""

    seconds: int
    total: float
    urgent: bool


def time_left(
    state: SessionState, now: float, page_timeout: Callable[[Page], float | None], warning: float
) -> TimeLeft | None:
    """The time the member has on this page before the session warns them (None: the page has
    no timeout). Once the warning shows, the seconds until the session ends, urgent. A page
    held for a payment's outcome (no warning) counts down to its end."""
    if state.deadline is None:
        return None
    if state.warn_at is not None and not state.warning:
        left = state.warn_at - now
        limit = page_timeout(state.page)
        total = (limit - warning) if limit is not None else left
        seconds = max(0, math.ceil(left))
        return TimeLeft(seconds, max(float(total), float(seconds), 1.0), seconds <= URGENT_SECONDS)
    left = max(0, math.ceil(state.deadline - now))
    total = warning if state.warning else max(left, 1)
    return TimeLeft(left, max(float(total), float(left), 1.0), True)


def shown_name(state: SessionState) -> str:
    """The member's name as a passer-by may see it (*三丰), once the member is signed in."""
    holder = state.holder
    return mask_name(holder.name) if holder is not None and state.signed_in else ""


def ring_text(tr: Callable[..., str], seconds: int) -> str:
    """The ring's words: "25秒" / "25 s"; from 100 s on "4:40", which fits inside the ring."""
    if seconds >= 100:
        return tr("chrome.minutes", m=seconds // 60, s=f"{seconds % 60:02d}")
    return tr("chrome.seconds", n=seconds)


class PageHeader(BoxLayout):
    """The bar at the top of every member page (kv rule in common.kv): back and exit as icon
    buttons with their labels, the title, the member's masked name and the time ring; below it,
    for a multi-step task, a StepIndicator of `step_keys` (i18n keys) at `step`. The page's
    KioskScreen feeds `member_name` and the time while the page shows."""

    title = StringProperty("")
    show_back = BooleanProperty(True)
    back_page = StringProperty("menu")  # where "back" leads (a service of 更多服务: "services")
    member_name = StringProperty("")  # masked
    time_shown = BooleanProperty(False)
    time_left = NumericProperty(0)  # whole seconds
    time_total = NumericProperty(1)
    time_urgent = BooleanProperty(False)
    time_text = StringProperty("")
    step_keys = ListProperty([])  # i18n keys of the task's steps; [] for a one-step page
    step = NumericProperty(0)
    steps = ListProperty([])  # step_keys translated
    title_font_size = NumericProperty(0)  # px; 0 until fitted (the kv rule then uses "title")

    def on_kv_post(self, base_widget) -> None:
        app = App.get_running_app()
        if app is not None and hasattr(app, "lang"):
            tie(self, app, "lang", self._translate)
        self._translate()
        self._refit = Clock.create_trigger(self._fit_title, -1)
        self.fbind("title", self._refit)
        self.ids.title.fbind("width", self._refit)
        tie(self, Metrics, "fontscale", self._refit)
        self._refit()

    def _fit_title(self, *_a: object) -> None:
        """The title on one line where it can be: at title size, else heading, else body
        (a long English title in large text beside four header buttons), wrapping only then.
        The size follows the title's width, never the other way round: no layout loop."""
        room = self.ids.title.width
        if room <= NOT_LAID_OUT:
            # The header not laid out yet (Kivy's default width, or what is left of it beside
            # the buttons): fitted when the width comes. Trying every role against it opened
            # a bold face per role that no title then used (0.7-2.5 MB each, screens/theme.py).
            return
        size = sp(theme.FONT_TITLE)
        for role in TITLE_ROLES:
            size = sp(theme.FONT_ROLES[role])
            label = CoreLabel(text=self.title, font_size=size, bold=True)
            label.refresh()
            if label.texture is None or label.texture.width <= room:
                break
        self.title_font_size = size

    def on_step_keys(self, *_a: object) -> None:
        self._translate()

    def _translate(self, *_a: object) -> None:
        app = App.get_running_app()
        tr = getattr(app, "tr", None)
        self.steps = [tr(k) if tr else k for k in self.step_keys]

    def show_time(self, left: TimeLeft | None, text: str) -> None:
        if left is None:
            self.time_shown = False
            return
        self.time_total = left.total
        self.time_left = left.seconds
        self.time_urgent = left.urgent
        self.time_text = text
        self.time_shown = True


class KioskScreen(Screen):
    """A page of the session. The app calls `show(state)` on the main thread after each change;
    screens read only the state and send intents with `self.kiosk.post(...)`, through the
    typed facade (kiosk.facade.KioskFacade). `step` is where a multi-step page stands (its
    header's StepIndicator reads it)."""

    step = NumericProperty(0)
    step_keys = ListProperty([])  # a page whose task changes (e.g. unemployment's views)

    def __init__(self, **kw) -> None:
        self._header: PageHeader | None = None
        self._chrome_event = None
        self._timing: Session | None = None
        super().__init__(**kw)
        # Bound, not overridden: pages define on_pre_enter / on_leave of their own.
        self.fbind("on_pre_enter", self._chrome_start)
        self.fbind("on_leave", self._chrome_stop)

    def watch_language(self, fn: Callable[[], object]) -> None:
        """Call `fn` on every language switch while this page exists (undone by release)."""
        tie_undo(self, self.kiosk.watch_language(fn))

    def release(self) -> None:
        """Let go of this page: its header stops ticking, and nothing that outlives it (the
        app, Metrics, kv rules bound to the app) still points into it (screens/ties.py)."""
        self._chrome_stop()
        release(self)

    @property
    def kiosk(self) -> KioskFacade:
        app: KioskFacade = App.get_running_app()  # screens.app.KioskApp
        return app

    def show(self, state: SessionState) -> None:
        """Redraw from the session state (default: nothing beyond the kv bindings)."""

    # -- the header's name and time: only the page on screen ticks ----------------------------

    @property
    def header(self) -> PageHeader | None:
        if self._header is None:
            self._header = next((w for w in self.walk() if isinstance(w, PageHeader)), None)
        return self._header

    def _chrome_start(self, *_a: object) -> None:
        if self.header is None:
            return
        self.update_chrome()
        if self._chrome_event is None:
            self._chrome_event = Clock.schedule_interval(self.update_chrome, CHROME_TICK)

    def _chrome_stop(self, *_a: object) -> None:
        if self._chrome_event is not None:
            self._chrome_event.cancel()
            self._chrome_event = None
        if self.header is not None:  # no name kept on a page off screen
            self.header.member_name = ""

    def update_chrome(self, *_a: object) -> None:
        """The member's masked name and the time left, from the state the app last showed and
        the session's clock (no I/O: a read of the monotonic clock)."""
        header = self.header
        app = App.get_running_app()
        state: SessionState | None = getattr(app, "state", None)
        if header is None or state is None:
            return
        header.member_name = shown_name(state)
        controller = getattr(app, "controller", None)
        if controller is not None:
            session, now = controller.session, controller.clock()
        else:  # a page drawn from a made-up state (UI tests): the app's own timeouts
            if self._timing is None:
                self._timing = Session(app.cfg.timeouts)
            session, now = self._timing, time.monotonic()
        left = time_left(state, now, session.page_timeout, float(session.timeouts.warning))
        text = ring_text(app.tr, left.seconds) if left is not None else ""
        header.show_time(left, text)
