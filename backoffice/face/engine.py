"""The face model: JPEG frames decoded and measured (faces found, five landmarks, the 128-number
encoding), with dlib's models as face_recognition ships them (face-recognition-models).

face_recognition's own module loads all four of its model files when imported (the 100 MB
68-point predictor and the CNN detector too, which this does not use) and calls quit() when the
models package is missing: a back office must answer 503, not exit. So the calls here are
face_recognition's own, made on dlib directly: the HOG frontal face detector,
`shape_predictor_5_face_landmarks.dat` (face_recognition's model="small": the eye corners and
the nose) and `dlib_face_recognition_resnet_model_v1.dat` (face_recognition.face_encodings with
its default model="small" and one jitter). The encodings are the same numbers.

Where the model files are: BACKOFFICE_FACE_MODELS (a directory), else face-recognition-models'
own directory. They are checked on first use; missing or unreadable -> FaceModelMissing (the API
answers 503 FACE_SERVICE_UNAVAILABLE), and the next request tries again. Loaded once per
process; dlib's objects are used under one lock (their thread safety is not documented, and a
worker has one core: two verifications at once would only share it)."""

from __future__ import annotations

import importlib.util
import io
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from backoffice.errors import BackOfficeServerError
from backoffice.face.liveness import FrameFaces, Point

MODELS_ENV = "BACKOFFICE_FACE_MODELS"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
ENCODER_FILE = "dlib_face_recognition_resnet_model_v1.dat"
MAX_SIDE = 640  # frames and photos are measured at most this many pixels on their longer side
# A photo or frame larger than this is refused before it is decoded (a small JPEG may declare a
# huge picture).
MAX_PIXELS = 40_000_000
# The detector's upsampling: 0 finds faces from about 80 px wide, which a face in front of the
# kiosk and an enrolment photo at 640 px are (obama3.jpg's, the smallest, is 72 px and is found);
# 1 finds 40 px faces at four times the cost (0.07 s instead of 0.02 s a frame here).
UPSAMPLE = 0


class FaceCheckError(BackOfficeServerError):
    """Root of the face package's errors."""


class FaceModelMissing(FaceCheckError):
    """The model files are not on disk (or unreadable): no verification can run."""


class BadImage(FaceCheckError):
    """The bytes are not an image Pillow can decode (or one too large)."""


@dataclass(frozen=True)
class Frame:
    """One decoded picture (RGB, at most MAX_SIDE) and what the detector found in it."""

    pixels: Any  # numpy uint8 array, height x width x 3
    faces: FrameFaces
    _shapes: tuple[Any, ...]  # dlib full_object_detection per face (for the encoding)


def models_dir() -> Path:
    """The directory of the model files: BACKOFFICE_FACE_MODELS or face-recognition-models'."""
    configured = os.environ.get(MODELS_ENV, "")
    if configured:
        return Path(configured)
    # Found without importing it: its __init__ imports pkg_resources (slow, and deprecated).
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        return Path("face_recognition_models-not-installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def decode(data: bytes) -> Any:
    """The picture as an RGB numpy array, scaled down to at most MAX_SIDE on its longer side.
    A JPEG is decoded at a reduced scale where it can be (Pillow's draft: a fraction of the
    time for a large photo)."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            if w * h > MAX_PIXELS:
                raise BadImage(f"the picture is too large ({w}x{h})")
            im.draft("RGB", (MAX_SIDE, MAX_SIDE))
            rgb = im.convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as e:
        raise BadImage(f"not a picture: {e}") from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    return np.asarray(rgb)


class FaceEngine:
    """dlib's detector, 5-point predictor and encoder, loaded from `directory`."""

    def __init__(self, directory: Path) -> None:
        try:
            import dlib
        except ImportError as e:
            raise FaceModelMissing(f"dlib is not installed (dlib-bin): {e}") from None
        missing = [
            name for name in (LANDMARKS_FILE, ENCODER_FILE) if not (directory / name).is_file()
        ]
        if missing:
            raise FaceModelMissing(
                f"face model files missing in {directory}: {', '.join(missing)} (install"
                f" face-recognition-models, or set {MODELS_ENV} to the directory holding them)"
            )
        try:
            self._detector = dlib.get_frontal_face_detector()
            self._predictor = dlib.shape_predictor(str(directory / LANDMARKS_FILE))
            self._encoder = dlib.face_recognition_model_v1(str(directory / ENCODER_FILE))
        except RuntimeError as e:  # dlib's answer to a truncated or foreign file
            raise FaceModelMissing(f"face model files in {directory} unreadable: {e}") from None
        self.directory = directory
        self._lock = threading.Lock()

    def measure(self, data: bytes) -> Frame:
        """Decode a JPEG (BadImage) and find its faces with their five landmarks."""
        pixels = decode(data)
        with self._lock:
            rects = self._detector(pixels, UPSAMPLE)
            shapes = tuple(self._predictor(pixels, r) for r in rects)
        faces = tuple(_five_points(s) for s in shapes)
        return Frame(pixels, FrameFaces(faces), shapes)

    def encoding(self, frame: Frame, face: int = 0) -> tuple[float, ...]:
        """The 128 numbers of one face of a measured frame."""
        with self._lock:
            numbers = self._encoder.compute_face_descriptor(frame.pixels, frame._shapes[face], 1)
        return tuple(float(x) for x in numbers)

    def encode_photo(self, data: bytes) -> tuple[float, ...]:
        """An enrolment photo's encoding: exactly one face (NoFaceInPhoto otherwise)."""
        frame = self.measure(data)
        n = len(frame.faces.faces)
        if n != 1:
            raise NoFaceInPhoto("no face found" if n == 0 else f"{n} faces, not one")
        return self.encoding(frame)


class NoFaceInPhoto(FaceCheckError):
    """An enrolment photo without exactly one face."""


def _five_points(shape: Any) -> tuple[Point, Point, Point]:
    """(left eye centre, right eye centre, nose) in image coordinates: 'left' is the eye with
    the smaller x (the member's right eye in an unmirrored picture). dlib's 5-point model gives
    two corners of each eye (points 0-1 and 2-3) and the bottom of the nose (point 4)."""
    p = [Point(float(q.x), float(q.y)) for q in shape.parts()]
    a = Point((p[0].x + p[1].x) / 2, (p[0].y + p[1].y) / 2)
    b = Point((p[2].x + p[3].x) / 2, (p[2].y + p[3].y) / 2)
    left, right = (a, b) if a.x <= b.x else (b, a)
    return left, right, p[4]


_engine: FaceEngine | None = None
_loading = threading.Lock()


def engine() -> FaceEngine:
    """The process's engine, loaded on first use (FaceModelMissing: tried again next time)."""
    global _engine
    if _engine is None:
        with _loading:
            if _engine is None:
                _engine = FaceEngine(models_dir())
    return _engine


def measure_all(e: FaceEngine, frames: Sequence[bytes]) -> list[Frame]:
    return [e.measure(f) for f in frames]
