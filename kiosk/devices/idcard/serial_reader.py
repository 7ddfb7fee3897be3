"""kiosk.ports.IdCardReaderPort for a reader on a serial line (pyserial): find the card, select
it, read its base information (kiosk.devices.idcard.frames, .text)."""

from __future__ import annotations

import threading

import serial

from kiosk.devices.idcard import frames as f
from kiosk.devices.idcard.errors import CardRemoved, ReaderRefused, UnknownStatusError
from kiosk.devices.idcard.text import IdCardReading, parse_base_info

_NAMES = {
    f.RESET: "reset",
    f.SAM_STATUS: "SAM status",
    f.SAM_ID: "SAM id",
    f.FIND_CARD: "find card",
    f.SELECT_CARD: "select card",
    f.READ_BASE: "read text and photo",
}


class SerialIdCardReader:
    """A GA 467 (SAM protocol) ID-card reader on `device`. 115200 baud is the readers' default;
    `timeout` bounds the wait for each answer (a read of text and photo takes a real reader
    about a second)."""

    def __init__(self, device: str, *, baudrate: int = 115200, timeout: float = 3.0) -> None:
        self._line = serial.Serial(device, baudrate=baudrate, timeout=timeout)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SerialIdCardReader({self._line.port!r})"

    def close(self) -> None:
        self._line.close()

    def _ask(self, command: tuple[int, int], *expected: int) -> f.Answer:
        name = _NAMES.get(command, f"{command[0]:02X} {command[1]:02X}")
        with self._lock:
            self._line.reset_input_buffer()  # a late answer to an earlier request is stale
            self._line.write(f.request(command))
            self._line.flush()
            ans = f.parse_answer(f.read_body(self._line.read))
        if ans.status in expected:
            return ans
        meaning = f.STATUS.get(ans.status)
        if meaning is None:
            raise UnknownStatusError(ans.status)
        if ans.status in (f.SELECT_FAILED, f.READ_FAILED):
            raise CardRemoved(ans.status, meaning, name)
        raise ReaderRefused(ans.status, meaning, name)

    def sam_id(self) -> bytes:
        """The reader's SAM number (16 bytes on the readers documented)."""
        return self._ask(f.SAM_ID, f.OK).data

    def find_card(self) -> bool:
        """A card is on the reader (status 9F), or not (80)."""
        return self._ask(f.FIND_CARD, f.FOUND, f.NO_CARD).status == f.FOUND

    def select_card(self) -> bytes:
        """Select the card found; its chip serial (8 bytes). CardRemoved if it went away."""
        return self._ask(f.SELECT_CARD, f.OK).data

    def read_base(self) -> IdCardReading:
        """Text and photo of the selected card. CardRemoved if it went away mid-read;
        InvalidIdCard if its text is not a valid card."""
        return parse_base_info(self._ask(f.READ_BASE, f.OK).data)

    def read_card(self) -> IdCardReading | None:
        """Find, select, read: the card on the reader, or None when there is none."""
        if not self.find_card():
            return None
        self.select_card()
        return self.read_base()
