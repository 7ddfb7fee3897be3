"""Display width of receipt text: CJK characters take two columns, ASCII one (wcwidth)."""

from __future__ import annotations

from wcwidth import wcswidth, wcwidth


def width(text: str) -> int:
    """Columns `text` takes on the printer; unprintable characters count as one."""
    w = wcswidth(text)
    if w >= 0:
        return w
    return sum(max(wcwidth(c), 1) for c in text)


def truncate(text: str, columns: int) -> str:
    """The longest prefix of `text` that fits in `columns`."""
    out, used = [], 0
    for c in text:
        cw = max(wcwidth(c), 1)
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
    lines, cur, used = [], [], 0
    for c in text:
        cw = max(wcwidth(c), 1)
        if used + cw > columns and cur:
            lines.append("".join(cur))
            cur, used = [], 0
        cur.append(c)
        used += cw
    if cur or not lines:
        lines.append("".join(cur))
    return lines
