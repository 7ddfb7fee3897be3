"""The Kivy application: window, screen manager, language and large-text mode."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.metrics import Metrics
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import Screen

from kiosk.config import KioskConfig
from kiosk.health import DeviceHealth, Health
from kiosk.i18n import Translator
from kiosk.session.controller import Controller
from kiosk.session.intents import BACKGROUND, PAYING
from kiosk.session.machine import Event, ExitPressed, Navigate, Page, SessionState, Touched
from screens import code_pages, collector, qr, shader_warmup, solid_fill, theme, wake, widgets
from screens.accounts import AccountsScreen
from screens.admin import AdminScreen
from screens.attract import AttractScreen
from screens.base import KioskScreen, time_left
from screens.benefits import BenefitsScreen
from screens.card_problem import CardProblemScreen
from screens.card_services import CardServicesScreen
from screens.certify import CertifyScreen
from screens.change_pin import ChangePinScreen
from screens.estimate import EstimateScreen
from screens.face import FaceScreen
from screens.flexible import FlexibleScreen
from screens.frames import FrameMonitor
from screens.goodbye import GoodbyeScreen
from screens.history import HistoryScreen
from screens.insurance import InsuranceScreen
from screens.loss_cancel import LossCancelScreen
from screens.medical import MedicalScreen
from screens.menu import MenuScreen
from screens.my_receipts import MyReceiptsScreen
from screens.overlays import BusyOverlay, TimeoutBanner
from screens.pay import PayScreen
from screens.pin import PinScreen
from screens.pin_reset import PinResetScreen
from screens.print import PrintScreen
from screens.reading import ReadingScreen
from screens.services import ServicesScreen
from screens.sound import KeyTone, PageVoice, add_speaker
from screens.transfer import TransferScreen
from screens.unemployment import UnemploymentScreen

log = logging.getLogger(__name__)

KV_DIR = Path(__file__).parent
SCREENS = {
    Page.ATTRACT: AttractScreen,
    Page.READING: ReadingScreen,
    Page.CARD_PROBLEM: CardProblemScreen,
    Page.PIN: PinScreen,
    Page.CHANGE_PIN: ChangePinScreen,
    Page.MENU: MenuScreen,
    Page.INSURANCE: InsuranceScreen,
    Page.HISTORY: HistoryScreen,
    Page.ACCOUNTS: AccountsScreen,
    Page.BENEFITS: BenefitsScreen,
    Page.ESTIMATE: EstimateScreen,
    Page.CARD_SERVICES: CardServicesScreen,
    Page.GOODBYE: GoodbyeScreen,
    Page.PRINT: PrintScreen,
    Page.PAY: PayScreen,
    Page.ADMIN: AdminScreen,
    Page.FACE: FaceScreen,
    Page.CERTIFY: CertifyScreen,
    Page.PIN_RESET: PinResetScreen,
    Page.LOSS_CANCEL: LossCancelScreen,
    Page.TRANSFER: TransferScreen,
    Page.MEDICAL: MedicalScreen,
    Page.SERVICES: ServicesScreen,
    Page.FLEXIBLE: FlexibleScreen,
    Page.MY_RECEIPTS: MyReceiptsScreen,
    Page.UNEMPLOYMENT: UnemploymentScreen,
}
# The pages of nearly every member's session (product.md: read the card and the PIN, then see
# the rights records, pay, print), built one per idle frame while the attract screen waits.
# The other pages are built on a member's first visit in a session (a first frame of ~20 ms,
# up to ~55 ms for the largest: bench/ui_flow.py) and released when the session ends, so a
# kiosk that runs for weeks holds these and one session's others, not every page (each costs
# 1-4 MB: widgets, kv bindings, text textures).
PREBUILT = frozenset(
    {
        Page.ATTRACT,
        Page.READING,
        Page.CARD_PROBLEM,
        Page.PIN,
        Page.MENU,
        Page.INSURANCE,
        Page.HISTORY,
        Page.ACCOUNTS,
        Page.PAY,
        Page.PRINT,
        Page.GOODBYE,
    }
)
BUILT_ON_VISIT = tuple(p for p in SCREENS if p not in PREBUILT)
# Each page's rules live in <page>.kv beside its module; shared rules first. The rules of a page
# built on a visit are read at its first visit: ~1.5 MB the kiosk otherwise holds from start-up
# for pages most members never open.
KV_FILES = ("common.kv", "overlays.kv", *(f"{p.value}.kv" for p in SCREENS if p in PREBUILT))
_RULES_READ: set[str] = set()


def read_rules(kv: str) -> None:
    """Read the kv file `kv` (beside this module) into Kivy's Builder, once per process."""
    if kv not in _RULES_READ:
        Builder.load_file(str(KV_DIR / kv))
        _RULES_READ.add(kv)


