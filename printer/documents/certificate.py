"""The participation certificate (参保证明), A4, for the last 12, 24, 36 or 48 months.

Printed only from the attested content: a statement in words, one summary line per scheme
(months counted, of them back paid, in arrears; the member's, employers' and the government's
money apart), the back-paid months with the day paid, the month-by-month status grid of the
window (● paid △ arrears ○ transferred in ◆ back paid), the issuer, the verification code, QR
and digest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from reportlab.lib.units import mm

from kiosk.domain import MonthStatus, Period, Scheme, period_range
from kiosk.domain.certificates import AttestedMonth
from kiosk.domain.documents import CertificateData
from printer.documents.built import BuiltDocument
from printer.documents.frame import member_document
from printer.documents.layout import (
    Block,
    Column,
    Heading,
    Paragraph,
    Spacer,
    Table,
)
from printer.documents.rights_record import LEGEND, NONE, figure
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
    p, c = data.person, data.content
    first, last = data.first_period, data.last_period
    since = p.first_insured
    statement = (
        f"兹证明 {p.name}（公民身份号码：{p.id_number}）"
        + (f"自 {since.year}年{since.month:02d}月 起" if since else "")
        + f"参加社会保险。{first.year}年{first.month:02d}月至"
        f"{last.year}年{last.month:02d}月（近{data.window_months}个月）"
        "的参保缴费情况如下："
    )
    blocks: list[Block] = [Paragraph(statement, font_size=10.5, leading=1.7)]
    if p.employer:
        blocks.append(Paragraph(f"现参保单位：{p.employer}", font_size=10.5, leading=1.7))
    blocks.append(Spacer(2 * mm))
    blocks.append(
        Table(
            "",
            [
                Column("险种", 24 * mm),
                Column("参保状态", 15 * mm, "center"),
                Column("缴费期间", 32 * mm, "center"),
                Column("缴费月数", 15 * mm, "right"),
                Column("其中补缴", 15 * mm, "right"),
                Column("欠缴月数", 15 * mm, "right"),
                Column("个人缴费(元)", 22 * mm, "right"),
                Column("单位缴费(元)", 22 * mm, "right"),
                Column("政府补贴(元)", 20 * mm, "right"),
            ],
            [
                (
                    s.scheme.zh,
                    s.status.zh,
                    f"{s.first} 至 {s.last}" if s.first else "",
                    str(s.months_paid),
                    str(s.months_back_paid),
                    str(s.months_in_arrears),
                    str(s.personal_total),
                    figure(s.employer_total),
                    figure(s.subsidy_total),
                )
                for s in c.schemes
            ],
            font_size=7.5,
            row_height=6 * mm,
            mark_columns=(3, 6),
            mark_label="summary",
        )
    )
    for line in back_paid_lines(data):
        blocks.append(Paragraph(line, font_size=9))
    schemes = data.schemes()
    if schemes:
        blocks.append(Heading(f"逐月参保缴费状态（{LEGEND}）", font_size=10))
        by_key: dict[tuple[Period, Scheme], AttestedMonth] = {}
        for m in data.months_in_range():
            # A residents' year (one row, month 01) covers each of its months in the window.
            covered = m.months
            p_ = m.period
            for _ in range(covered):
                if first <= p_ <= last:
                    by_key[(p_, m.scheme)] = m
                p_ = p_.next()
        col_w = (180 * mm - 24 * mm) / len(schemes)
        grid = []
        for period in period_range(first, last):
            cells = []
            for scheme in schemes:
                month = by_key.get((period, scheme))
                cells.append(f"{month.status.symbol} {month.status.zh}" if month else "")
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
            "缴费月数含已缴、转入和补缴；城乡居民保险按年缴费，每年计12个月；"
            f"政府补贴不属个人缴费；无单位缴费的以“{NONE}”表示。",
            font_size=8.5,
        )
    )
    blocks.append(
        Paragraph(
            f"本证明经{data.hall_name}自助终端{data.terminal_id}打印，"
            f"可扫描右上角二维码或访问 {data.verification.url} 核验真伪，"
            "核验页面所示文件摘要应与页首所印一致。",
            font_size=8.5,
        )
    )
    return blocks


def back_paid_lines(data: CertificateData) -> list[str]:
    """'补缴：养老保险 2023-03 至 2023-04，于 2024-05-06 补缴。' per scheme: runs of
    consecutive back-paid months paid on the same day."""
    out = []
    for scheme in data.schemes():
        runs: list[tuple[Period, Period, dt.date | None]] = []
        for m in data.months_of(scheme):
            if m.status is not MonthStatus.BACK_PAID:
                continue
            if runs and runs[-1][1].next() == m.period and runs[-1][2] == m.paid_on:
                runs[-1] = (runs[-1][0], m.period, m.paid_on)
            else:
                runs.append((m.period, m.period, m.paid_on))
        if runs:
            parts = [
                (f"{a}" if a == b else f"{a} 至 {b}")
                + (f"，于 {day.isoformat()} 补缴" if day else "")
                for a, b, day in runs
            ]
            out.append(f"补缴：{scheme.zh} " + "；".join(parts) + "。")
    return out
