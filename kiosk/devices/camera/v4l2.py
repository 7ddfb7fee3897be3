"""A real camera over Video4Linux2 (a USB/UVC camera at /dev/videoN), through linuxpy.

The camera is opened for each capture and closed after it (its light is on only while the
screen asks the member to turn). Format: MJPEG when the camera offers it (a JPEG per frame,
little USB bandwidth), else YUYV 4:2:2 converted here; [camera] pixel_format can force one.
Frames are taken `interval` seconds apart from the running stream (the frames in between are
read and dropped, so each kept frame is fresh), scaled down to at most 640 px wide and encoded
as JPEG. The first `settle` seconds of a stream are dropped: a camera's exposure needs them.

Errors: no device, no permission, no usable format -> CameraUnavailable; the device vanishing or
freezing mid-capture (ENODEV, EIO, no frame within `frame_timeout`) -> CameraGone.

Tested without hardware (this machine has no /dev/video*): `V4l2Camera` runs over the
`FrameSource` protocol, which `LinuxpySource` implements with linuxpy and the tests with a fake;
the conversion of both formats is tested with pictures of known pixels.
"""

from __future__ import annotations

import contextlib
import errno
import select
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from PIL import Image

from kiosk.devices.camera.errors import CameraError, CameraGone, CameraUnavailable
from kiosk.devices.camera.frames import MAX_WIDTH, decode_mjpeg, to_jpeg, yuyv_to_rgb

FORMATS = {"auto": ("MJPG", "YUYV"), "mjpeg": ("MJPG",), "yuyv": ("YUYV",)}
# errno of a device that went away under an open file: unplugged, driver reset, USB error.
GONE_ERRNOS = frozenset({errno.ENODEV, errno.ENXIO, errno.EIO, errno.ESHUTDOWN, errno.EBADF})


@dataclass(frozen=True)
class StreamFormat:
    fourcc: str  # "MJPG" | "YUYV"
    width: int
    height: int
    bytes_per_line: int = 0


class FrameSource(Protocol):
    """The camera device as V4l2Camera needs it."""

    def start(self, width: int, height: int, fourccs: Sequence[str]) -> StreamFormat:
        """Open the device, set the first of `fourccs` it offers, start streaming."""

    def read(self, timeout: float) -> bytearray | None:
        """The next frame's bytes (a copy the caller wipes), or None when none came within
        `timeout` seconds."""

    def stop(self) -> None:
        """Stop streaming and close the device (harmless when not started)."""


