"""The kiosk's face check (kiosk.identity.face.FaceVerifier) with the emulated camera against
the real back office over HTTP (backoffice.harness): the member matches, someone else does not,
a photo is not live, no face, the camera gone, the back office down or without its face model,
the day's attempts used up; the frames wiped and nothing written to disk.

The seeder enrols the showcase members (member ids 1-8) with var/faces/obama.jpg; the emulated
camera's "member" is obama2.jpg (the same man, another photo: distance about 0.43 at 640 px),
"someone_else" biden.jpg (about 0.85). Threshold 0.6, 3 failed checks a day (policy [face],
[certification]). Each test uses its own member: failed checks count per member per day."""

from __future__ import annotations

import base64
import logging
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backoffice.harness import RunningService, running_service
from kiosk.backoffice.client import BackOfficeClient
from kiosk.config import BackOfficeConfig
from kiosk.devices.camera.emulated import EmulatedCamera
from kiosk.domain import CardHolder
from kiosk.domain.certification import CertificationMethod
from kiosk.identity.face import (
    CounterRequired,
    FaceNotMatched,
    FaceUnavailable,
    FaceVerifier,
    NotEnrolled,
)
from kiosk.identity.proof import IdentityNotProven
from tests.helpers.backoffice import TODAY, make_client
from tests.helpers.paths import REPO

PHOTOS = REPO / "var" / "faces"
RETIREE = 4  # showcase #3: the retiree receiving a pension
NOT_ENROLLED = 12  # past the showcases: never enrolled


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    if not (PHOTOS / "obama.jpg").is_file():
        pytest.fail("var/faces is missing: run .venv/bin/python scripts/face_photos.py")
    with running_service(members=14, seed=3, today=TODAY) as s:
        yield s


@pytest.fixture(scope="module")
def client(svc: RunningService) -> Iterator[BackOfficeClient]:
    with make_client(svc) as c:
        yield c


class Recorder(EmulatedCamera):
    """The emulated camera keeping a reference to every frame it gave (to see them wiped)."""

    def __init__(self, subject: str) -> None:
        super().__init__(PHOTOS, subject, seed=20)
        self.given: list[bytearray] = []
        self.prompts: list[str] = []

    def prompt(self, action: str) -> None:
        self.prompts.append(action)
        super().prompt(action)

    def capture(self, n: int, interval: float) -> list[bytearray]:
        frames = super().capture(n, interval)
        self.given += frames
        self.copies = [bytes(f) for f in frames]  # what was sent, for the searches below
        return frames


def member(svc: RunningService, member_id: int) -> tuple[str, str]:
    """(member number, ID number) from the service's database."""
    with sqlite3.connect(svc.database) as c:
        row = c.execute(
            "SELECT member_no, id_number FROM member WHERE id = ?", (member_id,)
        ).fetchone()
    return str(row[0]), str(row[1])


def verifier(client: BackOfficeClient, subject: str) -> tuple[FaceVerifier, Recorder]:
    camera = Recorder(subject)
    return FaceVerifier(client, camera, interval=0.0), camera


def test_the_member_matches_and_certifies(svc: RunningService, client: BackOfficeClient) -> None:
    member_no, id_number = member(svc, RETIREE)
    face, camera = verifier(client, "member")
    steps: list[tuple[str, str | None]] = []
    proof = face.verify(id_number, "certification", lambda s, a: steps.append((s, a)))
    # The screen was told the action before the person was asked, then "checking".
    assert steps == [("prompt", camera.prompts[0]), ("checking", None)]
    assert camera.prompts[0] in ("turn_left", "turn_right")
    assert proof.member_no == member_no and proof.id_number == id_number
    assert proof.verification_id and not proof.emulated and proof.card_identifier is None
    # obama.jpg enrolled, obama2.jpg (mirrored or not) in front: about 0.43, under 0.6.
    assert 0.2 < proof.score < 0.6
    assert id_number not in repr(proof) and proof.verification_id not in repr(proof)
    # The frames are wiped once the answer is in.
    assert len(camera.given) == 5 and all(not any(f) for f in camera.given)
    # The back office takes the verification for the certification (its score, not ours).
    attempt = client.record_certification(
        member_no,
        CertificationMethod("face/kiosk"),
        success=True,
        verification_id=proof.verification_id,
    )
    assert attempt.success and attempt.certification.last_certified == TODAY


def test_prove_for_the_pin_reset_names_the_card(
    svc: RunningService, client: BackOfficeClient
) -> None:
    member_no, id_number = member(svc, 8)
    holder = CardHolder(id_number, "测试", "A00000001", "ab" * 16, "110100")
    face, _ = verifier(client, "member")
    proof = face.prove(holder)
    assert proof.card_identifier == "ab" * 16 and proof.member_no == member_no


def test_someone_else_does_not_match(svc: RunningService, client: BackOfficeClient) -> None:
    _, id_number = member(svc, 2)
    face, camera = verifier(client, "someone_else")
    with pytest.raises(FaceNotMatched) as e:
        face.verify(id_number, "certification")
    assert (e.value.reason, e.value.attempts_left) == ("no_match", 2)  # 3 a day - 1
    assert e.value.message_key == "face.no_match"
    assert isinstance(e.value, IdentityNotProven)  # the PIN reset's refusal too
    assert all(not any(f) for f in camera.given)


