"""A synthetic head turn for the emulated camera (and the back office's face tests): a still
photo whose face region is warped horizontally so that the nose moves across the face the way
it does when a head turns, while the eyes move much less.

The liveness check (docs/face.md) reads a yaw proxy from dlib's 5-point landmarks:
r = dot(N - (L+R)/2, R - L) / |R - L|^2, with L, R the eye centres and N the nose tip. A warp
that moves the nose sideways by a fraction of the eye distance moves r by about that fraction;
`calibrate` measures r on the warped picture (the face model's own landmarks) and searches the
amount that gives a wanted r, so a turn is "clearly more than the threshold" for any photo.

Only the emulator uses this: the real camera films a real head. The face model (dlib's
detector and 5-point predictor) is loaded on first use only: a kiosk with a real camera never
loads it.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]  # height x width x 3, RGB

# The bump that carries the nose: centred a little above the nose tip (the nose's length),
# this wide and tall in eye distances. The eyes sit where it has fallen to about a fifth.
_BUMP_WIDTH = 0.45
_BUMP_HEIGHT = 0.65
_BUMP_RISE = 0.25
# The largest slope of the displacement: beyond 1 the picture would fold over itself.
_MAX_SLOPE = 0.8


@dataclass(frozen=True)
class FaceGeometry:
    """The 5-point landmarks that matter here, in image coordinates (x, y)."""

    left_eye: tuple[float, float]  # L: the eye centre with the smaller x
    right_eye: tuple[float, float]
    nose_tip: tuple[float, float]

    @property
    def eye_distance(self) -> float:
        return float(np.hypot(*np.subtract(self.right_eye, self.left_eye)))

    @property
    def yaw(self) -> float:
        return yaw_proxy(self.left_eye, self.right_eye, self.nose_tip)

    @classmethod
    def from_landmarks(cls, landmarks: dict[str, Sequence[tuple[float, float]]]) -> FaceGeometry:
        """From one face of face_recognition.face_landmarks(..., model="small")."""

        def centre(points: Sequence[tuple[float, float]]) -> tuple[float, float]:
            x, y = np.mean(np.asarray(points, dtype=float), axis=0)
            return float(x), float(y)

        # L is the eye with the smaller x, whatever the model calls it (a mirrored picture).
        left, right = sorted((centre(landmarks["left_eye"]), centre(landmarks["right_eye"])))
        return cls(left, right, centre(landmarks["nose_tip"]))


def yaw_proxy(
    left: tuple[float, float], right: tuple[float, float], nose: tuple[float, float]
) -> float:
    """r = dot(N - (L+R)/2, R - L) / |R - L|^2: 0 for a frontal face; unchanged by moving,
    scaling or rolling the picture; grows when the nose moves towards the image's +x."""
    eyes = np.subtract(right, left)
    mid = np.add(left, right) / 2
    return float(np.dot(np.subtract(nose, mid), eyes) / np.dot(eyes, eyes))


def turn_head(image: Image, face: FaceGeometry, amount: float) -> Image:
    """`image` with the nose moved by `amount` eye distances along +x (the member's left in an
    unmirrored camera picture), the rest of the face less and less the farther from it. Only
    the face's neighbourhood is resampled (bilinear along x)."""
    d = face.eye_distance
    width, height = _BUMP_WIDTH * d, _BUMP_HEIGHT * d
    shift = amount * d
    # Keep the warp one-to-one: its slope peaks at shift / width * e^-1/2.
    limit = _MAX_SLOPE * width / np.exp(-0.5)
    shift = float(np.clip(shift, -limit, limit))
    cx, cy = face.nose_tip[0], face.nose_tip[1] - _BUMP_RISE * d
    rows, cols = image.shape[0], image.shape[1]
    x0, x1 = max(0, int(cx - 4 * width)), min(cols, int(cx + 4 * width) + 1)
    y0, y1 = max(0, int(cy - 4 * height)), min(rows, int(cy + 4 * height) + 1)
    if x1 - x0 < 2 or y1 <= y0:
        return image.copy()
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    bump = np.exp(-((xs - cx) ** 2) / (2 * width**2) - (ys - cy) ** 2 / (2 * height**2))
    source = np.clip(xs - shift * bump, 0, cols - 1.001)
    left = np.floor(source).astype(np.intp)
    frac = (source - left)[..., None]
    rows_i = ys.astype(np.intp)
    region = image[rows_i, left] * (1 - frac) + image[rows_i, left + 1] * frac
    out = image.copy()
    out[y0:y1, x0:x1] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return out


class CalibrationError(ValueError):
    """The face could not be found in the warped picture, or no amount gives the wanted r."""


PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
_model_lock = threading.Lock()
_models: list[Any] = []  # [detector, predictor] once loaded


def _load_models() -> tuple[Any, Any]:
    """dlib's HOG face detector and the 5-point predictor of face-recognition-models, loaded
    once. Not through face_recognition's module: it loads all four of its models at import
    (100 MB) and exits the process when the models package is missing."""
    with _model_lock:
        if not _models:
            spec = importlib.util.find_spec("face_recognition_models")
            folder = Path(next(iter(spec.submodule_search_locations or []), "")) if spec else None
            path = folder / "models" / PREDICTOR_FILE if folder else Path(PREDICTOR_FILE)
            if not path.is_file():
                raise CalibrationError(f"the face model {PREDICTOR_FILE} is not installed")
            import dlib

            _models.extend((dlib.get_frontal_face_detector(), dlib.shape_predictor(str(path))))
        return _models[0], _models[1]


def locate(image: Image) -> FaceGeometry | None:
    """The landmarks of the one face in `image` (dlib's 5-point model: the corners of each
    eye and the bottom of the nose, as the back office measures them), or None."""
    detector, predictor = _load_models()
    with _model_lock:  # dlib's objects: one caller at a time
        faces = detector(image, 0)
        if len(faces) != 1:
            return None
        shape = predictor(image, faces[0])
        points = [(float(shape.part(i).x), float(shape.part(i).y)) for i in range(5)]
    # Points 0-1 one eye's corners, 2-3 the other's, 4 the nose (face_recognition's order).
    return FaceGeometry.from_landmarks(
        {"right_eye": points[0:2], "left_eye": points[2:4], "nose_tip": points[4:5]}
    )


def calibrate(
    image: Image, face: FaceGeometry, target: float, *, tolerance: float = 0.02, steps: int = 8
) -> float:
    """The amount for `turn_head` that makes the face model read r = target (within the
    tolerance), found by the secant method on measured r. Raises CalibrationError."""

    def measured(amount: float) -> float:
        geometry = locate(turn_head(image, face, amount))
        if geometry is None:
            raise CalibrationError(f"no single face at amount {amount:.3f}")
        return geometry.yaw

    a0, r0 = 0.0, measured(0.0)
    if abs(r0 - target) <= tolerance:
        return a0
    a1 = 0.25 if target > r0 else -0.25
    r1 = measured(a1)
    for _ in range(steps):
        if abs(r1 - target) <= tolerance:
            return a1
        slope = (r1 - r0) / (a1 - a0) if a1 != a0 else 0.0
        # Flat or backwards: step on in the wanted direction; else the secant's step.
        step = (0.15 if target > r1 else -0.15) if slope <= 0.05 else (target - r1) / slope
        a2 = float(np.clip(a1 + step, -1.5, 1.5))
        a0, r0 = a1, r1
        a1, r1 = a2, measured(a2)
    if abs(r1 - target) <= tolerance:
        return a1
    raise CalibrationError(f"r {r1:.3f} after {steps} steps, wanted {target:.3f}")
