"""`CardReader`: the thread-safe front door the kiosk uses (see docs/card.md).

One reader slot, one card session at a time. Every card operation holds one lock and one
PC/SC transaction, so calls from several threads are serialized; the insert/remove callback
runs on the monitor's worker thread and never blocks card I/O.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from smartcard import scard

from cardio import codec
from cardio.apdu import ApduChannel
from cardio.errors import (
    CardError,
    CardRemovedError,
    InitialPinForbidden,
    NoCard,
    PinEntryCancelled,
    PinMismatch,
    PinPadUnavailable,
    PinResetFormatError,
    PinUnchanged,
    ReaderUnavailable,
)
from cardio.pin import (
    CM_IOCTL_GET_FEATURE_REQUEST,
    FEATURE_VERIFY_PIN_DIRECT,
    PinPad,
    PinSource,
    ScreenPin,
    parse_features,
    verify_pin_direct_block,
)
from cardio.security import SecurityModule
from cardio.ssse import CardInfo, SsseCard
from cardio.status import error_for
from cardio.transport import (
    CardMonitor,
    CardReset,
    PcscLink,
    card_present,
    establish_context,
    list_readers,
    match_reader,
)

log = logging.getLogger("cardio.reader")
_R = TypeVar("_R")

INSERTED, REMOVED, READER_LOST, READER_BACK = "inserted", "removed", "reader_lost", "reader_back"


@dataclass(frozen=True)
class PinVerified:
    """VERIFY passed. `initial_pin`: the card still has 123456 (None: PIN pad, unknown)."""

    initial_pin: bool | None


class _CardConnection:
    """One connection to the card in the reader (a new one after a reset or a swap): its link,
    the APDU channel and what was read over it. Not the member's session (kiosk.session)."""

    def __init__(self, link: Any, trace_payloads: bool, generation: int) -> None:
        self.link = link
        self.generation = generation
        self.channel = ApduChannel(link, trace_payloads=trace_payloads)
        self.card = SsseCard(self.channel)
        self.selected = False
        self.info: CardInfo | None = None
        self.features: dict[int, int] | None = None


