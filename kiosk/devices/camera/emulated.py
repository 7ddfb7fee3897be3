"""The emulated camera: a person in front of the kiosk played from the lab's face photos
(var/faces, fetched by scripts/face_photos.py), for the demo and the tests. EMULATED: no lens.

Subjects (config.toml [camera] subject; the demo panel changes it with `set_subject`):

- "member": obama2.jpg, the head turning as the screen asks (`prompt`): the face region is
  warped (kiosk.devices.camera.warp) so the face model's landmarks show the turn, about 0.22
  of the eye distance; the first frame near frontal. The showcase member's enrolled photo is
  another picture of the same man.
- "someone_else": biden.jpg, turning the same way: live, but not the member.
- "no_face": a generated picture of a wall, no one in it.
- "photo": obama2.jpg held still in front of the lens: a hand's sway (moved, rolled, nearer or
  farther) but no turn, which the liveness check refuses.
- "gone": the member for two frames, then the camera disappears (CameraGone).

A photo whose head is turned one way cannot be warped convincingly much past frontal the other
way, so for a turn the person is shown the way round (mirrored or not) that keeps the turn going
the way the photo's own head already leans; both are the same face to the face model.
"""

from __future__ import annotations

import functools
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from kiosk.devices.camera import warp
from kiosk.devices.camera.errors import CameraGone, CameraUnavailable
from kiosk.devices.camera.frames import to_jpeg

SUBJECTS = ("member", "someone_else", "no_face", "photo", "gone")
PHOTOS = {
    "member": "obama2.jpg",
    "someone_else": "biden.jpg",
    "photo": "obama2.jpg",
    "gone": "obama2.jpg",
}
DIRECTIONS = {"turn_left": 1, "turn_right": -1}  # the member's left: the image's +x
FRAME = (640, 480)
GONE_AFTER = 2
FRONTAL_AIM = 0.05  # |r| of the first frame (the liveness check wants <= 0.12)
TURN = 0.22  # r moved by the whole turn (the check wants >= 0.10)
_FRAME_EYES = 5.2  # the frame is this many eye distances wide: a face at the kiosk's distance


@dataclass(frozen=True)
class _Pose:
    """A framed picture of the subject and the warp amounts of its first and last frame."""

    picture: warp.Image
    face: warp.FaceGeometry
    start: float
    end: float


class EmulatedCamera:
    """EMULATED. `photos`: the folder of the lab's face photos. `sleep`/`clock` pace the
    frames `interval` seconds apart as a real camera would."""

    def __init__(
        self,
        photos: Path,
        subject: str = "member",
        *,
        seed: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        cast: dict[str, str] | None = None,
    ) -> None:
        self.photos = Path(photos)
        # who plays whom: the file of each subject in `photos` (tests cast other photos)
        self._cast = PHOTOS | (cast or {})
        self._lock = threading.Lock()
        self._subject = _checked(subject)
        self._action: str | None = None
        self._rng = random.Random(seed)
        self._sleep, self._clock = sleep, clock

    @property
    def subject(self) -> str:
        return self._subject

    def set_subject(self, subject: str) -> None:
        """Who stands in front of the camera now (the demo panel)."""
        with self._lock:
            self._subject = _checked(subject)

    def prompt(self, action: str) -> None:
        """The screen asks `action`; the person follows it from the next capture on (an
        action this person does not know, they ignore: they keep looking at the screen)."""
        with self._lock:
            self._action = action
            subject = self._subject
        if subject in self._cast and subject != "photo":
            self._pose(subject, DIRECTIONS.get(action, 0))  # the person gets ready

    def capture(self, n: int, interval: float) -> list[bytearray]:
        """`n` JPEG frames `interval` seconds apart. CameraGone for the "gone" subject after
        two frames; CameraUnavailable when the photos are missing."""
        if n < 1 or interval < 0:
            raise ValueError("n >= 1 and interval >= 0")
        with self._lock:
            subject, action = self._subject, self._action
        frames: list[bytearray] = []
        start = self._clock()
        try:
            for i in range(n):
                wait = start + i * interval - self._clock()
                if wait > 0:
                    self._sleep(wait)
                if subject == "gone" and i >= GONE_AFTER:
                    raise CameraGone("emulated camera: disconnected during the capture")
                frames.append(to_jpeg(self._picture(subject, action, i, n)))
        except BaseException:
            for frame in frames:
                frame[:] = bytes(len(frame))
            raise
        return frames

    def close(self) -> None:
        """Nothing to release."""

    def _picture(self, subject: str, action: str | None, i: int, n: int) -> Image.Image:
        if subject == "no_face":
            return _wall(self._rng.randrange(1 << 30))
        direction = 0 if subject == "photo" else DIRECTIONS.get(action or "", 0)
        pose = self._pose(subject, direction)
        t = i / (n - 1) if n > 1 else 1.0
        amount = pose.start + (3 * t * t - 2 * t * t * t) * (pose.end - pose.start)
        picture = Image.fromarray(warp.turn_head(pose.picture, pose.face, amount))
        # A person sways a little; a hand holding a photo much more (moved, rolled, nearer).
        return _sway(picture, self._rng, 1.0 if subject == "photo" else 0.15)

    def _pose(self, subject: str, direction: int) -> _Pose:
        path = self.photos / self._cast[subject]
        if not path.is_file():
            raise CameraUnavailable(
                f"emulated camera: no {path} (fetch the lab's photos: scripts/face_photos.py)"
            )
        try:
            return _posed(str(path), direction)
        except warp.CalibrationError as e:
            raise CameraUnavailable(f"emulated camera: {path.name}: {e}") from None


