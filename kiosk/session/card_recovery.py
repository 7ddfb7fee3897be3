"""Getting a member's card working again at the kiosk (issue 20, in progress; no UI yet):

- `PinResetService`: a forgotten or blocked 社保 PIN is reset (RELOAD PIN, cardio) only with a
  `FaceVerified` proof for the card in the reader, fresh and used once, and the new PIN
  entered twice (six digits, not 123456).
- `LossCancelService`: 解除临时挂失 with the card and its PIN: the card verifies the PIN, then
  the back office makes the card valid again.

Who the member is comes through the `IdentityProof` port (kiosk.identity.proof, with
`FaceVerified`, `IdentityNotProven` and `RecoveryError`, imported here for this module's
callers): kiosk.identity.face.FaceVerifier checks the face with the camera and the back office.
`EmulatedIdentityProof` stands in for it in unit tests of one class only, and says so.
Runs on the controller's card thread, like the card port.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from cardio import errors as ce
from cardio.pin import ScreenPin
from kiosk.backoffice.errors import BackOfficeError, Rejected
from kiosk.domain import CardHolder
from kiosk.domain.cards import CardRecord
from kiosk.identity.proof import FaceVerified, IdentityNotProven, IdentityProof, RecoveryError
from kiosk.session.pin_refusals import pin_refusal_key

PROOF_SECONDS = 120.0  # a face check older than this no longer opens a PIN reset


__all__ = [
    "EmulatedIdentityProof",
    "FaceVerified",
    "IdentityNotProven",
    "IdentityProof",
    "LossCancelService",
    "PinResetService",
    "RecoveryError",
]


class EmulatedIdentityProof:
    """EMULATED, for unit tests of one class only: no camera, no face model (the demo runs
    the real check on the emulated camera). `outcome`: "member" matches, "someone_else" and
    "no_face" do not."""

    OUTCOMES = ("member", "someone_else", "no_face")

    def __init__(self, outcome: str = "member", clock: Callable[[], float] = time.monotonic):
        if outcome not in self.OUTCOMES:
            raise ValueError(f"outcome is one of {self.OUTCOMES}")
        self.outcome = outcome
        self.clock = clock

    def prove(self, holder: CardHolder) -> FaceVerified:
        if self.outcome != "member":
            raise IdentityNotProven(f"emulated camera: {self.outcome}")
        return FaceVerified(holder.card_identifier, score=0.35, at=self.clock(), emulated=True)


class PinReloadReader(Protocol):
    """cardio.reader.CardReader as the reset needs it."""

    @property
    def card_identifier(self) -> str | None: ...

    def reload_pin(self, new: ScreenPin, confirm: ScreenPin) -> None: ...


class PinVerifyReader(Protocol):
    def verify_pin(self, pin: ScreenPin) -> object: ...


class LossClient(Protocol):
    def cancel_loss(self, card_identifier: str, card_number: str) -> CardRecord: ...


def _take(buf: bytearray) -> ScreenPin:
    """The digits into a ScreenPin (cardio wipes it); the caller's buffer wiped at once."""
    try:
        return ScreenPin(buf)
    except ce.PinFormatError:
        raise RecoveryError("pin.format") from None
    finally:
        buf[:] = bytes(len(buf))


class PinResetService:
    def __init__(
        self,
        reader: PinReloadReader,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = PROOF_SECONDS,
    ) -> None:
        self.reader = reader
        self.clock = clock
        self.max_age = max_age

    def reset(self, proof: FaceVerified | None, new: bytearray, confirm: bytearray) -> None:
        """RELOAD PIN on the card in the reader, for the card the proof names. Wipes both
        buffers. Raises IdentityNotProven, RecoveryError (pin.format, pin.mismatch,
        pin.initial_not_allowed, pin_reset.refused, pin_reset.unavailable,
        problem.unreadable.title). The proof is spent by a reset that succeeds."""
        pins: list[ScreenPin] = []
        try:
            proof = self._check(proof)
            pins.append(_take(new))
            pins.append(_take(confirm))
            self.reader.reload_pin(pins[0], pins[1])
            proof.spend()
        except (ce.PinMismatch, ce.InitialPinForbidden, ce.PinFormatError) as e:
            raise RecoveryError(pin_refusal_key(e)) from None
        except ce.NoPinReloadKey:
            raise RecoveryError("pin_reset.unavailable") from None
        except ce.PinReloadRefused as e:
            raise RecoveryError("pin_reset.refused", f"{e.sw:04X}") from None
        except ce.CardError as e:
            raise RecoveryError("problem.unreadable.title", type(e).__name__) from None
        finally:
            new[:] = bytes(len(new))
            confirm[:] = bytes(len(confirm))
            for pin in pins:
                pin.wipe()

    def _check(self, proof: FaceVerified | None) -> FaceVerified:
        if not isinstance(proof, FaceVerified):
            raise IdentityNotProven("no proof")
        if proof.card_identifier != self.reader.card_identifier:
            raise IdentityNotProven("the proof is for another card")
        if not 0 <= self.clock() - proof.at <= self.max_age:
            raise IdentityNotProven("the proof is stale")
        if proof.spent:
            raise IdentityNotProven("the proof was used")
        return proof


class LossCancelService:
    def __init__(self, reader: PinVerifyReader, client: LossClient) -> None:
        self.reader = reader
        self.client = client

    def cancel(self, holder: CardHolder, pin: bytearray) -> CardRecord:
        """VERIFY the PIN on the card, then have the back office lift the temporary loss.
        Wipes `pin`. Raises RecoveryError (pin.wrong with tries_left, problem.blocked.title,
        loss.void, error.backoffice, problem.unreadable.title)."""
        source = _take(pin)
        try:
            self.reader.verify_pin(source)
        except ce.WrongPin as e:
            raise RecoveryError("pin.wrong", tries_left=e.tries_left) from None
        except ce.PinBlockedError:
            raise RecoveryError("problem.blocked.title") from None
        except ce.CardError as e:
            raise RecoveryError("problem.unreadable.title", type(e).__name__) from None
        finally:
            source.wipe()
        try:
            return self.client.cancel_loss(holder.card_identifier, holder.card_number)
        except Rejected as e:
            key = "loss.void" if e.code == "CARD_VOID" else "error.backoffice"
            raise RecoveryError(
                key, e.code, message_zh=e.message_zh, message_en=e.message_en
            ) from None
        except BackOfficeError as e:
            raise RecoveryError("error.backoffice", type(e).__name__) from None
