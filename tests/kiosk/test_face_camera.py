"""The face check's camera (kiosk.devices.camera): the emulated person against the liveness rule
as the face model sees it, the frames' format, the V4L2 camera over a fake device (no
/dev/video here), and [camera] in config.toml."""

from __future__ import annotations

import errno
import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kiosk.config import parse_config
from kiosk.devices.camera import open_camera
from kiosk.devices.camera.emulated import EmulatedCamera
from kiosk.devices.camera.errors import CameraGone, CameraUnavailable
from kiosk.devices.camera.frames import to_jpeg, yuyv_to_rgb
from kiosk.devices.camera.v4l2 import StreamFormat, V4l2Camera
from kiosk.devices.camera.warp import FaceGeometry
from kiosk.errors import ConfigError
from tests.helpers.paths import REPO

PHOTOS = REPO / "var" / "faces"
face_recognition = pytest.importorskip("face_recognition")


def yaws(frames: Sequence[bytes | bytearray]) -> list[list[float]]:
    """r of each face of each frame, by the face model's 5-point landmarks."""
    out = []
    for frame in frames:
        pixels = np.asarray(Image.open(io.BytesIO(bytes(frame))).convert("RGB"))
        faces = face_recognition.face_landmarks(pixels, model="small")
        out.append([FaceGeometry.from_landmarks(f).yaw for f in faces])
    return out


def live(per_frame: list[list[float]], action: str) -> bool:
    """The liveness rule of docs/face.md, written out here from the spec: one face in every
    frame, the first near frontal (|r| <= 0.12), a later one turned by >= 0.10 the asked way."""
    if any(len(faces) != 1 for faces in per_frame):
        return False
    r = [faces[0] for faces in per_frame]
    sign = 1 if action == "turn_left" else -1
    return abs(r[0]) <= 0.12 and any(sign * (x - r[0]) >= 0.10 for x in r[1:])


@pytest.fixture(scope="module")
def camera() -> EmulatedCamera:
    if not (PHOTOS / "obama2.jpg").is_file():
        pytest.fail("var/faces is missing: run .venv/bin/python scripts/face_photos.py")
    return EmulatedCamera(PHOTOS, seed=20)


@pytest.mark.parametrize("action", ["turn_left", "turn_right"])
def test_the_member_turning_as_asked_is_live(camera: EmulatedCamera, action: str) -> None:
    camera.set_subject("member")
    camera.prompt(action)
    frames = camera.capture(5, 0.0)
    r = yaws(frames)
    assert live(r, action), r
    # Clearly more than the threshold, not by a hair: the whole turn is about 0.22.
    first, last = r[0][0], r[-1][0]
    assert (last - first) * (1 if action == "turn_left" else -1) >= 0.15, r
    other = "turn_right" if action == "turn_left" else "turn_left"
    assert not live(r, other)  # turning the wrong way is not the asked action


def test_someone_else_turns_too(camera: EmulatedCamera) -> None:
    camera.set_subject("someone_else")
    camera.prompt("turn_left")
    assert live(yaws(camera.capture(5, 0.0)), "turn_left")


def test_a_photo_held_up_is_not_live(camera: EmulatedCamera) -> None:
    camera.set_subject("photo")
    for action in ("turn_left", "turn_right"):
        camera.prompt(action)
        r = yaws(camera.capture(5, 0.0))
        assert all(len(faces) == 1 for faces in r), r  # a face in every frame ...
        assert not live(r, action), r  # ... that does not turn, however the hand moves
        spread = max(f[0] for f in r) - min(f[0] for f in r)
        assert spread < 0.06, r


def test_a_member_not_asked_to_turn_does_not(camera: EmulatedCamera) -> None:
    fresh = EmulatedCamera(PHOTOS, seed=3)
    r = yaws(fresh.capture(4, 0.0))
    assert not live(r, "turn_left") and not live(r, "turn_right"), r
    fresh.prompt("blink")  # an action this person does not know: they keep still
    r = yaws(fresh.capture(4, 0.0))
    assert not live(r, "turn_left") and not live(r, "turn_right"), r