def _checked(subject: str) -> str:
    if subject not in SUBJECTS:
        raise ValueError(f"camera subject is one of {', '.join(SUBJECTS)}: {subject!r}")
    return subject


@functools.lru_cache(maxsize=8)
def _framed(path: str, mirrored: bool) -> tuple[warp.Image, warp.FaceGeometry]:
    """The photo cut to a 4:3 camera frame around the face, FRAME pixels, and its landmarks."""
    with Image.open(path) as source:
        photo = source.convert("RGB")
    face = warp.locate(np.asarray(photo))
    if face is None:
        raise warp.CalibrationError("not one face in the photo")
    d = face.eye_distance
    width = min(photo.width, _FRAME_EYES * d, photo.height * 4 / 3)
    height = width * 3 / 4
    cx = (face.left_eye[0] + face.right_eye[0]) / 2
    left = min(max(0.0, cx - width / 2), photo.width - width)
    top = min(max(0.0, face.nose_tip[1] - height / 2), photo.height - height)
    box = (round(left), round(top), round(left + width), round(top + height))
    picture = photo.crop(box).resize(FRAME, Image.Resampling.BILINEAR)
    if mirrored:
        picture = picture.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    pixels = np.asarray(picture).copy()
    framed = warp.locate(pixels)
    if framed is None:
        raise warp.CalibrationError("not one face in the camera frame")
    return pixels, framed


@functools.lru_cache(maxsize=16)
def _posed(path: str, direction: int) -> _Pose:
    """The subject ready for `direction` (+1 turn_left, -1 turn_right, 0 no turn): the way
    round that turns with the photo's own lean, near frontal first, TURN further last."""
    mirrored = False
    if direction:
        _, face = _framed(path, False)
        mirrored = face.yaw * direction < 0
    picture, face = _framed(path, mirrored)
    lean = face.yaw
    if abs(lean) <= FRONTAL_AIM:
        first, start = lean, 0.0
    else:
        first = math.copysign(FRONTAL_AIM, lean)
        start = warp.calibrate(picture, face, first)
    end = warp.calibrate(picture, face, first + TURN * direction) if direction else start
    return _Pose(picture, face, start, end)


def _sway(picture: Image.Image, rng: random.Random, strength: float) -> Image.Image:
    """Moved by up to 10 px, rolled by up to 2 degrees, 4 % nearer or farther (x strength)."""
    angle = math.radians(rng.uniform(-2, 2) * strength)
    scale = 1 + rng.uniform(-0.04, 0.04) * strength
    tx, ty = (rng.uniform(-10, 10) * strength for _ in range(2))
    cx, cy = picture.width / 2, picture.height / 2
    # Pillow's affine maps each output pixel back to the input: the inverse of the sway.
    cos, sin = math.cos(angle) / scale, math.sin(angle) / scale
    a, b, d, e = cos, sin, -sin, cos
    c = cx - a * (cx + tx) - b * (cy + ty)
    f = cy - d * (cx + tx) - e * (cy + ty)
    return picture.transform(
        picture.size, Image.Transform.AFFINE, (a, b, c, d, e, f), Image.Resampling.BILINEAR
    )


@functools.lru_cache(maxsize=1)
def _wall_base() -> Image.Image:
    """An empty hall's wall: a gradient, a door, a notice board; no one in front."""
    width, height = FRAME
    ramp = np.linspace(200, 150, height, dtype=np.float32)[:, None, None]
    tint = np.array([1.0, 0.97, 0.9], dtype=np.float32)
    pixels = np.broadcast_to(ramp * tint, (height, width, 3)).astype(np.uint8)
    wall = Image.fromarray(pixels)
    draw = ImageDraw.Draw(wall)
    draw.rectangle((60, 90, 210, 480), fill=(120, 90, 60))  # a door
    draw.ellipse((185, 280, 197, 292), fill=(200, 190, 80))  # its handle
    draw.rectangle((330, 110, 580, 290), fill=(235, 235, 225), outline=(90, 90, 90), width=4)
    for row in range(6):  # lines of a notice
        draw.rectangle(
            (350, 135 + 25 * row, 560 - 30 * (row % 3), 145 + 25 * row), fill=(90, 90, 90)
        )
    return wall


def _wall(seed: int) -> Image.Image:
    """The wall with the sensor's noise of one frame."""
    pixels = np.asarray(_wall_base()).astype(np.int16)
    noise = np.random.default_rng(seed).integers(-6, 7, size=pixels.shape, dtype=np.int16)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
