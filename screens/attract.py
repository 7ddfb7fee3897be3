"""The attract screen: "please insert your social security card" (or lay the ID card on the
reader, when there is one)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty

from screens.base import KioskScreen


class AttractScreen(KioskScreen):
    # An ID-card reader is configured: the page names both ways in and what each allows.
    idcard = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        cfg = getattr(App.get_running_app(), "cfg", None)
        self.idcard = cfg is not None and cfg.idcard_reader.kind != "none"

    def is_drawn(self) -> bool:
        """True once the title's text has been rendered to a texture."""
        title = self.ids.get("title")
        return bool(title is not None and title.texture is not None and title.texture.width > 0)
