"""Draw, once after start-up, a tiny invisible sample of every kind of draw the pages make.

A software renderer (Mesa's llvmpipe, on kiosks without a GPU and under Xvfb in tests) compiles
a new shader variant with LLVM the first time it draws with a new combination of texture
format, power-of-two sides, filter, stencil and primitive: 30-40 ms of CPU on the main thread,
in the frame that first shows the page that needs it (the history table inside its scroll
clip, the print preview, the QR code...). Drawn here, a few per frame while the attract screen
idles, those compilations are done before a member arrives. On a GPU the samples cost nothing.
"""

from __future__ import annotations

from kivy.graphics import (
    Color,
    Ellipse,
    InstructionGroup,
    Line,
    Rectangle,
    ScissorPop,
    ScissorPush,
    StencilPop,
    StencilPush,
    StencilUnUse,
    StencilUse,
    Triangle,
)
from kivy.graphics.texture import Texture

# Sides of the sample textures: power-of-two or not, each side on its own (the variants differ).
_SIDES = ((4, 4), (4, 3), (3, 4), (3, 3))
_FORMATS = ("rgba", "rgb")  # labels and images with alpha; PNG previews, QR codes, the default
_FILTERS = ("linear", "nearest")  # text and images; the QR code's sharp modules


def _texture(size: tuple[int, int], fmt: str, filt: str) -> Texture:
    tex = Texture.create(size=size, colorfmt=fmt)
    tex.blit_buffer(b"\xff" * (size[0] * size[1] * len(fmt)), colorfmt=fmt, bufferfmt="ubyte")
    tex.min_filter = tex.mag_filter = filt
    return tex


def _samples(group: InstructionGroup) -> None:
    """One draw of each kind, 2 px wide, in the window's corner, fully transparent."""
    for fmt in _FORMATS:
        for size in _SIDES:
            for filt in _FILTERS:
                group.add(Rectangle(texture=_texture(size, fmt, filt), pos=(0, 0), size=(2, 2)))
    group.add(Line(points=[0, 0, 2, 2], width=1))
    group.add(Line(points=[0, 0, 2, 2], width=1.5))
    group.add(Triangle(points=[0, 0, 2, 0, 0, 2]))
    group.add(Ellipse(pos=(0, 0), size=(2, 2)))


def warmup_steps() -> list[InstructionGroup]:
    """The samples as groups to draw one per frame: plain, inside a stencil clip (a
    ScrollView), the clip's own push and pop included, and inside a scissor (a table)."""
    plain = InstructionGroup()
    plain.add(Color(1, 1, 1, 0))
    _samples(plain)
    clipped = InstructionGroup()
    clipped.add(Color(1, 1, 1, 0))
    clipped.add(StencilPush())
    clipped.add(Rectangle(pos=(0, 0), size=(2, 2)))
    clipped.add(StencilUse())
    _samples(clipped)
    clipped.add(StencilUnUse())
    clipped.add(Rectangle(pos=(0, 0), size=(2, 2)))
    clipped.add(StencilPop())
    scissored = InstructionGroup()
    scissored.add(Color(1, 1, 1, 0))
    scissored.add(ScissorPush(x=0, y=0, width=2, height=2))
    _samples(scissored)
    scissored.add(ScissorPop())
    return [plain, clipped, scissored]
