"""Fee reductions (代缴) on the pay page by touch (tests/ui/test_fee_reduction.py): the real
app without devices, the session's states handed to it as the controller would (a 低保 member's
residents' dues, the quote, the QR payment's outcome), the member's taps real touches. The
figures are docs/rules.md's worked examples (default policy, 低保): pension tier 300.00, the
government 100.00, the member 200.00 (the state's subsidy 30.00 apart); medical 380.00 x 50 %
= 190.00 by the government, 190.00 by the member."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kiosk.domain import CardHolder
from kiosk.payments.flow import PayQuote, QrShown
from kiosk.payments.service import ReceiptReadiness
from kiosk.session.data import MemberData
from kiosk.session.machine import Page, SessionState
from tests.helpers.kivy_ui import screen, settle, shot, tap, wait_page
from tests.helpers.made_up import MEDICAL_FEE, PAID, PENSION_TIERS, YEAR
from tests.helpers.made_up import QUOTE as MADE_UP_QUOTE

HOLDER = CardHolder(
    id_number="110101195803071234",
    name="李四",
    card_number="X00000027",
    card_identifier="110100D15600000500112233445566AA",
    region="110100",
)
# the residents' pension tiers and medical fee with 低保's 代缴 (their arithmetic beside them)
PENSION, MEDICAL = PENSION_TIERS, MEDICAL_FEE

# the 300.00 tier's quote (its arithmetic in tests/helpers/made_up.py), asked on 1 March
QUOTE = replace(MADE_UP_QUOTE.quote, as_of=dt.date(YEAR, 3, 1))


def _state(data: MemberData) -> SessionState:
    return SessionState(
        page=Page.PAY, holder=HOLDER, pin_verified=True, card_present=True, data=data
    )


def fee_reduction(app, out):
    data = MemberData().with_answer("dues", [PENSION, MEDICAL])
    app.apply_state(_state(data))
    yield from wait_page(app, "pay")
    yield from settle(app, 0.4)
    pay = screen(app, "pay")
    buttons = {b.text: b for b in pay.ids.dues_list.children}
    out["dues"] = sorted(buttons)
    tap(next(b for t, b in buttons.items() if "医疗" in t))
    yield from settle(app, 0.4)
    out["medical_title"] = pay.ids.base_title.text
    out["medical_parts"] = pay.ids.months_title.text
    shot("fee-reduction-medical")
    pay.wizard = pay.wizard.pick_due(PENSION)
    pay._render()
    yield from settle(app, 0.4)
    out["pension_title"] = pay.ids.base_title.text
    tiers = list(reversed(pay.ids.base_box.children))
    out["tiers"] = [b.label for b in tiers]
    shot("fee-reduction-tiers")
    tap(tiers[1])
    yield from settle(app, 0.2)
    tap(pay.ids.breakdown_button)
    yield from settle(app, 0.2)
    data = data.with_answer("pay_quote", PayQuote(QUOTE, ReceiptReadiness.READY))
    app.apply_state(_state(data))
    yield from settle(app, 0.4)
    out["quote_total"] = pay.ids.total.text
    for lang, large in (("en", False), ("zh", True)):
        app.lang, app.large_text = lang, large
        yield from settle(app, 0.5)
        shot(f"fee-reduction-quote-{lang}{'-large' if large else ''}")
        label = pay.ids.total
        out.setdefault("quote_fits", []).append(label.texture_size[1] <= label.height + 1)
    app.lang, app.large_text = "zh", False
    yield from settle(app, 0.3)
    tap(pay.ids.pay_qr)
    yield from settle(app, 0.2)
    qr = QrShown("https://pay.example/qr/1", 120.0, 0.0)
    data = data.with_answer("pay_qr_start", qr)
    app.apply_state(_state(data))
    yield from settle(app, 0.2)
    app.apply_state(replace(_state(data.with_answer("pay_qr_wait", PAID))))
    yield from settle(app, 0.5)
    out["step"] = pay.ids.steps.current
    out["result"] = pay.ids.result_text.text
    shot("fee-reduction-paid")
