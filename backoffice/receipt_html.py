"""GET /receipts/{order_no}: the receipt of a posted order as a small HTML page (the link a
kiosk shows as a QR code when its paper is out). The same lines as the paper receipt
(kiosk.domain.receipts): one row per run of consecutive months at one base, 补缴 marked, the
late fee on its own row, the residents' pension subsidy apart from the total; the time of
payment in the city's zone with its offset."""

from __future__ import annotations

import html
import json

from backoffice.settings import Settings, shown
from backoffice.storage.payments import OrderRow
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.receipts import PaidPeriod, receipt_lines
from kiosk.domain.records import YEARLY_SCHEMES


def receipt_html(row: OrderRow, settings: Settings) -> str:
    scheme = Scheme(row.scheme)
    raw = json.loads(row.lines_json)
    flat = scheme in YEARLY_SCHEMES
    lines = receipt_lines(
        scheme,
        (
            PaidPeriod(
                period=Period.parse(x["period"]),
                base=None if flat else Money.of(x["base"]),
                amount=Money.of(x["amount"]),
                back_payment=bool(x.get("back_payment", False)),
            )
            for x in raw
        ),
    )
    subsidy = Money.zero()
    if scheme is Scheme.RESIDENT_PENSION:
        # The state's subsidy is credited with the tier: to_account = tier + subsidy.
        for x in raw:
            subsidy = subsidy + Money.of(x.get("to_account", x["amount"])) - Money.of(x["amount"])
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(line.span)}{' 补缴' if line.back_payment else ''}</td>"
        f"<td>{line.months}</td><td>{'' if line.base is None else e(line.base.display())}</td>"
        f"<td>{e(line.amount.display())}</td></tr>"
        for line in lines
    )
    late = Money.from_fen(row.late_fee_fen)
    if late:
        rows += f"<tr><td colspan=3>滞纳金 Late fee</td><td>{e(late.display())}</td></tr>"
    total = Money.from_fen(row.total_fen).display()
    member = row.member_no[:4] + "****" + row.member_no[-2:]
    paid_at = "" if row.paid_at is None else shown(settings.local(row.paid_at))
    extra = (
        f"<p>政府补贴 Government subsidy（不计入合计 not in the total）{e(subsidy.display())}</p>"
        if subsidy
        else ""
    )
    return (
        "<!doctype html><meta charset=utf-8><title>社会保险费缴费凭证</title>"
        f"<h1>社会保险费缴费凭证 / Payment receipt</h1><p>订单 {e(row.order_no)}<br>"
        f"个人编号 {e(member)}<br>险种 {e(scheme.zh)} {e(scheme.en)}<br>"
        f"支付时间 {e(paid_at)}<br>交易号 {e(row.gateway_txn or '')}</p>"
        "<table border=1><tr><th>费款所属期 Months</th><th>月数 Count</th>"
        f"<th>缴费基数 Base</th><th>金额 Amount</th></tr>{rows}</table>"
        f"<p>合计 Total {e(total)}</p>{extra}"
    )
