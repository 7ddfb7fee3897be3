"""GET /verify/{code}: the public verification page (no authentication). A bank or housing
office scans the QR or types the code: HTML for a person, JSON with Accept: application/json,
the "not found" too (a phone shows a page, a program reads a code). Any text is a code to look
up: one that cannot be a code is not found (404), never a 422 a phone could not show.
It shows what the certificate attests, with the name and ID number masked."""

from __future__ import annotations

import html
import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from backoffice.api.deps import Ctx, Db
from backoffice.api.models import ErrorBody, VerificationOut
from backoffice.rules import certificates as rules
from backoffice.rules import transfer
from backoffice.storage.certificates import CertificateRow
from kiosk.domain import MonthStatus, Scheme
from kiosk.domain.certificates import CertificateKind

router = APIRouter(tags=["verification"])

MAX_CODE = 40  # a code with its separators is 19 characters; longer text is not looked up
_NOT_FOUND = {
    "code": "CERTIFICATE_NOT_FOUND",
    "message_zh": "未找到该验证码对应的证明",
    "message_en": "No certificate has this verification code",
}


@router.get(
    "/verify/{code}",
    response_class=Response,
    responses={
        200: {
            "model": VerificationOut,
            "content": {"application/json": {}, "text/html": {}},
            "description": "JSON with Accept: application/json, else an HTML page",
        },
        404: {
            "model": ErrorBody,
            "content": {"application/json": {}, "text/html": {"schema": {"type": "string"}}},
            "description": "CERTIFICATE_NOT_FOUND: JSON with Accept: application/json, "
            "else an HTML page",
        },
    },
)
def verify(
    code: str,
    request: Request,
    db: Db,
    ctx: Ctx,
) -> Response:
    # Accept is read, not declared: OpenAPI ignores an Accept parameter (content types are
    # the responses' own).
    wants_json = "application/json" in request.headers.get("accept", "")
    normal = rules.normalise_code(code) if len(code) <= MAX_CODE else None
    row = None
    if normal is not None:
        row = db.scalars(select(CertificateRow).where(CertificateRow.code == normal)).first()
    if row is None:
        if wants_json:
            return JSONResponse(_NOT_FOUND, status_code=404)
        return not_found_page(_NOT_FOUND["message_zh"], _NOT_FOUND["message_en"])
    content = json.loads(row.content_json)
    now = ctx.settings.now()
    expired = now > row.expires_at
    voucher = transfer.is_voucher(content)  # a transfer voucher (issue 17): its own content
    out: dict[str, Any] = {
        **(transfer.verification_view(content) if voucher else rules.verification_view(content)),
        "valid": not expired,
        "expired": expired,
        # Stored as naive UTC; shown in the city's zone with its offset (docs/rules.md, Time).
        "issued_at": ctx.settings.local(row.issued_at).isoformat(),
        "expires_at": ctx.settings.local(row.expires_at).isoformat(),
        "digest": row.digest,
    }
    if wants_json:
        return JSONResponse(out)
    return HTMLResponse(_voucher_page(out) if voucher else _certificate_page(out))


def not_found_page(zh: str, en: str) -> HTMLResponse:
    """The public pages' 404 (verification, receipts): a page a phone shows."""
    body = f"<p>{html.escape(zh)}<br>{html.escape(en)}</p>"
    return HTMLResponse(_page("未找到 / Not found", body), status_code=404)


