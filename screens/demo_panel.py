"""The demo's hardware panel (demo mode only): play the member's hands and the hall's faults.

Buttons insert a demo card, remove it, place a resident ID card on the emulated ID-card reader
or take it away, run the receipt printer out of paper, take the back office down, and choose
who stands in front of the emulated camera (the face check). Each action runs on a worker thread: the emulator and the back office take a
moment, and the UI thread never waits for them.
"""

from __future__ import annotations

import threading
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from screens import wake

# Who stands in front of the emulated camera (kiosk.devices.camera.emulated set_subject).
CAMERA_SUBJECTS = (
    ("镜头前：本人 / the member", "member"),
    ("镜头前：他人 / someone else", "someone_else"),
    ("镜头前：照片 / a photo", "photo"),
    ("镜头前：无人 / no face", "no_face"),
)


def set_camera_subject(subject: str) -> str:
    """The emulated camera's subject, from now on (the kiosk's face check reads it)."""
    app: Any = App.get_running_app()
    identity = getattr(app.controller, "identity", None) if app is not None else None
    camera = getattr(identity, "camera", None)
    if camera is None or not hasattr(camera, "set_subject"):
        raise RuntimeError("no emulated camera ([camera] kind = emulated)")
    camera.set_subject(subject)
    return subject


# The emulated ID-card reader's cards on the panel (kiosk/devices/idcard/cards/, docs/idcard.md):
# showcase members (the seeded profiles give name and number), and cards that open nothing.
ID_CARDS = (
    ("showcase-1", "可缴费 / can pay"),
    ("showcase-3", "退休 / retiree"),
    ("showcase-5", "社保卡挂失 / card lost"),
    ("showcase-0", "欠费 / arrears"),
    ("showcase-2-expired", "过期 / expired"),
    ("stranger", "未参保 / unknown"),
    ("bad-check-digit", "校验位错 / bad check digit"),
)


def idcard_reader() -> Any:
    """The kiosk's emulated ID-card reader ([idcard_reader] kind = emulated), or None."""
    app: Any = App.get_running_app()
    entry = getattr(getattr(app, "controller", None), "id_entry", None)
    reader = getattr(entry, "reader", None)
    return reader if hasattr(reader, "place") else None


def idcard_label(reader: Any, name: str, note: str) -> str:
    """The button's text, e.g. "身份证 张三 · 可缴费": the name as the reader will serve it."""
    from kiosk.devices.idcard.emulated import IdCardFileError, load_card

    try:
        holder = load_card(reader.cards_dir / f"{name}.toml", reader.profiles_dir).fields["name"]
    except IdCardFileError:  # its seeded profile is not there (yet): the file's name
        holder = name
    return f"身份证 {holder} · {note}"


def place_idcard(name: str) -> str:
    reader = idcard_reader()
    if reader is None:
        raise RuntimeError("no emulated ID-card reader ([idcard_reader] kind = emulated)")
    reader.place(name)
    return name


def take_idcard() -> bool:
    reader = idcard_reader()
    if reader is None:
        raise RuntimeError("no emulated ID-card reader ([idcard_reader] kind = emulated)")
    reader.remove()
    return True


class DemoPanel(BoxLayout):
    status = StringProperty("")

    def __init__(self, hardware: Any, **kw) -> None:
        super().__init__(**kw)
        self.hw = hardware
        cards = self.ids.cards
        for label, profile in hardware.cards:
            b = Factory.DemoButton(text=label)
            b.bind(
                on_release=lambda _b, p=profile, t=label: self.run(f"插卡 {t}", self.hw.insert, p)
            )
            cards.add_widget(b)
        for label, subject in CAMERA_SUBJECTS:
            b = Factory.DemoButton(text=label)
            b.bind(on_release=lambda _b, s=subject, t=label: self.run(t, set_camera_subject, s))
            self.ids.camera.add_widget(b)
        reader = idcard_reader()
        for name, note in ID_CARDS if reader is not None else ():
            label = idcard_label(reader, name, note)
            b = Factory.DemoButton(text=label)
            b.bind(on_release=lambda _b, n=name, t=label: self.run(f"放 {t}", place_idcard, n))
            self.ids.idcards.add_widget(b)

    def run(self, what: str, fn: Any, *args: Any) -> None:
        self.status = f"{what}…"

        def work() -> None:
            try:
                result = fn(*args)
                text = f"{what}: {'是' if result is True else '否' if result is False else '完成'}"
            except Exception as e:  # shown on the panel; the demo goes on
                text = f"{what}: {type(e).__name__}: {e}"
            wake.call_soon(lambda: setattr(self, "status", text))

        threading.Thread(target=work, daemon=True).start()


def with_panel(kiosk_root: Widget, panel: DemoPanel, kiosk_width: int) -> BoxLayout:
    box = BoxLayout(orientation="horizontal")
    kiosk_root.size_hint_x = None
    kiosk_root.width = kiosk_width
    panel.size_hint_x = None
    panel.width = dp(300)
    box.add_widget(kiosk_root)
    box.add_widget(panel)
    return box