def test_a_photo_is_not_live(svc: RunningService, client: BackOfficeClient) -> None:
    _, id_number = member(svc, 3)
    face, _ = verifier(client, "photo")
    with pytest.raises(FaceNotMatched) as e:
        face.verify(id_number, "pin_reset")
    assert (e.value.reason, e.value.attempts_left) == ("not_live", 2)


def test_no_face(svc: RunningService, client: BackOfficeClient) -> None:
    _, id_number = member(svc, 5)
    face, _ = verifier(client, "no_face")
    with pytest.raises(FaceNotMatched) as e:
        face.verify(id_number, "id_session")
    assert e.value.reason == "no_face" and e.value.message_key == "face.no_face"


def test_camera_gone_mid_capture_sends_nothing(
    svc: RunningService, client: BackOfficeClient
) -> None:
    _, id_number = member(svc, 6)
    face, camera = verifier(client, "gone")
    with pytest.raises(FaceUnavailable) as e:
        face.verify(id_number, "certification")
    assert e.value.message_key == "face.unavailable" and "CameraGone" in str(e.value)
    assert len(camera.given) == 0  # the two frames taken were wiped inside the camera
    # Nothing was judged: the member's day is untouched (a success after it costs nothing).
    camera.set_subject("member")
    assert face.verify(id_number, "certification").verification_id


def test_three_failures_send_to_the_counter(svc: RunningService, client: BackOfficeClient) -> None:
    _, id_number = member(svc, 7)
    face, camera = verifier(client, "someone_else")
    left = []
    for _ in range(2):
        with pytest.raises(FaceNotMatched) as e:
            face.verify(id_number, "certification")
        left.append(e.value.attempts_left)
    assert left == [2, 1]
    with pytest.raises(CounterRequired) as last:  # the third failure: 3 - 3 = 0 left
        face.verify(id_number, "certification")
    assert last.value.reason == "no_match" and last.value.attempts_left == 0
    camera.set_subject("member")  # even the member himself, today: the counter
    with pytest.raises(CounterRequired) as after:
        face.verify(id_number, "certification")
    assert after.value.reason is None and camera.prompts[-1] != "" and len(camera.given) == 15


def test_not_enrolled_and_unknown(svc: RunningService, client: BackOfficeClient) -> None:
    _, id_number = member(svc, NOT_ENROLLED)
    face, camera = verifier(client, "member")
    with pytest.raises(NotEnrolled):
        face.verify(id_number, "certification")
    with pytest.raises(NotEnrolled):
        face.verify("11010119000101001X", "certification")  # no one has it
    assert camera.prompts == []  # the camera was never asked


def test_back_office_down(svc: RunningService) -> None:
    _, id_number = member(svc, 1)
    config = BackOfficeConfig(url="http://127.0.0.1:9", api_key=svc.api_key, connect_timeout=0.5)
    with BackOfficeClient(config, svc.terminal_id, retries=0) as down:
        face, camera = verifier(down, "member")
        with pytest.raises(FaceUnavailable, match="BackOfficeUnavailable"):
            face.verify(id_number, "certification")
    assert camera.prompts == []


def test_face_model_missing_on_disk(tmp_path: Path) -> None:
    empty = tmp_path / "no-models"
    empty.mkdir()
    env = dict(os.environ) | {"BACKOFFICE_FACE_MODELS": str(empty)}
    with running_service(members=8, seed=3, today=TODAY, env=env) as s, make_client(s) as c:
        _, id_number = member(s, 1)
        face, camera = verifier(c, "member")
        with pytest.raises(FaceUnavailable, match="BackOfficeUnavailable"):
            face.verify(id_number, "certification")
        assert camera.given and all(not any(f) for f in camera.given)


def test_nothing_written_nothing_logged(
    svc: RunningService, client: BackOfficeClient, caplog: pytest.LogCaptureFixture
) -> None:
    """During a check this process opens no file for writing (Python's audit events: every
    open, os.open and tempfile go through them); the log holds neither the ID number nor the
    verification id nor a frame; the back office's database holds no frame."""
    member_no, id_number = member(svc, 1)
    face, camera = verifier(client, "member")
    written: list[str] = []
    watching = [False]

    def audit(event: str, args: tuple[Any, ...]) -> None:
        if watching[0] and event == "open" and len(args) >= 2:
            path, mode = args[0], args[1]
            flags = args[2] if len(args) > 2 and isinstance(args[2], int) else 0
            wants_write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or bool(
                flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            )
            if wants_write and "__pycache__" not in str(path):  # Python's own, on import
                written.append(str(path))

    sys.addaudithook(audit)  # stays for the process: `watching` switches it off
    caplog.set_level(logging.DEBUG)
    watching[0] = True
    try:
        proof = face.verify(id_number, "certification")
    finally:
        watching[0] = False
    assert written == [], written
    assert proof.member_no == member_no
    text = "\n".join(r.getMessage() for r in caplog.records) + repr(proof)
    assert id_number not in text and str(proof.verification_id) not in text
    sent = camera.copies
    for frame in sent:
        assert base64.b64encode(frame)[:200].decode() not in text
    # The back office measured the frames and dropped them: no frame's bytes in its database
    # (a piece from the middle of each: past the JPEG headers every encoder writes alike).
    raw = b"".join(
        p.read_bytes() for p in Path(svc.database).parent.glob(Path(svc.database).name + "*")
    )
    for frame in sent:
        middle = frame[len(frame) // 2 : len(frame) // 2 + 48]
        assert middle not in raw
        assert base64.b64encode(frame[:3000])[-64:] not in raw
