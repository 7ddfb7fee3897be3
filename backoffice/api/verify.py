"""GET /verify/{code}: the public verification page (no authentication). A bank or housing
office scans the QR or types the code: HTML for a person, JSON with Accept: application/json.
It shows what the certificate attests, with the name and ID number masked."""

from __future__ import annotations

import html
import json
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select

from backoffice.api.deps import Ctx, Db
from backoffice.api.models import ErrorBody, VerificationOut
from backoffice.rules import certificates as rules
from backoffice.storage.certificates import CertificateRow
from kiosk.domain import Scheme
from kiosk.domain.certificates import CertificateKind
from kiosk.domain.identity import mask_name

router = APIRouter(tags=["verification"])

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
        404: {"model": ErrorBody, "description": "no such code"},
    },
)
def verify(
    code: Annotated[str, Path(max_length=40)],
    db: Db,
    ctx: Ctx,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    wants_json = "application/json" in (accept or "")
    normal = rules.normalise_code(code)
    row = None
    if normal is not None:
        row = db.scalars(select(CertificateRow).where(CertificateRow.code == normal)).first()
    if row is None:
        if wants_json:
            return JSONResponse(_NOT_FOUND, status_code=404)
        return HTMLResponse(
            _page(
                "未找到 / Not found",
                "<p>" + _NOT_FOUND["message_zh"] + "<br>" + _NOT_FOUND["message_en"] + "</p>",
            ),
            status_code=404,
        )
    content = json.loads(row.content_json)
    now = ctx.settings.now()
    expired = now > row.expires_at
    out: dict[str, Any] = {
        "valid": not expired,
        "expired": expired,
        "kind": row.kind,
        # Stored as naive UTC; shown in the city's zone with its offset (docs/rules.md, Time).
        "issued_at": ctx.settings.local(row.issued_at).isoformat(),
        "expires_at": ctx.settings.local(row.expires_at).isoformat(),
        "name_masked": mask_name(content["name"]),
        "id_number_masked": content["id_number_masked"],
        "first": content["first"],
        "last": content["last"],
        "digest": row.digest,
        "schemes": content["schemes"],
    }
    if wants_json:
        return JSONResponse(out)
    return HTMLResponse(_certificate_page(out))


def _certificate_page(v: dict[str, Any]) -> str:
    kind = CertificateKind(v["kind"])
    e = html.escape
    state = (
        '<p class="ok">✔ 有效证明 / Valid certificate</p>'
        if v["valid"]
        else '<p class="bad">✘ 已过期 / Expired</p>'
    )
    rows = "".join(
        f"<tr><td>{e(Scheme(s['scheme']).zh)}<br><small>{e(Scheme(s['scheme']).en)}</small></td>"
        f"<td>{e(s['first'] or '-')} ~ {e(s['last'] or '-')}</td><td>{s['months_paid']}</td>"
        f"<td>{s['months_in_arrears']}</td><td>{s['cumulative_months']}</td></tr>"
        for s in v["schemes"]
    )
    body = f"""{state}
<table class="facts">
<tr><th>证明类型 Kind</th><td>{e(kind.zh)} / {e(kind.en)}</td></tr>
<tr><th>姓名 Name</th><td>{e(v["name_masked"])}</td></tr>
<tr><th>证件号码 ID number</th><td>{e(v["id_number_masked"])}</td></tr>
<tr><th>期间 Period</th><td>{e(v["first"])} ~ {e(v["last"])}</td></tr>
<tr><th>开具时间 Issued</th><td>{e(v["issued_at"])}</td></tr>
<tr><th>有效期至 Valid until</th><td>{e(v["expires_at"])}</td></tr>
<tr><th>文件摘要 Digest (SHA-256)</th><td><code>{e(v["digest"])}</code></td></tr>
</table>
<table class="schemes"><tr><th>险种 Scheme</th><th>期间 Months</th><th>已缴月数 Paid</th>
<th>欠缴 Arrears</th><th>累计月数 Cumulative</th></tr>{rows}</table>"""
    return _page("参保证明核验 / Certificate verification", body)


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse;margin:1em 0;width:100%}}td,th{{border:1px solid #999;padding:.3em;
text-align:left}}.ok{{color:#060;font-size:1.3em}}.bad{{color:#a00;font-size:1.3em}}</style>
</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"""
