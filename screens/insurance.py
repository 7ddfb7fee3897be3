"""My insurance (参保信息): each scheme, its status, since when, who pays, months paid."""

from __future__ import annotations

from kivy.uix.label import Label

from kiosk.session.machine import SessionState
from screens import theme
from screens.base import KioskScreen


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
        tr, lang = self.kiosk.tr, self.kiosk.lang
        member = getattr(self, "member", None)
        if member is None:
            error: str | None = getattr(self, "error", None)
            self.ids.status.text = tr(error) if error else tr("common.loading")
            return
        self.ids.status.text = "" if member.enrolments else tr("common.none")
        items = []
        for e in member.enrolments:
            status = e.status.zh if lang == "zh" else e.status.en
            payer = e.employer or tr("common.individual")
            lines = [
                f"[b]{e.scheme.name_in(lang)}[/b]　{status}",
                f"{tr('insurance.since', since=str(e.since))}　·　{payer}",
                tr("insurance.months", months=e.cumulative_months),
            ]
            progress = e.pension_progress
            if progress is not None:
                pct = int(progress * 100)
                lines.append(
                    tr("insurance.reached") if pct >= 100 else tr("insurance.progress", pct=pct)
                )
            items.append(lines)
        # Every item as many lines as the longest (the pension's has its 15-year line): the
        # grid's rows then start their items on the same line instead of one sitting lower.
        tallest = max((len(lines) for lines in items), default=0)
        for lines in items:
            lbl = Label(
                text="\n".join(lines + [" "] * (tallest - len(lines))),
                markup=True,
                color=theme.TEXT_ON_SURFACE,
                font_size="20sp",
                size_hint_y=None,
                halign="left",
                valign="top",
            )
            lbl.bind(
                width=lambda w, v: setattr(w, "text_size", (v - 20, None)),
                texture_size=lambda w, ts: setattr(w, "height", ts[1] + 16),
            )
            box.add_widget(lbl)
