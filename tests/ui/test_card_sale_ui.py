"""The demo's card payment by touch (issue 16), on the real stack: pcscd + vpcd + the card
emulator (the seeded showcase card with its bank application), the back office over HTTP with
its reference acquirer over TCP, the real app with the assembled kiosk (CardSale, emulated PIN
pad fed by the on-screen keypad)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from cardio.emulator import load_profile
from tests.helpers.journey import alive, hall_stack, kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.pcsc]


stack = hall_stack(members=8, seed=7, acquirer=True)


def _config(tmp_path, svc, cups) -> str:
    path = kiosk_config(tmp_path, svc, cups)
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"[acquirer]\nport = {svc.acquirer_port}\n")
    return path


def _balance(db: Database, pan: str) -> int:
    with db.session() as s:
        return s.scalars(select(AcqAccountRow.balance_fen).where(AcqAccountRow.pan == pan)).one()


def test_card_payment_asks_for_the_bank_pin_on_the_keypad_and_pays(stack, run_scenario, tmp_path):
    from PIL import Image, ImageStat

    svc, cs, cups = stack
    m = next(m for m in svc.report.showcases if m.card_status == "valid" and "can pay" in m.note)
    card_file = svc.cards_dir / m.card_file
    finance = load_profile(card_file).finance
    assert finance is not None and finance.pin != m.pin  # the 金融密码 is not the 社保 PIN
    db = Database(svc.database)
    try:
        before = _balance(db, finance.pan)
        member = {
            "card_file": str(card_file),
            "pin": m.pin,
            "name": m.name,
            "member_no": m.member_no,
        }
        alive(cs)
        seen = run_scenario(
            "tests.ui.scenarios_card_sale:pay_by_bank_card",
            "--devices",
            timeout=240,
            env={
                "KIOSK_CONFIG": _config(tmp_path, svc, cups),
                "JOURNEY_CARD_RUN_DIR": str(cs.run_dir),
                "JOURNEY_MEMBER": json.dumps(member),
                "JOURNEY_BANK_PIN": finance.pin,
            },
        )
        assert seen["quote_error"] is None
        # The page says which PIN: the 金融密码 on the pad, the card masked (first 6, last 4).
        assert "金融密码" in seen["bank_pin_title"] and "金融密码" in seen["bank_pin_text"]
        masked = finance.pan[:6] + "*" * (len(finance.pan) - 10) + finance.pan[-4:]
        assert masked in seen["bank_pin_text"]
        assert not seen["busy_over_pin"]  # the busy overlay never hides the keypad
        # One more dot per key, never a digit on the screen.
        n = len(finance.pin)
        assert [d.count("●") for d in seen["dots"]] == list(range(1, n + 1))
        assert not any(ch.isdigit() for d in seen["dots"] for ch in d)
        assert seen["outcome"] == "paid", (seen["result_text"], seen["pay_error"])
        assert seen["message_key"] == "payments.paid" and not seen["qr_instead_shown"]
        assert "缴费成功" in seen["result_text"]
        # The account: its opening balance less the quote's total, once (e.g. 30,000.00 yuan
        # = 3,000,000 fen less a 3-month quote of 1,234.56 yuan = 123,456 fen -> 2,876,544).
        assert _balance(db, finance.pan) == before - seen["quote_total_fen"]
        with db.session() as s:
            sales = list(
                s.scalars(select(AcqTxnRow).where(AcqTxnRow.amount_fen == seen["quote_total_fen"]))
            )
        assert [x.response_code for x in sales] == ["00"]
        for key in ("shot_pin", "shot_result"):
            img = Image.open(seen[key]).convert("RGB")
            assert max(ImageStat.Stat(img).stddev) > 10, f"{seen[key]} is blank"
        # The PIN pad page: the keypad's twelve keys drawn (the lower half is not one colour).
        pin_img = Image.open(seen["shot_pin"]).convert("L")
        w, h = pin_img.size
        keypad = pin_img.crop((w // 3, h // 2, 2 * w // 3, h - h // 8))
        assert ImageStat.Stat(keypad).stddev[0] > 10
    finally:
        db.dispose()