WIDGETS = (widgets, qr)  # defining them registers them with Kivy's Factory for the kv files
BUSY_AFTER = 0.3  # seconds of waiting before the busy indicator shows
# Seconds after a session's end before what it left is collected: Kivy's ScrollView fades its
# bar with an Animation (about 1 s) that holds a released page until it ends.
COLLECT_AFTER = 2.0
# Seconds after a session's end before the pages' words, reset, are rasterised (their labels
# re-render in the frames after the reset; a new card within it meets them as before).
REFILL_AFTER = 0.5
# Table cells built ahead, in idle frames after the pages: a full table page shows 7-12 rows of
# up to 6 cells. CELLS_PER_FRAME keeps each of those frames short (~0.7 ms a cell).
WARM_TABLE_CELLS = 72
CELLS_PER_FRAME = 12


def seconds_since_process_start() -> float:
    """Wall time since this process was created (Linux /proc), for start-up figures."""
    try:
        start_ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        return time.process_time()


class KioskApp(App):
    """The kiosk. `lang` and `large_text` are live: every kv rule that reads them re-renders."""

    lang = StringProperty("zh")
    large_text = BooleanProperty(False)
    # What the kiosk can do now (kiosk.health), and its two facts kv rules read (a rule binds
    # to a property, not to an attribute of a plain object such as `health.a4`).
    health = ObjectProperty(Health())
    in_service = BooleanProperty(True)  # the card reader and the back office are there
    printer_ok = BooleanProperty(True)  # the A4 printer is: the print tile is on

    def __init__(
        self,
        cfg: KioskConfig,
        *,
        screenshot: Path | None = None,
        large_text: bool = False,
        language: str = "zh",
        controller: Controller | None = None,
        demo: object | None = None,
        health: DeviceHealth | None = None,
    ) -> None:
        super().__init__()
        self.demo = demo
        self.device_health = health
        self.controller = controller
        self.state: SessionState | None = None
        self._asked: wake.Asked | None = None  # the member's last request (screens/wake.py)
        self.frames = FrameMonitor()
        self.tone = KeyTone(enabled=cfg.ui.voice)
        self._busy_event = None
        self.started_drawn: float | None = None  # seconds from process start to attract drawn
        self._cells_to_warm = WARM_TABLE_CELLS
        self._shader_steps: list | None = None  # then shader samples, one group per frame
        self._shader_shown = None
        self.shader_steps_drawn = 0
        self.prebuilt = False  # the PREBUILT pages built (a few frames after start-up)
        self._to_fill: list[str] | None = None  # pages whose words are still to rasterise
        self.code_released_kb = 0  # libraries' code pages given back (screens/code_pages.py)
        self.released = 0  # pages released at the end of a session (not PREBUILT)
        self.cfg = cfg
        self.title = "社保自助一体机"
        self.translator = (
            controller.translator
            if controller and controller.translator
            else Translator(language=language)
        )
        self.lang = language
        self.large_text = large_text
        # Each page's title and main action read aloud as it opens (and on its 朗读 button).
        self.page_voice = PageVoice(controller.voice if controller else None, self.translator)
        self.screenshot_path = screenshot
        self.exit_code = 0
        self.theme = theme

    # -- strings ----------------------------------------------------------------------------

    def tr(self, key: str, _lang: str | None = None, **params: object) -> str:
        """Translate `key`. kv passes `app.lang` as `_lang` so the rule re-runs on a switch."""
        return self.translator(key, **params)

    def watch_language(self, fn: Callable[[], object]) -> Callable[[], None]:
        uid = self.fbind("lang", lambda *_a: fn())
        return lambda: self.unbind_uid("lang", uid)

    def on_lang(self, _app: App, value: str) -> None:
        self.translator.language = value

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "zh" else "zh"

    # -- large text (长辈模式) ---------------------------------------------------------------

    def on_large_text(self, _app: App, value: bool) -> None:
        # Every size in the kv files is in sp, which follows Metrics.fontscale.
        Metrics.fontscale = self.cfg.ui.large_text_scale if value else 1.0

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text

    # -- life cycle -------------------------------------------------------------------------

    def build(self) -> FloatLayout:
        Window.clearcolor = theme.BACKGROUND
        wake.install()  # an answer from the core is drawn when it comes (screens/wake.py)
        wake.frame_hold.install(Window, busy=self._core_busy)
        solid_fill.nearest()  # panels and buttons sample one texel (screens/solid_fill.py)
        for kv in KV_FILES:
            read_rules(kv)
        self.on_large_text(self, self.large_text)
        # Pages switch at once (a fade costs frames on software GL and helps no one) and fill
        # the window, so the manager needs no clip either (see PageManager).
        self.sm = widgets.PageManager()
        # Only the attract screen at start: the others are built on their first visit, which
        # keeps start-up time and memory to what the first screen needs.
        self.sm.add_widget(AttractScreen(name=Page.ATTRACT.value))
        root = KioskRoot(self)
        root.add_widget(self.sm)
        self.banner = TimeoutBanner()
        self.busy = BusyOverlay()
        # Overlays are in the widget tree only while shown: a hidden widget there still takes
        # the touches that land on it (Kivy's disabled widgets swallow them).
        self._overlay_root = root
        self.banner.bind(active=self._place_overlay)
        self.busy.bind(active=self._place_overlay)
        if self.demo is None:
            return root
        from screens.demo_panel import DemoPanel, with_panel

        Builder.load_file(str(KV_DIR / "demo_panel.kv"))
        return with_panel(root, DemoPanel(self.demo), self.cfg.ui.width)

    def show_health(self, health: Health) -> None:
        """What the devices allow now (main thread): the attract screen and the print tile."""
        self.health = health
        self.in_service = health.in_service
        self.printer_ok = health.a4

    # -- the session --------------------------------------------------------------------------

    def _core_busy(self) -> bool:
        return self.controller is not None and self.controller.busy

    def post(self, event: Event) -> None:
        if self.controller is not None:
            member = threading.current_thread() is threading.main_thread()
            if member:
                wake.frame_hold.hold()  # the answer comes in a moment (screens/wake.py)
            seq = self.controller.post_numbered(event)
            if member:  # the answer to wait for is the state after this event, not before
                self._asked = wake.Asked(seq, self.state.page if self.state else None)

    def navigate(self, page: str) -> None:
        self.post(Navigate(Page(page)))

    def exit_session(self) -> None:
        self.post(ExitPressed())

    def keep_going(self) -> None:
        self.post(Touched())

    def key_tone(self) -> None:
        self.tone.play()

    def _on_state(self, state: SessionState) -> None:
        # Called on the controller's thread: hand over to the main thread, drawn at once.
        # The event it reflects is read now, on the session's thread, as the state goes out.
        handled = self.controller.handled if self.controller is not None else None
        wake.call_soon(lambda: self.apply_state(state, handled))

    def apply_state(self, state: SessionState, handled: int | None = None) -> None:
        """Show the session's state: switch page, redraw it, warning and busy overlays.
        `handled`: the number of the last event the controller took when it published it."""
        with self.frames.callback("apply_state"):
            self._apply_state(state, handled)

    def _apply_state(self, state: SessionState, handled: int | None) -> None:
        previous = self.state
        self.state = state
        loading = bool(state.loading - BACKGROUND)
        if wake.answers(self._asked, handled, state.page, loading=loading, busy=self._core_busy()):
            wake.frame_hold.release()  # the answer: drawn in this frame
        ended = (
            previous is not None
            and previous.page is not Page.ATTRACT
            and state.page is Page.ATTRACT
        )
        if ended:
            # A new member gets the kiosk's default language and text size back, and nothing of
            # the last member stays on a page (each page redraws from the empty state, or is
            # released) or in a table cell's texture.
            for screen in self.sm.screens:
                if screen.name != Page.ATTRACT.value:
                    screen.show(state)
            widgets.forget_cell_textures()
            self.lang = self.cfg.ui.language
            self.large_text = self.cfg.ui.large_text
        name = state.page.value
        self.frames.where = name
        self._ensure_screen(state.page)
        if self.sm.has_screen(name):
            screen = self.sm.get_screen(name)
            if self.sm.current != name:  # the window may have changed size since (tests do)
                screen.size, screen.pos = self.sm.size, self.sm.pos
            screen.show(state)
            if self.sm.current != name:
                self.sm.current = name
            if previous is None or previous.page is not state.page:
                # after a frame: the page's texts and buttons are laid out by then
                Clock.schedule_once(lambda _dt, s=screen: self._page_opened(s), 0.1)
        if ended:  # once the attract screen is current: no page leaves in a transition
            released = [s for s in self.sm.screens if Page(s.name) not in PREBUILT]
            for screen in released:
                self._release(screen)
            Clock.schedule_once(self._collect_session, COLLECT_AFTER)
            Clock.schedule_once(self._refill_texts, REFILL_AFTER)
        self.banner.active = state.warning
        self._update_busy(state)
        self._update_countdown()
        current = self.sm.current_screen
        if isinstance(current, KioskScreen):  # its ring in this frame too, as the banner's count
            current.update_chrome()

    def _page_opened(self, screen: Screen) -> None:
        with self.frames.callback("page_voice"):
            self.page_voice.page_opened(screen, self.lang)

    def _ensure_screen(self, page: Page) -> None:
        if not self.sm.has_screen(page.value) and page in SCREENS:
            read_rules(f"{page.value}.kv")  # a page built on a visit: its rules now
            screen = SCREENS[page](name=page.value)
            add_speaker(screen)  # 朗读 in its header (screens/sound.py)
            # Laid out at the window's size now: a page the manager holds but does not show
            # stays at Kivy's default 100x100, and its first visit re-laid out and re-wrapped
            # every text of it in the member's frame.
            screen.size, screen.pos = self.sm.size, self.sm.pos
            self.sm.add_widget(screen)

    def page(self, name: str) -> Screen:
        """The page called `name`, built now if it is not (a page not PREBUILT, not visited in
        this session)."""
        self._ensure_screen(Page(name))
        return self.sm.get_screen(name)

    def _release(self, screen: Screen) -> None:
        """Take a page that is not PREBUILT out of the app: it is built afresh on its next
        visit, and nothing of this session's member stays in it."""
        if isinstance(screen, KioskScreen):
            screen.release()
        self.sm.remove_widget(screen)
        transition = self.sm.transition
        if transition.screen_out is screen:
            # Kivy keeps the page a switch left until the next switch sets another (it allows
            # no None); the page on screen stands in, as it is read only when a switch starts.
            transition.screen_out = self.sm.current_screen
        self.released += 1

    def _collect_session(self, _dt: float) -> bool:
        """At the attract screen: the collector's full run (screens/collector.py), for what a
        session left (its released pages are cycles of widgets) and what waiting makes. Also
        at goodbye, which has no timeout: a card forgotten in the reader keeps the kiosk there
        while its health checks and heartbeats go on."""
        if self.state is None or self.state.page in (Page.ATTRACT, Page.GOODBYE):
            with self.frames.callback("collect_session"):
                collector.collect()
        return True  # also the idle schedule's callback: it keeps running

    def _prebuild_next(self, _dt: float) -> bool:
        """Build one more page per idle frame after the attract screen is up: start-up shows
        the attract screen as soon as it can, and no member's page is built while they wait."""
        missing = [p for p in SCREENS if p in PREBUILT and not self.sm.has_screen(p.value)]
        if missing:
            self._ensure_screen(missing[0])
            return True
        if self._cells_to_warm > 0:  # then table cells, a few per frame
            n = min(CELLS_PER_FRAME, self._cells_to_warm)
            widgets.prewarm_table_cells(n)
            self._cells_to_warm -= n
            return True
        if self._warm_shaders():
            return True
        if self._to_fill is None:  # the pages' fixed words rasterised, a page a frame
            self._to_fill = [s.name for s in self.sm.screens]
            widgets.prewarm_axis_labels(time.localtime().tm_year)
            return True
        if self._to_fill:
            self._fill_texts(self._to_fill.pop())
            return True
        if not self.prebuilt:
            # Every page, Kivy and the libraries live as long as the app: out of the collector's
            # sight they stay, else each full collection walks them all - 90-160 ms with the
            # GIL held, in the middle of a member's page (measured in bench/ui_flow.py). Full
            # runs from now on only at the attract screen (screens/collector.py).
            collector.settle()
            Clock.schedule_interval(self._collect_session, collector.IDLE_EVERY)
            # And the warm-up's compilations are done: the code they ran goes back too.
            self.code_released_kb += code_pages.release()
            self.prebuilt = True
            if self.controller is not None:
                self.controller.warm_up()
        return False

    def _fill_texts(self, name: str) -> None:
        if self.sm.has_screen(name):
            with self.frames.callback("fill_texts"):
                widgets.fill_label_textures(self.sm.get_screen(name))

    def _refill_texts(self, _dt: float) -> None:
        """After a session's end, at the attract screen: the pages' words reset to the empty
        state (and the kiosk's language) are rasterised now, not in the next member's frames."""
        if self.state is None or self.state.page is Page.ATTRACT:
            for screen in list(self.sm.screens):
                self._fill_texts(screen.name)

    def _warm_shaders(self) -> bool:
        """Draw the next group of shader samples (see shader_warmup) for one frame; False
        when all have been drawn."""
        after = Window.canvas.after
        if self._shader_shown is not None:
            after.remove(self._shader_shown)
            self._shader_shown = None
        if self._shader_steps is None:
            self._shader_steps = shader_warmup.warmup_steps()
        if not self._shader_steps:
            return False
        self._shader_shown = self._shader_steps.pop(0)
        after.add(self._shader_shown)
        self.shader_steps_drawn += 1
        return True

    def _place_overlay(self, overlay, active: bool) -> None:
        if active and overlay.parent is None:
            self._overlay_root.add_widget(overlay)
        elif not active and overlay.parent is not None:
            overlay.parent.remove_widget(overlay)

    def _update_busy(self, state: SessionState) -> None:
        # A payment's wait is the pay page's own step (paying, the card's questions, the QR
        # code): the overlay would cover the PIN pad's keys.
        waiting = bool(state.loading - PAYING - BACKGROUND)
        if waiting and self._busy_event is None and not self.busy.active:
            self._busy_event = Clock.schedule_once(lambda _dt: self._show_busy(), BUSY_AFTER)
        elif not waiting:
            if self._busy_event is not None:
                self._busy_event.cancel()
                self._busy_event = None
            self.busy.active = False

    def _show_busy(self) -> None:
        self._busy_event = None
        if self.state is not None and self.state.loading - PAYING - BACKGROUND:
            self.busy.active = True

    def _update_countdown(self, *_a) -> None:
        if self.controller is None or self.state is None or not self.state.warning:
            return
        # the header ring's figure (screens/base.time_left): whole seconds started, not floored
        session = self.controller.session
        left = time_left(
            self.state, self.controller.clock(), session.page_timeout, session.timeouts.warning
        )
        self.banner.seconds = left.seconds if left is not None else 0

    def on_start(self) -> None:
        self.frames.start()
        Clock.schedule_interval(self._note_first_draw, 0)
        Clock.schedule_interval(self._update_countdown, 0.5)
        if self.controller is not None:
            self.apply_state(self.controller.session.state)
            self.controller.subscribe(self._on_state)
            self.controller.start()
        if self.device_health is not None:
            # Told on the health thread: the property is set on the main thread.
            self.device_health.subscribe(lambda h: wake.call_soon(lambda: self.show_health(h)))
        if self.screenshot_path is not None:
            self._frames = 0
            Clock.schedule_interval(self._screenshot_when_drawn, 0)

    def _note_first_draw(self, _dt: float) -> bool:
        if self.sm.get_screen("attract").is_drawn():
            self.started_drawn = seconds_since_process_start()
            # The first frame's shaders are compiled: LLVM's loading code is not needed.
            self.code_released_kb += code_pages.release()
            Clock.schedule_interval(self._prebuild_next, 0)
            return False
        return True

    def _screenshot_when_drawn(self, _dt: float) -> bool:
        # Wait until the attract screen's text has been rendered and a few frames drawn,
        # so the picture is the screen a member sees, not a half-built one.
        self._frames += 1
        attract = self.sm.get_screen("attract")
        if self._frames < 3 or not attract.is_drawn():
            return True
        elapsed = seconds_since_process_start()
        assert self.screenshot_path is not None  # scheduled only when there is one
        target = Path(self.screenshot_path).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        written = Window.screenshot(name=str(target.with_suffix("")) + "-shot.png")
        if not written:
            print("kiosk: the screenshot could not be written", flush=True)
            self.exit_code = 1
        else:
            shutil.move(written, target)
            print(
                f"kiosk: attract screen drawn {elapsed:.3f} s after start; screenshot {target}",
                flush=True,
            )
        self.stop()
        return False

    def on_stop(self) -> None:
        self.page_voice.close()
        if self.controller is not None:
            self.controller.stop()


class KioskRoot(FloatLayout):
    """The window's root: every touch anywhere keeps the session alive."""

    def __init__(self, app: KioskApp, **kw) -> None:
        super().__init__(**kw)
        self._app = app

    def on_touch_down(self, touch) -> bool:
        with self._app.frames.callback("touch_down"):
            self._app.keep_going()
            return super().on_touch_down(touch)

    def on_touch_up(self, touch) -> bool:
        with self._app.frames.callback("touch_up"):
            return super().on_touch_up(touch)
