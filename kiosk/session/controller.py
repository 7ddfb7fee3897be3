"""Runs the session: feeds it events from one thread, runs its effects on worker threads.

Card I/O is serialised on its own thread (one card, one reader); back office calls run on a
small pool; a ticker thread sends `Tick` so page timeouts fire. Observers get every new state
from the controller's thread and must hand it over to their own (the UI uses Kivy's Clock).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kiosk.domain import CardHolder
from kiosk.domain.idcard import IdCard
from kiosk.errors import KioskError
from kiosk.i18n import Translator
from kiosk.ports import (
    CardAccessError,
    CardPort,
    Clock,
    MemberDataPort,
    PinRefused,
    VoicePort,
)
from kiosk.session.idcard_entry import IdCardEntry, IdEntryRefused, UpgradeRefused
from kiosk.session.identity import FaceRefused, IdentityPort
from kiosk.session.intents import Key
from kiosk.session.machine import (
    CancelLoss,
    CardFailed,
    CardInserted,
    CardProblem,
    CardRead,
    CardRemoved,
    ChangePin,
    CheckFace,
    Effect,
    Event,
    FaceFailed,
    FacePassed,
    FaceStep,
    Forget,
    IdCardFailed,
    IdCardPlaced,
    IdCardRemoved,
    IdSessionOpened,
    Load,
    Loaded,
    LoadFailed,
    LossCancelled,
    OpenIdSession,
    PinBlocked,
    PinChanged,
    PinChangeRefused,
    PinOk,
    PinResetDone,
    PinWrong,
    ReadCard,
    RecoveryRefused,
    ResetPin,
    Said,
    Say,
    Session,
    SessionState,
    Tick,
    UpgradeIdSession,
    VerifyPin,
)
from kiosk.session.pin_rules import check_new_pin

log = logging.getLogger(__name__)

Observer = Callable[[SessionState], None]
# Called with every event and the state before and after it (the audit log listens here).
Listener = Callable[[Event, SessionState, SessionState], None]


# The I/O pool's threads, and the programs they start (pdftoppm), run at this nice value: on a
# kiosk's few cores the touchscreen's frames come first, a PDF or a parse can wait a few ms.
BACKGROUND_NICE = 10


def _background_priority() -> None:
    """Lower this thread's CPU priority (Linux keeps a nice value per thread); never raise it."""
    tid = threading.get_native_id()
    try:
        os.setpriority(
            os.PRIO_PROCESS, tid, max(BACKGROUND_NICE, os.getpriority(os.PRIO_PROCESS, tid))
        )
    except OSError as e:  # not fatal: the UI is only less smooth under load
        log.warning("could not lower the I/O threads' priority: %s", e)


