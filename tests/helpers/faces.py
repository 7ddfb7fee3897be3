"""Synthetic but honest camera frames for the face tests, built from the lab's photos
(var/faces: obama*.jpg one person, biden.jpg another; scripts/face_photos.py fetches them).

- `turning`: a head turn as the challenge asks, played by the kiosk's emulated camera with the
  photo cast as the member (kiosk/devices/camera: the face region warped so the nose moves
  across the eyes' line); the real face model then measures the turn on the warped picture
  (nothing here tells the back office the answer).
- `still_photo`: the photo held to the camera: the same picture shifted a few pixels and scaled
  slightly from frame to frame (a flat picture moved: the yaw proxy does not change).
- `side_by_side`: two photos in one frame (two faces); `no_face`: a picture without a face.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
from PIL import Image

from backoffice.face.engine import decode
from kiosk.devices.camera.emulated import EmulatedCamera

REPO = Path(__file__).resolve().parents[2]
FACES = REPO / "var" / "faces"


def photo(name: str) -> bytes:
    path = FACES / name
    if not path.is_file():
        raise FileNotFoundError(f"{path}: run .venv/bin/python scripts/face_photos.py")
    return path.read_bytes()


def pixels(name: str) -> np.ndarray:
    return np.asarray(decode(photo(name)), dtype=np.uint8)


def jpeg(image: np.ndarray, quality: int = 85) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, "JPEG", quality=quality)
    return out.getvalue()


def b64(frames: list[bytes]) -> list[str]:
    return [base64.b64encode(f).decode("ascii") for f in frames]


def turning(name: str, action: str, n: int = 5) -> list[bytes]:
    """JPEG frames of the photo's head turning as `action` asks: the kiosk's emulated camera
    with `name` cast as the member (the one copy of the person who follows the prompt: framed,
    shown the way round that turns with the photo's own lean, the turn calibrated on the face
    model's landmarks), paced at once."""
    camera = EmulatedCamera(FACES, "member", seed=7, sleep=lambda _s: None, cast={"member": name})
    camera.prompt(action)
    return [bytes(frame) for frame in camera.capture(n, 0.0)]


def still_photo(name: str, n: int = 5) -> list[bytes]:
    """The photo held still in front of the camera: shifted by a few pixels and scaled by up to
    3% from frame to frame (a hand holding it), never turned."""
    image = Image.fromarray(pixels(name))
    frames = []
    for i in range(n):
        scale = 1.0 + 0.0075 * i
        w, h = round(image.width * scale), round(image.height * scale)
        moved = Image.new("RGB", image.size, (128, 128, 128))
        moved.paste(image.resize((w, h)), (3 * i - 6, 2 * i - 4))
        frames.append(jpeg(np.asarray(moved)))
    return frames


def side_by_side(a: str, b: str) -> bytes:
    """Two photos in one frame (scaled to the same height): two faces."""
    left, right = Image.fromarray(pixels(a)), Image.fromarray(pixels(b))
    h = min(left.height, right.height)
    left = left.resize((round(left.width * h / left.height), h))
    right = right.resize((round(right.width * h / right.height), h))
    both = Image.new("RGB", (left.width + right.width, h))
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    return jpeg(np.asarray(both))


def no_face(width: int = 480, height: int = 360) -> bytes:
    """A smooth grey gradient with a few bars: a picture, but nobody in it."""
    x = np.linspace(40, 200, width, dtype=np.float32)
    image = np.repeat(np.tile(x, (height, 1))[..., None], 3, axis=2)
    image[::40] = 30
    return jpeg(image.astype(np.uint8))
