"""Faults other than a killed kiosk: the gateway times out, the back office answers 5xx or is
stopped mid-charge, the network is cut, the same request comes twice, the card is pulled.
After restart and recovery: one charge and one posting, or none; nothing unresolved."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import free_port, running_service
from kiosk.backoffice.client import BackOfficeClient
from kiosk.config import BackOfficeConfig
from kiosk.domain import Scheme
from kiosk.payments.client import PaymentClient
from tests.helpers.faults import TODAY, Scenario, assert_exactly_once_or_none
from tests.helpers.proxy import CuttingProxy


@pytest.mark.parametrize("switch", ["timeout_before", "timeout_after", "decline"])
def test_gateway_timeout_or_decline_takes_nothing(scenario: Scenario, switch: str) -> None:
    scenario.lab.switches(None, **{switch: 1})  # every terminal; the switch named by the case
    run = scenario.pay()
    outcome = run.event("outcome")
    assert outcome is not None, run.stderr[-2000:]
    assert outcome["outcome"] == ("not_charged" if switch == "decline" else "reversed")
    v = assert_exactly_once_or_none(scenario)
    assert v.charged == 0


def test_backoffice_5xx_on_every_attempt_before_anything_happened(scenario: Scenario) -> None:
    scenario.lab.switches(api_5xx_before=3)  # create-order fails 3 times: the kiosk gives up
    run = scenario.pay()
    assert run.event("error") is not None and run.event("error")["error"] == "payments.unavailable"  # type: ignore[index]
    v = assert_exactly_once_or_none(scenario)
    assert v.charged == 0


def test_backoffice_5xx_after_charging_is_retried_with_the_same_key(scenario: Scenario) -> None:
    scenario.lab.switches(api_5xx_after=1)  # the first payment call does its work, then 500
    run = scenario.pay()
    assert run.event("outcome") is not None
    v = assert_exactly_once_or_none(scenario)
    assert scenario.charges() == v.charged


def test_network_cut_after_the_debit_reached_the_backoffice(scenario: Scenario) -> None:
    host, port = scenario.lab.url.removeprefix("http://").split(":")
    with CuttingProxy((host, int(port))) as proxy:
        proxy.cut_responses(b"/pay", 1)
        run = scenario.pay(url=proxy.url)
        assert proxy.cut_done == 1
        outcome = run.event("outcome")
        assert outcome is not None and outcome["outcome"] == "paid"  # the retry found it
    v = assert_exactly_once_or_none(scenario)
    assert v.charged == 1 and scenario.charges() == 1


def test_network_down_during_the_payment_then_back(scenario: Scenario) -> None:
    host, port = scenario.lab.url.removeprefix("http://").split(":")
    with CuttingProxy((host, int(port))) as proxy:
        # Every answer to the debit is lost and then the network is down: the kiosk cannot
        # tell whether it paid. It says so (in doubt) and recovery finishes later.
        proxy.cut_responses(b"/pay", 1)

        def down_after_cut() -> None:
            while proxy.cut_done == 0:
                threading.Event().wait(0.01)
            proxy.set_down(True)

        threading.Thread(target=down_after_cut, daemon=True).start()
        run = scenario.pay("--settle-wait", "0.5", url=proxy.url)
        outcome = run.event("outcome")
        assert outcome is not None and outcome["outcome"] == "in_doubt"
        bad = scenario.recover("--deadline", "1", url=proxy.url)
        assert bad.returncode == 1  # still down: nothing can be resolved, nothing guessed
        proxy.set_down(False)
        v = assert_exactly_once_or_none(scenario)
    assert v.charged == 1


def test_card_pulled_before_the_debit(scenario: Scenario) -> None:
    run = scenario.pay("--card-pulled")
    outcome = run.event("outcome")
    assert outcome is not None
    assert outcome["message_key"] == "payments.card_removed_not_charged"
    v = assert_exactly_once_or_none(scenario)
    assert v.charged == 0


def test_the_same_request_twice_at_once_charges_once(scenario: Scenario) -> None:
    lab = scenario.lab
    config = BackOfficeConfig(url=lab.url, api_key=scenario.key, read_timeout=10.0)
    bo = BackOfficeClient(config, scenario.terminal)
    client = PaymentClient(bo)
    due = next(d for d in bo.dues(scenario.member) if d.scheme is Scheme.PENSION)
    quote = client.quote(scenario.member, Scheme.PENSION, periods=due.periods[:1])
    key = uuid.uuid4().hex
    lab.switches(slow_seconds=0.3)  # both requests are inside the back office together
    orders: list[str] = []
    states: list[str] = []

    def create() -> None:
        orders.append(
            client.create_order(key, quote.quote_id, scenario.member, quote.total).order_no
        )

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(orders)) == 1

    def pay() -> None:
        states.append(client.pay_card(orders[0], key + "-pay", "X00000019").state.value)

    threads = [threading.Thread(target=pay) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lab.switches(slow_seconds=0)
    assert "posted" in states
    final = client.order(orders[0])
    assert final.state.value == "posted"
    bill = [t for t in lab.bill(scenario.terminal) if t["order_no"] == orders[0]]
    assert len(bill) == 1 and bill[0]["charges"] == 1
    bo.close()


def test_backoffice_killed_mid_charge_then_restarted(lab: PaymentsLab, tmp_path: Path) -> None:
    """The back office itself dies while the gateway is charging; the kiosk is left in doubt;
    once the back office is back, recovery settles the order from the gateway's record."""
    db = str(tmp_path / "bo.sqlite3")
    port = free_port()
    journal = tmp_path / "journal.sqlite3"
    with running_service(members=30, seed=5, today=TODAY, database=db, port=port) as svc:
        mini = PaymentsLab(svc)
        terminal, key = mini.new_terminal()
        member = mini.take_member(terminal, key)
        mini.switches(slow_seconds=2.0)

        def kill_when_charging() -> None:
            for _ in range(400):
                if any(t["state"] == "charged" for t in mini.bill(terminal)):
                    svc.process.kill()
                    return
                threading.Event().wait(0.02)

        killer = threading.Thread(target=kill_when_charging)
        killer.start()
        run = mini.worker("pay", journal, terminal, key, "--member", member, "--settle-wait", "0.5")
        killer.join()
        outcome = run.event("outcome")
        assert outcome is not None and outcome["outcome"] == "in_doubt", run.stderr[-2000:]
    with running_service(today=TODAY, database=db, port=port, seed_first=False) as again:
        back = PaymentsLab(again)
        back.switches(in_doubt_after=0.5)
        rec = back.worker("recover", journal, terminal, key)
        assert rec.returncode == 0, rec.events
        v = back.check(journal, terminal, key)
        assert v.ok, v.problems
        assert v.charged == v.posted == 1
