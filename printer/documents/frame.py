"""The header and footer shared by the A4 documents: title, verification code and QR at the top,
data-as-of, print time and 第 x 页 共 y 页 at the bottom."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from kiosk.domain.documents import AttestedDocument, Verification
from printer.documents.built import BuiltDocument, Mark
from printer.documents.layout import (
    MARGIN,
    PAGE_H,
    PAGE_W,
    Block,
    PageFrame,
    build,
    draw_qr,
    mark_text,
)
from printer.fonts import register_pdf_font

QR_SIZE = 24 * mm


@dataclass(frozen=True)
class FrameText:
    title: str
    subtitle: str  # e.g. "记录期间：1995-01 至 2024-12"
    who: str  # e.g. "姓名：张三　社会保障号码：..."
    verification: Verification
    digest: str  # SHA-256 of the attested content, in full (the verification page shows it)
    data_as_of: dt.date | None
    printed_at: dt.datetime
    terminal: str  # e.g. "市社会保险服务大厅 KIOSK-0001"


def document_frame(font: str, t: FrameText) -> PageFrame:
    top_y = PAGE_H - MARGIN

    def draw(c: Canvas, page: int, total: int, marks: list[Mark]) -> None:
        c.setFillGray(0)
        c.setFont(font, 16)
        c.drawCentredString(PAGE_W / 2 - QR_SIZE / 2, top_y - 16, t.title)
        c.setFont(font, 9)
        c.drawString(MARGIN, top_y - 30, t.subtitle)
        mark_text(c, marks, page, "who", font, 9, MARGIN, top_y - 42, t.who)
        mark_text(
            c, marks, page, "verification-code", font, 9, MARGIN, top_y - 54,
            f"验证码：{t.verification.code}",
        )  # fmt: skip
        mark_text(
            c, marks, page, "digest", font, 6.5, MARGIN, top_y - 65,
            f"文件摘要(SHA-256)：{t.digest}",
        )  # fmt: skip
        qx, qy = PAGE_W - MARGIN - QR_SIZE, top_y - QR_SIZE
        draw_qr(c, t.verification.url, qx, qy, QR_SIZE)
        marks.append(Mark(page, "qr", t.verification.url, qx, qy, qx + QR_SIZE, qy + QR_SIZE))
        c.setFont(font, 6.5)
        c.drawCentredString(qx + QR_SIZE / 2, qy - 7, "扫码核验")
        # footer
        c.setLineWidth(0.4)
        c.setStrokeGray(0.3)
        c.line(MARGIN, MARGIN + 7 * mm, PAGE_W - MARGIN, MARGIN + 7 * mm)
        c.setFont(font, 7.5)
        c.drawString(
            MARGIN,
            MARGIN + 2.5 * mm,
            f"数据截至：{t.data_as_of or '—'}　打印时间：{t.printed_at:%Y-%m-%d %H:%M:%S}"
            f"　打印地点：{t.terminal}",
        )
        text = f"第 {page} 页 共 {total} 页"
        c.setFont(font, 8)
        w = c.stringWidth(text, font, 8)
        mark_text(
            c, marks, page, "page-number", font, 8, PAGE_W - MARGIN - w, MARGIN + 2.5 * mm, text
        )

    return PageFrame(draw=draw, top=top_y - QR_SIZE - 8 * mm, bottom=MARGIN + 10 * mm)


def member_document(
    data: AttestedDocument,
    font_path: str,
    *,
    title: str,
    subtitle: str,
    blocks: list[Block],
) -> BuiltDocument:
    """A member's A4 document: this frame around `blocks`, the member named at the top."""
    font = register_pdf_font(font_path)
    p = data.person
    frame = document_frame(
        font,
        FrameText(
            title=title,
            subtitle=subtitle,
            who=f"姓名：{p.name}　社会保障号码：{p.social_security_no or p.id_number}",
            verification=data.verification,
            digest=data.digest,
            data_as_of=data.data_as_of,
            printed_at=data.printed_at,
            terminal=f"{data.hall_name} {data.terminal_id}",
        ),
    )
    period = f"{data.first_period} 至 {data.last_period}"
    return build(blocks, font, frame, title=f"{title} {period}", subject="社会保险")