def test_no_face_has_none(camera: EmulatedCamera) -> None:
    camera.set_subject("no_face")
    camera.prompt("turn_left")
    frames = camera.capture(3, 0.0)
    assert yaws(frames) == [[], [], []]
    assert len({bytes(f) for f in frames}) == 3  # each frame its own sensor noise


def test_gone_after_two_frames_with_the_taken_frames_wiped() -> None:
    slept: list[float] = []
    now = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    camera = EmulatedCamera(PHOTOS, "gone", sleep=sleep, clock=lambda: now[0])
    camera.prompt("turn_left")
    with pytest.raises(CameraGone):
        camera.capture(5, 0.2)
    # Frames 0 and 1 taken (one pause of 0.2 s between), the camera gone when frame 2 was due.
    assert slept == pytest.approx([0.2, 0.2])


def test_frames_are_jpeg_at_most_640_wide_and_paced(camera: EmulatedCamera) -> None:
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    paced = EmulatedCamera(PHOTOS, "member", sleep=sleep, clock=lambda: now[0])
    paced.prompt("turn_right")
    frames = paced.capture(5, 0.15)
    # 5 frames 0.15 s apart: 4 pauses (the clock stands still while a frame is made).
    assert slept == pytest.approx([0.15] * 4)
    for frame in frames:
        assert isinstance(frame, bytearray) and frame[:2] == b"\xff\xd8"  # JPEG SOI
        picture = Image.open(io.BytesIO(bytes(frame)))
        assert picture.format == "JPEG" and picture.width <= 640


def test_missing_photos_are_camera_unavailable(tmp_path: Path) -> None:
    camera = EmulatedCamera(tmp_path, "member")
    with pytest.raises(CameraUnavailable, match=r"face_photos\.py"):
        camera.prompt("turn_left")
    with pytest.raises(ValueError, match="subject"):
        camera.set_subject("ghost")


