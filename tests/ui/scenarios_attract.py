"""Scenarios on the attract screen (run inside the app by tests/ui/driver.py)."""

from __future__ import annotations

from tests.helpers.kivy_ui import shot, tap, widget

TEXT_IDS = (
    "title",
    "hint",
    "services",
    "app_title",
    "terminal",
    "language_button",
    "large_text_button",
    "speaker",
)


class HeardVoice:
    """Stands in for the kiosk's voice: what the page asked to say, in which language."""

    def __init__(self) -> None:
        self.said: list[list] = []

    def say(self, text: str, language: str, interrupt: bool = True) -> None:
        self.said.append([language, text, interrupt])


def _read_aloud(app, out, tag: str) -> None:
    """Tap 朗读 (spoken off the UI thread) and check the page's layout as shown."""
    from tests.helpers.layout_check import problems

    tap(widget(app, "speaker"))
    out[f"layout_{tag}"] = problems(app.sm.get_screen("attract"), app.large_text)


def texts(app) -> dict[str, str]:
    return {i: widget(app, i, "attract").text for i in TEXT_IDS}


def switch_language_and_size(app, out):
    heard = HeardVoice()
    app.page_voice.voice = heard
    yield 0.3
    out["start"] = {
        "lang": app.lang,
        "texts": texts(app),
        "title_font": widget(app, "title").font_size,
        "title_height": widget(app, "title").height,
    }
    out["shot_zh"] = shot("attract-zh")
    _read_aloud(app, out, "zh")
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
    _read_aloud(app, out, "en-large")
    tap(widget(app, "language_button"))
    yield 0.3
    out["back_to_zh"] = {"lang": app.lang, "texts": texts(app)}
    out["heard"] = heard.said


def drawing_warm_ups(app, out):
    """What start-up prepares for the first member's frames, and table cells sharing textures."""
    from kivy.graphics import StencilPush

    from screens.shader_warmup import warmup_steps
    from screens.widgets import TableCell, forget_cell_textures
    from tests.helpers.kivy_ui import wait_until

    yield from wait_until(lambda: app.prebuilt, 20, "pages built")
    out["shader_steps_drawn"] = app.shader_steps_drawn
    out["shader_steps"] = len(warmup_steps())
    sm = app.sm.canvas
    out["page_manager_stencils"] = sum(
        isinstance(i, StencilPush) for g in (sm.before, sm.after) for i in g.children
    )
    # Two cells of one size: the same text shares one texture; a new text gets its own and
    # leaves the shared one as it was (Kivy would redraw a label's texture in place).
    a, b = TableCell(size=(120, 40)), TableCell(size=(120, 40))
    a.text = b.text = "4500.00"
    a.texture_update()
    b.texture_update()
    out["same_text_shares"] = a.texture is b.texture
    before = bytes(a.texture.pixels)
    shared = a.texture
    a.text = "✓ 已缴"
    a.texture_update()
    out["new_text_own_texture"] = a.texture is not shared
    out["shared_unchanged"] = bytes(shared.pixels) == before
    # A long employer name stays on its row's one line, shortened, in normal and large text.
    for name, scale in (("long_cell", 1.0), ("long_cell_large", 1.4)):
        app.large_text = scale > 1
        yield 0
        c = TableCell(size=(180, 40 * scale))
        c.text = "兴业餐饮管理集团有限公司第二分公司"
        c.texture_update()
        out[name] = {"fits": c.texture_size[1] <= c.height, "shortened": c.is_shortened}
    app.large_text = False
    out["shared_before_forget"] = len(TableCell._shared)
    forget_cell_textures()
    out["shared_after_forget"] = len(TableCell._shared)
    yield 0
