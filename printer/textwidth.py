"""Display width of receipt text, in half-width columns of the printer's font A.

wcwidth gives 2 for CJK and full-width forms. A Chinese printer also prints every other
double-byte GB18030 character (×, —, ·, ’, which wcwidth calls narrow or ambiguous) from its
full-width font: those count 2 here too, or a line holding one would overflow by a column.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def char_width(c: str) -> int:
    # Imported when a receipt is first laid out, not with the kiosk: its tables are ~1 MB of
    # the app's memory, and most sessions print no receipt.
    from wcwidth import wcwidth

    w = wcwidth(c)
    if c.isascii():
        return max(w, 1)
    try:
        double_byte = len(c.encode("gb18030")) > 1
    except UnicodeEncodeError:
        double_byte = False
    return max(w, 2 if double_byte else 1)


def width(text: str) -> int:
    """Columns `text` takes on the printer."""
    return sum(char_width(c) for c in text)


def truncate(text: str, columns: int) -> str:
    """The longest prefix of `text` that fits in `columns`."""
    out, used = [], 0
    for c in text:
        cw = char_width(c)
        if used + cw > columns:
            break
        out.append(c)
        used += cw
    return "".join(out)


def two_columns(left: str, right: str, columns: int) -> str:
    """`left` flush left and `right` flush right on one line of `columns` (left is cut to fit)."""
    rw = width(right)
    left = truncate(left, max(columns - rw - 1, 0))
    gap = columns - width(left) - rw
    return left + " " * max(gap, 1) + right


def wrap(text: str, columns: int) -> list[str]:
    """Split `text` into lines of at most `columns` (by characters; no word logic for CJK)."""
    lines: list[str] = []
    cur: list[str] = []
    used = 0
    for c in text:
        cw = char_width(c)
        if used + cw > columns and cur:
            lines.append("".join(cur))
            cur, used = [], 0
        cur.append(c)
        used += cw
    if cur or not lines:
        lines.append("".join(cur))
    return lines