def test_face_model_missing_is_camera_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The emulated camera's calibration without dlib's predictor file: a clear error, never
    an exit (face_recognition's module would quit the process)."""
    from kiosk.devices.camera import warp

    monkeypatch.setattr(warp, "_models", [])  # not loaded yet in this "process"
    monkeypatch.setattr(warp, "PREDICTOR_FILE", "no-such-predictor.dat")
    photos = tmp_path / "faces"
    photos.mkdir()
    (photos / "obama2.jpg").write_bytes((PHOTOS / "obama2.jpg").read_bytes())
    camera = EmulatedCamera(photos, "member")
    with pytest.raises(CameraUnavailable, match=r"no-such-predictor\.dat"):
        camera.prompt("turn_left")


# -- frames --------------------------------------------------------------------------------------


def test_yuyv_to_rgb_worked_examples() -> None:
    # Two pixel pairs: (Y0 U Y1 V) = (16 128 235 128) and (81 90 81 240).
    data = bytes([16, 128, 235, 128, 81, 90, 81, 240])
    rgb = yuyv_to_rgb(data, 4, 1)
    # Y=16, no chroma: 1.164 * 0 = 0 -> black.
    assert rgb[0, 0].tolist() == [0, 0, 0]
    # Y=235: 1.164 * 219 = 254.9 -> 255 on every channel: white.
    assert rgb[0, 1].tolist() == [255, 255, 255]
    # Y=81, U-128 = -38, V-128 = 112: luma 1.164 * 65 = 75.66;
    # R = 75.66 + 1.596 * 112 = 254.41 -> 254; G = 75.66 + 14.90 - 91.06 = -0.50 -> 0;
    # B = 75.66 - 76.65 = -0.99 -> 0: red, both pixels of the pair.
    assert rgb[0, 2].tolist() == [254, 0, 0] and rgb[0, 3].tolist() == [254, 0, 0]


def test_yuyv_rows_with_padding() -> None:
    # 2x2 with 6 bytes a row (2 of padding): the padding is skipped.
    row0, row1 = [16, 128, 16, 128], [235, 128, 235, 128]
    data = bytes([*row0, 9, 9, *row1, 9, 9])
    rgb = yuyv_to_rgb(data, 2, 2, bytes_per_line=6)
    assert rgb[:, :, 0].tolist() == [[0, 0], [255, 255]]


def test_to_jpeg_scales_down_never_up() -> None:
    big = to_jpeg(Image.new("RGB", (1280, 720), (10, 20, 30)))
    assert Image.open(io.BytesIO(bytes(big))).size == (640, 360)  # 720 * 640 / 1280
    small = to_jpeg(Image.new("RGB", (320, 240)))
    assert Image.open(io.BytesIO(bytes(small))).size == (320, 240)


# -- the V4L2 camera over a fake device ------------------------------------------------------------


class FakeSource:
    """A device as V4l2Camera sees it: `frames` read one by one; an OSError in the list is
    raised when its turn comes; None = no frame within the timeout. Time moves 0.05 s a read."""

    def __init__(self, fmt: StreamFormat | Exception, frames: list[object], now: list[float]):
        self.fmt, self.frames, self.now = fmt, frames, now
        self.started = self.stopped = False
        self.asked: tuple[int, int, tuple[str, ...]] | None = None
        self.handed: list[bytearray] = []  # every frame read, to see them wiped

    def start(self, width: int, height: int, fourccs: Sequence[str]) -> StreamFormat:
        self.asked = (width, height, tuple(fourccs))
        if isinstance(self.fmt, Exception):
            raise self.fmt
        self.started = True
        return self.fmt

    def read(self, timeout: float) -> bytearray | None:
        self.now[0] = round(self.now[0] + 0.05, 6)
        item = self.frames.pop(0) if self.frames else None
        if isinstance(item, Exception):
            raise item
        if item is None:
            return None
        assert isinstance(item, bytes)
        self.handed.append(bytearray(item))
        return self.handed[-1]

    def stop(self) -> None:
        self.stopped = True


def _camera(source: FakeSource, now: list[float], pixel_format: str = "auto") -> V4l2Camera:
    return V4l2Camera(
        "/dev/video7",
        pixel_format=pixel_format,
        source=lambda path: source,
        clock=lambda: now[0],
        settle=0.1,
    )


def _yuyv(width: int, height: int, y: int) -> bytes:
    return bytes([y, 128, y, 128]) * (width * height // 2)


def _grey_at_centre(frame: bytearray) -> int:
    pixels = np.asarray(Image.open(io.BytesIO(bytes(frame))).convert("L"))
    return int(pixels[2, 4])


def test_v4l2_yuyv_frames_paced_and_converted() -> None:
    now = [0.0]
    raws = [_yuyv(8, 4, 16 + i) for i in range(40)]
    source = FakeSource(StreamFormat("YUYV", 8, 4), list(raws), now)
    frames = _camera(source, now).capture(3, 0.2)
    assert source.asked == (640, 480, ("MJPG", "YUYV")) and source.stopped
    # Every raw frame read (kept or dropped between due times) is wiped once encoded.
    assert len(source.handed) == 10 and all(not any(raw) for raw in source.handed)
    # Reads at 0.05, 0.10, ...: settle until 0.1 (read 2 is the first kept, Y=17), then the
    # first read at or after 0.3 (read 6, Y=21) and 0.5 (read 10, Y=25). Y=25: 1.164 * 9
    # = 10.5 -> 10 (round half to even).
    grey = [_grey_at_centre(f) for f in frames]
    # Y=17: 1.164 = 1.2 -> 1; Y=21: 5.82 -> 6; Y=25: 10.48 -> 10 (JPEG may move them by 1-2).
    expected = [1, 6, 10]
    assert all(abs(g - e) <= 2 for g, e in zip(grey, expected, strict=True)), grey


def test_v4l2_mjpeg_frames_are_scaled_to_640() -> None:
    now = [0.0]
    jpeg = io.BytesIO()
    Image.new("RGB", (1280, 960), (200, 30, 30)).save(jpeg, "JPEG")
    source = FakeSource(StreamFormat("MJPG", 1280, 960), [jpeg.getvalue()] * 20, now)
    frames = _camera(source, now, pixel_format="mjpeg").capture(2, 0.1)
    assert source.asked is not None and source.asked[2] == ("MJPG",)
    assert [Image.open(io.BytesIO(bytes(f))).size for f in frames] == [(640, 480)] * 2


@pytest.mark.parametrize("code", [errno.ENODEV, errno.EIO])
def test_v4l2_device_gone_mid_capture(code: int) -> None:
    now = [0.0]
    raws: list[object] = [_yuyv(4, 2, 100)] * 5 + [OSError(code, "gone")]
    source = FakeSource(StreamFormat("YUYV", 4, 2), raws, now)
    with pytest.raises(CameraGone, match="/dev/video7"):
        _camera(source, now).capture(5, 0.1)
    assert source.stopped
    assert source.handed and all(not any(raw) for raw in source.handed)


def test_v4l2_frozen_stream_is_gone() -> None:
    now = [0.0]
    source = FakeSource(StreamFormat("YUYV", 4, 2), [_yuyv(4, 2, 100)] * 3, now)  # then None
    with pytest.raises(CameraGone, match="no frame"):
        _camera(source, now).capture(5, 0.1)


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file"), "no such device"),
        (PermissionError(errno.EACCES, "denied"), "permission denied"),
        (CameraUnavailable("camera /dev/video7: offers GREY, none of MJPG"), "offers GREY"),
    ],
)
def test_v4l2_no_usable_device(error: Exception, words: str) -> None:
    now = [0.0]
    source = FakeSource(error, [], now)
    with pytest.raises(CameraUnavailable, match=words):
        _camera(source, now).capture(3, 0.1)


