"""My receipts (我的缴费凭证) at the kiosk: a member pays at one kiosk, and another kiosk lists
the member's own payments from the back office and prints one again, marked 补打, on the
virtual receipt printer (decoded as a printer would). Another member's order is not found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from kiosk.backoffice.errors import NotFound
from kiosk.domain import Money, Scheme, mask_id, mask_name
from kiosk.domain.payments import CardAuthorization, Payer, PayMethod, ReceiptState
from printer.harness import virtual_receipt_printer
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from printer.virtual.server import VirtualPrinter
from tests.helpers.payments import make_kiosk

PAYER = Payer("0", "*三丰", "110***********1234")
CARD = CardAuthorization("X00000019", pin_verified=True, initial_pin=False)
NAME, ID_NUMBER = "张三丰", "110101198001011234"


@pytest.fixture
def printer() -> Iterator[VirtualPrinter]:
    with virtual_receipt_printer() as vp:
        yield vp


def test_another_kiosk_reprints_the_members_payment(
    lab: PaymentsLab, tmp_path: Path, printer: VirtualPrinter
) -> None:
    payer_kiosk = make_kiosk(lab, tmp_path / "a.sqlite3")
    hall = make_kiosk(
        lab,
        tmp_path / "b.sqlite3",
        printer=EscposReceiptPrinter(ReceiptPrinterSettings(port=printer.port)),
    )
    try:
        member = payer_kiosk.member(lab)
        due = next(d for d in payer_kiosk.bo.dues(member) if d.scheme is Scheme.PENSION)
        quote = payer_kiosk.service.quote(member, Scheme.PENSION, periods=due.periods[:2])
        pending = payer_kiosk.service.confirm(quote, quote.total, PAYER, PayMethod.CARD)
        assert payer_kiosk.service.pay_by_card(pending, CARD).paid
        mine = hall.bo.payments(member)
        assert mine[0].order_no == pending.order_no  # the newest first
        paid = mine[0]
        assert paid.total == quote.total and paid.periods == quote.periods
        assert paid.terminal_id == payer_kiosk.terminal  # paid at the other kiosk
        assert hall.service.reprint_payment(paid, member_name=NAME, id_number=ID_NUMBER) is (
            ReceiptState.PRINTED
        )
        text = printer.wait_for_jobs(1)[-1].text()
        for expected in (
            "【补打】",
            pending.order_no,
            "合计金额",
            Money(quote.total.yuan).display(),
            mask_name(NAME),
            mask_id(ID_NUMBER),
            "补打凭证",
        ):
            assert expected in text, expected
        assert NAME not in text and ID_NUMBER not in text
        other = hall.member(lab)
        with pytest.raises(NotFound):
            hall.bo.payment(other, pending.order_no)
    finally:
        for k in (payer_kiosk, hall):
            k.service.stop()
            k.journal.close()
            k.bo.close()