class Controller:
    def __init__(
        self,
        session: Session,
        card: CardPort,
        data: MemberDataPort,
        *,
        translator: Translator | None = None,
        voice: VoicePort | None = None,
        clock: Clock = time.monotonic,
        tick_interval: float = 0.25,
        identity: IdentityPort | None = None,
        id_entry: IdCardEntry | None = None,
    ) -> None:
        self.session = session
        self.id_entry = id_entry  # the resident ID card's way in (issue 20)
        self.identity = identity  # face check, PIN reset, loss cancellation (issue 20)
        self.card = card
        self.data = data
        self.translator = translator
        self.voice = voice
        self.clock = clock
        self.tick_interval = tick_interval
        self._events: queue.Queue[Event | None] = queue.Queue()
        self._observers: list[Observer] = []
        self._listeners: list[Listener] = []
        self._card_pool = ThreadPoolExecutor(1, thread_name_prefix="card")
        self._io_pool = ThreadPoolExecutor(
            4, thread_name_prefix="backoffice", initializer=_background_priority
        )
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        # A session number: answers that arrive after the session ended are dropped.
        self._generation = 0
        self._in_flight = 0  # events not yet handled and effects not yet finished
        self._in_flight_lock = threading.Lock()
        # Posted events are numbered in the order they are queued (and so taken); `handled` is
        # the number of the last one taken: a state published while it is handled reflects it.
        self._posted = 0
        self._post_lock = threading.Lock()
        self.handled = 0

    # -- wiring -------------------------------------------------------------------------

    def subscribe(self, fn: Observer) -> None:
        self._observers.append(fn)

    def listen(self, fn: Listener) -> None:
        """Be told of every event with the state before and after (on the session thread)."""
        self._listeners.append(fn)

    def post(self, event: Event) -> None:
        """Hand an event to the session; safe from any thread."""
        self.post_numbered(event)

    def post_numbered(self, event: Event) -> int:
        """`post`, returning the event's number: the states published from the moment `handled`
        reaches it reflect it (the UI tells the answer to a member's request from the
        keep-alive of the touch that made it)."""
        self._count(1)
        with self._post_lock:  # numbers in queue order
            self._posted += 1
            self._events.put(event)
            return self._posted

    @property
    def busy(self) -> bool:
        """Whether an event waits or is being handled, or an effect (card, back office) runs.
        An effect's answer is posted before the effect counts as finished, so a request and its
        answer read busy without a gap until the answer's state has been published."""
        return self._in_flight > 0

    def _count(self, n: int) -> None:
        with self._in_flight_lock:
            self._in_flight += n

    def _submit(self, pool: ThreadPoolExecutor, fn: Callable[..., object], *args: object) -> None:
        future = pool.submit(fn, *args)  # raises once the pool is shut down: nothing counted
        self._count(1)
        future.add_done_callback(lambda _f: self._count(-1))

    def warm_up(self) -> None:
        """Warm the data side (fonts for documents...) on the I/O pool; the UI calls this once
        its own pages are built, so the work neither delays start-up nor lands mid-journey."""
        warm = getattr(self.data, "warm_up", None)
        if warm is not None:
            self._io_pool.submit(self._warm, warm)  # not the member's: never busy

    @staticmethod
    def _warm(warm: Callable[[], None]) -> None:
        try:
            warm()
        except Exception as e:  # the first member will pay for it instead; say so
            log.warning("warm-up failed: %s", e)

    def start(self) -> None:
        self.card.watch(lambda: self.post(CardInserted()), lambda: self.post(CardRemoved()))
        if self.id_entry is not None:
            self.id_entry.watch(
                lambda card: self.post(IdCardPlaced(card)),
                lambda: self.post(IdCardRemoved()),
                lambda problem: self.post(IdCardFailed(problem)),
            )
        for name, target in (("session", self._run), ("ticker", self._tick)):
            t = threading.Thread(target=target, name=name, daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        self._events.put(None)
        if self.id_entry is not None:
            self.id_entry.stop()
        for t in self._threads:
            t.join(timeout=2)
        self._card_pool.shutdown(wait=False, cancel_futures=True)
        self._io_pool.shutdown(wait=False, cancel_futures=True)

    # -- loops --------------------------------------------------------------------------

    def _tick(self) -> None:
        while not self._stop.wait(self.tick_interval):
            self.post(Tick())

    def _run(self) -> None:
        while True:
            event = self._events.get()
            if event is None:
                return
            self.handled += 1  # only this thread takes events: no lock
            try:
                self._handle(event, posted=True)
            except Exception:  # the kiosk must keep running; the state is still consistent
                log.exception("session event %s failed", type(event).__name__)

    def handle_now(self, event: Event) -> None:
        """Apply one event on the calling thread (the session thread, or a test)."""
        self._handle(event, posted=False)

    def _handle(self, event: Event, *, posted: bool) -> None:
        pending = [posted]  # a posted event counts as in flight until it is handled

        def count_off() -> None:
            if pending[0]:
                pending[0] = False
                self._count(-1)

        try:
            self._apply(event, count_off)
        finally:
            count_off()  # also when handling it failed

    def _apply(self, event: Event, count_off: Callable[[], None]) -> None:
        before = self.session.state
        effects = self.session.handle(event, self.clock())
        after = self.session.state
        for listener in list(self._listeners):
            listener(event, before, after)
        if after.page.value in ("goodbye", "attract") and before.page != after.page:
            self._generation += 1
        for effect in effects:
            self._run_effect(effect)
        count_off()  # before the state goes out: its effects, if any, count from here on
        if after is not before:
            for fn in list(self._observers):
                fn(after)

    # -- effects ------------------------------------------------------------------------

    def _run_effect(self, effect: Effect) -> None:
        gen = self._generation
        match effect:
            case ReadCard():
                self._submit(self._card_pool, self._read_card, gen)
            case VerifyPin(digits=digits):
                self._submit(self._card_pool, self._verify_pin, digits, gen)
            case ChangePin(old=old, new=new):
                self._submit(self._card_pool, self._change_pin, old, new, gen)
            case Load(key=key, params=params):
                holder = self.session.state.holder
                if holder is not None:
                    self._submit(self._io_pool, self._load, key, holder, params, gen)
            case CheckFace(id_number=id_number, purpose=purpose, card_identifier=card):
                # Seconds of camera and back office: the I/O pool, never the card thread.
                self._submit(self._io_pool, self._check_face, id_number, purpose, card, gen)
            case ResetPin(holder=holder, proof=proof, new=new, confirm=confirm):
                self._submit(self._card_pool, self._reset_pin, holder, proof, new, confirm, gen)
            case CancelLoss(holder=holder, digits=digits):
                self._submit(self._card_pool, self._cancel_loss, holder, digits, gen)
            case OpenIdSession(card=card):
                self._submit(self._io_pool, self._open_id_session, card, gen)
            case UpgradeIdSession(verification_id=vid):
                self._submit(self._io_pool, self._upgrade_id_session, vid, gen)
            case Forget():
                self._submit(self._card_pool, self.card.forget)
                if self.id_entry is not None:
                    self.id_entry.forget()  # the token off at once; closed on the I/O pool
                forget = getattr(self.data, "forget", None)
                if forget is not None:
                    forget()
            case Say(key=key):
                if self.voice is not None and self.translator is not None:
                    text = self.translator(key) if key in self._known_keys() else None
                    if text:
                        self._io_pool.submit(self.voice.say, text, self.translator.language)

    def _known_keys(self) -> set[str]:
        assert self.translator is not None
        return set(self.translator.catalog.all_keys())

    def _post_if_current(self, gen: int, event: Event) -> None:
        if gen == self._generation:
            self.post(event)

    def _read_card(self, gen: int) -> None:
        try:
            r = self.card.read()
        except CardAccessError as e:
            log.info("card not usable: %s", e.problem.value)
            self._post_if_current(gen, CardFailed(e.problem, e.holder))
            return
        except Exception:
            log.exception("card read failed")
            self._post_if_current(gen, CardFailed(CardProblem.UNREADABLE))
            return
        self._post_if_current(gen, CardRead(r.holder, admin=r.admin, pinpad=r.pinpad))

    def _verify_pin(self, digits: bytearray, gen: int) -> None:
        try:
            result = self.card.verify_pin(digits)
        except CardAccessError as e:
            self._post_if_current(gen, CardFailed(e.problem))
            return
        finally:
            digits[:] = b"\x00" * len(digits)
        if result.ok:
            self._post_if_current(gen, PinOk(initial_pin=result.initial_pin))
        elif result.blocked:
            self._post_if_current(gen, PinBlocked())
        else:
            self._post_if_current(gen, PinWrong(result.tries_left or 0))

    def _change_pin(self, old: bytearray, new: bytearray, gen: int) -> None:
        try:
            problem = check_new_pin(old, new)
            if problem:
                raise PinRefused(problem)
            self.card.change_pin(old, new)
        except PinRefused as e:
            self._post_if_current(gen, PinChangeRefused(e.reason))
            return
        except CardAccessError as e:
            event: Event = (
                PinBlocked() if e.problem is CardProblem.BLOCKED else CardFailed(e.problem)
            )
            self._post_if_current(gen, event)
            return
        finally:
            old[:] = b"\x00" * len(old)
            new[:] = b"\x00" * len(new)
        self._post_if_current(gen, PinChanged())

    # -- identity (issue 20) --------------------------------------------------------------

    def _check_face(self, id_number: str, purpose: str, card: str | None, gen: int) -> None:
        if self.identity is None:
            self._post_if_current(gen, FaceFailed("face.unavailable", final=True))
            return

        def on_step(step: str, action: str | None) -> None:
            self._post_if_current(gen, FaceStep(step, action))

        try:
            proof = self.identity.check_face(id_number, purpose, card, on_step)
        except FaceRefused as e:
            event: Event = FaceFailed(e.message_key, e.attempts_left, final=e.final)
        except Exception:  # a bug: the member is told the check is unavailable
            log.exception("face check failed")
            event = FaceFailed("face.unavailable", final=True)
        else:
            event = FacePassed(proof)
        self._post_if_current(gen, event)

    def _reset_pin(
        self, holder: CardHolder, proof: object, new: bytearray, confirm: bytearray, gen: int
    ) -> None:
        try:
            if self.identity is None:
                raise KioskError("no identity port")
            self.identity.reset_pin(holder, proof, new, confirm)
        except KioskError as e:
            self._post_if_current(gen, RecoveryRefused(e.message_key))
            return
        except Exception:
            log.exception("PIN reset failed")
            self._post_if_current(gen, RecoveryRefused(KioskError.message_key))
            return
        finally:
            new[:] = bytes(len(new))
            confirm[:] = bytes(len(confirm))
        self._post_if_current(gen, PinResetDone())

    def _cancel_loss(self, holder: CardHolder, digits: bytearray, gen: int) -> None:
        try:
            if self.identity is None:
                raise KioskError("no identity port")
            self.identity.cancel_loss(holder, digits)
        except KioskError as e:
            if e.message_key == "problem.blocked.title":
                self._post_if_current(gen, PinBlocked())
            else:
                tries = getattr(e, "tries_left", None)
                self._post_if_current(gen, RecoveryRefused(e.message_key, tries))
            return
        except Exception:
            log.exception("loss cancellation failed")
            self._post_if_current(gen, RecoveryRefused(KioskError.message_key))
            return
        finally:
            digits[:] = bytes(len(digits))
        self._post_if_current(gen, LossCancelled())

    # -- ID-card entry (issue 20) ---------------------------------------------------------

    def _open_id_session(self, card: IdCard, gen: int) -> None:
        assert self.id_entry is not None  # the effect comes only from its watcher's card
        try:
            entered = self.id_entry.open(card)
        except IdEntryRefused as e:
            log.info("ID card not usable: %s", e.problem.value)
            self._post_if_current(gen, IdCardFailed(e.problem))
            return
        except Exception:
            log.exception("ID session failed")
            self._post_if_current(gen, IdCardFailed(CardProblem.BACKOFFICE_UNAVAILABLE))
            return
        if gen != self._generation:  # the card went away meanwhile: close what was opened
            self.id_entry.forget()
            return
        self.post(IdSessionOpened(entered.holder, entered.scope))

    def _upgrade_id_session(self, verification_id: str | None, gen: int) -> None:
        assert self.id_entry is not None
        try:
            entered = self.id_entry.upgrade(verification_id)
        except Exception as e:
            if not isinstance(e, UpgradeRefused):
                log.exception("ID session upgrade failed")
            self._post_if_current(gen, FaceFailed(UpgradeRefused.message_key, final=True))
            return
        self._post_if_current(gen, IdSessionOpened(entered.holder, entered.scope))

    def _load(self, key: Key, holder: CardHolder, params: dict[str, Any], gen: int) -> None:
        try:
            value = self.data.load(key, holder, params)
        except Exception as e:
            log.warning("loading %s failed: %s", key, type(e).__name__)
            if isinstance(e, KioskError):
                failed = LoadFailed(key, e.message_key, _said(e))
            else:  # a bug, not a refusal: the member is told to try again later
                failed = LoadFailed(key, KioskError.message_key, None)
            self._post_if_current(gen, failed)
            return
        self._post_if_current(gen, Loaded(key, value))


def _said(e: KioskError) -> Said | None:
    """The back office's own words carried by a refusal (Rejected, PaymentError, PayStepError,
    ServiceError), when it gave them in both languages."""
    return Said(e.message_zh, e.message_en) if e.message_zh and e.message_en else None
