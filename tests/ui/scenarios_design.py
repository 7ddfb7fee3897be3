"""The design system's widgets inside the real app (tests/ui/test_design_system.py): a gallery
of IconButtons (every kind, tiles with the icon above) and IconLabels laid over the attract
screen, tapped with real touches, in standard and large text, with screenshots for review."""

from __future__ import annotations

from tests.helpers.kivy_ui import shot, tap, wait_until


def _gallery(app):
    from kivy.lang import Builder

    from screens import icons

    root = Builder.load_string(
        """
#:import theme screens.theme
FloatLayout:
    canvas.before:
        Color:
            rgba: theme.BACKGROUND
        Rectangle:
            pos: self.pos
            size: self.size
    BoxLayout:
        orientation: "vertical"
        padding: dp(theme.SPACE_L)
        spacing: dp(theme.TARGET_GAP_DP)
        GridLayout:
            id: tiles
            cols: 4
            spacing: dp(theme.TARGET_GAP_DP)
        BoxLayout:
            size_hint_y: None
            height: self.minimum_height
            spacing: dp(theme.TARGET_GAP_DP)
            IconButton:
                id: primary
                icon: "print"
                text: "打印凭证 Print"
                kind: "primary"
            IconButton:
                id: secondary
                icon: "back"
                text: "返回 Back"
                kind: "secondary"
            IconButton:
                id: danger
                icon: "card_loss"
                text: "挂失 Report loss"
                kind: "danger"
        IconLabel:
            id: ok
            icon: "success"
            text: "缴费成功，请取走凭条和社保卡"
            color: theme.ACCENT
            font_size: theme.font("heading")
            bold: True
        BoxLayout:
            size_hint_y: None
            height: max(pension.height, empty.height)
            spacing: dp(theme.TARGET_GAP_DP)
            Card:
                id: pension
                icon: "insurance"
                title: "城镇职工基本养老保险"
                status_color: theme.OK
                IconLabel:
                    icon: "success"
                    text: "正常缴费 · 累计 186 个月"
                    color: theme.OK
                    halign: "left"
                    padding_x: 0
            Card:
                id: empty
                IconLabel:
                    icon: "receipt"
                    text: "暂无缴费记录 No records yet"
                    color: theme.TEXT_MUTED_ON_SURFACE
        BoxLayout:
            size_hint_y: None
            height: max(steps.height, ring.height)
            spacing: dp(theme.SPACE_M)
            StepIndicator:
                id: steps
                steps: ["选择", "核对", "支付", "凭证"]
                current: 2
            TimeRing:
                id: ring
                remaining: 25
                total: 45
                text: "25秒"
            TimeRing:
                id: urgent_ring
                remaining: 8
                total: 45
                text: "8秒"
                urgent: True
        IconLabel:
            id: clock
            icon: "clock"
            text: "还剩 40 秒 · 40 s left"
            color: theme.TEXT_MUTED_ON_BACKGROUND
            font_size: theme.font("caption")
"""
    )
    tiles = [
        ("insurance", "我的参保"),
        ("history", "缴费记录"),
        ("account", "个人账户"),
        ("benefits", "待遇查询"),
        ("pay", "缴费"),
        ("estimate", "养老金测算"),
        ("certify", "资格认证"),
        ("card", "社保卡服务"),
    ]
    from screens.widgets import IconButton

    for name, text in tiles:
        root.ids.tiles.add_widget(
            IconButton(icon=name, text=text, vertical=True, kind="secondary", size_hint_y=1)
        )
    assert icons.font_ready
    app.root.add_widget(root)
    return root


def gallery(app, out):
    yield from wait_until(lambda: app.prebuilt, 30, "pages built")
    from kivy.graphics import RoundedRectangle

    from screens.solid_fill import default_texture

    # what a panel in the app is filled from, and how (screens/solid_fill.py)
    panel = RoundedRectangle(size=(10, 10))
    out["solid_fill"] = {
        "same_texture": panel.texture is default_texture(),
        "filters": [panel.texture.min_filter, panel.texture.mag_filter],
    }
    root = _gallery(app)
    pressed: list[str] = []
    for wid in ("primary", "secondary", "danger"):
        root.ids[wid].bind(on_release=lambda b, w=wid: pressed.append(w))
    yield 0.3
    boxes = {}
    for wid in ("primary", "secondary", "danger", "ok", "clock"):
        w = root.ids[wid]
        boxes[wid] = {
            "pos": list(w.to_window(*w.pos)),
            "size": list(w.size),
            "icon_box": list(w.icon_box),
            "text_box": list(w.text_box),
        }
    out["standard"] = {
        "boxes": boxes,
        "tiles": [[*t.to_window(*t.pos), *t.size] for t in root.ids.tiles.children],
    }
    cards = {}
    for wid in ("pension", "empty"):
        c = root.ids[wid]
        title = c.children[-1]  # the rule's title IconLabel comes first
        body = c.children[0]
        cards[wid] = {
            "size": list(c.size),
            "title_height": title.height,
            "title_text_box": list(title.text_box),
            "title_pos": [title.x - c.x, title.y - c.y],
            "body_pos": [body.x - c.x, body.y - c.y, body.width, body.height],
        }
    out["cards"] = cards
    steps, ring = root.ids.steps, root.ids.ring
    out["steps"] = {"boxes": list(steps.boxes), "size": list(steps.size)}
    out["ring"] = {"size": list(ring.size), "fraction": ring.fraction()}
    out["shot_standard"] = shot("design-gallery-zh")
    for wid in ("primary", "secondary", "danger"):
        tap(root.ids[wid])
        yield 0.1
    out["pressed"] = pressed
    app.toggle_large_text()  # what the attract page's 长辈模式 button does
    yield 0.5
    w = root.ids["primary"]
    out["large"] = {
        "font_size": w.font_size,
        "height": w.height,
        "text_box": list(w.text_box),
        "width": w.width,
        "tile_text": [[*list(t.text_box), t.width, t.height] for t in root.ids.tiles.children],
    }
    steps = root.ids.steps
    out["large"]["steps"] = {"boxes": list(steps.boxes), "size": list(steps.size)}
    out["large"]["ring"] = {
        "size": list(root.ids.ring.size),
        "font_size": root.ids.ring.font_size,
    }
    out["shot_large"] = shot("design-gallery-large")
