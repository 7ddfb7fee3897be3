"""Scenarios on the attract screen (run inside the app by tests/ui/driver.py)."""

from __future__ import annotations

from tests.ui.kivy_helpers import shot, tap, widget

TEXT_IDS = (
    "title",
    "hint",
    "services",
    "app_title",
    "terminal",
    "language_button",
    "large_text_button",
)


def texts(app) -> dict[str, str]:
    return {i: widget(app, i, "attract").text for i in TEXT_IDS}


def switch_language_and_size(app, out):
    yield 0.3
    out["start"] = {
        "lang": app.lang,
        "texts": texts(app),
        "title_font": widget(app, "title").font_size,
        "title_height": widget(app, "title").height,
    }
    out["shot_zh"] = shot("attract-zh")
    tap(widget(app, "language_button"))
    yield 0.3
    out["after_language_tap"] = {"lang": app.lang, "texts": texts(app)}
    out["shot_en"] = shot("attract-en")
    tap(widget(app, "large_text_button"))
    yield 0.3
    out["after_large_tap"] = {
        "large_text": app.large_text,
        "texts": texts(app),
        "title_font": widget(app, "title").font_size,
        "title_height": widget(app, "title").height,
        "button_height": widget(app, "language_button").height,
    }
    out["shot_large"] = shot("attract-en-large")
    tap(widget(app, "language_button"))
    yield 0.3
    out["back_to_zh"] = {"lang": app.lang, "texts": texts(app)}
