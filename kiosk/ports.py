"""The kiosk core's view of its devices and of the back office: small Protocols.

The controller calls only these. Each has a real implementation (an adapter over cardio, the
back office client, the printer package) and may have a simulated one; config.toml chooses.
Every method may block: the controller calls them on worker threads, never on the UI thread.

Devices: `CardPort` (the member's card: reading, PIN entry on screen or on the reader's pad),
`ReaderCardPort` (the card adapter as the card-session wrapper sees it: the card read last and
the reader's presence proof), `ReceiptPrinterPort`, `A4PrinterPort`, `VoicePort`.
Services: `MemberDataPort` (what the session loads), `MemberRecordsPort` and `CertificatePort`
(the back office's member calls), `PaymentClientPort` (its payment calls), `HeartbeatSender`.
Payment devices: `EppPort` (the encrypting PIN pad: kiosk.devices).
Identity: `IdCardReaderPort` (the resident ID-card reader: kiosk.devices.idcard), `CameraPort`
(the face check's camera: kiosk.devices.camera).
Time: `Clock` (monotonic seconds) and `Today` (the hall's date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cardio.security import SecurityModule
from cardio.ssse import CardInfo
from common.pos8583 import WorkingKeys
from kiosk.devices.epp import PinEntryState
from kiosk.devices.idcard.text import IdCardReading
from kiosk.domain import CardHolder, Money, Period, Scheme
from kiosk.domain.benefits import BenefitPayment
from kiosk.domain.cards import CardRecord
from kiosk.domain.certificates import Certificate, CertificateKind
from kiosk.domain.documents import PaymentReceipt
from kiosk.domain.dues import Due
from kiosk.domain.estimate import PensionEstimate
from kiosk.domain.payments import Order, Quote
from kiosk.domain.records import ContributionMonth, PersonalAccounts
from kiosk.domain.summary import MemberSummary
from kiosk.errors import KioskError
from kiosk.session.machine import CardProblem
from printer.cups import JobResult, QueueState
from printer.status import PrinterStatus

Clock = Callable[[], float]  # monotonic seconds (time.monotonic)
Today = Callable[[], dt.date]  # the date in the hall's zone


class CardAccessError(KioskError):
    """The card cannot be used; `problem` says why in the session's terms. `holder`: the
    card's holder data, for a problem the member can solve at the kiosk (a blocked PIN, a
    temporary loss report: kiosk.session.machine.RECOVERABLE)."""

    def __init__(
        self, problem: CardProblem, detail: str = "", *, holder: CardHolder | None = None
    ) -> None:
        self.problem = problem
        self.holder = holder
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)


class PinRefused(KioskError):
    """A PIN change the card or the rules refuse; `reason` is an i18n key."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class CardReading:
    holder: CardHolder
    admin: bool
    pinpad: bool


@dataclass(frozen=True)
class PinResult:
    ok: bool
    tries_left: int | None = None
    blocked: bool = False
    initial_pin: bool = False


