"""The acknowledgement of an unemployment benefit claim (失业保险金申领回执), A4.

Printed from the back office's answer after the claim (kiosk.domain.unemployment): who claimed,
for which job that ended, what was granted (months, of them carried over, the monthly amount,
from which month), the registration's phone and job wishes, and what the member must do next
(report re-employment; the benefit stops with it). No verification code: it attests nothing
the back office signs, it records what the member was told. The member's ID number only
masked."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from printer.documents.built import BuiltDocument, Mark
from printer.documents.inputs import AcknowledgementData as AcknowledgementData
from printer.documents.layout import (
    MARGIN,
    PAGE_H,
    PAGE_W,
    Block,
    Column,
    Heading,
    PageFrame,
    Paragraph,
    Spacer,
    Table,
    build,
    mark_text,
)
from printer.fonts import DEFAULT_FONT_PATH, register_pdf_font

TITLE = "失业保险金申领回执"


def acknowledgement_pdf(
    data: AcknowledgementData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    s, claim = data.status, data.status.application
    if claim is None or s.separation is None:
        raise ValueError("no claim to acknowledge: print after the claim was made")
    font = register_pdf_font(str(font_path))
    top = PAGE_H - MARGIN

    def draw(c: Canvas, page: int, total: int, marks: list[Mark]) -> None:
        c.setFillGray(0)
        c.setFont(font, 16)
        c.drawCentredString(PAGE_W / 2, top - 16, TITLE)
        mark_text(
            c, marks, page, "application-id", font, 9, MARGIN, top - 34,
            f"申领编号：{claim.application_id}　申领日期：{claim.applied_on.isoformat()}",
        )  # fmt: skip
        c.setFont(font, 9)
        c.drawString(MARGIN, top - 46, f"姓名：{data.name}　公民身份号码：{data.id_number_masked}")
        c.setLineWidth(0.4)
        c.setStrokeGray(0.3)
        c.line(MARGIN, MARGIN + 7 * mm, PAGE_W - MARGIN, MARGIN + 7 * mm)
        c.setFont(font, 7.5)
        c.drawString(
            MARGIN,
            MARGIN + 2.5 * mm,
            f"打印时间：{data.printed_at:%Y-%m-%d %H:%M:%S}"
            f"　打印地点：{data.hall_name} {data.terminal_id}　第 {page} 页 共 {total} 页",
        )

    frame = PageFrame(draw=draw, top=top - 56, bottom=MARGIN + 10 * mm)
    sep = s.separation
    granted = f"{claim.months_granted}个月"
    if claim.months_carried:
        granted += f"（其中上次失业未领取的{claim.months_carried}个月）"
    rows: list[tuple[str, ...]] = [
        ("原工作单位", sep.employer or "—"),
        ("劳动关系终止日期", sep.last_day.isoformat()),
        ("离职原因（单位记录）", sep.reason_zh),
        ("本次核定的缴费月数", f"{s.contribution_months}个月"),
        ("核定领取期限", granted),
        ("每月失业保险金", f"{claim.monthly_amount.yuan:,.2f}元"),
        ("起始月份", str(claim.first_month)),
        ("领取期间基本医疗保险", "由失业保险基金代缴" if claim.medical_by_fund else "—"),
    ]
    if s.registration is not None:
        rows += [
            ("失业登记日期", s.registration.registered_on.isoformat()),
            ("联系电话", s.registration.phone_masked),
            ("求职意向", "、".join(s.registration.job_wishes)),
        ]
    width = PAGE_W - 2 * MARGIN
    blocks: list[Block] = [
        Heading("申领信息"),
        Table(
            "",
            [Column("项目", 55 * mm), Column("内容", width - 55 * mm)],
            rows,
            font_size=9.5,
            row_height=7 * mm,
            header=False,
            mark_columns=(1,),
            mark_label="first-row",
        ),
        Spacer(6 * mm),
        Heading("请您注意"),
        Paragraph(
            "1. 失业保险金按月发放至您的社会保障卡金融账户；领取期间请保持联系电话畅通，"
            "按要求参加就业服务和职业培训。",
            font_size=9.5,
        ),
        Paragraph(
            "2. 重新就业、应征服兵役、移居境外、享受基本养老保险待遇等情形，"
            "请及时到自助终端或柜台办理停领，失业保险金自次月起停止发放；"
            "未领取的月份可在再次失业时合并计算（最长不超过24个月）。",
            font_size=9.5,
        ),
        Paragraph("3. 本回执仅为申领受理凭证，不作为其他用途。", font_size=9.5),
    ]
    return build(blocks, font, frame, title=f"{TITLE} {claim.application_id}", subject="失业保险")
