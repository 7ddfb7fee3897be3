"""What a document builder returns: the PDF, its page count and where chosen values were drawn.

Plain data without reportlab, so the kiosk's process can hold a document that a worker process
built (it comes back pickled).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mark:
    """Where a value was drawn: tests look for ink there in rendered pages."""

    page: int  # 1-based
    label: str
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class BuiltDocument:
    pdf: bytes
    pages: int
    marks: list[Mark] = field(default_factory=list)

    def marks_labelled(self, label: str) -> list[Mark]:
        return [m for m in self.marks if m.label == label]
