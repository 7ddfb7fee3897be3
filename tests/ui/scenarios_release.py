"""The pages a member rarely opens: built on a visit, let go when the session ends
(screens/app.py PREBUILT, screens/ties.py). No devices; made-up states through apply_state."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

from tests.helpers.kivy_ui import wait_until


def _title_fit(app, out):
    """A page built but not laid out measures no title (each size tried opens a bold face of
    ~2.5 MB); laid out, it fits its title at title size."""
    from kivy.metrics import sp

    import screens.base as base
    from kiosk.session.machine import Page
    from screens import theme
    from screens.app import SCREENS

    measured: list[float] = []
    real = base.CoreLabel

    def counting(*a, **kw):
        measured.append(kw.get("font_size", 0))
        return real(*a, **kw)

    base.CoreLabel = counting
    try:
        page = SCREENS[Page.MENU](name="menu-unplaced")
        yield 0
        yield 0
        out["fit_unplaced"] = (list(measured), page.header.title_font_size)
        page.size = app.sm.size
        for _ in range(4):
            yield 0
        out["fit_placed"] = (list(measured), page.header.title_font_size, sp(theme.FONT_TITLE))
        page.release()
    finally:
        base.CoreLabel = real


def release(app, out):
    from kivy.metrics import Metrics

    from kiosk.session.machine import Page, SessionState
    from screens.app import BUILT_ON_VISIT, PREBUILT
    from tests.helpers.made_up import signed_in

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    from screens import code_pages

    llvm = code_pages.code_mappings(code_pages.COLD_AFTER_START)
    out["code_released_kb"] = app.code_released_kb
    out["llvm_mapped"] = bool(llvm)
    out["llvm_resident_kb_at_start"] = code_pages.resident_kb(llvm)
    yield from _title_fit(app, out)
    out["built_at_start"] = sorted(app.sm.screen_names)
    out["prebuilt"] = sorted(p.value for p in PREBUILT)
    from kivy.lang import Builder

    def rules_read() -> list[str]:  # the kv files Kivy's Builder has read, by name
        return sorted(Path(f).name for f in Builder.files if str(f).endswith(".kv"))

    out["rules_at_start"] = rules_read()

    def observers() -> tuple[int, int]:
        # what outlives a page and could hold it: the app's language, Metrics' text size
        return (
            len(app.get_property_observers("lang")),
            len(Metrics.get_property_observers("fontscale")),
        )

    gc.collect()
    before = observers()
    out["observers_before"] = before
    rare = list(BUILT_ON_VISIT)
    out["rare"] = [p.value for p in rare]
    results = {}
    full_runs: list[str] = []  # the collector's full runs while pages were being opened

    def seen_run(phase: str, info: dict) -> None:
        if phase == "start" and info["generation"] == 2 and opening:
            full_runs.append(opening[0])

    opening: list[str] = []
    gc.callbacks.append(seen_run)
    for rounds in range(2):  # a second session builds each page afresh and lets it go again
        refs = {}
        for page in rare:
            opening[:] = [page.value]
            app.apply_state(signed_in(page))
            yield 0
            opening.clear()
            screen = app.sm.get_screen(page.value)
            title = getattr(screen.header, "title", "") if hasattr(screen, "header") else ""
            results.setdefault(page.value, {})[f"title{rounds}"] = title
            results[page.value][f"current{rounds}"] = app.sm.current == page.value
            refs[page.value] = weakref.ref(screen)
            del screen
        app.apply_state(SessionState())  # the session ends: the attract screen
        # Kivy's ScrollView fades its bar with an Animation half a second after a layout, and
        # a running Animation holds its widget: a released page goes once those have run.
        for _ in range(25):
            yield 0.2
            gc.collect()
            if all(r() is None for r in refs.values()):
                break
        out[f"left_built{rounds}"] = sorted(set(app.sm.screen_names) - set(out["prebuilt"]))
        out[f"alive{rounds}"] = sorted(name for name, r in refs.items() if r() is not None)
        out[f"observers{rounds}"] = observers()
    out["rules_after_visits"] = rules_read()
    out["full_runs_while_opening"] = list(full_runs)
    # the idle schedule's full run: at the attract screen and at goodbye, not on a member's page
    idle_runs = {}
    for page in (Page.MENU, Page.GOODBYE, Page.ATTRACT):
        app.apply_state(signed_in(page) if page is not Page.ATTRACT else SessionState())
        yield 0
        full_runs.clear()
        opening[:] = [page.value]
        app._collect_session(0)
        opening.clear()
        idle_runs[page.value] = len(full_runs)
    out["idle_runs"] = idle_runs
    gc.callbacks.remove(seen_run)
    out["released"] = app.released
    out["pages"] = results
    # a language switch after the pages went: nothing released is called any more
    app.lang = "en"
    yield 0
    app.lang = "zh"
    yield 0


def fixed_words(app, out):
    """The words a page has from start-up (its tiles' and buttons' labels, its headings) and a
    chart's axis labels (years) are rasterised before a member opens the page, not in the frame
    that shows it: Kivy fills a text's texture when it is first drawn. Recorded: every text
    rasterised in the frame that shows the menu, then the accounts page with ten years of
    balances (its table shows the years too, in cells: marked "[cell]"); then again in the next
    session, after a session in English whose end put the pages back into Chinese."""
    from kivy.core.text import Label as CoreLabel

    from kiosk.session.data import MemberData
    from kiosk.session.machine import Page, SessionState
    from screens.app import REFILL_AFTER
    from screens.widgets import IconText
    from tests.helpers.made_up import picture_records

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    holder, full, _none, accounts, *_rest = picture_records()
    data = MemberData().with_answer("summary", full).with_answer("accounts", accounts)
    out["years"] = [str(y.year) for y in accounts.pension_years]
    menu = app.sm.get_screen("menu")
    out["menu_words"] = sorted(
        {w.text for w in menu.walk(restrict=True) if isinstance(w, IconText) and w.text}
    )
    filled: list[str] = []
    fill = CoreLabel._texture_fill

    def recording(label, texture):
        # a table cell's text is boxed (its cell), a chart's label is not
        boxed = any(v is not None for v in label.text_size)
        filled.append(str(label.text) + (" [cell]" if boxed else ""))
        return fill(label, texture)

    def show(page: Page, key: str):
        filled.clear()
        app.apply_state(SessionState(page=page, holder=holder, pin_verified=True, data=data))
        yield 0  # the frame that shows it has been drawn
        yield 0
        out[key] = list(filled)

    CoreLabel._texture_fill = recording
    try:
        for session in (1, 2):
            yield from show(Page.MENU, f"menu_frame{session}")
            yield from show(Page.ACCOUNTS, f"accounts_frame{session}")
            app.lang = "en"  # the member reads in English; the session's end puts Chinese back
            yield 0.1
            app.apply_state(SessionState())
            yield REFILL_AFTER + 0.5
    finally:
        CoreLabel._texture_fill = fill
