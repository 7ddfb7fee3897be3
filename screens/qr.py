"""A QR code drawn from its module matrix as one texture (sharp at any size).

The matrix is computed on a worker thread and the texture made in the frame after: the first
QR a process shows imports qrcode (~15 ms; its package loads PIL's image drawers, ~1.5 MB the
kiosk does not carry until a member pays by QR) and a matrix takes ~3 ms, neither of which
belongs in a frame."""

from __future__ import annotations

import logging
import threading

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from screens import wake

log = logging.getLogger(__name__)


def qr_pixels(data: str) -> tuple[int, bytes]:
    """The QR code of `data` (error correction M, a 2-module quiet zone) as the side in modules
    and RGB pixels, rows bottom-up (GL textures start at the bottom-left). Any thread."""
    import qrcode

    q = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    q.add_data(data)
    q.make(fit=True)
    matrix = q.get_matrix()
    buf = bytes(0 if cell else 255 for row in reversed(matrix) for cell in row for _ in range(3))
    return len(matrix), buf


class QrCode(Widget):
    data = StringProperty("")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._texture: Texture | None = None
        self.bind(data=self._make, pos=self._draw, size=self._draw)

    def _make(self, *_a) -> None:
        self._texture = None
        self._draw()
        if self.data:
            threading.Thread(
                target=self._encode, args=(self.data,), name="qr-encode", daemon=True
            ).start()

    def _encode(self, data: str) -> None:
        try:
            side, buf = qr_pixels(data)
        except Exception as e:  # too long for a QR code, or qrcode missing: the page says why
            # The data is a payment's URL: its type and length only, not the URL itself.
            log.warning("no QR code for %d characters: %s", len(data), type(e).__name__)
            return
        wake.call_soon(lambda: self._show(data, side, buf))

    def _show(self, data: str, side: int, buf: bytes) -> None:
        if data != self.data:  # another code, or none, was asked for meanwhile
            return
        tex = Texture.create(size=(side, side), colorfmt="rgb")
        tex.blit_buffer(buf, colorfmt="rgb", bufferfmt="ubyte")
        tex.mag_filter = "nearest"
        tex.min_filter = "nearest"
        self._texture = tex
        self._draw()

    def _draw(self, *_a) -> None:
        self.canvas.clear()
        if self._texture is None:
            return
        side = min(self.width, self.height)
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(
                texture=self._texture,
                size=(side, side),
                pos=(self.center_x - side / 2, self.center_y - side / 2),
            )
