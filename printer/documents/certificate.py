"""The participation certificate (参保证明), A4, for the last 12, 24, 36 or 48 months.

A statement in words, one summary line per scheme, the month-by-month status grid of the window
(● paid △ arrears ○ transferred in), the issuer, and the verification code and QR.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm

from kiosk.domain import Scheme
from kiosk.domain.documents import CertificateData
from printer.documents.frame import member_document
from printer.documents.layout import (
    Block,
    BuiltDocument,
    Column,
    Heading,
    Paragraph,
    Spacer,
    Table,
)
from printer.fonts import DEFAULT_FONT_PATH

TITLE = "参保证明"


def certificate_pdf(
    data: CertificateData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    window = f"{data.first_period} 至 {data.last_period}"
    return member_document(
        data,
        str(font_path),
        title=TITLE,
        blocks=_blocks(data),
        subtitle=f"（社会保险）证明期间：{window}（近{data.window_months}个月）",
    )


def _blocks(data: CertificateData) -> list[Block]:
    p = data.person
    summaries = data.summaries()
    since = min((e.since for e in data.enrolments), default=None)
    statement = (
        f"兹证明 {p.name}（公民身份号码：{p.id_number}）"
        + (f"自 {since.year}年{since.month:02d}月 起" if since else "")
        + f"参加社会保险。{data.first_period.year}年{data.first_period.month:02d}月至"
        f"{data.last_period.year}年{data.last_period.month:02d}月（近{data.window_months}个月）"
        "的参保缴费情况如下："
    )
    blocks: list[Block] = [Paragraph(statement, font_size=10.5, leading=1.7)]
    if p.employer:
        blocks.append(Paragraph(f"现参保单位：{p.employer}", font_size=10.5, leading=1.7))
    blocks.append(Spacer(2 * mm))
    rows = [
        (
            s.scheme.zh,
            _status_of(data, s.scheme),
            f"{s.first} 至 {s.last}" if s.first else "",
            str(s.paid_months + s.transferred_months),
            str(s.arrears_months),
            str(s.total_paid),
        )
        for s in summaries
    ]
    blocks.append(
        Table(
            "",
            [
                Column("险种", 30 * mm),
                Column("参保状态", 22 * mm, "center"),
                Column("缴费期间", 46 * mm, "center"),
                Column("缴费月数", 22 * mm, "right"),
                Column("欠缴月数", 22 * mm, "right"),
                Column("缴费金额合计(元)", 38 * mm, "right"),
            ],
            rows,
            font_size=8.5,
            row_height=6 * mm,
            mark_columns=(3, 5),
            mark_label="summary",
        )
    )
    schemes = [s.scheme for s in summaries]
    by_key = {(m.period, m.scheme): m for m in data.months_in_window()}
    periods = sorted({m.period for m in data.months_in_window()})
    if schemes:
        blocks.append(Heading("逐月参保缴费状态（● 已缴　△ 欠缴　○ 转入）", font_size=10))
        col_w = (180 * mm - 24 * mm) / len(schemes)
        grid = []
        for period in periods:
            cells = []
            for scheme in schemes:
                m = by_key.get((period, scheme))
                cells.append(f"{m.status.symbol} {m.status.zh}" if m else "")
            grid.append((str(period), *cells))
        blocks.append(
            Table(
                "",
                [Column("费款所属期", 24 * mm, "center")]
                + [Column(s.zh, col_w, "center") for s in schemes],
                grid,
                mark_columns=(0,),
                mark_label="grid-row",
            )
        )
    blocks.append(Spacer(3 * mm))
    blocks.append(Paragraph("特此证明。", font_size=10.5))
    if data.purpose:
        blocks.append(Paragraph(f"用途：{data.purpose}", font_size=9))
    blocks.append(
        Paragraph(
            f"出具机构：{data.issuer}　出具日期：{data.printed_at:%Y年%m月%d日}", font_size=10.5
        )
    )
    blocks.append(
        Paragraph(
            f"本证明经{data.hall_name}自助终端{data.terminal_id}打印，"
            f"可扫描右上角二维码或访问 {data.verification.url} 核验真伪。",
            font_size=8.5,
        )
    )
    return blocks


def _status_of(data: CertificateData, scheme: Scheme) -> str:
    for e in data.enrolments:
        if e.scheme == scheme:
            return e.status.zh
    return ""
