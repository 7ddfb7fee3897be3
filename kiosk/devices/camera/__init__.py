"""The camera for the face check (docs/face.md, "The kiosk's camera"): the `CameraPort`
(kiosk.ports) over a V4L2 device with linuxpy (v4l2.py) or the emulated camera that plays the
lab's face photos (emulated.py, with the synthetic head turn of warp.py); frames as JPEG
(frames.py); errors (errors.py).

`open_camera` picks the camera config.toml's [camera] names."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import CameraConfig
    from kiosk.ports import CameraPort


def open_camera(cfg: CameraConfig) -> CameraPort | None:
    """The configured camera, or None for kind "none". Nothing is opened yet: a V4L2 device
    is opened for each capture (CameraUnavailable then, when it is missing)."""
    if cfg.kind == "none":
        return None
    if cfg.kind == "emulated":
        from kiosk.devices.camera.emulated import EmulatedCamera

        return EmulatedCamera(cfg.photos, cfg.subject)
    from kiosk.devices.camera.v4l2 import V4l2Camera

    return V4l2Camera(cfg.device, width=cfg.width, height=cfg.height, pixel_format=cfg.pixel_format)
