"""The retiree's annual certification (养老金领取资格认证): the status for the year (certified
on, due by, overdue with the pension suspended), "certify now" (the face page), and the result:
a clear success mark, the next due date and the slip, or why it failed."""

from __future__ import annotations

import datetime as dt

from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.certification import Certification, CertificationStatus
from kiosk.session.machine import FacePurpose, Navigate, Page, SessionState, StartFace
from screens.base import KioskScreen

# The certification's steps (the header): 查看状态 → 人脸识别 (the face page) → 认证 → 完成
STEPS = ("steps.status", "steps.face", "steps.certify", "steps.done")


def _day(d: dt.date) -> str:
    return d.isoformat()


def status_lines(c: Certification, tr) -> tuple[str, str]:
    """The status line and the line under it, for the page and the menu's reminder."""
    if c.status is CertificationStatus.CERTIFIED and c.last_certified is not None:
        return (
            tr("certify.certified", date=_day(c.last_certified)),
            tr("certify.next_due", date=_day(c.due_by)),
        )
    if c.status is CertificationStatus.OVERDUE:
        return tr("certify.overdue", date=_day(c.due_by)), tr("certify.resumes")
    if c.status is CertificationStatus.NEVER_CERTIFIED:
        return tr("certify.never", date=_day(c.due_by)), ""
    return tr("certify.due", date=_day(c.due_by)), ""


class CertifyScreen(KioskScreen):
    can_start = BooleanProperty(False)
    done = BooleanProperty(False)  # the certification was recorded: the result shows
    mark = StringProperty("")

    def on_kv_post(self, base_widget) -> None:
        self._state: SessionState | None = None
        self.step_keys = list(STEPS)
        self.watch_language(self._render)

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def act(self) -> None:
        """The page's one button: "certify now", or back to the menu once certified."""
        if self.done:
            self.kiosk.post(Navigate(Page.MENU))
        elif self.can_start:
            self.kiosk.post(StartFace(FacePurpose.CERTIFICATION))

    def _render(self) -> None:
        tr = self.kiosk.tr
        ids = self.ids
        s = self._state
        cert = s.data.certification if s is not None else None
        done = s.data.certify if s is not None else None
        self.done = done is not None
        self.mark = "✓" if done is not None else ""
        # The header's steps: 查看状态 → 人脸识别 (the face page) → 认证 → 完成.
        self.step = 3 if done is not None else 2 if s is not None and "certify" in s.loading else 0
        self.can_start = False
        ids.status.text = ids.detail.text = ids.how.text = ids.message.text = ""
        ids.result.text = ids.next_step.text = ids.slip.text = ""
        if s is None:
            return
        if done is not None:
            ids.result.text = tr("certify.success")
            ids.next_step.text = tr(
                "certify.next_due", date=_day(done.attempt.certification.due_by)
            )
            ids.slip.text = tr(
                "certify.slip_printed"
                if done.slip_printed
                else done.slip_error or "certify.no_slip"
            )
            return
        if "certify" in s.loading:
            ids.status.text = tr("certify.checking")
            return
        error = s.errors.get("certify")
        if error is not None:
            said = s.said.get("certify")
            ids.message.text = said.in_language(self.kiosk.lang) if said else tr(error)
        if cert is None:
            if "certification" in s.errors:
                ids.status.text = tr(s.errors["certification"])
            elif "certification" in s.loading:
                ids.status.text = tr("certify.loading")
            return
        ids.status.text, ids.detail.text = status_lines(cert, tr)
        if cert.status is CertificationStatus.CERTIFIED:
            return
        if cert.attempts_left <= 0:
            ids.how.text = tr("certify.counter")
            return
        ids.how.text = (
            tr("certify.how") + "\n" + tr("certify.attempts", attempts=cert.attempts_left)
        )
        self.can_start = True
