"""ID-card entry (issue 20): the member lays the resident ID card (居民身份证) on the reader and
uses the kiosk without the social security card.

`IdCardEntry` watches the reader on a thread of its own (the card reader's watcher does the
same for the social security card): a card placed is read once (find, select, read) and handed
to the session; while it lies there only "find card" is asked, and two answers of "no card" in
a row are its removal. The session then asks `open` (on the controller's I/O pool): the back
office's ID session (kiosk/backoffice/id_session.py) finds the member by the ID number, checks
the name, and answers with a token and its scope: "limited" (dues, paying them by QR, the
annual certification) or "full" after a face check (`upgrade`). The token rides as
X-Card-Session; `forget` closes it when the session ends.

The card's photo (opaque bytes, docs/idcard.md) is dropped as soon as the card is read: the
face check compares the camera with the member's enrolled photo, not with the card's.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from kiosk.backoffice.errors import BackOfficeError, BackOfficeUnavailable, Rejected
from kiosk.backoffice.id_session import IdSession, IdSessionApi
from kiosk.devices.idcard.errors import CardRemoved, IdCardReaderError, InvalidIdCard
from kiosk.domain import CardHolder, Sex
from kiosk.domain.idcard import IdCard
from kiosk.errors import KioskError
from kiosk.ports import IdCardReaderPort, Today
from kiosk.session.machine import CardProblem

log = logging.getLogger(__name__)

# The key under which the data port knows an ID-card member (an ID card has no card
# identifier): MemberServices.admit / load.
ID_CARD_KEY = "idcard"
POLL_SECONDS = 0.3
MISSES_FOR_REMOVAL = 2  # "no card" answers in a row (one can be a card moved on the reader)
FAULT_BACKOFF = 2.0  # seconds between polls of a reader that answers with faults

# The back office's refusals of an ID session, in the session's terms.
_REFUSALS = {
    "NAME_MISMATCH": CardProblem.ID_NAME_MISMATCH,
    "MEMBER_NOT_FOUND": CardProblem.ID_UNKNOWN,
}


class IdEntryRefused(KioskError):
    """The ID card opens no session: `problem` says why."""

    def __init__(self, problem: CardProblem, detail: str = "") -> None:
        self.problem = problem
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)


class UpgradeRefused(KioskError):
    """The face check passed but the back office did not widen the session."""

    message_key = "idcard.upgrade_refused"


@dataclass(frozen=True)
class IdEntered:
    holder: CardHolder
    scope: str  # "limited" | "full"


def holder_of_id_card(card: IdCard) -> CardHolder:
    """The session's holder for an ID card: no card number, no card identifier."""
    return CardHolder(
        id_number=card.id_number,
        name=card.name,
        card_number="",
        card_identifier=ID_CARD_KEY,
        region=card.id_number[:6],
        sex=Sex(card.sex),
        birth_date=card.birth_date,
    )


