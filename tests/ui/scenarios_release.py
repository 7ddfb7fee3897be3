"""The pages a member rarely opens: built on a visit, let go when the session ends
(screens/app.py PREBUILT, screens/ties.py). No devices; made-up states through apply_state."""

from __future__ import annotations

import gc
import weakref

from tests.helpers.kivy_ui import wait_until


def release(app, out):
    from kivy.metrics import Metrics

    from kiosk.session.machine import Page, SessionState
    from screens.app import PREBUILT, SCREENS
    from tests.helpers.made_up import HOLDER

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    out["built_at_start"] = sorted(app.sm.screen_names)
    out["prebuilt"] = sorted(p.value for p in PREBUILT)

    def observers() -> tuple[int, int]:
        # what outlives a page and could hold it: the app's language, Metrics' text size
        return (
            len(app.get_property_observers("lang")),
            len(Metrics.get_property_observers("fontscale")),
        )

    def member_on(page: Page) -> SessionState:
        return SessionState(page=page, holder=HOLDER, card_present=True, pin_verified=True)

    gc.collect()
    before = observers()
    out["observers_before"] = before
    rare = [p for p in SCREENS if p not in PREBUILT]
    out["rare"] = [p.value for p in rare]
    results = {}
    for rounds in range(2):  # a second session builds each page afresh and lets it go again
        refs = {}
        for page in rare:
            app.apply_state(member_on(page))
            yield 0
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
    out["released"] = app.released
    out["pages"] = results
    # a language switch after the pages went: nothing released is called any more
    app.lang = "en"
    yield 0
    app.lang = "zh"
    yield 0