def test_v4l2_real_source_on_a_missing_device() -> None:
    # No /dev/video here: the real linuxpy path fails to open, as a kiosk without its camera.
    camera = V4l2Camera("/dev/video-none-here", settle=0.0)
    with pytest.raises(CameraUnavailable, match="/dev/video-none-here"):
        camera.capture(3, 0.1)


# -- config -------------------------------------------------------------------------------------


def test_camera_config_is_checked_and_opened(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\[camera\] kind"):
        parse_config({"camera": {"kind": "opencv"}})
    with pytest.raises(ConfigError, match=r"\[camera\] subject"):
        parse_config({"camera": {"subject": "ghost"}})
    with pytest.raises(ConfigError, match=r"\[camera\] interval"):
        parse_config({"camera": {"interval": 5}})
    with pytest.raises(ConfigError, match=r"\[camera\] device"):
        parse_config({"camera": {"device": "video0"}})
    with pytest.raises(ConfigError, match=r"\[camera\] interval"):
        parse_config({"camera": {"interval": "fast"}})
    assert open_camera(parse_config({}).camera) is None  # the default: no camera
    cfg = parse_config({"camera": {"kind": "emulated", "subject": "photo"}}, tmp_path / "k.toml")
    cam = open_camera(cfg.camera)
    assert isinstance(cam, EmulatedCamera) and cam.subject == "photo"
    assert cam.photos == tmp_path / "var" / "faces"  # relative to the config file
    v4l2 = open_camera(parse_config({"camera": {"kind": "v4l2", "device": "/dev/video2"}}).camera)
    assert isinstance(v4l2, V4l2Camera) and v4l2.device == "/dev/video2"
    by_path = "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0"
    assert parse_config({"camera": {"device": by_path}}).camera.device == by_path


def test_shipped_config_uses_the_emulated_camera_on_the_lab_photos() -> None:
    from kiosk.config import load_config

    cfg = load_config(REPO / "config.toml").camera
    assert cfg.kind == "emulated" and cfg.photos == PHOTOS and cfg.subject == "member"
