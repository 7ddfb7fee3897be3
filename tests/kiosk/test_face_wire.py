"""The face API's answers as the kiosk reads them (kiosk.domain.wire.face_challenge /
face_answer): worked examples, and what is refused as not the API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from kiosk.backoffice.errors import ProtocolError
from kiosk.backoffice.transport import decode
from kiosk.domain import wire

CHALLENGE = {"challenge_id": "ab" * 16, "action": "turn_left", "frames": 5, "expires_in": 60}
PASSED = {
    "verification_id": "cd" * 16,
    "matched": True,
    "live": True,
    "distance": "0.364",
    "threshold": "0.600",
    "reason": None,
    "member_no": "M000004",
    "attempts_left": 3,
}


def test_a_challenge() -> None:
    ch = decode(wire.face_challenge, CHALLENGE)
    assert (ch.action, ch.frames, ch.expires_in) == ("turn_left", 5, 60)
    assert "ab" * 16 not in repr(ch)  # the challenge id stays out of logs


def test_a_passed_and_a_refused_answer() -> None:
    ok = decode(wire.face_answer, PASSED)
    assert ok.verified and ok.distance == Decimal("0.364") and ok.threshold == Decimal("0.600")
    assert "cd" * 16 not in repr(ok)
    refused = decode(
        wire.face_answer,
        PASSED | {"verification_id": None, "matched": False, "reason": "NO_MATCH",
                  "distance": "0.855", "member_no": None, "attempts_left": 2},
    )  # fmt: skip
    assert not refused.verified and refused.reason == "NO_MATCH" and refused.attempts_left == 2
    no_face = decode(
        wire.face_answer,
        PASSED | {"verification_id": None, "matched": False, "live": False, "distance": None,
                  "reason": "NO_FACE", "member_no": None},
    )  # fmt: skip
    assert no_face.distance is None and not no_face.verified


@pytest.mark.parametrize(
    ("parse", "body"),
    [
        (wire.face_challenge, CHALLENGE | {"action": "blink"}),
        (wire.face_challenge, CHALLENGE | {"frames": "5"}),
        (wire.face_answer, PASSED | {"reason": "TOO_DARK"}),
        (wire.face_answer, PASSED | {"distance": "near"}),
        (wire.face_answer, PASSED | {"attempts_left": True}),
        (wire.face_answer, {k: v for k, v in PASSED.items() if k != "live"}),
    ],
)
def test_not_the_api(parse: Any, body: dict[str, Any]) -> None:
    with pytest.raises(ProtocolError):
        decode(parse, body)
