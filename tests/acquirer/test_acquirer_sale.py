"""Sign-on, sales and their answers through the real acquirer over TCP (ISO 8583)."""

from __future__ import annotations

import json

import pytest

import common.pos8583 as p
from kiosk.acquirer import AcquirerBadAnswer
from kiosk.devices.epp import EmulatedEpp, EppKeyError
from tests.helpers.acquirer import AT, AcquirerLab, sale


def test_sign_on_loads_working_keys_the_pad_checks(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    assert not client.epp.signed_on
    assert client.sign_on().code == p.APPROVED
    assert client.epp.signed_on


def test_a_pad_with_another_tmk_refuses_the_keys(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    wrong = EmulatedEpp(p.lab_tmk("SOMEONE"))
    with pytest.raises(EppKeyError):
        acq.client(terminal, epp=wrong).sign_on()
    assert not wrong.signed_on


def test_unknown_terminal_is_refused_97(acq: AcquirerLab) -> None:
    client = acq.client("NOSUCH01")
    assert client.sign_on().code == p.UNKNOWN_TERMINAL


def test_approved_sale_takes_the_amount_and_answers_the_arpc(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    # opening balance 10,000.00 yuan = 1,000,000 fen; the sale 330.00 yuan = 33,000 fen
    card = acq.new_card(balance_fen=1_000_000)
    req = sale(client, card, trace=1, amount_fen=33_000, at=AT)
    answer = client.purchase(req)
    assert answer.code == p.APPROVED
    assert len(answer.auth_code) == 6 and len(answer.rrn) == 12
    assert answer.issuer_auth is not None and answer.issuer_auth[8:] == b"00"
    assert card.arpc_ok(answer.issuer_auth, req.icc_data)  # the card would accept the host
    assert acq.account(card).balance_fen == 967_000  # 1,000,000 - 33,000


def test_wrong_arqc_is_declined_and_charges_nothing(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(balance_fen=50_000)
    answer = client.purchase(sale(client, card, trace=1, amount_fen=100, at=AT, tamper=True))
    assert answer.code == p.DO_NOT_HONOR
    assert acq.account(card).balance_fen == 50_000


def test_wrong_pin_55_then_tries_exceeded_75(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(pin="246810", balance_fen=50_000)
    first = client.purchase(sale(client, card, trace=1, amount_fen=100, at=AT, pin="111111"))
    assert first.code == p.WRONG_PIN
    assert acq.account(card).pin_tries_left == 2  # 3 - 1
    # The host's ARPC comes with a decline too: the card can authenticate it and give an AAC.
    assert first.issuer_auth is not None and first.issuer_auth[8:] == b"55"
    second = client.purchase(sale(client, card, trace=2, amount_fen=100, at=AT, pin="222222"))
    assert second.code == p.WRONG_PIN
    third = client.purchase(sale(client, card, trace=3, amount_fen=100, at=AT, pin="333333"))
    assert third.code == p.PIN_TRIES_EXCEEDED  # the third wrong PIN uses the last try
    # Now even the right PIN is refused: the counter is at 0.
    fourth = client.purchase(sale(client, card, trace=4, amount_fen=100, at=AT))
    assert fourth.code == p.PIN_TRIES_EXCEEDED
    assert acq.account(card).balance_fen == 50_000  # nothing taken


def test_right_pin_restores_the_tries(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(balance_fen=50_000)
    assert (
        client.purchase(sale(client, card, trace=1, amount_fen=100, at=AT, pin="999999")).code
        == p.WRONG_PIN
    )
    assert client.purchase(sale(client, card, trace=2, amount_fen=100, at=AT)).code == p.APPROVED
    assert acq.account(card).pin_tries_left == 3


def test_insufficient_funds_51(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    # balance 100.00 yuan = 10,000 fen < the sale's 100.01 yuan = 10,001 fen
    card = acq.new_card(balance_fen=10_000)
    answer = client.purchase(sale(client, card, trace=1, amount_fen=10_001, at=AT))
    assert answer.code == p.INSUFFICIENT_FUNDS
    assert acq.account(card).balance_fen == 10_000
    # exactly the balance: 10,000 fen -> approved, 0 left
    assert client.purchase(sale(client, card, trace=2, amount_fen=10_000, at=AT)).code == p.APPROVED
    assert acq.account(card).balance_fen == 0


def test_unknown_card_14(acq: AcquirerLab) -> None:
    from tests.helpers.acquirer import Card, new_finance

    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    stranger = Card(new_finance())  # never put in the acquirer's accounts
    assert (
        client.purchase(sale(client, stranger, trace=1, amount_fen=100, at=AT)).code
        == p.NO_SUCH_CARD
    )


def test_a_message_with_a_bad_mac_is_refused_a0_and_changes_nothing(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(balance_fen=50_000)
    req = sale(client, card, trace=1, amount_fen=2_000, at=AT)
    # Another pad signed on elsewhere with the same terminal number: ours has stale keys.
    acq.client(terminal).sign_on()
    with pytest.raises(AcquirerBadAnswer):  # A0 comes without a MAC: not trusted as an answer
        client.purchase(req)
    assert acq.account(card).balance_fen == 50_000
    assert acq.txns(terminal) == []


def test_duplicate_0200_charges_once(acq: AcquirerLab) -> None:
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(balance_fen=100_000)
    req = sale(client, card, trace=7, amount_fen=12_345, at=AT)
    first = client.purchase(req)
    again = client.purchase(req)  # the same message sent twice (a retry)
    assert first.code == again.code == p.APPROVED
    assert again.auth_code == first.auth_code and again.rrn == first.rrn
    assert acq.account(card).balance_fen == 87_655  # 100,000 - 12,345, once
    (row,) = acq.txns(terminal)
    assert row.charges == 1
    # Another sale under the same terminal, trace and date is a duplicate transmission.
    other = sale(client, card, trace=7, amount_fen=1, at=AT)
    assert client.purchase(other).code == p.DUPLICATE
    assert acq.account(card).balance_fen == 87_655


def test_the_host_keeps_its_answer_without_the_pan_and_repeats_it_with_it(
    acq: AcquirerLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored 0210 (acq_txn.answer_json) holds no PAN (docs/security.md: a full PAN only
    in acq_account.pan); a repeated 0200 is answered as the first, field 2 echoed from it."""
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    client.sign_on()
    card = acq.new_card(balance_fen=100_000)
    answers: list[p.Fields] = []
    exchange = client._exchange

    def keep(f: p.Fields, **kw: bool) -> p.Fields:  # every answer as it came, passed on
        answers.append(exchange(f, **kw))
        return answers[-1]

    monkeypatch.setattr(client, "_exchange", keep)
    req = sale(client, card, trace=8, amount_fen=2_000, at=AT)
    assert client.purchase(req).code == client.purchase(req).code == p.APPROVED
    first, again = answers
    assert first["2"] == again["2"] == card.finance.pan  # echoed, as UnionPay POS answers do
    # The same answer again but the host's time (12, 13) and so the MAC (64).
    assert {k: v for k, v in again.items() if k not in ("12", "13", "64")} == {
        k: v for k, v in first.items() if k not in ("12", "13", "64")
    }
    (row,) = acq.txns(terminal)
    stored = json.loads(row.answer_json)
    assert stored["39"] == p.APPROVED and stored["37"] == first["37"]
    assert "2" not in stored and card.finance.pan not in row.answer_json
