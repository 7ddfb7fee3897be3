"""Run in a fresh process under a display: registers the kiosk's fonts as the app does, renders
text and icons with Kivy, and writes what it saw as JSON (tests/ui/test_design_system.py).

    python -m tests.ui.design_probe OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from kiosk.config import DEFAULT_CONFIG, load_config
from screens import bootstrap


def ink(texture) -> int:
    """Pixels of a rendered text texture with more than half coverage."""
    return sum(1 for a in texture.pixels[3::4] if a > 128)


def main(out: Path) -> None:
    bootstrap.prepare_environment()
    cfg = load_config(DEFAULT_CONFIG)
    faces = bootstrap.register_font(cfg.ui.font_path)
    icon_font = bootstrap.register_icon_font()

    from kivy.core.text import Label as CoreLabel
    from kivy.core.window import Window  # noqa: F401  (a GL context for textures)
    from kivy.lang import Builder
    from kivy.metrics import Metrics, dp

    from screens import icons, theme
    from screens.fonts import ICON_FONT_NAME
    from screens.widgets import IconButton, IconLabel

    def render(text: str, **kw):
        lbl = CoreLabel(text=text, font_size=40, **kw)
        lbl.refresh()
        lbl.resolve_font_name()
        return lbl

    seen: dict = {"faces": {"family": faces.family, "regular": str(faces.regular)}}
    seen["faces"]["bold"] = str(faces.bold)
    sample = "请取走凭条和社保卡 Take your card 0123"
    regular, bold = render(sample), render(sample, bold=True)
    seen["regular"] = {"file": regular.options["font_name_r"], "ink": ink(regular.texture)}
    seen["bold"] = {"file": bold.options["font_name_r"], "ink": ink(bold.texture)}

    seen["icon_font"] = icon_font
    notdef = render(chr(0x10FFFD), font_name=ICON_FONT_NAME)
    notdef_pixels = bytes(notdef.texture.pixels)
    seen["icons"] = {}
    for name, icon in icons.ICONS.items():
        lbl = render(chr(icon.codepoint), font_name=ICON_FONT_NAME)
        seen["icons"][name] = {
            "ink": ink(lbl.texture),
            "is_notdef": bytes(lbl.texture.pixels) == notdef_pixels,
        }

    Builder.load_file(str(Path(bootstrap.__file__).with_name("common.kv")))
    button = IconButton(icon="print", text="打印 Print", width=dp(400))
    button.relayout()
    seen["button"] = {
        "height": button.height,
        "min_target": dp(theme.TARGET_DP),
        "icon_box": list(button.icon_box),
        "text_box": list(button.text_box),
        "width": button.width,
        "font_size": button.font_size,
        "glyph": icons.glyph("print"),
    }
    long_text = "打印参保缴费凭证（个人权益记录单）Print the record of your rights"
    narrow = IconButton(icon="receipt", text=long_text, width=dp(300), kind="secondary")
    narrow.relayout()
    one_line = IconButton(icon="receipt", text="打印", width=dp(300), kind="secondary")
    one_line.relayout()
    seen["narrow"] = {
        "width": narrow.width,
        "height": narrow.height,
        "text_box": list(narrow.text_box),
        "one_line_height": one_line.height,
        "one_line_text_h": one_line.text_box[3],
    }
    tile = IconButton(icon="history", text="缴费记录", vertical=True, width=dp(240))
    tile.relayout()
    seen["tile"] = {"icon_box": list(tile.icon_box), "text_box": list(tile.text_box)}
    label = IconLabel(icon="success", text="缴费成功", color=theme.OK, width=dp(400))
    label.relayout()
    seen["label"] = {"height": label.height, "icon_box": list(label.icon_box)}

    # Large-text mode is live: the kv "NNsp" size follows Metrics.fontscale.
    Metrics.fontscale = theme.LARGE_TEXT_SCALE
    seen["button"]["font_size_large"] = button.font_size

    icons.font_ready = False  # as without fonts-material-design-icons-iconfont
    bare = IconButton(icon="print", text="打印", width=dp(400))
    bare.relayout()
    seen["bare"] = {"icon_box": list(bare.icon_box), "text_box": list(bare.text_box)}

    out.write_text(json.dumps(seen, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
