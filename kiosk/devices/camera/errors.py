"""The camera's errors: one root under KioskError; the face check treats both kinds alike
("the face check is not available now"), the log tells them apart."""

from __future__ import annotations

from kiosk.errors import KioskError


class CameraError(KioskError):
    """The camera could not give frames (the message names the device, never a picture)."""

    message_key = "face.unavailable"


class CameraUnavailable(CameraError):
    """No camera to open: no such device, no permission, no usable picture format."""


class CameraGone(CameraError):
    """The camera stopped giving frames in the middle of a capture (unplugged, its driver
    reset, or frozen)."""