class LinuxpySource:
    """FrameSource over linuxpy.video.device (memory-mapped streaming, non-blocking reads)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._device: Any = None
        self._capture: Any = None

    def start(self, width: int, height: int, fourccs: Sequence[str]) -> StreamFormat:
        from linuxpy.video.device import BufferType, Device, PixelFormat, VideoCapture

        device = Device(self.path, blocking=False)
        device.open()
        self._device = device
        offered = {
            f.pixel_format for f in device.info.formats if f.type == BufferType.VIDEO_CAPTURE
        }
        wanted = {"MJPG": PixelFormat.MJPEG, "YUYV": PixelFormat.YUYV}
        fourcc = next((c for c in fourccs if wanted[c] in offered), None)
        if fourcc is None:
            names = ", ".join(sorted(PixelFormat(p).name for p in offered)) or "none"
            raise CameraUnavailable(
                f"camera {self.path}: offers {names}, none of {', '.join(fourccs)}"
            )
        device.set_format(BufferType.VIDEO_CAPTURE, width, height, fourcc)
        got = device.get_format(BufferType.VIDEO_CAPTURE)
        self._capture = VideoCapture(device)
        self._capture.open()  # buffers mapped, stream on
        return StreamFormat(fourcc, int(got.width), int(got.height), int(got.bytes_per_line))

    def read(self, timeout: float) -> bytearray | None:
        ready, _, _ = select.select([self._device], [], [], timeout)
        if not ready:
            return None
        frame = self._capture.buffer.raw_read()
        return bytearray(frame.data)

    def stop(self) -> None:
        capture, device = self._capture, self._device
        self._capture = self._device = None
        try:
            if capture is not None:
                capture.close()
        except OSError:
            pass  # a device already gone cannot stop its stream
        finally:
            if device is not None:
                device.close()


class V4l2Camera:
    """CameraPort over a V4L2 device. `source`: a FrameSource factory (tests pass a fake)."""

    def __init__(
        self,
        device: str = "/dev/video0",
        *,
        width: int = 640,
        height: int = 480,
        pixel_format: str = "auto",
        max_width: int = MAX_WIDTH,
        settle: float = 0.3,
        frame_timeout: float = 2.0,
        source: Callable[[str], FrameSource] = LinuxpySource,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if pixel_format not in FORMATS:
            raise ValueError(f"pixel_format is one of {', '.join(FORMATS)}")
        self.device = device
        self.width, self.height = width, height
        self.fourccs = FORMATS[pixel_format]
        self.max_width = max_width
        self.settle, self.frame_timeout = settle, frame_timeout
        self._source = source
        self._clock = clock

    def prompt(self, action: str) -> None:
        """The member is asked to move; a real camera has nothing to do."""

    def capture(self, n: int, interval: float) -> list[bytearray]:
        """`n` JPEG frames about `interval` seconds apart. CameraUnavailable, CameraGone."""
        if n < 1 or interval < 0:
            raise ValueError("n >= 1 and interval >= 0")
        source = self._source(self.device)
        frames: list[bytearray] = []
        raws: list[bytearray] = []
        try:
            fmt = self._start(source)
            self._take(source, n, interval, raws)
            for raw in raws:
                frames.append(self._encode(raw, fmt))
        except BaseException:
            _wipe(frames)
            raise
        finally:
            _wipe(raws)
            with contextlib.suppress(OSError):
                source.stop()
        return frames

    def close(self) -> None:
        """The device is closed after every capture: nothing to release."""

    def _start(self, source: FrameSource) -> StreamFormat:
        try:
            return source.start(self.width, self.height, self.fourccs)
        except CameraError:
            raise
        except FileNotFoundError:
            raise CameraUnavailable(f"camera {self.device}: no such device") from None
        except PermissionError:
            raise CameraUnavailable(f"camera {self.device}: permission denied") from None
        except OSError as e:
            raise CameraUnavailable(f"camera {self.device}: {e.strerror or e}") from None
        except Exception as e:  # linuxpy's V4L2Error and its kin: no usable device
            raise CameraUnavailable(f"camera {self.device}: {type(e).__name__}: {e}") from None

    def _take(self, source: FrameSource, n: int, interval: float, kept: list[bytearray]) -> None:
        """Read the stream continuously; keep (in `kept`) the first frame at or after each
        due time; the frames in between are wiped as soon as they are read."""
        begin = self._clock() + self.settle
        due = [begin + i * interval for i in range(n)]
        while len(kept) < n:
            try:
                raw = source.read(self.frame_timeout)
            except OSError as e:
                if e.errno in GONE_ERRNOS:
                    raise CameraGone(f"camera {self.device}: {e.strerror or e}") from None
                raise CameraUnavailable(f"camera {self.device}: {e.strerror or e}") from None
            if raw is None:
                raise CameraGone(f"camera {self.device}: no frame for {self.frame_timeout} s")
            if self._clock() >= due[len(kept)]:
                kept.append(raw)
            else:
                raw[:] = bytes(len(raw))

    def _encode(self, raw: bytearray, fmt: StreamFormat) -> bytearray:
        if fmt.fourcc == "MJPG":
            picture = decode_mjpeg(raw)
        else:
            pixels = yuyv_to_rgb(raw, fmt.width, fmt.height, fmt.bytes_per_line)
            picture = Image.fromarray(pixels)
        return to_jpeg(picture, self.max_width)


def _wipe(buffers: list[bytearray]) -> None:
    for buf in buffers:
        buf[:] = bytes(len(buf))
