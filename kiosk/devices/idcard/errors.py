"""The ID-card reader's errors: one root under KioskError, one kind per way a read goes wrong."""

from __future__ import annotations

from kiosk.errors import KioskError


class IdCardReaderError(KioskError):
    """The reader could not give a card's data (the message says why, never an ID number)."""

    message_key = "idcard.reader_fault"


class ReaderTimeout(IdCardReaderError):
    """The reader did not answer within the timeout (unplugged, powered off, wrong baud)."""


class FrameError(IdCardReaderError):
    """An answer that is not a well-formed frame (out of step, length out of range)."""


class ShortFrameError(FrameError):
    """The answer stopped before its length said it would end."""


class ChecksumError(FrameError):
    """The answer's XOR checksum does not match its bytes (line noise, a bad cable)."""


class UnknownStatusError(IdCardReaderError):
    """The reader answered with a status code the protocol does not define."""

    def __init__(self, status: int) -> None:
        self.status = status
        super().__init__(f"ID-card reader: unknown status {status:02X}")


class ReaderRefused(IdCardReaderError):
    """A status the protocol defines, but not the one asked for (e.g. a SAM fault)."""

    def __init__(self, status: int, meaning: str, command: str) -> None:
        self.status = status
        self.meaning = meaning
        super().__init__(f"ID-card reader: {command}: status {status:02X} ({meaning})")


class CardRemoved(ReaderRefused):
    """The card was found but could not be selected or read: taken away mid-read, or moved."""

    message_key = "idcard.card_removed"


class InvalidIdCard(IdCardReaderError):
    """The card was read but its text is not a valid ID card (a wrong GB 11643 check character,
    a field that is not a date...): a misread or a forged card."""

    message_key = "idcard.invalid"
