"""A QR code drawn from its module matrix as one texture (sharp at any size)."""

from __future__ import annotations

from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.widget import Widget


class QrCode(Widget):
    data = StringProperty("")

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._texture: Texture | None = None
        self.bind(data=self._make, pos=self._draw, size=self._draw)

    def _make(self, *_a) -> None:
        self._texture = None
        if self.data:
            # Imported at the first QR shown, not at start-up: qrcode's package loads its PIL
            # image drawers (PIL's FreeType and HarfBuzz with them), ~1.5 MB the kiosk does not
            # need until a member pays by QR.
            import qrcode

            q = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
            q.add_data(self.data)
            q.make(fit=True)
            matrix = q.get_matrix()
            n = len(matrix)
            # Rows bottom-up: GL textures start at the bottom-left.
            buf = bytes(
                0 if cell else 255 for row in reversed(matrix) for cell in row for _ in range(3)
            )
            tex = Texture.create(size=(n, n), colorfmt="rgb")
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
