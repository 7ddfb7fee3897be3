"""Print: choose the document and its range, preview page 1, print, see the outcome."""

from __future__ import annotations

import logging
import threading

from kivy.core.image import Image as CoreImage
from kivy.core.image import ImageLoader
from kivy.properties import StringProperty
from kivy.uix.image import Image

from kiosk.session.intents import RequestName
from kiosk.session.machine import Request, SessionState
from screens import wake
from screens.base import KioskScreen

RANGES = {
    "rights_record": ("this_year", "last_year", "last_3_years", "all_years"),
    "participation": ("12", "24", "36", "48"),
}


def header_step(previewed: bool, printing: bool, printed: bool) -> int:
    """The header's step (选择 → 预览 → 打印 → 取件): where the member is with the document."""
    return 3 if printed else 2 if printing else 1 if previewed else 0


def print_result(asked: bool, loading: frozenset, errors: dict, printed: bool) -> str:
    """The result card's state: "ok" (printed), "failed" (the printer refused or failed) or
    "" (nothing printed yet on this visit, or still printing)."""
    if not asked or "print_submit" in loading:
        return ""
    if "print_submit" in errors:
        return "failed"
    return "ok" if printed else ""


log = logging.getLogger(__name__)


class PreviewImage(Image):
    """Page 1 of the document, fitted in its panel (drawn without a clip: see print.kv). Its
    PNG is decoded on a worker thread (3-5 ms); the main thread only uploads the pixels.
    `settled` is the path whose decoding is over (shown, or unreadable): the page shows the
    preview's words with its picture, in one frame, not the words a frame before."""

    path = StringProperty("")
    settled = StringProperty("")

    def on_path(self, _w: object, path: str) -> None:
        self.texture = None
        self.settled = ""
        if path:
            # The page's words wait for the picture (below); nothing is drawn meanwhile.
            wake.frame_hold.hold(waiting=lambda: self.path == path and self.settled != path)
            threading.Thread(
                target=self._decode, args=(path,), name="preview-decode", daemon=True
            ).start()

    def _decode(self, path: str) -> None:
        pixels = None
        try:
            pixels = ImageLoader.load(path, keep_data=True)  # no GL here: safe off the main thread
        except Exception as e:  # the page says the preview is ready; the picture stays empty
            log.warning("preview image unreadable: %s", type(e).__name__)
        else:
            if pixels is None:
                log.warning("preview image unreadable: no image loader for it")
        wake.call_soon(lambda: self._show(path, pixels))

    def _show(self, path: str, pixels: object | None) -> None:
        if path != self.path:  # a newer preview, or none, was asked for meanwhile
            return
        if pixels is not None:
            self.texture = CoreImage(pixels).texture
        self.settled = path


class PrintScreen(KioskScreen):
    result = StringProperty("")  # the result card: "ok", "failed" or "" (see print_result)
    kind = "rights_record"
    choice = "this_year"

    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
        self._state: SessionState | None = None
        self.ids.image.bind(settled=lambda *_a: self._render())

    def on_pre_enter(self, *_a) -> None:
        # A new visit: an earlier preview or result is not this one's.
        self.asked_preview = self.asked_print = False
        self._render()

    def pick_kind(self, kind: str) -> None:
        self.kind, self.choice = kind, RANGES[kind][0]
        self.asked_preview = self.asked_print = False
        self._render()

    def pick_range(self, index: int) -> None:
        self.choice = RANGES[self.kind][index]
        self.asked_preview = self.asked_print = False
        self._render()

    def params(self) -> dict:
        if self.kind == "participation":
            return {"kind": "participation", "months": int(self.choice)}
        summary = self._state.data.summary if self._state else None
        year = summary.as_of.year if summary else 0
        first = {"this_year": year, "last_year": year - 1, "last_3_years": year - 2}.get(
            self.choice,
            min((e.since.year for e in summary.enrolments), default=year) if summary else year,
        )
        last = year - 1 if self.choice == "last_year" else year
        return {"kind": "rights_record", "first_year": first, "last_year": last}

    def preview(self) -> None:
        self.asked_preview, self.asked_print = True, False
        self.kiosk.post(Request(RequestName.PRINT_PREVIEW, self.params()))
        self._render()

    def print_document(self) -> None:
        self.asked_print = True
        self.kiosk.post(Request(RequestName.PRINT_SUBMIT))
        self._render()

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def _render(self) -> None:
        tr = self.kiosk.tr
        st = self._state
        ids = self.ids
        ids.kind_record.label = tr("print.rights_record")
        ids.kind_cert.label = tr("print.participation")
        ids.kind_record.state = "down" if self.kind == "rights_record" else "normal"
        ids.kind_cert.state = "down" if self.kind == "participation" else "normal"
        for i, key in enumerate(RANGES[self.kind]):
            b = ids[f"range{i}"]
            b.label = tr("print.months", months=key) if key.isdigit() else tr(f"print.{key}")
            b.state = "down" if key == self.choice else "normal"
        preview = st.data.print_preview if st and getattr(self, "asked_preview", False) else None
        loading = st.loading if st else frozenset()
        errors = st.errors if st else {}
        ids.image.path = preview.image if preview else ""
        if preview is not None and ids.image.settled != preview.image:
            preview = None  # its picture is being decoded: words and picture come together
            loading = loading | {"print_preview"}
        ids.image.opacity = 1 if preview else 0
        ids.print_button.disabled = preview is None or "print_submit" in loading
        msg = ""
        if getattr(self, "asked_preview", False):
            if "print_preview" in loading:
                msg = tr("print.preparing")
            elif "print_preview" in errors:
                msg = tr(errors["print_preview"])
            elif preview:
                msg = tr("print.pages", title=preview.title, pages=preview.pages)
        if getattr(self, "asked_print", False):
            if "print_submit" in loading:
                msg = tr("print.printing")
            elif "print_submit" in errors:
                msg = tr(errors["print_submit"])
            elif st and st.data.print_submit:
                msg = tr("print.done", pages=st.data.print_submit.pages)
        self.result = print_result(
            getattr(self, "asked_print", False), loading, errors, bool(st and st.data.print_submit)
        )
        ids.message.text = msg
        self.step = header_step(
            preview is not None,
            getattr(self, "asked_print", False) and "print_submit" in loading,
            getattr(self, "asked_print", False) and bool(st and st.data.print_submit),
        )
