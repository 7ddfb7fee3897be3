"""Frames as the face check sends them: RGB pictures scaled down to at most `MAX_WIDTH` pixels
wide and encoded as JPEG, in bytearrays (the caller wipes them after the answer). The V4L2
camera's raw formats are decoded here: MJPEG (a JPEG per frame) and YUYV (4:2:2, BT.601)."""

from __future__ import annotations

import io

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from kiosk.devices.camera.errors import CameraError

MAX_WIDTH = 640  # the face model needs no more; larger frames only cost upload and time
QUALITY = 85


def to_jpeg(picture: Image.Image, max_width: int = MAX_WIDTH) -> bytearray:
    """`picture` scaled down (never up) to at most `max_width` wide, as a JPEG."""
    if picture.mode != "RGB":
        picture = picture.convert("RGB")
    if picture.width > max_width:
        height = max(1, round(picture.height * max_width / picture.width))
        picture = picture.resize((max_width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=QUALITY)
    view = out.getbuffer()
    try:
        return bytearray(view)
    finally:
        view.release()
        out.close()


def decode_mjpeg(data: bytes | bytearray) -> Image.Image:
    """One MJPEG frame. CameraError when it is not a JPEG Pillow can read (some cameras leave
    out the Huffman tables: [camera] pixel_format = "yuyv" then)."""
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as e:
        raise CameraError(f"camera: an MJPEG frame that does not decode ({e})") from None
    return picture.convert("RGB")


def yuyv_to_rgb(
    data: bytes | bytearray, width: int, height: int, bytes_per_line: int = 0
) -> npt.NDArray[np.uint8]:
    """YUYV 4:2:2 (Y0 U Y1 V per two pixels, BT.601 limited range) to RGB, height x width x 3:
    R = 1.164 (Y-16) + 1.596 (V-128); G = 1.164 (Y-16) - 0.392 (U-128) - 0.813 (V-128);
    B = 1.164 (Y-16) + 2.017 (U-128); rounded, clipped to 0..255."""
    if width < 2 or width % 2 or height < 1:
        raise CameraError(f"camera: YUYV frame of {width}x{height}")
    stride = bytes_per_line or 2 * width
    if len(data) < stride * (height - 1) + 2 * width:
        raise CameraError(f"camera: YUYV frame of {len(data)} bytes for {width}x{height}")
    raw = np.frombuffer(data, dtype=np.uint8, count=stride * (height - 1) + 2 * width)
    rows = np.lib.stride_tricks.as_strided(raw, shape=(height, 2 * width), strides=(stride, 1))
    quads = rows.reshape(height, width // 2, 4).astype(np.float32)
    y = np.empty((height, width), dtype=np.float32)
    y[:, 0::2], y[:, 1::2] = quads[:, :, 0], quads[:, :, 2]
    u = np.repeat(quads[:, :, 1], 2, axis=1) - 128.0
    v = np.repeat(quads[:, :, 3], 2, axis=1) - 128.0
    luma = 1.164 * (y - 16.0)
    rgb = np.stack((luma + 1.596 * v, luma - 0.392 * u - 0.813 * v, luma + 2.017 * u), axis=-1)
    out: npt.NDArray[np.uint8] = np.clip(np.rint(rgb), 0, 255).astype(np.uint8)
    return out
