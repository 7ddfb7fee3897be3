"""The hall administrator's tools (admin card + its PIN): device status, reprint the last
receipt, the day's reconciliation. Behind the session's data port like the member's requests;
every one of them refuses a session that is not an administrator's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from kiosk.domain import CardHolder, Money
from kiosk.domain.zone import today_in
from kiosk.errors import KioskError
from kiosk.payments.service import PaymentService

Probe = Callable[[], str]


class NotAdministrator(KioskError):
    message_key = "admin.not_allowed"


class AdminTools:
    def __init__(
        self,
        payments: PaymentService,
        probes: dict[str, Probe],
        is_admin: Callable[[CardHolder], bool],
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.payments = payments
        self.probes = probes
        self.is_admin = is_admin
        # The business day is the hall's date, whatever the host's TZ (docs/rules.md, Time).
        self.today = today or (lambda: today_in(payments.settings.zone))

    def handlers(self) -> dict[str, Callable[[str, CardHolder, dict[str, Any]], Any]]:
        return {
            "admin_status": self._guard(self.status),
            "admin_reprint": self._guard(self.reprint),
            "admin_reconcile": self._guard(self.reconcile),
        }

    def _guard(self, fn: Callable[[], Any]) -> Callable[[str, CardHolder, dict[str, Any]], Any]:
        def run(_member_no: str, holder: CardHolder, _params: dict[str, Any]) -> Any:
            if not self.is_admin(holder):
                raise NotAdministrator("not an administrator's card")
            return fn()

        return run

    def status(self) -> dict[str, str]:
        """Each device's state in words, as the heartbeat reports it."""
        out: dict[str, str] = {}
        for name, probe in self.probes.items():
            try:
                out[name] = str(probe())
            except Exception as e:  # a probe that fails is itself the device's state
                out[name] = f"error: {type(e).__name__}"
        out["journal_unresolved"] = str(len(self.payments.journal.unresolved()))
        return out

    def reprint(self) -> str:
        state = self.payments.reprint_last()
        return "none" if state is None else state.value

    def reconcile(self) -> dict[str, Any]:
        day = self.today()
        rows = [
            {
                "intent_id": e.intent_id,
                "order_no": e.order_no,
                "state": e.state.value,
                "amount": str(Money.from_fen(e.amount_fen).yuan),
            }
            for e in self.payments.journal.entries(day, self.payments.settings.zone)
        ]
        out = self.payments.client.reconcile(day, rows)
        sale = self.payments.card_sale
        if sale is not None:  # the journal's TCs against the acquirer's settlement (0500)
            from kiosk.payments.settlement import settle_card_day

            out["card_settlement"] = settle_card_day(
                self.payments.journal, sale.acquirer, day
            ).as_json()
        return out
