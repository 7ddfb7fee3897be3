"""Colours and sizes of the kiosk. Every text colour pair keeps a contrast of at least 4.5:1
(WCAG AA); tests/unit/test_theme.py checks it."""

from __future__ import annotations

# RGBA, 0..1
BACKGROUND = (0.043, 0.239, 0.447, 1)  # deep blue #0B3D72
SURFACE = (1, 1, 1, 1)
TEXT_ON_BACKGROUND = (1, 1, 1, 1)
TEXT_MUTED_ON_BACKGROUND = (0.80, 0.87, 0.95, 1)
TEXT_ON_SURFACE = (0.10, 0.12, 0.16, 1)
ACCENT = (0.996, 0.820, 0.188, 1)  # yellow buttons on the blue background
TEXT_ON_ACCENT = (0.10, 0.12, 0.16, 1)
DANGER = (0.70, 0.11, 0.11, 1)
HEADER_BAR = (0.027, 0.165, 0.318, 1)  # darker blue strip behind page titles
TABLE_HEADER = (0.87, 0.91, 0.96, 1)
BAR = (0.55, 0.72, 0.92, 1)
OK = (0.10, 0.45, 0.20, 1)
TEXT_ON_DANGER = (1, 1, 1, 1)

# Touch targets: 60 dp is at least 12 mm on the kiosk panels we know (≈ 150 dpi).
TARGET_DP = 60

PAIRS = {
    "text on background": (TEXT_ON_BACKGROUND, BACKGROUND),
    "muted text on background": (TEXT_MUTED_ON_BACKGROUND, BACKGROUND),
    "text on surface": (TEXT_ON_SURFACE, SURFACE),
    "text on accent": (TEXT_ON_ACCENT, ACCENT),
    "text on danger": (TEXT_ON_DANGER, DANGER),
    "text on header bar": (TEXT_ON_BACKGROUND, HEADER_BAR),
    "text on table header": (TEXT_ON_SURFACE, TABLE_HEADER),
    "ok text on surface": (OK, SURFACE),
}


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgba: tuple[float, ...]) -> float:
    r, g, b = (_linear(x) for x in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
