"""Links to a card: PC/SC through pyscard's scard layer, and in-process to an emulated card.

PC/SC failures become cardio errors: no service / no matching reader -> ReaderUnavailable,
no card -> NoCard, card gone during a command -> CardRemovedError, card reset by someone else ->
CardReset (the caller reconnects and starts over).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Protocol

from smartcard import scard

from cardio.errors import CardError, CardRemovedError, NoCard, ReaderUnavailable


class CardReset(CardError):
    """Another application reset the card: the session on the card is gone."""

    zh = "卡片已被复位"
    en = "the card was reset"


class InProcessCard(Protocol):
    """What InProcessLink needs of a card object (cardio.emulator.card.EmulatedCard)."""

    atr: bytes

    def power_on(self) -> None: ...

    def process(self, apdu: bytes) -> bytes: ...


class CardLink(Protocol):
    atr: bytes

    def transmit(self, apdu: bytes | bytearray) -> bytes: ...

    def control(self, code: int, data: bytes) -> bytes: ...

    def close(self) -> None: ...


_NO_SERVICE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
}
_NO_READER = {
    scard.SCARD_E_NO_READERS_AVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
    scard.SCARD_E_READER_UNAVAILABLE,
}
_NO_CARD = {scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD}
# The reader refuses the request itself (a plain reader asked for part 10 features): nothing
# about the card, so no wait to see whether it left.
_REFUSED_BY_READER = {scard.SCARD_E_UNSUPPORTED_FEATURE, scard.SCARD_E_INVALID_PARAMETER}


def _pcsc_message(rc: int) -> str:
    return f"{scard.SCardGetErrorMessage(rc).strip()} (0x{rc & 0xFFFFFFFF:08X})"


def establish_context() -> int:
    ctx: int  # pyscard has no types: the context handle is an int
    rc, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        raise ReaderUnavailable(
            en=f"PC/SC service unavailable: {_pcsc_message(rc)}", zh="智能卡服务（pcscd）不可用"
        )
    return ctx


def list_readers(ctx: int) -> list[str]:
    rc, readers = scard.SCardListReaders(ctx, [])
    if rc in _NO_READER or (rc == scard.SCARD_S_SUCCESS and not readers):
        return []
    if rc != scard.SCARD_S_SUCCESS:
        raise ReaderUnavailable(en=f"cannot list readers: {_pcsc_message(rc)}", zh="无法列出读卡器")
    return list(readers)


def match_reader(pattern: str, readers: list[str]) -> str:
    """The first reader whose name matches the regular expression `pattern`."""
    rx = re.compile(pattern)
    for name in readers:
        if rx.search(name):
            return name
    raise ReaderUnavailable(
        en=f"no reader matches {pattern!r} (readers: {', '.join(readers) or 'none'})",
        zh=f"未找到读卡器 {pattern}",
    )


def card_present(ctx: int, reader: str) -> bool:
    rc, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
    if rc != scard.SCARD_S_SUCCESS:
        return False
    return bool(states[0][1] & scard.SCARD_STATE_PRESENT)


class PcscLink:
    """One connection to the card in the first reader matching `reader_pattern`."""

    def __init__(self, reader_pattern: str, *, exclusive: bool = False) -> None:
        self.reader_pattern = reader_pattern
        self.share = scard.SCARD_SHARE_EXCLUSIVE if exclusive else scard.SCARD_SHARE_SHARED
        self.ctx = establish_context()
        try:
            self.reader = match_reader(reader_pattern, list_readers(self.ctx))
            rc, self.hcard, self.protocol = scard.SCardConnect(
                self.ctx, self.reader, self.share, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
            )
            if rc != scard.SCARD_S_SUCCESS:
                raise self._error(rc, "connect")
            self.atr = self._status_atr()
        except BaseException:
            scard.SCardReleaseContext(self.ctx)
            raise
        self._in_transaction = False

    def _status_atr(self) -> bytes:
        rc, _reader, _state, _proto, atr = scard.SCardStatus(self.hcard)
        if rc != scard.SCARD_S_SUCCESS:
            raise self._error(rc, "status")
        return bytes(atr)

    def _error(self, rc: int, what: str) -> CardError:
        if rc in _NO_SERVICE:
            return ReaderUnavailable(
                en=f"PC/SC service lost: {_pcsc_message(rc)}", zh="智能卡服务中断"
            )
        if rc in _NO_READER:
            return ReaderUnavailable(
                en=f"reader {self.reader_pattern!r} gone: {_pcsc_message(rc)}", zh="读卡器已断开"
            )
        if rc == scard.SCARD_W_RESET_CARD:
            return CardReset()
        if rc in _NO_CARD:
            return NoCard() if what == "connect" else CardRemovedError()
        if what != "connect" and rc not in _REFUSED_BY_READER and self._card_gone():
            return CardRemovedError()
        return CardError(
            en=f"card communication error ({what}): {_pcsc_message(rc)}", zh="与卡片通信失败"
        )

    def _card_gone(self, wait: float = 1.0) -> bool:
        """After a failed command: has the card left? pcscd may need a moment to notice."""
        deadline = time.monotonic() + wait
        while True:
            if not card_present(self.ctx, self.reader):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def transmit(self, apdu: bytes | bytearray) -> bytes:
        rc, response = scard.SCardTransmit(self.hcard, self.protocol, list(apdu))
        if rc != scard.SCARD_S_SUCCESS:
            raise self._error(rc, "transmit")
        if len(response) < 2:
            # vpcd answers "success, no bytes" when its card vanished mid-command.
            if self._card_gone():
                raise CardRemovedError()
            raise CardError(en="the card answered nothing", zh="卡片无响应")
        return bytes(response)

    def control(self, code: int, data: bytes) -> bytes:
        rc, response = scard.SCardControl(self.hcard, code, list(data))
        if rc != scard.SCARD_S_SUCCESS:
            raise self._error(rc, "control")
        return bytes(response)

    def begin(self) -> None:
        rc = scard.SCardBeginTransaction(self.hcard)
        if rc != scard.SCARD_S_SUCCESS:
            raise self._error(rc, "transaction")
        self._in_transaction = True

    def end(self) -> None:
        if self._in_transaction:
            self._in_transaction = False
            scard.SCardEndTransaction(self.hcard, scard.SCARD_LEAVE_CARD)

    def reconnect(self) -> None:
        """After a reset by another application: reconnect (the card session starts over)."""
        rc, self.protocol = scard.SCardReconnect(
            self.hcard,
            self.share,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
            scard.SCARD_LEAVE_CARD,
        )
        if rc != scard.SCARD_S_SUCCESS:
            raise self._error(rc, "reconnect")
        self.atr = self._status_atr()

    def close(self, *, reset: bool = False) -> None:
        self.end()
        disposition = scard.SCARD_RESET_CARD if reset else scard.SCARD_LEAVE_CARD
        scard.SCardDisconnect(self.hcard, disposition)
        scard.SCardReleaseContext(self.ctx)


class InProcessLink:
    """A link straight to an emulated card object: no pcscd, for fast unit tests."""

    def __init__(self, card: InProcessCard, *, pull_after: int | None = None) -> None:
        self.card = card
        self.atr = card.atr
        self.pull_after = pull_after
        self.sent = 0
        self.removed = False
        card.power_on()

    def transmit(self, apdu: bytes | bytearray) -> bytes:
        if self.removed or (self.pull_after is not None and self.sent >= self.pull_after):
            self.removed = True
            raise CardRemovedError()
        self.sent += 1
        return self.card.process(bytes(apdu))

    def control(self, code: int, data: bytes) -> bytes:
        raise CardError(en="no reader controls on an in-process link", zh="不支持读卡器控制")

    def begin(self) -> None:
        pass

    def end(self) -> None:
        pass

    def reconnect(self) -> None:
        self.card.power_on()

    def close(self, *, reset: bool = False) -> None:
        pass


class _Stop(Exception):
    pass


class CardMonitor:
    """Watches one reader and calls `callback(event)` on its own worker thread.

    Events: "inserted", "removed", "reader_lost", "reader_back". Survives the reader being
    unplugged and replugged, and pcscd restarting (it re-establishes its context).
    """

    def __init__(
        self, reader_pattern: str, callback: Callable[[str], object], *, poll: float = 0.25
    ) -> None:
        self.reader_pattern = reader_pattern
        self.callback = callback
        self.poll = poll
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="card-monitor", daemon=True)
        self._ctx: int | None = None
        self.present: bool | None = None
        self.reader_ok: bool | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        ctx = self._ctx
        if ctx is not None:
            scard.SCardCancel(ctx)
        self._thread.join(timeout=5)

    def _emit(self, event: str) -> None:
        try:
            self.callback(event)
        except Exception:  # a broken callback must not kill the monitor
            import logging

            logging.getLogger("cardio.monitor").exception("card event callback failed")

    def _set(self, reader_ok: bool, present: bool) -> None:
        if reader_ok != self.reader_ok:
            if self.reader_ok is not None or not reader_ok:
                self._emit("reader_back" if reader_ok else "reader_lost")
            self.reader_ok = reader_ok
        if present != self.present:
            if self.present is not None or present:
                self._emit("inserted" if present else "removed")
            self.present = present

    def _run(self) -> None:
        ms = int(self.poll * 1000)
        while not self._stop.is_set():
            try:
                if self._ctx is None:
                    self._ctx = establish_context()
                reader = match_reader(self.reader_pattern, list_readers(self._ctx))
            except ReaderUnavailable:
                if self._ctx is not None:
                    scard.SCardReleaseContext(self._ctx)
                    self._ctx = None
                self._set(False, False)
                self._stop.wait(self.poll)
                continue
            state = scard.SCARD_STATE_UNAWARE
            while not self._stop.is_set():
                rc, states = scard.SCardGetStatusChange(self._ctx, ms, [(reader, state)])
                if rc == scard.SCARD_E_TIMEOUT:
                    continue
                if rc != scard.SCARD_S_SUCCESS or states[0][1] & (
                    scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE
                ):
                    break  # reader or service gone: re-list
                new_state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                present = bool(new_state & scard.SCARD_STATE_PRESENT)
                # pcsc-lite counts card events in the high 16 bits: a swap faster than our
                # poll shows as "still present" with a new count. Report it as out + in.
                swapped = (
                    state != scard.SCARD_STATE_UNAWARE
                    and present
                    and self.present
                    and (new_state >> 16) != (state >> 16)
                )
                if swapped:
                    self._set(True, False)
                self._set(True, present)
                state = new_state
            self._stop.wait(self.poll / 5)
        if self._ctx is not None:
            scard.SCardReleaseContext(self._ctx)
            self._ctx = None