class IdCardEntry:
    def __init__(
        self,
        reader: IdCardReaderPort,
        api: IdSessionApi,
        set_token: Callable[[str | None], None],
        admit: Callable[[str, str], None],
        *,
        today: Today = dt.date.today,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.reader = reader
        self.api = api
        self._set_token = set_token
        self._admit = admit  # (ID_CARD_KEY, member_no): the data port's member for the session
        self.today = today
        self.poll_seconds = poll_seconds
        # Closing a session at the back office: off the session thread, which never waits.
        self._closer = ThreadPoolExecutor(1, thread_name_prefix="idcard-close")
        self._lock = threading.Lock()
        self._session: IdSession | None = None
        self._holder: CardHolder | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the reader ------------------------------------------------------------------------

    def watch(
        self,
        on_placed: Callable[[IdCard], None],
        on_removed: Callable[[], None],
        on_failed: Callable[[CardProblem], None],
    ) -> None:
        """Poll the reader on a thread of its own until `stop`."""
        self._thread = threading.Thread(
            target=self._watch, args=(on_placed, on_removed, on_failed), name="idcard", daemon=True
        )
        self._thread.start()

    def _watch(
        self,
        on_placed: Callable[[IdCard], None],
        on_removed: Callable[[], None],
        on_failed: Callable[[CardProblem], None],
    ) -> None:
        present, misses, faulty = False, 0, False
        while not self._stop.wait(FAULT_BACKOFF if faulty else self.poll_seconds):
            try:
                if not present:
                    reading = self.reader.read_card()
                    if reading is not None:
                        present, misses = True, 0
                        on_placed(reading.card)  # the photo goes no further
                elif self.reader.find_card():
                    misses = 0
                else:
                    misses += 1
                    if misses >= MISSES_FOR_REMOVAL:
                        present = False
                        on_removed()
                if faulty:
                    log.info("ID-card reader answers again")
                faulty = False
            except CardRemoved:
                continue  # lifted mid-read: the next poll starts again from "find card"
            except InvalidIdCard as e:
                log.info("ID card refused: %s", e)
                present, misses = True, 0
                on_failed(CardProblem.ID_INVALID)
            except IdCardReaderError as e:
                if not faulty:
                    log.warning("ID-card reader: %s", e)
                faulty = True
                if present:
                    misses += 1
                    if misses >= MISSES_FOR_REMOVAL:
                        present = False
                        on_removed()
            except Exception:  # the watcher must keep running: the next poll tries again
                log.exception("ID-card watcher")
                faulty = True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self.forget()
        self._closer.shutdown(wait=True)

    # -- the back office's session ---------------------------------------------------------

    def open(self, card: IdCard) -> IdEntered:
        """The member's session for this card (runs on a worker thread). IdEntryRefused."""
        self.forget()
        if card.expired(self.today()):
            raise IdEntryRefused(CardProblem.ID_EXPIRED)
        try:
            session = self.api.open(card.id_number, card.name)
        except Rejected as e:
            problem = _REFUSALS.get(e.code)
            if problem is None:
                log.warning("ID session refused: %s %s", e.status, e.code)
                problem = CardProblem.BACKOFFICE_UNAVAILABLE
            raise IdEntryRefused(problem, e.code) from None
        except BackOfficeUnavailable as e:
            raise IdEntryRefused(CardProblem.BACKOFFICE_UNAVAILABLE, type(e).__name__) from None
        except BackOfficeError as e:
            log.warning("ID session not opened: %s", type(e).__name__)
            raise IdEntryRefused(CardProblem.BACKOFFICE_UNAVAILABLE, type(e).__name__) from None
        holder = holder_of_id_card(card)
        self._use(session, holder)
        return IdEntered(holder, session.scope)

    def upgrade(self, verification_id: str | None) -> IdEntered:
        """The face proved the member: the session's full scope. UpgradeRefused."""
        with self._lock:
            current, holder = self._session, self._holder
        if current is None or holder is None or not verification_id:
            raise UpgradeRefused("no ID session or no verification")
        try:
            session = self.api.upgrade(current.token, verification_id)
        except BackOfficeError as e:
            log.warning("ID session not widened: %s", type(e).__name__)
            raise UpgradeRefused(type(e).__name__) from None
        self._use(session, holder)
        return IdEntered(holder, session.scope)

    def _use(self, session: IdSession, holder: CardHolder) -> None:
        with self._lock:
            self._session, self._holder = session, holder
        self._admit(ID_CARD_KEY, session.member_no)
        self._set_token(session.token)

    def forget(self) -> None:
        """The session ended: the token off the requests at once, closed at the back office
        on a thread of its own (the session thread never waits for it)."""
        with self._lock:
            session, self._session, self._holder = self._session, None, None
        if session is None:
            return
        self._set_token(None)

        def close() -> None:
            try:
                self.api.close(session.token)
            except BackOfficeError as e:  # it expires by itself anyway
                log.info("ID session not closed: %s", type(e).__name__)

        try:
            self._closer.submit(close)
        except RuntimeError:  # stopped: close here
            close()
