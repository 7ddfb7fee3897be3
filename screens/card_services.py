"""Card services: card status, change PIN, report the card lost (临时挂失).

Without the card (issue 17): in the ID card's full session (ID card + face check) the page
offers the loss report only, asked twice (the card stops working at once); the back office
finds the member's card (RequestName.REPORT_LOSS_ID)."""

from __future__ import annotations

import math

from kivy.core.text import Label as CoreLabel
from kivy.core.text.text_layout import layout_text
from kivy.properties import BooleanProperty

from kiosk.domain import mask_card_number
from kiosk.session.intents import RequestName
from kiosk.session.machine import Navigate, Page, Request, SessionState
from screens.base import KioskScreen


def widest_line(text: str, font_size: float, bold: bool, room: float) -> float:
    """The width of the widest line of `text` wrapped to `room` px, as a label draws it (a
    wrapped label's texture is as wide as its room, whatever its lines take)."""
    label = CoreLabel(text=text, font_size=font_size, bold=bold)
    label.resolve_font_name()
    options = dict(label.options, space_width=label.get_extents(" ")[0], text_size=(room, None))
    width, _h, _clipped = layout_text(
        text, [], (0, 0), (room, None), options, label.get_cached_extents(), True, True
    )
    return float(width)


class CardServicesScreen(KioskScreen):
    id_session = BooleanProperty(False)  # no card in the reader: the loss report without it
    confirming = BooleanProperty(False)  # "report lost" tapped once (ID session)
    loss_reported = BooleanProperty(False)  # done without the card: nothing more to tap

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)

    def on_pre_enter(self, *_a) -> None:
        self.confirming = False

    def show(self, state: SessionState) -> None:
        self.id_session = state.id_scope is not None
        self.lost = state.data.report_loss_id
        self.loss_reported = self.lost is not None
        self.lost_error = state.errors.get("report_loss_id")
        self.lost_said = state.said.get("report_loss_id")
        self.reporting = RequestName.REPORT_LOSS_ID in state.loading
        self.record = state.data.report_loss or state.data.card_status
        self.error = state.errors.get("report_loss") or state.errors.get("card_status")
        self._render()

    def help_width(self, label, inner: float, text: str, font_size: float, icon: float) -> float:
        """The help card's label as wide as its icon and words take (at most the card's
        `inner` width), so that, centred in the card, the pair is one group in its middle."""
        room = inner - 2 * label.padding_x - (icon + label.spacing if icon else 0)
        if not text or room <= 0:
            return inner
        used = math.ceil(min(room, widest_line(text, font_size, label.bold, room))) + 1
        return inner - max(0.0, room - used)

    def change_pin(self) -> None:
        self.kiosk.post(Navigate(Page.CHANGE_PIN))

    def report_loss(self) -> None:
        if not self.id_session:
            self.kiosk.post(Request(RequestName.REPORT_LOSS))
        elif getattr(self, "lost", None) is None and not getattr(self, "reporting", False):
            if not self.confirming:
                self.confirming = True
                self._render()
                return
            self.confirming = False
            self.kiosk.post(Request(RequestName.REPORT_LOSS_ID))

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        ids = self.ids
        if self.id_session:
            self._render_without_card()
            return
        ids.note.text = ""
        ids.report_loss.text = tr("card_services.report_loss")
        rec = getattr(self, "record", None)
        if rec is None:
            ids.status.text = tr(getattr(self, "error", None) or "common.loading")
            return
        status = rec.status.zh if lang == "zh" else rec.status.en
        ids.status.text = tr("card_services.status", status=status)

    def _render_without_card(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        ids = self.ids
        lost = getattr(self, "lost", None)
        ids.note.text = ""
        ids.report_loss.text = tr("loss_id.confirm" if self.confirming else "loss_id.report")
        if lost is not None:
            ids.status.text = tr("loss_id.done", card=mask_card_number(lost.card_number))
            ids.note.text = tr("loss_id.confirm_note")
            return
        ids.status.text = tr("loss_id.intro")
        said = getattr(self, "lost_said", None)
        error = getattr(self, "lost_error", None)
        if error is not None:
            ids.note.text = said.in_language(lang) if said else tr(error)
        elif self.confirming:
            ids.note.text = tr("loss_id.confirm_note")
