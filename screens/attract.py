"""The attract screen: "please insert your social security card" (or lay the ID card on the
reader, when there is one); 暂停服务 with the reason and the counter to go to while the card
reader or the back office is missing, a notice while only the A4 printer is (app.health,
kiosk.health)."""

from __future__ import annotations

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.widget import Widget

from kiosk.health import BACKOFFICE, READER, Health
from screens.base import KioskScreen


class CardPicture(Widget):
    """The card going into the slot (drawn in attract.kv); `k` scales it to its box."""

    k = NumericProperty(1.0)


class AttractScreen(KioskScreen):
    # An ID-card reader is configured: the page names both ways in and what each allows.
    idcard = BooleanProperty(False)

    def on_kv_post(self, base_widget) -> None:
        cfg = getattr(App.get_running_app(), "cfg", None)
        self.idcard = cfg is not None and cfg.idcard_reader.kind != "none"

    def why(self, health: Health, _lang: str) -> str:
        """The reason in the member's words: which of the needed devices is missing."""
        app = App.get_running_app()
        keys = {READER: "attract.reader_missing", BACKOFFICE: "attract.backoffice_missing"}
        return "\n".join(app.tr(keys[n]) for n in health.missing if n in keys)

    def spoken_words(self) -> str:
        """What its 朗读 button reads: the invitation as shown (insert the card, how, the ID
        card's way in), or 暂停服务 with why and the counter; only the lines on screen now."""
        app = App.get_running_app()
        ids = self.ids
        lines = [ids[k].text for k in ("title", "hint", "idcard_or", "print_notice")]
        if not app.in_service:
            lines += [ids.counter.text, ids.back_by_itself.text]
        said = [" ".join(t.split()) for t in lines if t.strip()]
        return app.tr("voice.pause").join(said)

    def is_drawn(self) -> bool:
        """True once the title's text has been rendered to a texture."""
        title = self.ids.get("title")
        return bool(title is not None and title.texture is not None and title.texture.width > 0)