def _certificate_page(v: dict[str, Any]) -> str:
    kind = CertificateKind(v["kind"])
    e = html.escape
    state = (
        '<p class="ok">✔ 有效证明 / Valid certificate</p>'
        if v["valid"]
        else '<p class="bad">✘ 已过期 / Expired</p>'
    )
    facts = [
        ("证明类型 Kind", f"{kind.zh} / {kind.en}"),
        ("姓名 Name", v["name_masked"]),
        ("证件号码 ID number", v["id_number_masked"]),
        ("个人编号 Member no.", v["member_no"]),
        ("期间 Period", f"{v['first']} ~ {v['last']}"),
        ("首次参保时间 First insured", v["first_insured"] or "-"),
        ("参加工作时间 Work start", v["work_start"] or "-"),
        ("视同缴费月数 Deemed months", str(v["deemed_months"]) if v["deemed_months"] else "-"),
        ("单位 Employer", v["employer"] or "个人 Individual"),
        ("出具机构 Issuer", v["issuer"]),
        ("数据截至 Data as of", v["as_of"] or "-"),
        ("开具时间 Issued", v["issued_at"]),
        ("有效期至 Valid until", v["expires_at"]),
    ]
    if v["pension_balance"] is not None:
        facts.append(("养老个人账户 Pension account", v["pension_balance"]))
    if v["medical_balance"] is not None:
        facts.append(("医疗个人账户 Medical account", v["medical_balance"]))
    facts_html = "".join(f"<tr><th>{e(k)}</th><td>{e(str(x))}</td></tr>" for k, x in facts)
    schemes = "".join(
        f"<tr><td>{e(Scheme(s['scheme']).zh)}<br><small>{e(Scheme(s['scheme']).en)}</small></td>"
        f"<td>{e(s['first'] or '-')} ~ {e(s['last'] or '-')}</td><td>{s['months_paid']}</td>"
        f"<td>{s['months_back_paid']}</td><td>{s['months_in_arrears']}</td>"
        f"<td>{e(s['personal_total'])}</td><td>{e(s['employer_total'])}</td>"
        f"<td>{e(s['subsidy_total'])}</td><td>{s['cumulative_months']}</td></tr>"
        for s in v["schemes"]
    )
    months = "".join(
        f"<tr><td>{e(Scheme(m['scheme']).zh)}</td><td>{e(m['period'])}</td>"
        f"<td>{e(m['base'])}</td><td>{e(m['employer_part'])}</td><td>{e(m['personal_part'])}</td>"
        f"<td>{e(m['subsidy'])}</td><td>{e(m['account'])}</td>"
        f"<td>{e(MonthStatus(m['status']).symbol)} {e(MonthStatus(m['status']).zh)}"
        f"{' ' + e(m['paid_on']) if m['status'] == 'back_paid' and m['paid_on'] else ''}</td>"
        f"<td>{e(m['payer'])}</td></tr>"
        for m in v["months"]
    )
    pension = "".join(
        f"<tr><td>{y['year']}</td><td>{e(y['rate'] or '-')}</td><td>{e(y['principal'])}</td>"
        f"<td>{e(y['interest'])}</td><td>{e(y['balance'])}</td></tr>"
        for y in v["pension_years"]
    )
    medical = "".join(
        f"<tr><td>{y['year']}</td><td>{e(y['credits'])}</td><td>{e(y['spending'])}</td>"
        f"<td>{e(y['balance'])}</td></tr>"
        for y in v["medical_years"]
    )
    body = f"""{state}
<table class="facts">{facts_html}
<tr><th>文件摘要 Digest (SHA-256)</th><td><code>{e(v["digest"])}</code></td></tr>
</table>
<table class="schemes"><tr><th>险种 Scheme</th><th>期间 Months</th><th>缴费月数 Counted</th>
<th>其中补缴 Back paid</th><th>欠缴 Arrears</th><th>个人缴费 Personal</th>
<th>单位缴费 Employer</th><th>政府补贴 Subsidy</th><th>累计月数 Cumulative</th></tr>{schemes}
</table>"""
    if pension:
        body += f"""<table class="pension"><caption>养老保险个人账户 Pension account</caption>
<tr><th>年度 Year</th><th>记账利率 Rate</th><th>本年记账额 Credits</th><th>利息 Interest</th>
<th>年末累计储存额 Balance</th></tr>{pension}</table>"""
    if medical:
        body += f"""<table class="medical"><caption>医疗保险个人账户 Medical account</caption>
<tr><th>年度 Year</th><th>划入 Credits</th><th>支出 Spending</th><th>年末余额 Balance</th></tr>
{medical}</table>"""
    if months:
        body += f"""<details><summary>缴费明细 Months ({len(v["months"])})</summary>
<table class="months"><tr><th>险种</th><th>费款所属期</th><th>缴费基数</th><th>单位缴费</th>
<th>个人缴费</th><th>政府补贴</th><th>计入个人账户</th><th>状态</th><th>缴费单位</th></tr>
{months}</table></details>"""
    return _page("参保证明核验 / Certificate verification", body)


def _voucher_page(v: dict[str, Any]) -> str:
    """A transfer voucher (参保缴费凭证): who, the insured periods by city, the account."""
    kind = transfer.VoucherKind(v["kind"])
    e = html.escape
    state = (
        '<p class="ok">✔ 有效凭证 / Valid voucher</p>'
        if v["valid"]
        else '<p class="bad">✘ 已过期 / Expired</p>'
    )
    account = (
        "养老个人账户储存额 Pension account"
        if kind is transfer.VoucherKind.PENSION
        else ("医疗个人账户余额 Medical account")
    )
    facts = [
        ("凭证类型 Kind", f"{kind.zh} / {kind.en}"),
        ("姓名 Name", v["name_masked"]),
        ("证件号码 ID number", v["id_number_masked"]),
        ("个人编号 Member no.", v["member_no"]),
        ("缴费月数 Months counted", str(v["months_paid"])),
        ("其中转入 Transferred in", str(v["months_transferred_in"])),
        (account, v["account_balance"]),
        ("出具机构 Issuer", v["issuer"]),
        ("数据截至 Data as of", v["as_of"]),
        ("开具时间 Issued", v["issued_at"]),
        ("有效期至 Valid until", v["expires_at"]),
    ]
    facts_html = "".join(f"<tr><th>{e(k)}</th><td>{e(str(x))}</td></tr>" for k, x in facts)
    periods = "".join(
        f"<tr><td>{e(p['city_zh'])}<br><small>{e(p['city_en'])}</small></td>"
        f"<td>{e(p['first'])} ~ {e(p['last'])}</td><td>{p['months']}</td>"
        f"<td>{e(p['personal_total'])}</td><td>{e(p['employer_total'])}</td></tr>"
        for p in v["periods"]
    )
    body = f"""{state}
<table class="facts">{facts_html}
<tr><th>文件摘要 Digest (SHA-256)</th><td><code>{e(v["digest"])}</code></td></tr>
</table>
<table class="periods"><caption>参保缴费时段 Insured periods</caption>
<tr><th>参保地 City</th><th>起止年月 Months</th><th>月数 Count</th><th>个人缴费 Personal</th>
<th>单位缴费 Employer</th></tr>{periods}</table>"""
    return _page("参保缴费凭证核验 / Voucher verification", body)


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0;width:100%}}td,th{{border:1px solid #999;padding:.3em;
text-align:left}}.ok{{color:#060;font-size:1.3em}}.bad{{color:#a00;font-size:1.3em}}</style>
</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"""
