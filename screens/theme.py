"""The kiosk's design tokens: colours, type scale, spacing and touch targets. Pages and kv
rules use these names, never numbers of their own.

Colours. Every text colour pair the kiosk draws is in PAIRS and keeps a contrast of at least
7:1 (WCAG 2.2 AAA, the bar of the national elderly-friendly rules): tests/unit/test_theme.py
checks each one with the WCAG relative-luminance formula below. A new text colour or a new
background for text gets its pair here first.

Type. Sizes are in sp at the standard text size. In kv write `font_size: theme.font("body")`
(the string "24sp"): Kivy recomputes an "sp" string when large-text mode changes
Metrics.fontscale, but not the number `sp(theme.FONT_BODY)` gives, which keeps its first value.
Large-text mode (长辈模式) multiplies every sp by `[ui] large_text_scale` (at least 1.4,
screens/app.py sets Metrics.fontscale), so TYPE_SCALES["large"] is the standard scale times
1.4 and its smallest size, FONT_CAPTION x 1.4 = 30.8 sp, stays at least 30 sp
(LARGE_TEXT_MIN_SP). Nothing is drawn smaller than FONT_CAPTION. Keep to these few sizes: each
distinct pixel size of a font is a FreeType face of its own in Kivy's SDL2 text provider,
about 0.7 MB each for the flattened Noto Sans CJK bold (2.5 MB unflattened) and 0.3 MB for
WenQuanYi.

Spacing. Multiples of SPACE (8 dp). Touch targets are at least TARGET_DP (60 dp) in both
directions with at least TARGET_GAP_DP (8 dp) between two of them.

Icons and buttons (screens/widgets.py, common.kv): `IconButton` is the button with an icon and
a text label beside it, always both:

    IconButton:
        icon: "print"                       # a name of screens.icons.ICONS
        text: app.tr("menu.print", app.lang)
        kind: "primary"                     # "primary" (accent), "secondary" (surface),
                                            # "danger" (red, white text)
        vertical: False                     # True: a menu tile, icon above the label
        on_release: app.navigate("print")     # (give a tile size_hint_y: 1 in its grid)

It is at least PRIMARY_BUTTON_DP high (`minimum_height` grows with a wrapped label), wraps its
label to its width, and is sized by its layout (no size from its own text, so no layout
loops). A tile's label is heading size and its icon TILE_ICON_SCALE times that. `IconLabel` is
the same pair as plain text (icon, text, color, font_size, bold) for status lines, result
marks and empty states; `icon_box` / `text_box` say where each was drawn (for layout tests).
tests/ui/scenarios_design.py lays out a gallery of them (screenshots design-gallery-*.png).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

# RGBA, 0..1
BACKGROUND = (0.043, 0.239, 0.447, 1)  # deep blue #0B3D72
SURFACE = (1, 1, 1, 1)  # cards and panels on the blue
TEXT_ON_BACKGROUND = (1, 1, 1, 1)
TEXT_MUTED_ON_BACKGROUND = (0.80, 0.87, 0.95, 1)
TEXT_ON_SURFACE = (0.10, 0.12, 0.16, 1)
TEXT_MUTED_ON_SURFACE = (0.28, 0.31, 0.36, 1)  # secondary lines on a card
ACCENT = (0.996, 0.820, 0.188, 1)  # yellow buttons on the blue background; also text on it
TEXT_ON_ACCENT = (0.10, 0.12, 0.16, 1)
DANGER = (0.62, 0.10, 0.10, 1)  # #9E1A1A: errors, failure marks, danger buttons
HEADER_BAR = (0.027, 0.165, 0.318, 1)  # darker blue strip behind page titles
TABLE_HEADER = (0.87, 0.91, 0.96, 1)
BAR = (0.55, 0.72, 0.92, 1)  # chart bars: graphics, not text
OK = (0.05, 0.36, 0.15, 1)  # #0D5C26: paid, success marks on a surface
WARNING = (0.45, 0.28, 0.0, 1)  # #734700: arrears, "ends soon" on a surface
TEXT_ON_DANGER = (1, 1, 1, 1)
URGENT_ON_BACKGROUND = (1.0, 0.78, 0.74, 1)  # #FFC7BD: "time nearly up" on the blue

# Touch targets: 60 dp is at least 12 mm on the kiosk panels we know (≈ 150 dpi).
TARGET_DP = 60
TARGET_GAP_DP = 8  # between two touch targets
PRIMARY_BUTTON_DP = 72  # height of a page's main action
TILE_DP = 140  # smallest side of a menu tile (icon above its label)
ICON_SCALE = 1.3  # an icon is drawn this much larger than its label's text
TILE_ICON_SCALE = 2.2  # on a menu tile (icon above its label)

# Spacing, in dp: SPACE and its multiples.
SPACE = 8
SPACE_S = SPACE  # inside a group: icon to label, line to line
SPACE_M = 2 * SPACE  # panel padding, between groups
SPACE_L = 3 * SPACE  # page margins
SPACE_XL = 4 * SPACE  # between a page's sections
RADIUS_DP = 12  # corners of panels, cards and buttons
# Straight pieces per rounded corner. Kivy's default of 10 draws each rounded rectangle as a
# fan of ~44 triangles spanning the whole shape, and software GL sets up and bins every one: the
# menu's 60 corners cost a third of its redraw on llvmpipe. At a 12-20 px radius 4 pieces are
# within 0.4 px of the arc (r * (1 - cos 11.25 deg)), below what the eye sees without MSAA.
CORNER_SEGMENTS = 4

# Type scale, in sp at the standard text size.
FONT_CAPTION = 22  # the smallest text: table cells, chart labels, hints
FONT_BODY = 24
FONT_BUTTON = 26
FONT_HEADING = 28  # a panel's or card's title
FONT_TITLE = 34  # a page's title
FONT_DISPLAY = 48  # the attract screen's call to action, a result's headline
FONT_FIGURE = 64  # one big figure: a balance, an amount to pay
FONT_MARK = 88  # one glyph seen from a step back: a result's mark, the face check's arrow

FONT_ROLES = {
    "caption": FONT_CAPTION,
    "body": FONT_BODY,
    "button": FONT_BUTTON,
    "heading": FONT_HEADING,
    "title": FONT_TITLE,
    "display": FONT_DISPLAY,
    "figure": FONT_FIGURE,
    "mark": FONT_MARK,
}


def font(role: str) -> str:
    """The size of a type role as a kv font size, e.g. font("body") == "24sp" (a string, so it
    follows large-text mode live; see the module docstring)."""
    return f"{FONT_ROLES[role]}sp"


# Large-text mode scales every sp by at least this much ([ui] large_text_scale's minimum).
LARGE_TEXT_SCALE = 1.4
LARGE_TEXT_MIN_SP = 30  # no text smaller than this in large-text mode


@dataclass(frozen=True)
class TypeScale:
    """The sizes of one text mode, in sp as drawn (standard sp x the mode's font scale)."""

    caption: float
    body: float
    button: float
    heading: float
    title: float
    display: float
    figure: float
    mark: float

    def smallest(self) -> float:
        return min(getattr(self, f.name) for f in fields(self))


def type_scale(font_scale: float) -> TypeScale:
    """The type scale as drawn at `font_scale` (Metrics.fontscale: 1 standard, 1.4 large)."""
    return TypeScale(
        caption=FONT_CAPTION * font_scale,
        body=FONT_BODY * font_scale,
        button=FONT_BUTTON * font_scale,
        heading=FONT_HEADING * font_scale,
        title=FONT_TITLE * font_scale,
        display=FONT_DISPLAY * font_scale,
        figure=FONT_FIGURE * font_scale,
        mark=FONT_MARK * font_scale,
    )


# Button kinds of IconButton: (background, text colour); each is a checked pair in PAIRS.
BUTTON_KINDS = {
    "primary": (ACCENT, TEXT_ON_ACCENT),
    "secondary": (SURFACE, TEXT_ON_SURFACE),
    "danger": (DANGER, TEXT_ON_DANGER),
}

TYPE_SCALES = {"standard": type_scale(1.0), "large": type_scale(LARGE_TEXT_SCALE)}

PAIRS = {
    "text on background": (TEXT_ON_BACKGROUND, BACKGROUND),
    "muted text on background": (TEXT_MUTED_ON_BACKGROUND, BACKGROUND),
    "text on surface": (TEXT_ON_SURFACE, SURFACE),
    "text on accent": (TEXT_ON_ACCENT, ACCENT),
    "text on danger": (TEXT_ON_DANGER, DANGER),
    "text on header bar": (TEXT_ON_BACKGROUND, HEADER_BAR),
    "text on table header": (TEXT_ON_SURFACE, TABLE_HEADER),
    "ok text on surface": (OK, SURFACE),
    "danger text on surface": (DANGER, SURFACE),
    "warning text on surface": (WARNING, SURFACE),
    "muted text on surface": (TEXT_MUTED_ON_SURFACE, SURFACE),
    "accent text on background": (ACCENT, BACKGROUND),
    "accent text on header bar": (ACCENT, HEADER_BAR),
    "muted text on header bar": (TEXT_MUTED_ON_BACKGROUND, HEADER_BAR),
    "text on selected tab": (TEXT_ON_ACCENT, ACCENT),
    "urgent text on background": (URGENT_ON_BACKGROUND, BACKGROUND),
    "urgent text on header bar": (URGENT_ON_BACKGROUND, HEADER_BAR),
}


def _linear(c: float) -> float:
    """An sRGB channel (0..1) to linear light, as WCAG 2.2 defines relative luminance."""
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgba: tuple[float, ...]) -> float:
    """WCAG relative luminance (alpha ignored: every pair is opaque on opaque)."""
    r, g, b = (_linear(x) for x in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg: tuple[float, ...], bg: tuple[float, ...]) -> float:
    """WCAG contrast ratio: (lighter + 0.05) / (darker + 0.05), 1 to 21."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