class CardReader:
    """The member's card in the reader matching `reader_pattern`.

    `on_event(event)` gets "inserted", "removed", "reader_lost", "reader_back" on a worker
    thread once `start()` is called. `link_factory()` opens a link to the card (default: PC/SC).
    """

    def __init__(
        self,
        reader_pattern: str,
        security: SecurityModule,
        *,
        use_pinpad: bool = True,
        on_event: Callable[[str], None] | None = None,
        link_factory: Callable[[], Any] | None = None,
        trace_payloads: bool = False,
    ) -> None:
        self.reader_pattern = reader_pattern
        self.security = security
        self.use_pinpad = use_pinpad
        self.on_event = on_event
        self._link_factory = link_factory or (lambda: PcscLink(reader_pattern))
        self._trace_payloads = trace_payloads
        self._lock = threading.RLock()
        self._connection: _CardConnection | None = None
        self._monitor: CardMonitor | None = None
        self._generation = 0  # bumped on every removal: a stale session is never reused

    # ---- lifecycle ----
    def start(self) -> None:
        """Start delivering card events to `on_event` (on the monitor's thread)."""
        if self._monitor is None:
            self._monitor = CardMonitor(self.reader_pattern, self._event)
            self._monitor.start()

    def stop(self) -> None:
        if self._monitor is not None:
            self._monitor.stop()
            self._monitor = None
        self.release()

    def __enter__(self) -> CardReader:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _event(self, event: str) -> None:
        if event in (REMOVED, READER_LOST):
            self._generation += 1  # the next operation opens a fresh session
        log.info("card event: %s", event)
        if self.on_event is not None:
            self.on_event(event)

    def release(self) -> None:
        """End the card session (disconnect; the card keeps its power)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        s, self._connection = self._connection, None
        if s is not None:
            # Closing a dead link may fail in many ways; it is gone either way.
            with contextlib.suppress(Exception):
                s.link.close()

    # ---- the session ----
    def _open(self, fresh: bool) -> _CardConnection:
        """read_card opens a fresh session; the PIN operations need the one it opened, so a
        card swapped in between is never PIN-verified in the name of the card read."""
        s = self._connection
        if fresh:
            self._drop()
            s = _CardConnection(self._link_factory(), self._trace_payloads, self._generation)
            self._connection = s
            return s
        if s is None:
            raise NoCard(en="no card session: read the card first", zh="请先读卡")
        if s.generation != self._generation:
            self._drop()
            raise CardRemovedError()
        return s

    def _run(self, op: Callable[[_CardConnection], _R], *, fresh: bool = False) -> _R:
        """Run `op` in a PC/SC transaction; a removed card ends the session, a reset retries once."""
        with self._lock:
            for attempt in (1, 2):
                s = self._open(fresh and attempt == 1)
                try:
                    s.link.begin()
                    try:
                        return op(s)
                    finally:
                        s.link.end()
                except CardReset:
                    # Same card, but its security state (EXTERNAL AUTH, VERIFY) died with the
                    # reset: reconnect, select again and run the operation once more.
                    if attempt == 2:
                        self._drop()
                        raise
                    s.link.reconnect()
                    s.selected = False
                    s.info = None
                except (CardRemovedError, NoCard, ReaderUnavailable):
                    self._drop()
                    raise
        raise AssertionError("unreachable")

    def run_card(self, fn: Callable[[ApduChannel], _R]) -> _R:
        """Run `fn` with the card's APDU channel inside one PC/SC transaction (the EMV kernel
        of a card sale: cardio.emv.EmvKernel(channel, ...)). Opens a session when none is open.
        Unlike the SSSE operations it is never re-run after a reset: a sale's steps (an
        authorization sent, a trace number used) must not happen twice, so CardReset and a
        removed card are raised to the caller, which decides (e.g. reverse)."""
        with self._lock:
            s = self._connection
            if s is None or s.generation != self._generation:
                s = self._open(fresh=True)
            try:
                s.link.begin()
                try:
                    return fn(s.channel)
                finally:
                    # fn selected another application on the chip (the bank's): the next SSSE
                    # operation selects SSSE again.
                    s.selected = False
                    with contextlib.suppress(Exception):  # a pulled card cannot end its transaction
                        s.link.end()
            except (CardRemovedError, CardReset, NoCard, ReaderUnavailable):
                self._drop()
                raise

    def _ensure_selected(self, s: _CardConnection) -> None:
        if not s.selected:
            s.card.select()
            s.selected = True

    # ---- public operations ----
    def card_present(self) -> bool:
        """Is a card in the reader right now? (False also when the reader is missing.)"""
        try:
            ctx = establish_context()
        except ReaderUnavailable:
            return False
        try:
            return card_present(ctx, match_reader(self.reader_pattern, list_readers(ctx)))
        except ReaderUnavailable:
            return False
        finally:
            scard.SCardReleaseContext(ctx)

    def read_card(self, *, require_genuine: bool = True) -> CardInfo:
        """Read and authenticate the card. Raises CardNotGenuine (unless `require_genuine` is
        False: then CardInfo.genuine says), CardDataInvalid, CardRemovedError, NoCard, ..."""

        def op(s: _CardConnection) -> CardInfo:
            info = s.card.read_info(self.security, atr=s.link.atr, require_genuine=require_genuine)
            s.selected, s.info = True, info
            log.info("card read: %r", info)
            return info

        return self._run(op, fresh=True)

    def prove_presence(self, security: SecurityModule) -> bool:
        """INTERNAL AUTHENTICATE, on the card read last, to `security`'s challenge: with the
        back office's challenge (kiosk.backoffice.card_session) it proves the card is in the reader now."""

        def op(s: _CardConnection) -> bool:
            if s.info is None:
                raise NoCard(en="no card session: read the card first", zh="请先读卡")
            self._ensure_selected(s)
            return bool(
                s.card.internal_authenticate(security, bytes.fromhex(s.info.card_identifier))
            )

        return bool(self._run(op))

    def pinpad_available(self) -> bool:
        """Does the reader offer FEATURE_VERIFY_PIN_DIRECT (and is use_pinpad on)?"""
        if not self.use_pinpad:
            return False
        return FEATURE_VERIFY_PIN_DIRECT in self._run(self._features)

    def _features(self, s: _CardConnection) -> dict[int, int]:
        if s.features is None:
            try:
                s.features = parse_features(s.link.control(CM_IOCTL_GET_FEATURE_REQUEST, b""))
            except (CardRemovedError, NoCard, ReaderUnavailable):
                raise
            except CardError:
                s.features = {}  # the reader has no part 10 features (vpcd has none)
        return s.features

    def verify_pin(self, pin: PinSource) -> PinVerified:
        """VERIFY the PIN. Raises WrongPin(tries_left), PinBlockedError, CardRemovedError, ...

        A ScreenPin is wiped before this returns, whatever happens."""
        try:
            return self._run(lambda s: self._verify(s, pin))
        finally:
            if isinstance(pin, ScreenPin):
                pin.wipe()

    def _verify(self, s: _CardConnection, pin: PinSource) -> PinVerified:
        self._ensure_selected(s)
        if isinstance(pin, PinPad):
            code = self._features(s).get(FEATURE_VERIFY_PIN_DIRECT)
            if code is None or not self.use_pinpad:
                raise PinPadUnavailable()
            raw = s.link.control(
                code, verify_pin_direct_block(bytes((0x00, 0x20, 0x00, 0x00)), pad=pin)
            )
            if len(raw) < 2:
                raise CardError(en="PIN pad answered nothing", zh="密码键盘无响应")
            sw = (raw[-2] << 8) | raw[-1]
            if sw in (0x6400, 0x6401):  # timeout / cancel key on the PIN pad
                raise PinEntryCancelled()
            if sw != 0x9000:
                raise error_for(sw, "VERIFY")
            return PinVerified(initial_pin=None)
        block = codec.pin_block(pin.digits)
        try:
            initial = pin.is_initial()
            s.card.verify_pin(block)
        finally:
            block[:] = bytes(len(block))
            pin.wipe()
        return PinVerified(initial_pin=initial)

    def pin_tries_left(self) -> int | None:
        def op(s: _CardConnection) -> int | None:
            self._ensure_selected(s)
            return s.card.pin_tries_left()

        return self._run(op)

    def change_pin(self, old: ScreenPin, new: ScreenPin) -> None:
        """CHANGE PIN. Refuses 123456 and "same as old" before sending anything.
        Raises InitialPinForbidden, PinUnchanged, PinFormatError, WrongPin, PinBlockedError, ..."""
        try:
            if new.is_initial():
                raise InitialPinForbidden()
            if bytes(new.digits) == bytes(old.digits):
                raise PinUnchanged()
            old_block, new_block = codec.pin_block(old.digits), codec.pin_block(new.digits)

            def op(s: _CardConnection) -> None:
                self._ensure_selected(s)
                s.card.change_pin(old_block, new_block)

            try:
                self._run(op)
            finally:
                old_block[:] = bytes(len(old_block))
                new_block[:] = bytes(len(new_block))
        finally:
            old.wipe()
            new.wipe()

    @property
    def card_identifier(self) -> str | None:
        """The card identifier of the card read in the open session (None: no session)."""
        s = self._connection
        if s is None or s.info is None or s.generation != self._generation:
            return None
        return s.info.card_identifier

    def reload_pin(self, new: ScreenPin, confirm: ScreenPin) -> None:
        """RELOAD PIN on the card read last (a blocked card too): sets the PIN and the retry
        counter to its maximum. The caller has proved who the member is (kiosk: the face).
        Refuses, before anything is sent, a PIN that is not six digits, two entries that
        differ and 123456. Raises PinResetFormatError, PinMismatch, InitialPinForbidden,
        PinReloadRefused, NoPinReloadKey, NoCard, CardRemovedError, ... Both are wiped."""
        try:
            if len(new) != 6:
                raise PinResetFormatError()
            if new.digits != confirm.digits:
                raise PinMismatch()
            if new.is_initial():
                raise InitialPinForbidden()
            block = codec.pin_block(new.digits)

            def op(s: _CardConnection) -> None:
                if s.info is None:
                    raise NoCard(en="no card session: read the card first", zh="请先读卡")
                self._ensure_selected(s)
                s.card.reload_pin(self.security, bytes.fromhex(s.info.card_identifier), block)

            try:
                self._run(op)
            finally:
                block[:] = bytes(len(block))
        finally:
            new.wipe()
            confirm.wipe()


def reader_listed(pattern: str) -> bool:
    """Does pcscd list a reader matching `pattern` now? False when pcscd is down or none
    matches (the heartbeat's reader and PSAM probes; no card is touched)."""
    try:
        ctx = establish_context()
    except ReaderUnavailable:
        return False
    try:
        match_reader(pattern, list_readers(ctx))
        return True
    except ReaderUnavailable:
        return False
    finally:
        scard.SCardReleaseContext(ctx)


def open_reader(
    reader_pattern: str,
    *,
    security_kind: str = "software",
    keys_file: str | None = None,
    psam_reader_pattern: str = "",
    use_pinpad: bool = True,
    on_event: Callable[[str], None] | None = None,
) -> CardReader:
    """A CardReader built from the config values of [card_reader] and [security_module]."""
    from cardio.security import make_security_module

    security = make_security_module(
        security_kind, keys_file=keys_file, psam_reader_pattern=psam_reader_pattern
    )
    return CardReader(reader_pattern, security, use_pinpad=use_pinpad, on_event=on_event)
