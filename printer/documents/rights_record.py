"""The personal rights record (个人权益记录单), A4, for a year or a range of months.

Member and employer details, enrolments, the pension account by year, then one monthly table
per scheme (● paid △ arrears ○ transferred in), notes. Header row repeated on each page.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm

from kiosk.domain import MonthStatus, Period, money_sum
from kiosk.domain.documents import RightsRecordData
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

TITLE = "个人权益记录单"

MONTH_COLUMNS = [
    Column("费款所属期", 20 * mm, "center"),
    Column("缴费基数(元)", 24 * mm, "right"),
    Column("单位缴费(元)", 24 * mm, "right"),
    Column("个人缴费(元)", 24 * mm, "right"),
    Column("合计(元)", 24 * mm, "right"),
    Column("状态", 16 * mm, "center"),
    Column("缴费单位", 48 * mm, "left"),
]


def status_cell(status: MonthStatus) -> str:
    return f"{status.symbol} {status.zh}"


def rights_record_pdf(
    data: RightsRecordData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    period = f"{data.first_period} 至 {data.last_period}"
    return member_document(
        data,
        str(font_path),
        title=TITLE,
        blocks=_blocks(data),
        subtitle=f"（社会保险）记录期间：{period}",
    )


def record_for_year(data: RightsRecordData, year: int) -> RightsRecordData:
    """The same record limited to one calendar year."""
    from dataclasses import replace

    return replace(data, first_period=Period(year, 1), last_period=Period(year, 12))


def _blocks(data: RightsRecordData) -> list[Block]:
    p = data.person
    blocks: list[Block] = [Heading("一、参保人基本信息")]
    blocks.append(
        Table(
            "",
            [Column("", 28 * mm), Column("", 62 * mm), Column("", 28 * mm), Column("", 62 * mm)],
            [
                ("姓名", p.name, "性别", p.sex),
                ("公民身份号码", p.id_number, "出生日期", f"{p.birth_date or ''}"),
                ("单位名称", p.employer or "个人", "单位编号", p.employer_code),
            ],
            font_size=8.5,
            row_height=6 * mm,
            header=False,
            mark_columns=(1,),
            mark_label="person",
        )
    )
    blocks.append(Heading("二、参保情况"))
    rows = []
    for e in data.enrolments:
        mine = data.months_of(e.scheme)
        paid = [m for m in mine if m.status != MonthStatus.ARREARS]
        rows.append(
            (
                e.scheme.zh,
                e.status.zh,
                str(e.since),
                e.employer or "个人",
                str(e.cumulative_months),
                str(len(paid)),
                str(money_sum([m.total for m in paid])),
            )
        )
    blocks.append(
        Table(
            "",
            [
                Column("险种", 26 * mm),
                Column("参保状态", 18 * mm, "center"),
                Column("参保日期", 18 * mm, "center"),
                Column("单位", 52 * mm),
                Column("累计缴费月数", 20 * mm, "right"),
                Column("本期缴费月数", 20 * mm, "right"),
                Column("本期缴费合计(元)", 26 * mm, "right"),
            ],
            rows,
            font_size=7.5,
            row_height=5 * mm,
            mark_columns=(6,),
            mark_label="enrolment-total",
        )
    )
    acc = data.accounts
    blocks.append(Heading("三、个人账户"))
    blocks.append(
        Paragraph(
            f"养老保险个人账户累计储存额：{acc.pension_balance.display()}　"
            f"医疗保险个人账户余额：{acc.medical_balance.display()}"
        )
    )
    years = [
        (str(y.year), str(y.principal), str(y.interest), str(y.balance))
        for y in acc.pension_years
        if data.first_period.year <= y.year <= data.last_period.year
    ]
    if years:
        blocks.append(
            Table(
                "养老保险个人账户（按年度）",
                [
                    Column("年度", 30 * mm, "center"),
                    Column("本年记账额(元)", 50 * mm, "right"),
                    Column("本年利息(元)", 50 * mm, "right"),
                    Column("年末累计储存额(元)", 50 * mm, "right"),
                ],
                years,
                mark_columns=(3,),
                mark_label="account-balance",
            )
        )
    blocks.append(Heading("四、缴费明细（● 已缴　△ 欠缴　○ 转入）"))
    for scheme in data.schemes():
        rows = [
            (
                str(m.period),
                str(m.base),
                str(m.employer_part),
                str(m.personal_part),
                str(m.total),
                status_cell(m.status),
                m.payer,
            )
            for m in data.months_of(scheme)
        ]
        blocks.append(
            Table(
                f"{scheme.zh}缴费明细",
                MONTH_COLUMNS,
                rows,
                mark_columns=(0, 1, 2, 3, 4),
                mark_label="month-row",
            )
        )
    blocks.append(Spacer(2 * mm))
    blocks.append(Heading("五、说明"))
    notes = [
        *data.notes,
        f"本记录单由{data.issuer}提供，经{data.hall_name}自助终端{data.terminal_id}打印。",
        f"核验方式：扫描右上角二维码，或访问 {data.verification.url} 。",
    ]
    for i, note in enumerate(notes, start=1):
        blocks.append(Paragraph(f"{i}. {note}", font_size=8.5))
    return blocks
