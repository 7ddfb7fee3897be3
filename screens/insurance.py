"""My insurance (参保信息): a card per scheme with its status in colour and words, since when,
who pays and the months paid; a pension scheme's card has a ring towards the 15-year
minimum. Nothing enrolled: an icon and a sentence, not an empty grid."""

from __future__ import annotations

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


class InsuranceScreen(KioskScreen):
    def show(self, state: SessionState) -> None:
        self.member = state.data.summary
        self.error = state.errors.get("summary")
        self._render()

    def on_kv_post(self, base_widget) -> None:
        self.kiosk.watch_language(self._render)

    def _render(self) -> None:
        box = self.ids.rows
        box.clear_widgets()
        tr = self.kiosk.tr
        member = getattr(self, "member", None)
        status = self.ids.status
        if member is None:
            error: str | None = getattr(self, "error", None)
            status.icon = "error" if error else "clock"
            status.text = tr(error) if error else tr("common.loading")
            return
        status.icon = "" if member.enrolments else "empty"
        status.text = "" if member.enrolments else tr("insurance.empty")
        for e in member.enrolments:
            box.add_widget(self._card(e))

    def _card(self, e: Enrolment) -> BoxLayout:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        colour, mark = STATUS_LOOK.get(e.status, (theme.TEXT_MUTED_ON_SURFACE, "info"))
        card = Factory.Card(
            icon=SCHEME_ICON.get(e.scheme, "insurance"),
            title=e.scheme.name_in(lang),
            status_color=colour,
        )
        row = BoxLayout(spacing=dp(theme.SPACE_M), size_hint_y=None)
        words = BoxLayout(orientation="vertical", spacing=dp(theme.SPACE_S), size_hint_y=None)
        words.bind(minimum_height=words.setter("height"))
        words.add_widget(
            IconLabel(
                icon=mark,
                text=e.status.zh if lang == "zh" else e.status.en,
                color=colour,
                bold=True,
                halign="left",
                padding_x=0,
                padding_y=0,
            )
        )
        payer = e.employer or tr("common.individual")
        for line in (
            tr("insurance.since", since=str(e.since)),
            payer,
            tr("insurance.months", months=e.cumulative_months),
        ):
            words.add_widget(Factory.SurfaceLabel(text=line, font_size=theme.font("body")))
        row.add_widget(words)
        progress = e.pension_progress
        if progress is not None:
            pct = int(progress * 100)
            ring_box = BoxLayout(
                orientation="vertical",
                size_hint=(None, None),
                spacing=dp(theme.SPACE_S),
            )
            ring = TimeRing(
                remaining=min(e.cumulative_months, PENSION_MINIMUM_MONTHS),
                total=PENSION_MINIMUM_MONTHS,
                text=f"{pct}%",
                color=theme.OK,
                text_color=theme.TEXT_ON_SURFACE,
                track_color=theme.TABLE_HEADER,
                pos_hint={"center_x": 0.5},
            )
            # room for "100%" inside the ring at any text size
            ring.size = [max(dp(96), float(ring.font_size) * 3.8)] * 2
            caption = Label(
                text=tr("insurance.reached")
                if pct >= 100
                else tr(
                    "insurance.ring", months=e.cumulative_months, minimum=PENSION_MINIMUM_MONTHS
                ),
                color=theme.TEXT_MUTED_ON_SURFACE,
                font_size=theme.font("caption"),
                halign="center",
                valign="top",
                size_hint_y=None,
            )
            caption.bind(
                width=lambda w, v: setattr(w, "text_size", (v, None)),
                texture_size=lambda w, ts: setattr(w, "height", ts[1]),
            )
            ring_box.add_widget(ring)
            ring_box.add_widget(caption)
            ring_box.width = dp(220)

            def fit(*_a: object, box=ring_box, ring=ring, caption=caption) -> None:
                box.height = ring.height + box.spacing + caption.height

            ring.bind(height=fit)
            caption.bind(height=fit)
            fit()
            row.add_widget(ring_box)

            def row_height(*_a: object, row=row, words=words, box=ring_box) -> None:
                row.height = max(words.height, box.height)

            words.bind(height=row_height)
            ring_box.bind(height=row_height)
            row_height()
        else:
            words.bind(height=row.setter("height"))
            row.height = words.height
        card.add_widget(row)
        return card
