"""Reversals, settlement and the acquirer's fault switches, through the real acquirer over TCP."""

from __future__ import annotations

import pytest

import common.pos8583 as p
from kiosk.acquirer import AcquirerBadAnswer, AcquirerClient, AcquirerNoAnswer, ReversalRequest
from tests.helpers.acquirer import AT, AcquirerLab, sale


def _signed_on(acq: AcquirerLab, *, read_timeout: float = 5.0) -> tuple[str, AcquirerClient]:
    terminal = acq.new_terminal()
    client = acq.client(terminal, read_timeout=read_timeout)
    client.sign_on()
    return terminal, client


def test_reversal_undoes_a_sale_once_and_answers_the_same_again(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=100_000)
    assert client.purchase(sale(client, card, trace=5, amount_fen=30_000, at=AT)).approved
    assert acq.account(card).balance_fen == 70_000  # 100,000 - 30,000
    rev = ReversalRequest(trace=5, date=AT.date(), amount_fen=30_000)
    assert client.reverse(rev).code == p.APPROVED
    assert acq.account(card).balance_fen == 100_000  # 70,000 + 30,000
    assert client.reverse(rev).code == p.APPROVED  # the same answer, nothing credited twice
    assert acq.account(card).balance_fen == 100_000
    (row,) = acq.txns(terminal)
    assert row.state == "reversed" and row.charges == 1


def test_reversal_of_an_unknown_sale_answers_25_and_the_late_sale_never_charges(
    acq: AcquirerLab,
) -> None:
    _terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=100_000)
    req = sale(client, card, trace=9, amount_fen=5_000, at=AT)
    assert client.reverse(ReversalRequest(9, AT.date(), 5_000)).code == p.NO_ORIGINAL
    assert client.reverse(ReversalRequest(9, AT.date(), 5_000)).code == p.NO_ORIGINAL
    # The sale arrives after its reversal (it was stuck in the network): refused, not charged.
    assert client.purchase(req).code == p.DUPLICATE
    assert acq.account(card).balance_fen == 100_000


def test_no_answer_then_reversal_repeated_until_answered(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq, read_timeout=0.5)
    card = acq.new_card(balance_fen=100_000)
    # The sale is charged, its answer lost; then the first reversal is not answered either.
    acq.switches(terminal, answer_then_drop=1)
    with pytest.raises(AcquirerNoAnswer) as e:
        client.purchase(sale(client, card, trace=3, amount_fen=20_000, at=AT))
    assert e.value.in_doubt
    assert acq.account(card).balance_fen == 80_000  # 100,000 - 20,000: charged in the dark
    acq.switches(terminal, no_answer=1)
    answer = client.reverse(ReversalRequest(3, AT.date(), 20_000), attempts=3, pause=0.05)
    assert answer.code == p.APPROVED
    assert acq.account(card).balance_fen == 100_000


def test_no_answer_before_processing_reversal_finds_nothing(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq, read_timeout=0.5)
    card = acq.new_card(balance_fen=100_000)
    acq.switches(terminal, no_answer=1)
    with pytest.raises(AcquirerNoAnswer):
        client.purchase(sale(client, card, trace=4, amount_fen=20_000, at=AT))
    assert acq.account(card).balance_fen == 100_000
    assert client.reverse(ReversalRequest(4, AT.date(), 20_000)).code == p.NO_ORIGINAL


def test_duplicate_answer_is_read_once(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=100_000)
    acq.switches(terminal, duplicate_answer=1)
    assert client.purchase(sale(client, card, trace=1, amount_fen=1_000, at=AT)).approved
    assert client.purchase(sale(client, card, trace=2, amount_fen=1_000, at=AT)).approved
    assert acq.account(card).balance_fen == 98_000  # 100,000 - 2 x 1,000


def test_wrong_mac_on_the_answer_is_in_doubt_and_reversed(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=100_000)
    acq.switches(terminal, wrong_mac=1)
    with pytest.raises(AcquirerBadAnswer) as e:
        client.purchase(sale(client, card, trace=6, amount_fen=4_200, at=AT))
    assert e.value.in_doubt
    assert acq.account(card).balance_fen == 95_800  # 100,000 - 4,200: the host did charge
    assert client.reverse(ReversalRequest(6, AT.date(), 4_200)).code == p.APPROVED
    assert acq.account(card).balance_fen == 100_000


def test_slow_host_times_out_the_client(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq, read_timeout=0.3)
    card = acq.new_card(balance_fen=100_000)
    acq.switches(terminal, slow_seconds=1.0)
    with pytest.raises(AcquirerNoAnswer):
        client.purchase(sale(client, card, trace=8, amount_fen=700, at=AT))
    acq.switches(terminal, slow_seconds=0)
    assert client.reverse(ReversalRequest(8, AT.date(), 700)).code == p.APPROVED
    assert acq.account(card).balance_fen == 100_000


def test_reversal_after_a_resign_on_elsewhere_signs_on_again(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=100_000)
    assert client.purchase(sale(client, card, trace=2, amount_fen=500, at=AT)).approved
    acq.client(terminal).sign_on()  # our MAK is stale now: the host answers A0
    assert client.reverse(ReversalRequest(2, AT.date(), 500)).code == p.APPROVED
    assert acq.account(card).balance_fen == 100_000


def test_settlement_totals_net_of_reversals(acq: AcquirerLab) -> None:
    terminal, client = _signed_on(acq)
    card = acq.new_card(balance_fen=1_000_000)
    for trace, fen in ((1, 33_000), (2, 12_050), (3, 7_000)):
        assert client.purchase(sale(client, card, trace=trace, amount_fen=fen, at=AT)).approved
    assert client.reverse(ReversalRequest(2, AT.date(), 12_050)).approved
    # a declined sale counts for nothing: wrong PIN
    assert (
        client.purchase(sale(client, card, trace=4, amount_fen=9_999, at=AT, pin="000000")).code
        == p.WRONG_PIN
    )
    # sales 33,000 + 12,050 + 7,000; reversed 12,050 -> 2 sales, 33,000 + 7,000 = 40,000 fen
    assert acq.totals(terminal, AT.date()) == {
        "terminal": terminal,
        "date": "2026-06-15",
        "count": 2,
        "amount_fen": 40_000,
    }
    ok = client.settle(AT.date(), p.Totals(2, 40_000))
    assert ok.code == p.APPROVED and ok.host_totals == p.Totals(2, 40_000)
    # the kiosk counting the reversed sale too: 3 sales, 52,050 fen -> 95, the host's totals back
    off = client.settle(AT.date(), p.Totals(3, 52_050))
    assert off.code == p.SETTLE_MISMATCH and off.host_totals == p.Totals(2, 40_000)


def test_settlement_from_a_kiosk_not_yet_signed_on_signs_on_first(acq: AcquirerLab) -> None:
    """The administrator's reconciliation right after a restart (no sale yet, so no MAK in the
    pad): the 0500 needs its MAC, so the client signs on first, as a reversal does."""
    terminal = acq.new_terminal()
    client = acq.client(terminal)
    assert not client.epp.signed_on
    # no sales on this terminal today: the kiosk's 0 sales, 0 fen are the host's
    answer = client.settle(AT.date(), p.Totals(0, 0))
    assert answer.code == p.APPROVED and answer.host_totals == p.Totals(0, 0)
