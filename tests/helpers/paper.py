"""Read the A4 documents back from their text (pdftotext -layout), and hold them against the
verification page's JSON field by field. Used by tests/rules/test_documents.py."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.domain import MonthStatus, Scheme, mask_id
from kiosk.domain.records import EnrolmentStatus
from tests.helpers.pdf_checks import all_pages_text

NONE = "—"
AMT = r"-?[\d,]+\.\d\d"
AMT_OR_NONE = rf"(?:{AMT}|{NONE})"
SCHEME_BY_ZH = {s.zh: s for s in Scheme}
STATUS_BY_ZH = {s.zh: s for s in MonthStatus}
STATUS_BY_SYMBOL = {s.symbol: s for s in MonthStatus}
ENROLMENT_ZH = "|".join(s.zh for s in EnrolmentStatus)
FACT_LABELS = (
    "姓名", "性别", "公民身份号码", "出生日期", "个人编号", "数据截至", "首次参保时间",
    "参加工作时间", "视同缴费月数", "单位名称", "单位编号",
)  # fmt: skip

RECORD_SUMMARY = re.compile(
    rf"^\s*(\S+)\s+({ENROLMENT_ZH})\s+(\d{{4}}-\d{{2}})?\s+(.+?)\s+(\d+)\s+(\d+)\s+(\d+)"
    rf"\s+({AMT})\s+({AMT_OR_NONE})\s+({AMT_OR_NONE})\s+(\d+)\s*$"
)
CERT_SUMMARY = re.compile(
    rf"^\s*(\S+)\s+({ENROLMENT_ZH})\s+(?:(\d{{4}}-\d{{2}}) 至 (\d{{4}}-\d{{2}})\s+)?(\d+)\s+(\d+)"
    rf"\s+(\d+)\s+({AMT})\s+({AMT_OR_NONE})\s+({AMT_OR_NONE})\s*$"
)
STATUS = r"([●△○◆])\s*(\S+)(?:\s+(\d{4}-\d{2}-\d{2}))?"
MONTH = re.compile(
    rf"^\s*(\d{{4}}-\d{{2}})\s+({AMT})\s+({AMT_OR_NONE})\s+({AMT})\s+({AMT})\s+({AMT})"
    rf"\s+{STATUS}\s+(.*?)\s*$"
)
YEAR = re.compile(
    rf"^\s*(\d{{4}})\s+({AMT})\s+({AMT_OR_NONE})\s+({AMT})\s+(\d+)\s+{STATUS}\s+(.*?)\s*$"
)
PENSION_YEAR = re.compile(
    rf"^\s*(\d{{4}})\s+([\d.]+%|{NONE})\s+({AMT})\s+({AMT})\s+({AMT})\s*$"
)  # fmt: skip
MEDICAL_YEAR = re.compile(rf"^\s*(\d{{4}})\s+({AMT})\s+({AMT})\s+({AMT})\s*$")
TABLE_TITLE = re.compile(r"^\s*(\S+?)(缴费明细|个人账户)(（按年度）)?(（续）)?\s*$")
DIGEST = re.compile(r"文件摘要\(SHA-256\)：([0-9a-f]{64})")
CODE = re.compile(r"验证码：(\S+)")
BALANCE = re.compile(rf"(养老保险个人账户累计储存额|医疗保险个人账户余额)（截至(\S+?)）：￥({AMT})")
BACK_PAID = re.compile(r"^\s*补缴：(\S+) (.+)。\s*$")


@dataclass
class Paper:
    """What a printed document says, cell by cell, as strings (amounts without commas)."""

    kind: str  # rights_record | participation
    text: str
    digest: str = ""
    code: str = ""
    facts: dict[str, str] = field(default_factory=dict)
    schemes: dict[Scheme, dict[str, str]] = field(default_factory=dict)
    months: list[dict[str, Any]] = field(default_factory=list)
    pension_years: list[dict[str, str]] = field(default_factory=list)
    medical_years: list[dict[str, str]] = field(default_factory=list)
    balances: dict[str, tuple[str, str]] = field(default_factory=dict)
    back_paid_lines: list[str] = field(default_factory=list)


def plain(amount: str) -> str:
    """'1,206.98' -> '1206.98'; '—' -> '0.00' (the paper's sign for money that is not)."""
    return "0.00" if amount == NONE else amount.replace(",", "")


def read_pdf(pdf: bytes, path: Path) -> Paper:
    path.write_bytes(pdf)
    return read_text("\n".join(all_pages_text(path)))


def read_text(text: str) -> Paper:
    kind = "participation" if "参保证明" in text.splitlines()[0] else "rights_record"
    paper = Paper(kind, text)
    m = DIGEST.search(text)
    paper.digest = m.group(1) if m else ""
    m = CODE.search(text)
    paper.code = m.group(1) if m else ""
    for label, upto, amount in BALANCE.findall(text):
        paper.balances[label] = (upto, plain(amount))
    table: tuple[str, str] | None = None  # (what, scheme zh) of the table being read
    for line in text.splitlines():
        if paper.kind == "rights_record" and not table and line.strip().startswith(FACT_LABELS):
            _facts(paper, line)
        t = TABLE_TITLE.match(line)
        if t and (t.group(1) in SCHEME_BY_ZH or t.group(1) in ("养老保险", "医疗保险")):
            table = (t.group(2), t.group(1))
            continue
        if paper.kind == "rights_record" and table is None:
            s = RECORD_SUMMARY.match(line)
            if s and s.group(1) in SCHEME_BY_ZH:
                paper.schemes[SCHEME_BY_ZH[s.group(1)]] = {
                    "status": s.group(2),
                    "since": s.group(3) or "",
                    "employer": s.group(4),
                    "months_paid": s.group(5),
                    "months_back_paid": s.group(6),
                    "months_in_arrears": s.group(7),
                    "personal_total": plain(s.group(8)),
                    "employer_total": plain(s.group(9)),
                    "subsidy_total": plain(s.group(10)),
                    "cumulative_months": s.group(11),
                    "employer_printed": s.group(9),
                    "subsidy_printed": s.group(10),
                }
                continue
        if paper.kind == "participation":
            s = CERT_SUMMARY.match(line)
            if s and s.group(1) in SCHEME_BY_ZH:
                paper.schemes[SCHEME_BY_ZH[s.group(1)]] = {
                    "status": s.group(2),
                    "first": s.group(3) or "",
                    "last": s.group(4) or "",
                    "months_paid": s.group(5),
                    "months_back_paid": s.group(6),
                    "months_in_arrears": s.group(7),
                    "personal_total": plain(s.group(8)),
                    "employer_total": plain(s.group(9)),
                    "subsidy_total": plain(s.group(10)),
                    "employer_printed": s.group(9),
                    "subsidy_printed": s.group(10),
                }
                continue
            b = BACK_PAID.match(line)
            if b:
                paper.back_paid_lines.append(line.strip())
                continue
        if table is None:
            continue
        what, zh = table
        if what == "个人账户" and zh == "养老保险" and (y := PENSION_YEAR.match(line)):
            paper.pension_years.append(
                dict(zip(("year", "rate", "principal", "interest", "balance"),
                         (y.group(1), y.group(2), *map(plain, y.groups()[2:])), strict=True))
            )  # fmt: skip
        elif what == "个人账户" and zh == "医疗保险" and (y := MEDICAL_YEAR.match(line)):
            paper.medical_years.append(
                dict(zip(("year", "credits", "spending", "balance"),
                         (y.group(1), *map(plain, y.groups()[1:])), strict=True))
            )  # fmt: skip
        elif what == "缴费明细" and (r := MONTH.match(line)):
            paper.months.append(
                {
                    "scheme": SCHEME_BY_ZH[zh].value,
                    "period": r.group(1),
                    "base": plain(r.group(2)),
                    "employer_part": plain(r.group(3)),
                    "employer_printed": r.group(3),
                    "personal_part": plain(r.group(4)),
                    "account": plain(r.group(5)),
                    "total": plain(r.group(6)),
                    "status": _status(r.group(7), r.group(8)),
                    "paid_on": r.group(9),
                    "payer": r.group(10),
                }
            )
        elif what == "缴费明细" and (r := YEAR.match(line)):
            paper.months.append(
                {
                    "scheme": SCHEME_BY_ZH[zh].value,
                    "period": f"{r.group(1)}-01",
                    "personal_part": plain(r.group(2)),
                    "subsidy": plain(r.group(3)),
                    "subsidy_printed": r.group(3),
                    "account": plain(r.group(4)),
                    "months": int(r.group(5)),
                    "status": _status(r.group(6), r.group(7)),
                    "paid_on": r.group(8),
                    "payer": r.group(9),
                }
            )
    return paper


def _status(symbol: str, zh: str) -> str:
    status = STATUS_BY_SYMBOL[symbol]
    assert status.zh == zh, (symbol, zh)
    return status.value


def _facts(paper: Paper, line: str) -> None:
    cells = re.split(r"\s{2,}", line.strip())
    i = 0
    while i < len(cells):
        if cells[i] in FACT_LABELS:
            value = cells[i + 1] if i + 1 < len(cells) and cells[i + 1] not in FACT_LABELS else ""
            paper.facts[cells[i]] = value
            i += 2 if value else 1
        else:
            i += 1


def _rate(text: str) -> str | None:
    return None if text == NONE else format((Decimal(text[:-1]) / 100).normalize(), "f")


def same_payer(printed: str, attested: str) -> bool:
    """A payer too long for its cell is printed shortened, ending in …."""
    return printed == attested or (printed.endswith("…") and attested.startswith(printed[:-1]))


def assert_paper_matches_page(paper: Paper, page: dict[str, Any], *, id_number: str) -> None:
    """Every figure the paper prints is the verification page's, field by field."""
    assert paper.digest == page["digest"], "digest"
    assert paper.code.replace("-", "") != ""
    assert paper.kind == page["kind"]
    if paper.kind == "rights_record":
        f = paper.facts
        assert (
            mask_id(f["公民身份号码"]) == page["id_number_masked"]
            and f["公民身份号码"] == id_number
        )
        assert f["个人编号"] == page["member_no"]
        assert f["性别"] == {"1": "男", "2": "女"}[page["sex"]]
        assert f["数据截至"] == page["as_of"]
        assert f["首次参保时间"] == (page["first_insured"] or NONE)
        assert f["参加工作时间"] == (page["work_start"] or NONE)
        if page["deemed_months"] > 0:
            assert f["视同缴费月数"] == str(page["deemed_months"])
        else:
            assert "视同缴费月数" not in f
        assert f["单位名称"] == (page["employer"] or "个人")
        name = f["姓名"]
        assert name[1:] == page["name_masked"][1:] and page["name_masked"][0] == "*"
    else:
        assert id_number in paper.text and page["id_number_masked"] not in paper.text
    # Schemes: every attested figure the paper prints.
    assert set(paper.schemes) == {Scheme(s["scheme"]) for s in page["schemes"]}
    for s in page["schemes"]:
        got = paper.schemes[Scheme(s["scheme"])]
        assert got["status"] == EnrolmentStatus(s["status"]).zh
        for key in (
            "months_paid", "months_back_paid", "months_in_arrears", "personal_total",
            "employer_total", "subsidy_total",
        ):  # fmt: skip
            assert got[key] == str(s[key]), (s["scheme"], key, got[key], s[key])
        if paper.kind == "rights_record":
            assert got["cumulative_months"] == str(s["cumulative_months"])
            assert got["since"] == (s["since"] or "")
            assert same_payer(got["employer"], s["employer"] or "个人")
        else:
            assert (got["first"] or None) == s["first"] and (got["last"] or None) == s["last"]
        # No employer: the paper prints "—", never 0.00 as if an employer had paid nothing.
        assert (got["employer_printed"] == NONE) == (s["employer_total"] == "0.00")
    if paper.kind == "rights_record":
        _months_match(paper, page)
        assert paper.pension_years == [
            {
                "year": str(y["year"]),
                "rate": NONE if y["rate"] is None else _pct(y["rate"]),
                "principal": y["principal"],
                "interest": y["interest"],
                "balance": y["balance"],
            }
            for y in page["pension_years"]
        ]
        assert paper.medical_years == [
            {
                "year": str(y["year"]),
                "credits": y["credits"],
                "spending": y["spending"],
                "balance": y["balance"],
            }
            for y in page["medical_years"]
        ]
        pension = paper.balances.get("养老保险个人账户累计储存额")
        medical = paper.balances.get("医疗保险个人账户余额")
        assert (pension and pension[1]) == page["pension_balance"] or (
            pension is None and page["pension_balance"] is None
        )
        assert (medical and medical[1]) == page["medical_balance"] or (
            medical is None and page["medical_balance"] is None
        )
    else:
        back_paid = [m for m in page["months"] if m["status"] == "back_paid"]
        assert bool(paper.back_paid_lines) == bool(back_paid)
        for m in back_paid:
            line = next(x for x in paper.back_paid_lines if Scheme(m["scheme"]).zh in x)
            assert m["paid_on"] in line


def _pct(rate: str) -> str:
    return f"{(Decimal(rate) * 100).normalize():f}%"


def _months_match(paper: Paper, page: dict[str, Any]) -> None:
    assert len(paper.months) == len(page["months"])
    for got, want in zip(paper.months, page["months"], strict=True):
        assert got["scheme"] == want["scheme"] and got["period"] == want["period"], (got, want)
        assert got["status"] == want["status"], (got, want)
        assert got["paid_on"] == (want["paid_on"] if want["status"] == "back_paid" else None)
        assert got["personal_part"] == want["personal_part"]
        assert got["account"] == want["account"]
        assert same_payer(got["payer"], want["payer"])
        if "months" in got:  # a residents' year
            assert got["subsidy"] == want["subsidy"]
            assert (got["subsidy_printed"] == NONE) == (want["subsidy"] == "0.00")
            assert got["months"] == 12
            assert want["employer_part"] == "0.00"
        else:
            assert got["base"] == want["base"]
            assert got["employer_part"] == want["employer_part"]
            assert (got["employer_printed"] == NONE) == (want["employer_part"] == "0.00")
            total = Decimal(want["employer_part"]) + Decimal(want["personal_part"])
            assert Decimal(got["total"]) == total
