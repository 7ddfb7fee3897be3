"""The personal rights record (个人权益记录单), A4, for a year or a range of years.

Printed only from the attested content (kiosk.domain.certificates.AttestedContent): the member
(with 首次参保时间, 参加工作时间, 视同缴费月数), each scheme's figures as at the range's end,
the pension account by year with its crediting rate (记账利率), the medical account by year,
then one table per scheme: monthly for employee and flexible schemes, yearly for residents'
schemes. Header row repeated on each page. See docs/printing.md for each column's rule.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from reportlab.lib.units import mm

from kiosk.domain import Money, MonthStatus, Scheme
from kiosk.domain.certificates import AttestedMonth
from kiosk.domain.documents import RightsRecordData
from kiosk.domain.records import YEARLY_SCHEMES
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
from printer.fonts import DEFAULT_FONT_PATH

TITLE = "个人权益记录单"
NONE = "—"  # a figure that does not exist (no employer, no subsidy, no rate yet)
LEGEND = "● 已缴　△ 欠缴　○ 转入　◆ 补缴"

MONTH_COLUMNS = [
    Column("费款所属期", 18 * mm, "center"),
    Column("缴费基数(元)", 21 * mm, "right"),
    Column("单位缴费(元)", 21 * mm, "right"),
    Column("个人缴费(元)", 21 * mm, "right"),
    Column("计入账户(元)", 21 * mm, "right"),
    Column("合计(元)", 21 * mm, "right"),
    Column("状态", 27 * mm, "center"),
    Column("缴费单位", 30 * mm, "left", shorten=True),
]
YEAR_COLUMNS = [
    Column("年度", 18 * mm, "center"),
    Column("个人缴费(元)", 30 * mm, "right"),
    Column("政府补贴(元)", 28 * mm, "right"),
    Column("计入账户(元)", 28 * mm, "right"),
    Column("计缴月数", 18 * mm, "right"),
    Column("状态", 28 * mm, "center"),
    Column("缴费单位", 30 * mm, "left", shorten=True),
]


def status_cell(m: AttestedMonth) -> str:
    """'● 已缴'; a back-paid month with its day: '◆ 补缴 2024-05-06'."""
    text = f"{m.status.symbol} {m.status.zh}"
    if m.status is MonthStatus.BACK_PAID and m.paid_on is not None:
        text += f" {m.paid_on.isoformat()}"
    return text


def figure(amount: Money) -> str:
    """An amount that may not exist: zero employer or subsidy money prints as —."""
    return str(amount) if amount else NONE


def rate_cell(rate: Decimal | None) -> str:
    """0.0262 -> '2.62%'; None (the year in progress) -> —."""
    if rate is None:
        return NONE
    return f"{(rate * 100).normalize():f}%"


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


def as_at(data: RightsRecordData) -> str:
    """When the figures stand: the end of a past year, else the day the data is as of."""
    last = data.last_period
    if data.data_as_of is None or last.year < data.data_as_of.year:
        return f"{last.year}年末"
    return data.data_as_of.isoformat()


def _blocks(data: RightsRecordData) -> list[Block]:
    p, c = data.person, data.content
    blocks: list[Block] = [Heading("一、参保人基本信息")]
    rows: list[tuple[str, ...]] = [
        ("姓名", p.name, "性别", p.sex),
        ("公民身份号码", p.id_number, "出生日期", f"{p.birth_date or ''}"),
        ("个人编号", p.social_security_no, "数据截至", f"{data.data_as_of or ''}"),
        ("首次参保时间", str(p.first_insured or NONE), "参加工作时间", str(p.work_start or NONE)),
    ]
    if p.deemed_months > 0:
        rows.append(("视同缴费月数", str(p.deemed_months), "", ""))
    rows.append(("单位名称", p.employer or "个人", "单位编号", p.employer_code))
    blocks.append(
        Table(
            "",
            [Column("", 28 * mm), Column("", 62 * mm), Column("", 28 * mm), Column("", 62 * mm)],
            rows,
            font_size=8.5,
            row_height=6 * mm,
            header=False,
            mark_columns=(1,),
            mark_label="person",
        )
    )
    blocks.append(Heading(f"二、参保情况（截至 {data.last_period}）"))
    blocks.append(
        Table(
            "",
            [
                Column("险种", 22 * mm),
                Column("参保状态", 13 * mm, "center"),
                Column("参保日期", 14 * mm, "center"),
                Column("单位", 22 * mm, shorten=True),
                Column("本期月数", 12 * mm, "right"),
                Column("其中补缴", 12 * mm, "right"),
                Column("欠缴", 10 * mm, "right"),
                Column("个人缴费(元)", 21 * mm, "right"),
                Column("单位缴费(元)", 21 * mm, "right"),
                Column("政府补贴(元)", 17 * mm, "right"),
                Column("累计月数", 16 * mm, "right"),
            ],
            [
                (
                    s.scheme.zh,
                    s.status.zh,
                    str(s.since or ""),
                    s.employer or "个人",
                    str(s.months_paid),
                    str(s.months_back_paid),
                    str(s.months_in_arrears),
                    str(s.personal_total),
                    figure(s.employer_total),
                    figure(s.subsidy_total),
                    str(s.cumulative_months),
                )
                for s in c.schemes
            ],
            font_size=7,
            row_height=5 * mm,
            mark_columns=(7,),
            mark_label="enrolment-total",
        )
    )
    blocks.append(
        Paragraph(
            f"本期月数、金额为 {data.first_period} 至 {data.last_period} 的记录；"
            f"累计月数为截至 {data.last_period} 的累计缴费月数（含转入、补缴）。",
            font_size=7.5,
        )
    )
    blocks.append(Heading("三、个人账户"))
    balances = []
    if c.pension_balance is not None:
        balances.append(
            f"养老保险个人账户累计储存额（截至{as_at(data)}）：{c.pension_balance.display()}"
        )
    if c.medical_balance is not None:
        balances.append(f"医疗保险个人账户余额（截至{as_at(data)}）：{c.medical_balance.display()}")
    if balances:
        blocks.append(Paragraph("　".join(balances)))
    if c.pension_years:
        blocks.append(
            Table(
                "养老保险个人账户（按年度）",
                [
                    Column("年度", 20 * mm, "center"),
                    Column("记账利率", 24 * mm, "right"),
                    Column("本年记账额(元)", 44 * mm, "right"),
                    Column("本年利息(元)", 44 * mm, "right"),
                    Column("年末累计储存额(元)", 48 * mm, "right"),
                ],
                [
                    (
                        str(y.year),
                        rate_cell(y.rate),
                        str(y.principal),
                        str(y.interest),
                        str(y.balance),
                    )
                    for y in c.pension_years
                ],
                mark_columns=(4,),
                mark_label="account-balance",
            )
        )
    if c.medical_years:
        blocks.append(
            Table(
                "医疗保险个人账户（按年度）",
                [
                    Column("年度", 30 * mm, "center"),
                    Column("本年划入(元)", 50 * mm, "right"),
                    Column("本年支出(元)", 50 * mm, "right"),
                    Column("年末余额(元)", 50 * mm, "right"),
                ],
                [
                    (str(y.year), str(y.credits), str(y.spending), str(y.balance))
                    for y in c.medical_years
                ],
                mark_columns=(3,),
                mark_label="medical-balance",
            )
        )
    blocks.append(Heading(f"四、缴费明细（{LEGEND}）"))
    for scheme in data.schemes():
        blocks.append(_scheme_table(scheme, data.months_of(scheme)))
    blocks.append(Spacer(2 * mm))
    blocks.append(Heading("五、说明"))
    notes = [
        *data.notes,
        "缴费月数含已缴、转入和补缴（◆，注明补缴日期）；城乡居民保险按年缴费，每年计12个月。",
        "政府补贴为财政补助，计入个人账户，不属个人缴费；个人缴费（灵活就业、城乡居民）无单位缴费，"
        f"以“{NONE}”表示。",
        f"本记录单由{data.issuer}提供，经{data.hall_name}自助终端{data.terminal_id}打印。",
        f"核验方式：扫描右上角二维码，或访问 {data.verification.url} ；"
        "核验页面所示文件摘要应与页首所印一致。",
    ]
    for i, note in enumerate(notes, start=1):
        blocks.append(Paragraph(f"{i}. {note}", font_size=8.5))
    return blocks


def _scheme_table(scheme: Scheme, months: list[AttestedMonth]) -> Table:
    if scheme in YEARLY_SCHEMES:
        return Table(
            f"{scheme.zh}缴费明细（按年度）",
            YEAR_COLUMNS,
            [
                (
                    str(m.period.year),
                    str(m.personal_part),
                    figure(m.subsidy),
                    str(m.account),
                    str(m.months),
                    status_cell(m),
                    m.payer,
                )
                for m in months
            ],
            mark_columns=(0, 1, 2, 3),
            mark_label="year-row",
        )
    return Table(
        f"{scheme.zh}缴费明细",
        MONTH_COLUMNS,
        [
            (
                str(m.period),
                str(m.base),
                figure(m.employer_part),
                str(m.personal_part),
                str(m.account),
                str(m.total),
                status_cell(m),
                m.payer,
            )
            for m in months
        ],
        mark_columns=(0, 1, 2, 3, 4, 5),
        mark_label="month-row",
    )
