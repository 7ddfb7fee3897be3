"""The face check at the kiosk (docs/face.md): the back office gives a challenge (an action to
ask), the screen asks it, the camera takes the frames meanwhile, the back office answers
(liveness and the match against the member's enrolled face). The frames live only in memory:
they are wiped as soon as the answer is in (or the check fails), never written, never logged.

    verifier = FaceVerifier(client, camera)
    proof = verifier.verify(id_number, "certification", on_step)  # FaceVerified, or raises

Refusals (all `FaceError`, a kind of IdentityNotProven; `message_key` for the page):
FaceNotMatched (reason "no_face" | "not_live" | "no_match" | "many_faces", attempts_left),
CounterRequired (the day's failed attempts used up: the last refusal, or the next challenge),
NotEnrolled (no enrolled photo, or no member with that ID number), FaceUnavailable (no camera
or it went away, the back office down or its face model missing).
Blocking: run it on a worker thread, never the UI thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from kiosk.backoffice.errors import BackOfficeError, NotFound, Rejected
from kiosk.devices.camera.errors import CameraError
from kiosk.domain import CardHolder
from kiosk.domain.face import FaceAnswer, FaceChallenge
from kiosk.identity.proof import FaceVerified, IdentityNotProven
from kiosk.ports import CameraPort

log = logging.getLogger(__name__)

# on_step(step, action): ("prompt", "turn_left") before the capture, ("checking", None) after.
OnStep = Callable[[str, str | None], None]
DEFAULT_INTERVAL = 0.15


class FaceError(IdentityNotProven):
    """The face check did not prove the member; `message_key` names the reason (face.*)."""

    def __init__(self, message_key: str, detail: str = "") -> None:
        super().__init__(detail, message_key=message_key)


class FaceNotMatched(FaceError):
    """The frames were checked and refused: `reason` "no_face", "not_live", "no_match" or
    "many_faces"; `attempts_left` failed checks left today (at least 1: at 0 it is
    CounterRequired)."""

    def __init__(self, reason: str, attempts_left: int) -> None:
        self.reason = reason
        self.attempts_left = attempts_left
        super().__init__(f"face.{reason}", f"attempts left {attempts_left}")


class CounterRequired(FaceError):
    """The day's failed checks of this member are used up: the counter, not the kiosk.
    `reason`: the last refusal's ("no_match"...), None when the challenge itself said so."""

    def __init__(self, reason: str | None = None) -> None:
        self.reason = reason
        self.attempts_left = 0
        super().__init__("face.counter_required", reason or "")


class NotEnrolled(FaceError):
    """No enrolled face for this ID number (or no member with it): the counter enrols."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("face.not_enrolled", detail)


class FaceUnavailable(FaceError):
    """The check cannot run now: no camera or it went away, the back office down or its face
    service unavailable, an answer out of turn. The member may try again later."""

    def __init__(self, detail: str = "") -> None:
        super().__init__("face.unavailable", detail)


class FaceClient(Protocol):
    """kiosk.backoffice.client.BackOfficeClient as the face check needs it."""

    def face_challenge(self, id_number: str, purpose: str) -> FaceChallenge: ...

    def face_verify(self, challenge_id: str, frames: Sequence[bytes | bytearray]) -> FaceAnswer: ...


class FaceVerifier:
    """The face check: implements the IdentityProof port (`prove`) for the PIN reset, and
    `verify` for any purpose. `interval`: seconds between frames ([camera] interval)."""

    def __init__(
        self,
        client: FaceClient,
        camera: CameraPort,
        *,
        interval: float = DEFAULT_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.camera = camera
        self.interval = interval
        self.clock = clock

    def prove(self, holder: CardHolder) -> FaceVerified:
        """The person in front of the kiosk is the holder of the card in the reader (the PIN
        reset). Raises a FaceError (an IdentityNotProven)."""
        return self.verify(holder.id_number, "pin_reset", card_identifier=holder.card_identifier)

    def verify(
        self,
        id_number: str,
        purpose: str,
        on_step: OnStep | None = None,
        *,
        card_identifier: str | None = None,
    ) -> FaceVerified:
        """Check the face of the member of `id_number` for `purpose` ("certification",
        "pin_reset", "id_session"). Returns the proof; raises a FaceError."""
        step = on_step or _no_step
        challenge = self._challenge(id_number, purpose)
        step("prompt", challenge.action)
        frames: list[bytearray] = []
        try:
            try:
                self.camera.prompt(challenge.action)
                frames = self.camera.capture(challenge.frames, self.interval)
            except CameraError as e:
                log.warning("face check: camera: %s", e)
                raise FaceUnavailable(f"camera: {type(e).__name__}") from None
            step("checking", None)
            answer = self._answer(challenge.challenge_id, frames)
        finally:
            for frame in frames:
                frame[:] = bytes(len(frame))
            frames.clear()
        if answer.verified:
            log.info("face check: matched and live (%s)", purpose)
            return FaceVerified(
                card_identifier,
                score=float(answer.distance) if answer.distance is not None else 0.0,
                at=self.clock(),
                verification_id=answer.verification_id,
                member_no=answer.member_no,
                id_number=id_number,
            )
        reason = (answer.reason or ("NOT_LIVE" if answer.matched else "NO_MATCH")).lower()
        log.info("face check: refused (%s), %d attempts left", reason, answer.attempts_left)
        if answer.attempts_left <= 0:
            raise CounterRequired(reason)
        raise FaceNotMatched(reason, answer.attempts_left)

    def _challenge(self, id_number: str, purpose: str) -> FaceChallenge:
        try:
            return self.client.face_challenge(id_number, purpose)
        except NotFound:
            raise NotEnrolled("no member with this ID number") from None
        except Rejected as e:
            if e.code == "COUNTER_REQUIRED":
                raise CounterRequired() from None
            if e.code == "NOT_ENROLLED":
                raise NotEnrolled() from None
            raise FaceUnavailable(f"challenge refused: {e.code}") from None
        except BackOfficeError as e:
            log.warning("face check: challenge: %s", type(e).__name__)
            raise FaceUnavailable(f"back office: {type(e).__name__}") from None

    def _answer(self, challenge_id: str, frames: Sequence[bytearray]) -> FaceAnswer:
        try:
            return self.client.face_verify(challenge_id, frames)
        except Rejected as e:
            if e.code == "COUNTER_REQUIRED":
                raise CounterRequired() from None
            if e.code == "NOT_ENROLLED":
                raise NotEnrolled() from None
            raise FaceUnavailable(f"verification refused: {e.code}") from None
        except BackOfficeError as e:
            log.warning("face check: verification: %s", type(e).__name__)
            raise FaceUnavailable(f"back office: {type(e).__name__}") from None


def _no_step(step: str, action: str | None) -> None:
    """No screen to tell."""
