"""Admin mode (the hall administrator's card + PIN): device status, reprint the last receipt,
the day's reconciliation, shut the app down."""

from __future__ import annotations

from kiosk.session.intents import RequestName
from kiosk.session.machine import Request, SessionState
from screens.base import KioskScreen

DEVICE_NAMES = {
    "reader": ("读卡器", "Card reader"),
    "psam": ("安全模块", "Security module"),
    "receipt_paper": ("凭条打印机", "Receipt printer"),
    "a4_queue": ("A4打印机", "A4 printer"),
    "journal_unresolved": ("未完结支付", "Unresolved payments"),
    "audit_head": ("审计日志", "Audit log"),
}


class AdminScreen(KioskScreen):
    def on_kv_post(self, base_widget) -> None:
        self.watch_language(self._render)
        self._state: SessionState | None = None

    def on_pre_enter(self, *_a) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.kiosk.post(Request(RequestName.ADMIN_STATUS))

    def reprint(self) -> None:
        self.kiosk.post(Request(RequestName.ADMIN_REPRINT))

    def reconcile(self) -> None:
        self.kiosk.post(Request(RequestName.ADMIN_RECONCILE))

    def shutdown(self) -> None:
        # Only reachable in an administrator's session (the session guards the page).
        if self._state is not None and self._state.admin:
            self.kiosk.stop()

    def show(self, state: SessionState) -> None:
        self._state = state
        self._render()

    def _render(self) -> None:
        tr, lang = self.kiosk.tr, self.kiosk.lang
        st = self._state
        if st is None:
            return
        status = st.data.admin_status or {}
        i = 0 if lang == "zh" else 1
        self.ids.devices.text = "\n".join(
            f"{DEVICE_NAMES.get(k, (k, k))[i]}：{v if k != 'audit_head' else v[:12] + '…'}"
            for k, v in status.items()
        ) or tr("common.loading")
        lines = []
        if "admin_reprint" in st.data:
            lines.append(tr("admin.reprinted", state=st.data["admin_reprint"]))
        recon = st.data.admin_reconcile
        if recon:
            bad = recon.get("mismatches", [])
            lines.append(
                tr("admin.recon_ok", orders=recon.get("orders", 0))
                if not bad
                else tr("admin.recon_bad", count=len(bad), first=str(bad[0])[:80])
            )
        for key in (
            RequestName.ADMIN_STATUS,
            RequestName.ADMIN_REPRINT,
            RequestName.ADMIN_RECONCILE,
        ):
            if key in st.errors:
                lines.append(tr(st.errors[key]))
        self.ids.result.text = "\n".join(lines)
