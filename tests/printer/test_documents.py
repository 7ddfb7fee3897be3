"""The A4 documents: fonts embedded, amounts and codes inked by poppler AND Ghostscript, header
repeated, page count right, deterministic."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path

import pytest
import zxingcpp

from kiosk.domain import DomainError, MonthStatus, Period
from printer.documents import certificate_pdf, rights_record_pdf
from printer.documents.layout import PAGE_H
from printer.errors import FontMissing
from printer.samples import EMPLOYER, ID_NUMBER, NAME, sample_certificate, thirty_year_record
from tests.helpers.pdf_checks import (
    agreement,
    all_pages_text,
    box_of,
    ink,
    page_count,
    pdffonts,
    render_ghostscript,
    render_poppler,
)

# period, base, employer (— for none), personal, to the account, total, status
MONTH_ROW = re.compile(
    r"^\s*(\d{4}-\d{2})\s+([\d,]+\.\d\d)\s+([\d,]+\.\d\d|—)\s+([\d,]+\.\d\d)"
    r"\s+([\d,]+\.\d\d)\s+([\d,]+\.\d\d)\s+([●△○◆])",
    re.M,
)


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    built = rights_record_pdf(thirty_year_record())
    path = tmp_path_factory.mktemp("record") / "record.pdf"
    path.write_bytes(built.pdf)
    return built, path


def test_every_font_is_embedded_and_none_is_stsong(record):
    _, path = record
    fonts = pdffonts(path)
    assert fonts, "no font at all"
    for f in fonts:
        assert f["emb"] == "yes", f
        assert "STSong" not in f["name"], f
        assert f["type"] == "TrueType", f


def test_page_count_and_page_numbers(record):
    built, path = record
    pages = all_pages_text(path)
    assert page_count(path) == built.pages == len(pages)
    for i, text in enumerate(pages, start=1):
        assert f"第 {i} 页 共 {built.pages} 页" in text
    # Every one of the 1,800 month rows is there, once; and no page is padded out.
    rows = [m for text in pages for m in MONTH_ROW.finditer(text)]
    assert len(rows) == 1800
    per_page = [len(MONTH_ROW.findall(t)) for t in pages]
    capacity = max(per_page)
    full_pages_needed = -(-1800 // capacity)
    assert sum(1 for n in per_page if n) <= full_pages_needed + 5  # 5 scheme tables end early
    # The month tables follow the account tables, then fill every page to the last.
    start = next(i for i, n in enumerate(per_page) if n)
    assert start >= 1 and all(per_page[start:-1])


def test_header_row_is_repeated_on_every_page_of_the_monthly_tables(record):
    built, path = record
    pages = all_pages_text(path)
    for i, text in enumerate(pages, start=1):
        if MONTH_ROW.search(text):
            assert re.search(r"费款所属期\s+缴费基数\(元\)\s+单位缴费\(元\)", text), f"page {i}"
            assert re.search(r"缴费明细(（续）)?", text)
    headers = built.marks_labelled("table-header")
    month_pages = {m.page for m in built.marks_labelled("month-row")}
    assert month_pages <= {m.page for m in headers if m.text == "费款所属期"}


def test_record_holds_details_statuses_and_verification(record):
    _, path = record
    text = "\n".join(all_pages_text(path))
    data = thirty_year_record()
    for expected in (
        "个人权益记录单",
        NAME,
        ID_NUMBER,
        EMPLOYER,
        data.verification.code,
        f"文件摘要(SHA-256)：{data.digest}",
        "养老保险个人账户累计储存额",
        "数据截至：2024-12-31",
        "打印时间：2025-01-06 09:30:00",
        "● 已缴",
        "△ 欠缴",
        "○ 转入",
    ):
        assert expected in text, expected
    arrears = [m for m in data.content.months if m.status == MonthStatus.ARREARS]
    assert re.search(r"2009-05(\s+[\d,.]+){5}\s+△", text)
    assert len(arrears) == 10


@pytest.mark.parametrize("page", [1, "months"])
def test_amounts_and_codes_are_visible_in_both_renderers(record, tmp_path, page):
    built, path = record
    if page == "months":  # the first page of the month tables
        page = min(m.page for m in built.marks_labelled("month-row"))
    poppler = render_poppler(path, page, tmp_path)
    ghost = render_ghostscript(path, page, tmp_path)
    labels = {"verification-code", "page-number", "who", "digest"}
    labels |= {"person", "enrolment-total", "account-balance"} if page == 1 else {"month-row"}
    marks = [m for m in built.marks if m.page == page and m.label in labels]
    assert {m.label for m in marks} == labels
    for m in marks:
        core = box_of(m, PAGE_H, core=True)
        a, b = ink(poppler, core), ink(ghost, core)
        # Inked, not only extractable: a font that Ghostscript cannot draw leaves this blank.
        assert a >= 15 and b >= 15, (m.text, a, b)
        assert 0.6 <= a / b <= 1.6, (m.text, a, b)
        assert agreement(poppler, ghost, box_of(m, PAGE_H)) >= 0.5, m.text
    # Control: the same measure finds no ink in the empty margin, so it can fail.
    assert ink(poppler, (5, 300, 40, 340)) == 0 and ink(ghost, (5, 300, 40, 340)) == 0


def test_the_qr_code_decodes_to_the_verification_url(record, tmp_path):
    _, path = record
    for render in (render_poppler, render_ghostscript):
        img = render(path, 1, tmp_path)
        found = [r.text for r in zxingcpp.read_barcodes(img)]
        assert thirty_year_record().verification.url in found


def test_output_is_deterministic_and_small(record):
    built, _ = record
    again = rights_record_pdf(thirty_year_record())
    assert again.pdf == built.pdf
    assert len(built.pdf) <= 500_000


def test_record_for_one_year(tmp_path):
    built = rights_record_pdf(thirty_year_record(first=Period(2009, 1), last=Period(2009, 12)))
    path = tmp_path / "2009.pdf"
    path.write_bytes(built.pdf)
    pages = all_pages_text(path)
    assert len(pages) == built.pages <= 3
    rows = [m for text in pages for m in MONTH_ROW.finditer(text)]
    assert len(rows) == 60 and {r[1][:4] for r in rows} == {"2009"}
    assert sum(r[7] == "△" for r in rows) == 10  # May and June, 5 schemes
    assert "记录期间：2009-01 至 2009-12" in pages[0]


def test_missing_font_is_a_clear_error(tmp_path):
    with pytest.raises(FontMissing) as e:
        rights_record_pdf(thirty_year_record(), font_path=tmp_path / "nope.ttc")
    assert "字体" in str(e.value) and "font" in str(e.value)


@pytest.mark.parametrize("months", [12, 24, 36, 48])
def test_certificate(months, tmp_path):
    data = sample_certificate(months)
    built = certificate_pdf(data)
    path = tmp_path / "cert.pdf"
    path.write_bytes(built.pdf)
    assert all(f["emb"] == "yes" for f in pdffonts(path))
    pages = all_pages_text(path)
    assert len(pages) == built.pages
    text = "\n".join(pages)
    assert "参保证明" in text and NAME in text and data.verification.code in text
    assert f"近{months}个月" in text and "特此证明" in text
    grid = re.findall(r"^\s*(\d{4}-\d{2})\s+●", text, re.M)
    assert len(grid) == months and grid[-1] == "2024-12"
    summary = built.marks_labelled("summary")
    assert summary and summary[0].text == str(months)


def test_certificate_window_must_be_12_24_36_or_48():
    with pytest.raises(DomainError):
        sample_certificate(18)


def test_documents_from_path_strings(tmp_path: Path):
    # font_path as a str from config works too
    built = certificate_pdf(
        sample_certificate(12), "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    )
    assert built.pdf.startswith(b"%PDF")


def test_text_survives_a_postscript_round_trip(tmp_path):
    """CUPS filters and printer drivers turn the PDF into PostScript, which drops ToUnicode:
    our subsets name their glyphs uniXXXX so Ghostscript gives the characters back."""
    import subprocess

    src = tmp_path / "cert.pdf"
    src.write_bytes(certificate_pdf(sample_certificate(12)).pdf)
    ps, back = tmp_path / "cert.ps", tmp_path / "back.pdf"
    subprocess.run(
        ["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=ps2write",
         f"-sOutputFile={ps}", str(src)],
        check=True,
    )  # fmt: skip
    subprocess.run(["ps2pdf", str(ps), str(back)], check=True)
    text = "\n".join(all_pages_text(back))
    assert NAME in text and "参保证明" in text and "● 已缴" in text


def test_subset_fonts_name_their_glyphs():
    from printer.glyphnames import glyph_name

    assert glyph_name(0x6B27) == "uni6B27" and glyph_name(0x20000) == "u20000"


def test_warm_font_is_the_font_documents_use_and_a_missing_one_is_a_clear_error(tmp_path):
    from reportlab.pdfbase import pdfmetrics

    from printer.fonts import DEFAULT_FONT_PATH, register_pdf_font, warm_pdf_font

    name = warm_pdf_font(DEFAULT_FONT_PATH)
    assert name == register_pdf_font(DEFAULT_FONT_PATH)
    assert pdfmetrics.stringWidth("社保", name, 10) > 0  # CJK glyphs measured, not zero-width
    with pytest.raises(FontMissing):
        warm_pdf_font(tmp_path / "nope.ttc")


# --- line breaks: never inside a number, a date, an amount or an ID -----------------------------


def test_wrap_text_breaks_only_between_atoms():
    from printer.documents.layout import atoms, wrap_text
    from printer.fonts import DEFAULT_FONT_PATH, register_pdf_font

    font = register_pdf_font(DEFAULT_FONT_PATH)
    protected = [ID_NUMBER, "2023年01月", "2024年12月", "2024-05-06", "1,206.98", "A1B2-C3D4"]
    text = (
        "兹证明 {name}（公民身份号码：110101197001011234）自 2005年07月 起参加社会保险。"
        "2023年01月至2024年12月（近24个月）缴费 ￥1,206.98，于 2024-05-06 补缴，验证码 A1B2-C3D4。"
    )
    for n in range(0, 14):
        para = text.format(name="欧" * n)
        assert "".join(atoms(para)) == para
        for width in range(140, 520, 7):  # from a little wider than the ID number
            lines = wrap_text(para, font, 10.5, width)
            for token in protected:
                # Each protected run is whole on one line (the line may hold more).
                assert any(token in line for line in lines), (n, width, token, lines)
            # Nothing lost but the spaces at breaks; no line starts with closing punctuation.
            assert "".join(lines).replace(" ", "") == para.replace(" ", "")
            assert not any(line[:1] in "，。）：；、" for line in lines), lines
    # The one thing broken inside: a run wider than a whole line.
    assert wrap_text("x" * 200, font, 10, 100)[0] != "x" * 200


def _certificate_with(name: str, employer: str, months: int = 24):
    from dataclasses import replace

    from kiosk.domain.certificates import AttestedMonth

    data = sample_certificate(months)
    person = replace(data.person, name=name, employer=employer)
    rows = tuple(
        replace(m, status=MonthStatus.BACK_PAID, paid_on=dt.date(2024, 5, 6))
        if m.period in (Period(2024, 3), Period(2024, 4)) and m.scheme.value == "pension"
        else m
        for m in data.content.months
    )
    assert all(isinstance(m, AttestedMonth) for m in rows)
    return replace(data, person=person, content=replace(data.content, months=rows))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 9, 13, 20])
def test_no_number_date_or_id_breaks_across_lines_on_any_document(n, tmp_path):
    """Every document kind, names and employers of many lengths: pdftotext -layout finds each
    ID number, date, window and URL whole on one line."""
    name, employer = "欧" * n, "示" * (3 * n)
    cert = _certificate_with(name, employer)
    record = thirty_year_record(first=Period(2024, 1), last=Period(2024, 12))
    from dataclasses import replace

    record = replace(record, person=replace(record.person, name=name, employer=employer))
    for kind, built, tokens in (
        ("cert", certificate_pdf(cert), [ID_NUMBER, "2023年01月", "2024年12月", "近24个月",
                                         cert.verification.url, "2024-03 至 2024-04",
                                         "2024-05-06"]),
        ("record", rights_record_pdf(record), [ID_NUMBER, record.verification.url,
                                               record.digest, "2024-01 至 2024-12"]),
    ):  # fmt: skip
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(built.pdf)
        lines = [line for page in all_pages_text(path) for line in page.splitlines()]
        for token in tokens:
            assert any(token in line for line in lines), (kind, n, token)
        # A digit run ending one line is never continued by a digit run starting the next,
        # in the running text (tables aside: their rows are one line each by construction).
        text_lines = [x.strip() for x in lines if x.strip() and "  " not in x.strip()]
        for a, b in itertools.pairwise(text_lines):
            assert not (a[-1].isdigit() and b[0].isdigit()), (kind, n, a, b)
