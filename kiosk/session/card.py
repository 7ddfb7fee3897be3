"""The session's card port over cardio's CardReader, plus the back office's word on the card.

Maps cardio's errors to the session's card problems, and cardio's CardInfo to the domain's
CardHolder. Runs on the controller's card thread only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from cardio import errors as ce
from cardio.pin import PinPad, ScreenPin
from cardio.reader import INSERTED, READER_BACK, REMOVED, CardReader
from cardio.ssse import CardInfo
from kiosk.domain import CardHolder, Sex
from kiosk.ports import CardAccessError, CardReading, PinRefused, PinResult, Today
from kiosk.session.machine import RECOVERABLE, CardProblem
from kiosk.session.pin_refusals import pin_refusal_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CardCheck:
    """What the back office says of a card: usable or not, and whose role."""

    problem: CardProblem | None  # None: valid
    admin: bool = False


# The back office's check of a card, given what was read from it (None: no back office check).
CardChecker = Callable[[CardInfo], CardCheck]


def holder_of(info: CardInfo) -> CardHolder:
    return CardHolder(
        id_number=info.id_number,
        name=info.name,
        card_number=info.card_number,
        card_identifier=info.card_identifier,
        region=info.region,
        sex=Sex(info.sex) if info.sex in ("1", "2") else None,
        birth_date=info.birth_date,
        spec_version=info.spec_version,
        issue_date=info.issue_date,
        expiry_date=info.expiry_date,
    )


class CardAdapter:
    def __init__(
        self,
        reader: CardReader,
        checker: CardChecker | None = None,
        today: Today = dt.date.today,
    ) -> None:
        self.reader = reader
        self.checker = checker
        self.today = today
        self.last_info: CardInfo | None = None

    def watch(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        def on_event(event: str) -> None:
            if event in (INSERTED, READER_BACK) and self.reader.card_present():
                on_inserted()
            elif event == REMOVED:
                on_removed()
            elif event != INSERTED:
                log.warning("card reader: %s", event)
                on_removed()

        self.reader.on_event = on_event
        self.reader.start()

    def read(self) -> CardReading:
        try:
            info = self.reader.read_card()
        except ce.CardNotGenuine as e:
            raise CardAccessError(CardProblem.NOT_GENUINE, e.en) from None
        except ce.NotSsseCard as e:
            raise CardAccessError(CardProblem.NOT_A_SOCIAL_SECURITY_CARD, e.en) from None
        except ce.CardError as e:
            raise CardAccessError(CardProblem.UNREADABLE, type(e).__name__) from None
        self.last_info = info
        if info.expired(self.today()):
            raise CardAccessError(CardProblem.EXPIRED)
        admin = False
        if self.checker is not None:
            check = self.checker(info)
            if check.problem is not None:
                kept = holder_of(info) if check.problem in RECOVERABLE else None
                raise CardAccessError(check.problem, holder=kept)
            admin = check.admin
        try:
            if self.reader.pin_tries_left() == 0:
                raise CardAccessError(CardProblem.BLOCKED, holder=holder_of(info))
            pinpad = self.reader.pinpad_available()
        except ce.CardError as e:
            raise CardAccessError(CardProblem.UNREADABLE, type(e).__name__) from None
        return CardReading(holder_of(info), admin=admin, pinpad=pinpad)

    def verify_pin(self, digits: bytearray | None) -> PinResult:
        source = PinPad() if digits is None else ScreenPin(digits)
        if digits is not None:
            digits[:] = bytes(len(digits))  # ScreenPin holds its own copy; cardio wipes that
        try:
            r = self.reader.verify_pin(source)
        except ce.WrongPin as e:
            return PinResult(ok=False, tries_left=e.tries_left)
        except ce.PinBlockedError:
            return PinResult(ok=False, blocked=True)
        except ce.CardError as e:
            raise CardAccessError(CardProblem.UNREADABLE, type(e).__name__) from None
        return PinResult(ok=True, initial_pin=bool(r.initial_pin))

    def change_pin(self, old: bytearray, new: bytearray) -> None:
        old_pin, new_pin = ScreenPin(old), ScreenPin(new)
        old[:] = bytes(len(old))
        new[:] = bytes(len(new))
        try:
            self.reader.change_pin(old_pin, new_pin)
        except (ce.InitialPinForbidden, ce.PinUnchanged, ce.PinFormatError) as e:
            raise PinRefused(pin_refusal_key(e)) from None
        except ce.WrongPin:
            raise PinRefused("pin.wrong") from None
        except ce.PinBlockedError:
            raise CardAccessError(CardProblem.BLOCKED) from None
        except ce.CardError as e:
            raise CardAccessError(CardProblem.UNREADABLE, type(e).__name__) from None

    def forget(self) -> None:
        self.last_info = None
        self.reader.release()

    def stop(self) -> None:
        self.reader.stop()


__all__ = ["INSERTED", "REMOVED", "CardAdapter", "CardCheck", "holder_of"]
