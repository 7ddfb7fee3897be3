"""My insurance (参保信息): a card per scheme with its status in colour and words, since when,
who pays and the months paid; a pension scheme's card has a ring towards the 15-year
minimum. Nothing enrolled: an icon and a sentence, not an empty grid."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.domain import Scheme
from kiosk.domain.records import PENSION_MINIMUM_MONTHS, Enrolment, EnrolmentStatus
from kiosk.session.machine import SessionState
from screens import theme
from screens.base import KioskScreen
from screens.widgets import IconLabel, TimeRing

# The status stripe's colour and the icon beside its words (colour is never the only sign).
STATUS_LOOK = {
    EnrolmentStatus.ACTIVE: (theme.OK, "success"),
    EnrolmentStatus.SUSPENDED: (theme.WARNING, "warning"),
    EnrolmentStatus.TERMINATED: (theme.TEXT_MUTED_ON_SURFACE, "failure"),
}
SCHEME_ICON = {
    Scheme.PENSION: "insurance",
    Scheme.RESIDENT_PENSION: "insurance",
    Scheme.MEDICAL: "medical",
    Scheme.RESIDENT_MEDICAL: "medical",
    Scheme.UNEMPLOYMENT: "unemployment",
    Scheme.WORK_INJURY: "work",
    Scheme.MATERNITY: "person",
}


class SchemeCard:
    """One scheme's card, built once and filled again for each member (building a Card with its
    labels and ring took the page 52-72 ms of one main-thread callback; filling texts into the
    ones already built takes a few, and a text unchanged is not drawn again)."""

    def __init__(self) -> None:
        self.card = Factory.Card()
        row = BoxLayout(spacing=dp(theme.SPACE_M), size_hint_y=None)
        words = BoxLayout(orientation="vertical", spacing=dp(theme.SPACE_S), size_hint_y=None)
        words.bind(minimum_height=words.setter("height"))
        self.status = IconLabel(bold=True, halign="left", padding_x=0, padding_y=0)
        words.add_widget(self.status)
        self.lines = [
            Factory.SurfaceLabel(font_size=theme.font("body")) for _ in range(3)
        ]  # since when, who pays, months paid
        for line in self.lines:
            words.add_widget(line)
        row.add_widget(words)
        self.ring = TimeRing(
            total=PENSION_MINIMUM_MONTHS,
            color=theme.OK,
            text_color=theme.TEXT_ON_SURFACE,
            track_color=theme.TABLE_HEADER,
            pos_hint={"center_x": 0.5},
        )

        def ring_size(*_a: object, ring=self.ring) -> None:
            # room for "100%" inside the ring at any text size
            ring.size = [max(dp(96), float(ring.font_size) * 3.8)] * 2

        self.ring.bind(font_size=ring_size)
        ring_size()
        self.caption = Label(
            color=theme.TEXT_MUTED_ON_SURFACE,
            font_size=theme.font("caption"),
            halign="center",
            valign="top",
            size_hint_y=None,
        )
        self.caption.bind(
            width=lambda w, v: setattr(w, "text_size", (v, None)),
            texture_size=lambda w, ts: setattr(w, "height", ts[1]),
        )
        # the ring and its caption: only on a pension scheme's card (taken out of the row else)
        self.ring_box = BoxLayout(
            orientation="vertical", size_hint=(None, None), spacing=dp(theme.SPACE_S)
        )
        self.ring_box.width = dp(220)
        self.ring_box.add_widget(self.ring)
        self.ring_box.add_widget(self.caption)

        def fit(*_a: object, box=self.ring_box, ring=self.ring, caption=self.caption) -> None:
            box.height = ring.height + box.spacing + caption.height

        self.ring.bind(height=fit)
        self.caption.bind(height=fit)
        fit()

        def row_height(*_a: object, row=row, words=words, box=self.ring_box) -> None:
            row.height = max(words.height, box.height if box.parent is row else 0)

        self._row_height = row_height
        words.bind(height=row_height)
        self.ring_box.bind(height=row_height)
        self.row = row
        self.card.add_widget(row)

    def fill(self, e: Enrolment, tr, lang: str) -> None:
        colour, mark = STATUS_LOOK.get(e.status, (theme.TEXT_MUTED_ON_SURFACE, "info"))
        card = self.card
        card.icon = SCHEME_ICON.get(e.scheme, "insurance")
        card.title = e.scheme.name_in(lang)
        card.status_color = colour
        self.status.icon = mark
        self.status.text = e.status.zh if lang == "zh" else e.status.en
        self.status.color = colour
        texts = (
            tr("insurance.since", since=str(e.since)),
            e.employer or tr("common.individual"),
            tr("insurance.months", months=e.cumulative_months),
        )
        for line, text in zip(self.lines, texts, strict=True):
            line.text = text
        progress = e.pension_progress
        if progress is None:
            if self.ring_box.parent is self.row:
                self.row.remove_widget(self.ring_box)
        else:
            pct = int(progress * 100)
            self.ring.remaining = min(e.cumulative_months, PENSION_MINIMUM_MONTHS)
            self.ring.text = f"{pct}%"
            self.caption.text = (
                tr("insurance.reached")
                if pct >= 100
                else tr(
                    "insurance.ring", months=e.cumulative_months, minimum=PENSION_MINIMUM_MONTHS
                )
            )
            if self.ring_box.parent is None:
                self.row.add_widget(self.ring_box)
        self._row_height()

    def clear(self) -> None:
        """Nothing of the last member left in a card off screen (the session ended)."""
        self.card.title = ""
        self.status.text = ""
        for line in self.lines:
            line.text = ""
        self.ring.text = self.caption.text = ""


class InsuranceScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self._cards: list[SchemeCard] = []  # built once, reused for every member
        self._drawn: tuple[object, ...] | None = None  # what the cards show now
        self.watch_language(self._render)
        # One card per scheme, one per frame while the kiosk idles: no member waits for one.
        Clock.schedule_interval(self._build_card, 0)

    def _build_card(self, _dt: float) -> bool:
        if len(self._cards) >= len(Scheme):
            return False
        self._cards.append(SchemeCard())
        return True

    def show(self, state: SessionState) -> None:
        self.member = state.data.summary
        self.error = state.errors.get("summary")
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        member = getattr(self, "member", None)
        error: str | None = getattr(self, "error", None)
        # The page is shown again on every change of the session's state: draw only a change.
        drawn = (member, error, lang)
        if drawn == self._drawn:
            return
        self._drawn = drawn
        box = self.ids.rows
        box.clear_widgets()
        status = self.ids.status
        if member is None:
            for card in self._cards:
                card.clear()
            status.icon = "error" if error else "clock"
            status.text = tr(error) if error else tr("common.loading")
            return
        status.icon = "" if member.enrolments else "empty"
        status.text = "" if member.enrolments else tr("insurance.empty")
        while len(self._cards) < len(member.enrolments):
            self._cards.append(SchemeCard())
        for card, e in zip(self._cards, member.enrolments, strict=False):
            card.fill(e, tr, lang)
            box.add_widget(card.card)
