"""The transfer voucher (参保缴费凭证: 基本养老保险 / 基本医疗保险), A4, the paper a member takes to
another city to transfer their insurance.

Printed only from the voucher the back office issued (kiosk.domain.transfer.TransferVoucher):
who (the ID number in full: the paper is the member's own and the other city needs it; it must
be the one the voucher attests masked), the insured periods by city with their months and what
the member and the employers paid, the months counted (of them here and transferred in), the
account (the pension account's balance, or the medical account's), the issuer, and the
verification code, QR and digest at the top of every page, as on the other A4 documents
(printer/documents/frame.py).
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.units import mm

from kiosk.domain.transfer import VoucherKind
from printer.documents.built import BuiltDocument
from printer.documents.frame import FrameText, document_frame
from printer.documents.inputs import NotTheHoldersVoucher as NotTheHoldersVoucher
from printer.documents.inputs import VoucherData as VoucherData
from printer.documents.layout import (
    Block,
    Column,
    Heading,
    Paragraph,
    Spacer,
    Table,
    build,
)
from printer.fonts import DEFAULT_FONT_PATH, register_pdf_font

SEX = {"1": "男", "2": "女"}


def voucher_pdf(data: VoucherData, font_path: Path | str = DEFAULT_FONT_PATH) -> BuiltDocument:
    v = data.voucher
    font = register_pdf_font(str(font_path))
    frame = document_frame(
        font,
        FrameText(
            title=v.kind.zh,
            subtitle=f"（转移接续）参保缴费期间：{v.first} 至 {v.last}　"
            f"转出地：{v.issuer}（{v.issuer_region}）",
            who=f"姓名：{v.name}　公民身份号码：{data.id_number}　个人编号：{v.member_no}",
            verification=v.verification,
            digest=v.digest,
            data_as_of=v.as_of,
            printed_at=data.printed_at,
            terminal=f"{data.hall_name} {data.terminal_id}",
        ),
    )
    return build(
        _blocks(data),
        font,
        frame,
        title=f"{v.kind.zh} {v.first} 至 {v.last}",
        subject="社会保险关系转移接续",
    )


def _blocks(data: VoucherData) -> list[Block]:
    v = data.voucher
    scheme = "基本养老保险" if v.kind is VoucherKind.PENSION else "基本医疗保险"
    born = f"{v.birth_date.year}年{v.birth_date.month:02d}月{v.birth_date.day:02d}日"
    blocks: list[Block] = [
        Paragraph(
            f"兹证明 {v.name}（公民身份号码：{data.id_number}，性别：{SEX.get(v.sex, '—')}，"
            f"出生日期：{born}）参加{scheme}，各时段参保缴费情况如下，"
            f"供办理{scheme}关系转移接续使用：",
            font_size=10.5,
            leading=1.7,
        ),
        Spacer(2 * mm),
        Heading("参保缴费时段", font_size=10),
        Table(
            "",
            [
                Column("参保地", 28 * mm),
                Column("起止年月", 38 * mm, "center"),
                Column("缴费月数", 18 * mm, "right"),
                Column("个人缴费(元)", 28 * mm, "right"),
                Column("单位缴费(元)", 28 * mm, "right"),
                Column("备注", 30 * mm, "center"),
            ],
            [
                (
                    p.city.zh,
                    f"{p.first} 至 {p.last}",
                    str(p.months),
                    str(p.personal_total),
                    str(p.employer_total),
                    "转入" if p.transferred_in else "",
                )
                for p in v.periods
            ],
            font_size=8.5,
            row_height=6 * mm,
            mark_columns=(0, 2),
            mark_label="period",
        ),
        Spacer(2 * mm),
        Paragraph(
            f"累计缴费月数：{v.months_paid}个月（其中在{v.issuer}{v.months_here}个月，"
            f"转入{v.months_transferred_in}个月）。",
            font_size=10.5,
        ),
    ]
    if v.kind is VoucherKind.PENSION:
        year = f"截至{v.account_year}年" if v.account_year else "截至数据日"
        account = f"养老保险个人账户储存额：{v.account_balance}元（{year}）。"
    else:
        account = f"医疗保险个人账户余额：{v.account_balance}元（截至{v.as_of.isoformat()}）。"
    blocks += [
        Paragraph(account, font_size=10.5),
        Spacer(3 * mm),
        Paragraph("特此证明。", font_size=10.5),
        Paragraph(
            f"出具机构：{v.issuer}社会保险经办机构　出具日期：{data.printed_at:%Y年%m月%d日}",
            font_size=10.5,
        ),
        Paragraph(
            "缴费月数含已缴、转入和补缴，不含欠缴；一个时段为同一参保地连续缴费的月份。"
            "请持本凭证到转入地社会保险经办机构申请办理转移接续。",
            font_size=8.5,
        ),
        Paragraph(
            f"本凭证经{data.hall_name}自助终端{data.terminal_id}打印，"
            f"可扫描右上角二维码或访问 {v.verification.url} 核验真伪，"
            "核验页面所示文件摘要应与页首所印一致。",
            font_size=8.5,
        ),
    ]
    return blocks