class CardPort(Protocol):
    def watch(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        """Deliver card inserted / removed, from any thread."""

    def read(self) -> CardReading:
        """Read the card, prove it genuine, check it at the back office. Raises
        CardAccessError."""

    def verify_pin(self, digits: bytearray | None) -> PinResult:
        """VERIFY; `None` = on the reader's own PIN pad. Wipes `digits` before returning."""

    def change_pin(self, old: bytearray, new: bytearray) -> None:
        """CHANGE PIN; wipes both buffers. Raises PinRefused."""

    def forget(self) -> None:
        """Drop what was read from the card."""


class MemberDataPort(Protocol):
    def load(self, key: str, holder: CardHolder, params: dict[str, Any]) -> Any:
        """Fetch one kind of member data ("summary", "history", "accounts", ...)."""

    def forget(self) -> None:
        """Drop what is known of the member (the session ended)."""

    def warm_up(self) -> None:
        """Load now, while no one waits, what the first member would otherwise wait for
        (optional: the controller calls it only if it is there)."""


class VoicePort(Protocol):
    def say(self, text: str, language: str) -> None:
        """Speak a prompt without blocking the caller for long."""


# -- the card reader, as the card-session wrapper needs it --------------------------------------


class PresenceReader(Protocol):
    def prove_presence(self, security: SecurityModule) -> bool:
        """INTERNAL AUTHENTICATE on the card read last, to `security`'s challenge."""


class ReaderCardPort(CardPort, Protocol):
    """A CardPort over a cardio reader (kiosk.session.card.CardAdapter)."""

    @property
    def reader(self) -> PresenceReader:
        """The reader the card is in."""

    @property
    def last_info(self) -> CardInfo | None:
        """What the last read gave (None before a read, or after `forget`)."""

    def stop(self) -> None:
        """Stop watching the reader."""


# -- printers -----------------------------------------------------------------------------------


class ReceiptPrinterPort(Protocol):
    """The receipt printer (printer.ReceiptPrinter; NoReceiptPrinter where none is fitted)."""

    def status(self) -> PrinterStatus:
        """Paper, cover and link, asked of the printer now."""

    def print_receipt(self, receipt: PaymentReceipt, *, force: bool = False) -> None:
        """Print one receipt; raises printer.errors.PrinterError when it cannot."""


class A4PrinterPort(Protocol):
    """The A4 queue (printer.A4Printer over CUPS; NoA4Printer where none is fitted)."""

    def state(self) -> QueueState:
        """The queue's condition now."""

    def print_pdf(self, pdf: bytes, title: str) -> JobResult:
        """Print a PDF and wait for the job's end."""


# -- the back office ----------------------------------------------------------------------------


class MemberRecordsPort(Protocol):
    """The back office's member and card calls the session's data handlers make."""

    def card_status(self, card_identifier: str, card_number: str) -> CardRecord: ...

    def report_loss(self, card_identifier: str, card_number: str) -> CardRecord: ...

    def summary(self, member_no: str) -> MemberSummary: ...

    def contributions(self, member_no: str) -> list[ContributionMonth]: ...

    def accounts(self, member_no: str) -> PersonalAccounts: ...

    def benefits(self, member_no: str) -> list[BenefitPayment]: ...

    def dues(self, member_no: str) -> list[Due]: ...

    def pension_estimate(self, member_no: str) -> PensionEstimate: ...


class CertificatePort(Protocol):
    def issue_certificate(
        self,
        member_no: str,
        kind: CertificateKind,
        *,
        months: int | None = None,
        first_year: int | None = None,
        last_year: int | None = None,
        idempotency_key: str | None = None,
    ) -> Certificate:
        """Issue (and attest) a certificate; the same key gives the same certificate."""


class PaymentClientPort(Protocol):
    """The back office's payment calls (kiosk.payments.client.PaymentClient)."""

    def quote(
        self,
        member_no: str,
        scheme: Scheme,
        *,
        base: Money | None = None,
        periods: Sequence[Period] | None = None,
        tier: Money | None = None,
    ) -> Quote: ...

    def create_order(self, key: str, quote_id: str, member_no: str, amount: Money) -> Order: ...

    def order(self, order_no: str) -> Order: ...

    def order_by_key(self, key: str) -> Order | None: ...

    def pay_card(self, order_no: str, key: str, account: str) -> Order: ...

    def open_qr(self, order_no: str, key: str) -> Order: ...

    def cancel(self, order_no: str) -> Order: ...

    def cancel_by_key(self, key: str) -> Order: ...

    def reconcile(
        self, day: dt.date, journal: Sequence[dict[str, Any]] | None
    ) -> dict[str, Any]: ...


class HeartbeatSender(Protocol):
    def heartbeat(
        self,
        devices: Mapping[str, str],
        app_version: str = "",
        audit_head: Mapping[str, Any] | None = None,
    ) -> object:
        """`audit_head`: {seq, hash, month}, passed only when the heartbeat carries the chain
        head (a sender without it still serves a kiosk that keeps no audit chain)."""


# -- the encrypting PIN pad ---------------------------------------------------------------------


class EppPort(Protocol):
    """The encrypting PIN pad (kiosk.devices.epp.EmulatedEpp, kiosk.devices.epp_serial.SerialEpp;
    config.toml [epp] chooses). It holds the TMK and the working keys; the PIN never leaves it:
    only the ISO 9564 format 0 block under the PIK does. Errors: kiosk.devices.epp.EppError."""

    has_keypad: bool  # True: the member types on the pad; False: `press` from the screen

    @property
    def signed_on(self) -> bool:
        """Working keys are loaded."""

    def load_working_keys(self, keys: WorkingKeys) -> None:
        """Sign-on's PIK and MAK (under the TMK, with check values); EppKeyError if refused."""

    def mac(self, data: bytes) -> bytes:
        """The 8-byte X9.19 MAC of `data` under the MAK."""

    def start_pin_entry(self, pan: str, *, min_digits: int = 4, max_digits: int = 12) -> None:
        """Open PIN entry for this card (its PAN goes into the format 0 block)."""

    def press(self, key: str) -> PinEntryState:
        """A key of the on-screen keypad (digit, back, clear, enter, cancel); a pad with keys
        of its own refuses it."""

    def state(self) -> PinEntryState:
        """How many digits are entered, and whether ENTER or CANCEL was pressed."""

    def pin_block(self) -> bytes:
        """The encrypted PIN block (8 bytes); the entry is closed and wiped."""

    def cancel(self) -> None:
        """Close the entry and wipe what was typed."""


# -- the resident ID-card reader -----------------------------------------------------------------


class IdCardReaderPort(Protocol):
    """The resident ID-card (居民身份证) reader (kiosk.devices.idcard: SerialIdCardReader,
    EmulatedIdCardReader; config.toml [idcard_reader] chooses). Errors:
    kiosk.devices.idcard.errors.IdCardReaderError (CardRemoved, InvalidIdCard, ReaderTimeout,
    FrameError...)."""

    def read_card(self) -> IdCardReading | None:
        """Find, select and read the card on the reader; None when there is none. The photo
        in the reading is opaque (encrypted wlt on a real card)."""

    def find_card(self) -> bool:
        """A card lies on the reader (one short exchange: how a card read is watched)."""

    def close(self) -> None:
        """Release the serial line."""


# -- the camera of the face check ----------------------------------------------------------------


class CameraPort(Protocol):
    """The camera (kiosk.devices.camera: V4l2Camera, EmulatedCamera; config.toml [camera]
    chooses). Errors: kiosk.devices.camera.errors.CameraError (CameraUnavailable, CameraGone).
    Frames are JPEG in bytearrays, so that the face check can wipe them after the answer."""

    def prompt(self, action: str) -> None:
        """What the screen asks the member now ("turn_left", "turn_right"): the emulated
        person follows it; a real camera does nothing."""

    def capture(self, n: int, interval: float) -> list[bytearray]:
        """`n` JPEG frames about `interval` seconds apart, at most 640 px wide. Raises
        CameraGone when the device disappears mid-capture, CameraUnavailable without one."""

    def close(self) -> None:
        """Release the device."""
