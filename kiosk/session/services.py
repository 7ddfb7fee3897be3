"""The member's data and requests, behind the session's `MemberDataPort`: one handler per key.

Runs on the controller's worker threads. Knows the member only through the card in the reader:
the back office's card record gives the member number, which is forgotten with the session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from cardio.ssse import CardInfo
from kiosk.backoffice.errors import (
    BackOfficeError,
    BackOfficeUnavailable,
    NotFound,
    Rejected,
    Unauthorized,
)
from kiosk.domain import CardHolder
from kiosk.domain.cards import CardStatus
from kiosk.errors import KioskError
from kiosk.payments.flow import PayFlow
from kiosk.ports import MemberRecordsPort
from kiosk.printing import PrintService
from kiosk.session.card import CardCheck
from kiosk.session.machine import CardProblem

log = logging.getLogger(__name__)


class ServiceError(KioskError):
    """A request that could not be served; `message_key` says what to tell the member, and
    message_zh / message_en the back office's own words when it refused with some."""

    def __init__(
        self, message_key: str, detail: str = "", *, message_zh: str = "", message_en: str = ""
    ) -> None:
        self.message_key = message_key
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_key}: {detail}" if detail else message_key)


Handler = Callable[[str, CardHolder, dict[str, Any]], Any]


class MemberServices:
    def __init__(
        self,
        client: MemberRecordsPort,
        printing: PrintService | None = None,
        paying: PayFlow | None = None,
    ) -> None:
        self.client = client
        self.printing = printing
        self.paying = paying
        self._member_no: dict[str, str] = {}  # card identifier -> member number, this session
        self._admins: set[str] = set()  # card identifiers the back office called administrators
        self._lock = threading.Lock()
        self.handlers: dict[str, Handler] = {
            "summary": lambda no, h, p: self.client.summary(no),
            "history": lambda no, h, p: self.client.contributions(no),
            "accounts": lambda no, h, p: self.client.accounts(no),
            "benefits": lambda no, h, p: self.client.benefits(no),
            "dues": lambda no, h, p: self.client.dues(no),
            "estimate": lambda no, h, p: self.client.pension_estimate(no),
            "card_status": lambda no, h, p: self.client.card_status(
                h.card_identifier, h.card_number
            ),
            "report_loss": lambda no, h, p: self.client.report_loss(
                h.card_identifier, h.card_number
            ),
        }
        if paying is not None:
            self.handlers.update(paying.handlers())
        if printing is not None:
            self.handlers["print_preview"] = printing.prepare
            self.handlers["print_submit"] = lambda no, h, p: printing.submit()

    # -- the card's word from the back office (the card adapter's checker) --------------------

    def check_card(self, info: CardInfo) -> CardCheck:
        try:
            rec = self.client.card_status(info.card_identifier, info.card_number)
        except NotFound:
            return CardCheck(CardProblem.VOID)
        except BackOfficeUnavailable:
            return CardCheck(CardProblem.BACKOFFICE_UNAVAILABLE)
        except BackOfficeError as e:
            log.warning("card check failed: %s", type(e).__name__)
            return CardCheck(CardProblem.BACKOFFICE_UNAVAILABLE)
        with self._lock:
            self._member_no[info.card_identifier] = rec.member_no
            if rec.admin:
                self._admins.add(info.card_identifier)
        problem = {
            CardStatus.VALID: None,
            CardStatus.LOST: CardProblem.REPORTED_LOST,
            CardStatus.VOID: CardProblem.VOID,
        }[rec.status]
        return CardCheck(problem, admin=rec.admin)

    def admit(self, key: str, member_no: str) -> None:
        """The member of a session opened without a card check (an ID card: the back office's
        ID session gave the number; kiosk.session.idcard_entry), known under `key`."""
        with self._lock:
            self._member_no[key] = member_no

    def is_admin(self, holder: CardHolder) -> bool:
        with self._lock:
            return holder.card_identifier in self._admins

    def add_handlers(self, handlers: dict[str, Handler]) -> None:
        self.handlers.update(handlers)

    def forget(self) -> None:
        with self._lock:
            self._member_no.clear()
            self._admins.clear()
        if self.printing is not None:
            self.printing.forget()
        if self.paying is not None:
            self.paying.forget()

    def warm_up(self) -> None:
        if self.printing is not None:
            self.printing.warm_up()

    # -- MemberDataPort -----------------------------------------------------------------------

    def load(self, key: str, holder: CardHolder, params: dict[str, Any]) -> Any:
        handler = self.handlers.get(key)
        if handler is None:
            raise ServiceError("error.backoffice", f"no handler for {key}")
        with self._lock:
            member_no = self._member_no.get(holder.card_identifier)
        if member_no is None:
            raise ServiceError("error.backoffice", "card not checked with the back office")
        try:
            return handler(member_no, holder, params)
        except BackOfficeUnavailable as e:
            raise ServiceError("error.backoffice", type(e).__name__) from None
        except Unauthorized as e:  # this terminal's problem, not the member's: no details
            raise ServiceError("error.backoffice", type(e).__name__) from None
        except Rejected as e:
            # The back office said why (e.g. AVERAGE_WAGE_MISSING on the dues): its words.
            raise ServiceError(
                "error.backoffice", e.code, message_zh=e.message_zh, message_en=e.message_en
            ) from None
        except BackOfficeError as e:
            raise ServiceError("error.backoffice", type(e).__name__) from None
