"""The member's pages as pictures (tests/ui/test_pictures.py), drawn from made-up records
with no devices (the app's apply_state): the menu's tiles with icons, my insurance as cards
with a ring to the 15-year minimum, the accounts' balance chart, the estimate's two parts
stacked, and the empty states of history, benefits, insurance and accounts; in Chinese, in
English with large text and in Chinese with large text; screenshots pictures-*.png and a
layout check of every touch target and line."""

from __future__ import annotations

import time

from tests.helpers import layout_check
from tests.helpers.kivy_ui import screen, settle, shot, tap, wait_until
from tests.helpers.made_up import picture_records


def _shown(w) -> bool:
    """w and every parent up to its page have a size and are not transparent."""
    while w is not None and type(w).__name__ != "PageManager":
        if w.opacity == 0 or w.width <= 1 or w.height <= 1:
            return False
        w = w.parent
    return True


def views(app, out):
    """Each page with records and without, in zh, en + large text and zh + large text."""
    from kiosk.domain.records import PersonalAccounts
    from kiosk.session.data import MemberData
    from kiosk.session.machine import Page, SessionState

    yield from wait_until(lambda: app.prebuilt, 60, "pages built")
    holder, full, none, accounts, estimate, history, gap, short, certified = picture_records()
    filled = (
        MemberData()
        .with_answer("summary", full)
        .with_answer("accounts", accounts)
        .with_answer("estimate", estimate)
        .with_answer("benefits", [])
        .with_answer("history", [])
    )
    more = (
        filled.with_answer("history", history)
        .with_answer("estimate", short)
        .with_answer("certify", certified)
    )
    empty = (
        MemberData()
        .with_answer("summary", none)
        .with_answer("accounts", PersonalAccounts())
        .with_answer("benefits", [])
        .with_answer("history", [])
    )
    cases = [
        ("menu", Page.MENU, filled),
        ("insurance", Page.INSURANCE, filled),
        ("card_services", Page.CARD_SERVICES, filled),
        ("accounts", Page.ACCOUNTS, filled),
        ("estimate", Page.ESTIMATE, filled),
        ("history", Page.HISTORY, more),
        ("estimate-short", Page.ESTIMATE, more),
        ("certified", Page.CERTIFY, more),
        ("history-empty", Page.HISTORY, filled),
        ("history-gap", Page.HISTORY, filled.with_answer("history", gap)),
        ("benefits-empty", Page.BENEFITS, filled),
        ("insurance-empty", Page.INSURANCE, empty),
        ("accounts-empty", Page.ACCOUNTS, empty),
    ]
    problems: dict[str, list[str]] = {}
    for mode in ("zh", "en-large", "zh-large"):
        app.lang = "en" if mode == "en-large" else "zh"
        app.large_text = mode.endswith("-large")
        for name, page, data in cases:
            t0 = time.perf_counter()
            app.apply_state(SessionState(page=page, holder=holder, pin_verified=True, data=data))
            out.setdefault("apply_ms", {})[f"{name}-{mode}"] = (time.perf_counter() - t0) * 1000
            yield from settle(app, 0.4)
            shot(f"pictures-{name}-{mode}")
            problems[f"{name}-{mode}"] = layout_check.problems(
                app.sm.current_screen, app.large_text
            )
            ids = screen(app, page.value).ids
            if name == "card_services":  # its entries as tiles with icons, as the menu's
                out[f"card_tiles_{mode}"] = [
                    [ids[k].icon, ids[k].vertical, ids[k].icon_box[2] > 0]
                    for k in ("change_pin", "report_loss")
                ]
            if name == "menu":
                # the name once: in the header, masked; the greeting does not repeat it
                out[f"greeting_{mode}"] = [
                    ids.greeting.text,
                    screen(app, "menu").header.member_name,
                ]
                out[f"tile_icons_{mode}"] = {
                    k: ids[k].icon
                    for k in (
                        "insurance",
                        "history",
                        "accounts",
                        "print",
                        "pay",
                        "card_services",
                        "estimate",
                        "benefits",
                        "services",
                    )
                }
                out[f"tile_icon_drawn_{mode}"] = all(
                    ids[k].icon_box[2] > 0 for k in ("insurance", "services")
                )
            if name == "insurance":
                cards = list(reversed(ids.rows.children))
                out[f"cards_{mode}"] = len(cards)
                rings = [
                    w
                    for c in cards
                    for w in c.walk(restrict=True)
                    if type(w).__name__ == "TimeRing"
                ]
                out[f"rings_{mode}"] = [(r.remaining, r.total, r.text) for r in rings]
                out[f"stripes_{mode}"] = [list(c.status_color) for c in cards]
            if name == "accounts":
                out[f"chart_{mode}"] = [list(v) for v in ids.chart.values]
                out[f"chart_selected_{mode}"] = [ids.chart.selected, ids.chart.selected_text]
            if name == "estimate-short":
                out[f"short_{mode}"] = [
                    screen(app, "estimate").eligible,
                    ids.monthly.text,
                    ids.total_legend.text,
                    ids.chart_row.height,
                ]
            if name == "certified":
                out[f"certified_{mode}"] = [
                    ids.mark.text,
                    ids.result.text,
                    ids.next_step.text,
                    ids.slip.text,
                    ids.slip.icon_box[2] > 0,
                ]
            if name == "history":
                # every cell's texture shows ink (a shared texture once filled from a recycled
                # cell's later text came out blank, drawn black, after a text-size switch)
                cells = [c for c in ids.table.ids.body_layout.children if c.text]
                out[f"history_{mode}"] = [
                    len(ids.table.data_rows),
                    [list(v) for v in ids.chart.values],
                    ids.prev_year.icon_box[2] > 0,
                    [c.text for c in cells if not any(c.texture.pixels[3::4])],
                ]
            if name == "history-gap":
                # the year with none of the scheme's months: the empty state, not the table
                out[f"gap_{mode}"] = [
                    _shown(ids.table),
                    ids.empty.icon,
                    ids.empty.text,
                    ids.empty.icon_box[2] > 0 and _shown(ids.empty),
                    ids.year.text,
                    [list(v) for v in ids.chart.values],
                ]
                # the other tab: that year's months in the table again
                medical = next(t for t in ids.tabs.children if t.scheme.value == "medical")
                tap(medical)
                yield from settle(app, 0.4)
                out[f"gap_medical_{mode}"] = [
                    _shown(ids.table),
                    len(ids.table.data_rows),
                    _shown(ids.empty),
                ]
            if name == "estimate":
                out[f"estimate_share_{mode}"] = screen(app, "estimate").account_share
                out[f"estimate_legend_{mode}"] = [
                    ids.basic_legend.text,
                    ids.account_legend.text,
                    ids.total_legend.text,
                ]
                out[f"assumptions_{mode}"] = ids.assumptions.text
            if name.endswith("-empty"):
                label = ids["empty"] if "empty" in ids and ids["empty"].text else ids["status"]
                out[f"empty_{name}_{mode}"] = [label.icon, label.text, label.icon_box[2] > 0]
    out["problems"] = {k: v for k, v in problems.items() if v}
    out["slow_callbacks"] = app.frames.slow_callbacks
    app.apply_state(SessionState())
    yield from settle(app, 0.3)
