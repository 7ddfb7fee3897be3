"""The card-in payment as an EMV card sale, end to end: the emulated card's bank application
(in this process), the emulated PIN pad, the reference acquirer over TCP (ISO 8583) and the
real back office over HTTP posting the order only for an approved, not reversed sale."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from backoffice.acquirer.accounts import add_account
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from common import emv_profile
from kiosk.domain import Scheme
from kiosk.domain.payments import IntentState, Outcome, Payer, PayMethod
from kiosk.payments.card_lab import emulated_bank_card, lab_bank_card, lab_card_sale, lab_finance
from kiosk.payments.journal import CardStep
from kiosk.payments.service import PendingPayment
from tests.helpers.payments import TODAY, Kiosk, card_sale_kiosk, make_kiosk

PAYER = Payer("", "*某某", "110***********0000")
PIN = "246810"


@pytest.fixture(scope="session")
def backoffice() -> Iterator[RunningService]:
    # This module's own back office: the lab app with the reference acquirer on a TCP port.
    with running_service(members=120, seed=23, today=TODAY, acquirer=True) as svc:
        yield svc


@pytest.fixture(scope="session")
def lab(backoffice: RunningService) -> PaymentsLab:
    return PaymentsLab(backoffice)


@dataclass
class CardKiosk:
    kiosk: Kiosk
    terminal_no: str
    db: Database
    svc: RunningService

    def card(self, tmp: Path, **kw: object) -> tuple[emv_profile.FinanceProfile, object]:
        fin = lab_finance(**kw)  # type: ignore[arg-type]
        add_account(self.db, fin)
        return fin, emulated_bank_card(fin, tmp / f"card-{fin.pan[-6:]}.json")

    def balance(self, fin: emv_profile.FinanceProfile) -> int:
        with self.db.session() as s:
            row = s.scalars(select(AcqAccountRow).where(AcqAccountRow.pan == fin.pan)).one()
            return row.balance_fen

    def sales(self) -> list[AcqTxnRow]:
        with self.db.session() as s:
            return list(
                s.scalars(select(AcqTxnRow).where(AcqTxnRow.terminal_no == self.terminal_no))
            )

    def switches(self, **values: float) -> None:
        r = requests.post(
            f"{self.svc.url}/sim/acquirer/switches",
            json=values,
            params={"terminal": self.terminal_no},
            timeout=10,
        )
        r.raise_for_status()


_n = iter(range(1, 10**6))


@pytest.fixture
def ck(lab: PaymentsLab, backoffice: RunningService, tmp_path: Path) -> Iterator[CardKiosk]:
    terminal_no = f"C{next(_n):04d}{tmp_path.name[-3:].upper():>3}"[:8].replace("_", "0")
    with card_sale_kiosk(lab, backoffice, tmp_path / "journal.sqlite3", terminal_no) as (k, db):
        assert k.service.card_sale is not None
        k.service.card_sale.acquirer.sign_on()  # the kiosk signs on at start: faults hit sales
        yield CardKiosk(k, terminal_no, db, backoffice)


def confirm(ck: CardKiosk, lab: PaymentsLab, months: int = 1) -> tuple[str, PendingPayment]:
    k = ck.kiosk
    member = k.member(lab)
    due = next(d for d in k.bo.dues(member) if d.scheme is Scheme.PENSION)
    quote = k.service.quote(member, Scheme.PENSION, periods=due.periods[:months])
    return member, k.service.confirm(quote, quote.total, PAYER, PayMethod.CARD)


def steps(ck: CardKiosk, intent_id: str) -> list[CardStep]:
    return [t.step for t in ck.kiosk.journal.card_txns(intent_id)]


def test_approved_sale_is_posted_once_with_the_order_amount_in_field_4(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path
) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    member, pending = confirm(ck, lab)
    total = pending.quote.total.fen
    bank, _runner = lab_bank_card(card, [PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.PAID, outcome
    (sale,) = ck.sales()
    # Field 4 is the order's total in fen; the account: 1,000,000 fen before, 1,000,000 - total
    # after (e.g. a 1,000.00-yuan month: 1,000,000 - 100,000 = 900,000 fen).
    assert sale.amount_fen == total and sale.state == "approved" and sale.charges == 1
    assert ck.balance(fin) == 1_000_000 - total
    entry = ck.kiosk.journal.get(outcome.intent_id)
    assert entry.state is IntentState.POSTED
    assert steps(ck, outcome.intent_id) == [CardStep.TC]
    txn = ck.kiosk.journal.card_txns(outcome.intent_id)[0]
    assert txn.pan_masked == fin.pan[:6] + "*" * 9 + fin.pan[-4:] and txn.rrn == sale.rrn
    # The month shows as paid, and a repeated card-sale answers the posted order: not twice.
    history = ck.kiosk.bo.contributions(member, scheme=Scheme.PENSION)
    assert any(m.period == pending.quote.lines[0].period for m in history)
    again = ck.kiosk.service.card_sale.post(entry, txn)  # type: ignore[union-attr]
    assert again.state is IntentState.POSTED
    order = ck.kiosk.client.order(pending.order_no)
    assert order.state.value == "posted"
    # The journal never holds the PAN or track 2.
    raw = Path(ck.kiosk.journal_path).read_bytes()
    assert fin.pan.encode() not in raw


def test_wrong_pin_then_right_pin(ck: CardKiosk, lab: PaymentsLab, tmp_path: Path) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, ["111111", PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.paid
    assert steps(ck, outcome.intent_id) == [CardStep.DECLINED, CardStep.TC]
    codes = sorted((s.stan, s.response_code) for s in ck.sales())
    assert [c for _t, c in codes] == ["55", "00"]
    assert ck.balance(fin) == 1_000_000 - pending.quote.total.fen  # charged once


def test_wrong_pin_and_the_member_gives_up(ck: CardKiosk, lab: PaymentsLab, tmp_path: Path) -> None:
    _fin, card = ck.card(tmp_path)
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, ["111111"])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert outcome.message_key == "payments.card_wrong_pin"
    assert ck.kiosk.client.order(pending.order_no).state.value == "cancelled"


def test_insufficient_funds_51(ck: CardKiosk, lab: PaymentsLab, tmp_path: Path) -> None:
    fin, card = ck.card(tmp_path, balance_fen=100)  # 1.00 yuan: less than any month
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, [PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert outcome.message_key == "payments.card_insufficient_funds"
    entry = ck.kiosk.journal.get(outcome.intent_id)
    assert entry.state is IntentState.FAILED and entry.reason == "insufficient_funds"
    assert ck.balance(fin) == 100
    assert ck.kiosk.client.order(pending.order_no).state.value == "cancelled"


def test_card_failing_oda_is_refused_and_nothing_is_sent(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path
) -> None:
    _fin, card = ck.card(tmp_path, oda_broken=True)
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, [PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.NOT_CHARGED
    assert outcome.message_key == "payments.card_refused_oda"
    assert ck.sales() == [] and steps(ck, outcome.intent_id) == []
    assert ck.kiosk.journal.get(outcome.intent_id).reason == "card_refused_oda"


def test_card_pulled_after_approval_is_reversed_and_nothing_posted(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path
) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, [PIN], pull_after_approval=True)  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.REVERSED and outcome.card_removed
    assert steps(ck, outcome.intent_id) == [CardStep.REVERSED]
    (sale,) = ck.sales()
    assert sale.state == "reversed" and sale.reversal_reason == "06"
    assert ck.balance(fin) == 1_000_000  # taken, then given back
    assert ck.kiosk.client.order(pending.order_no).state.value == "cancelled"


@pytest.mark.parametrize("fault", ["no_answer", "answer_then_drop", "wrong_mac"])
def test_acquirer_fault_in_doubt_is_reversed(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path, fault: str
) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    _member, pending = confirm(ck, lab)
    ck.switches(**{fault: 1})
    bank, _ = lab_bank_card(card, [PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.outcome is Outcome.REVERSED, outcome
    assert steps(ck, outcome.intent_id) == [CardStep.REVERSED]
    assert ck.balance(fin) == 1_000_000  # whatever the host did, nothing is taken
    assert all(s.state in ("reversed", "tombstone") for s in ck.sales())


def test_duplicate_answer_is_paid_once(ck: CardKiosk, lab: PaymentsLab, tmp_path: Path) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    _member, pending = confirm(ck, lab)
    ck.switches(duplicate_answer=1)
    bank, _ = lab_bank_card(card, [PIN])  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    assert outcome.paid
    assert ck.balance(fin) == 1_000_000 - pending.quote.total.fen


def test_back_office_refuses_a_reversed_or_unknown_sale(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path
) -> None:
    from kiosk.backoffice.errors import Rejected

    _fin, card = ck.card(tmp_path)
    _member, pending = confirm(ck, lab)
    bank, _ = lab_bank_card(card, [PIN], pull_after_approval=True)  # type: ignore[arg-type]
    outcome = ck.kiosk.service.pay_by_card(pending, bank)
    (txn,) = ck.kiosk.journal.card_txns(outcome.intent_id)
    _m, other = confirm(ck, lab)
    for trace, code in ((txn.trace, "CARD_SALE_REVERSED"), (999_999, "CARD_SALE_UNKNOWN")):
        with pytest.raises(Rejected) as e:
            ck.kiosk.client.card_sale(
                other.order_no, f"{other.intent_id}-sale-{trace}", terminal_no=ck.terminal_no,
                trace=trace, txn_date=txn.txn_date, amount_fen=other.quote.total.fen,
                rrn="", auth_code="",
            )  # fmt: skip
        assert e.value.code == code
    assert ck.kiosk.client.order(other.order_no).state.value == "created"  # nothing posted


class Crash(BaseException):
    """The kiosk stops at a kill point (as SIGKILL would: nothing after it runs)."""


def crash_at(point: str) -> Callable[[str], None]:
    def checkpoint(name: str) -> None:
        if name == point:
            raise Crash(point)

    return checkpoint


def restarted(ck: CardKiosk, lab: PaymentsLab, tmp_path: Path) -> Kiosk:
    """A new kiosk process on the same journal and acquirer terminal: no member, no card."""
    k = make_kiosk(lab, ck.kiosk.journal_path, settle_wait=6.0, recheck_interval=0.2)
    k.service.settings = dataclasses.replace(k.service.settings, terminal_id=ck.kiosk.terminal)
    k.bo.close()
    k.client = ck.kiosk.client  # the same terminal's back office credentials
    k.service.client = ck.kiosk.client
    assert ck.svc.acquirer_port is not None
    k.service.card_sale = lab_card_sale(
        k.journal, k.client, host="127.0.0.1", port=ck.svc.acquirer_port,
        terminal_no=ck.terminal_no, read_timeout=1.5, reversal_pause=0.1,
    )  # fmt: skip
    return k


@pytest.mark.parametrize(
    ("point", "pulled", "final", "charged"),
    [
        ("after_auth_sent", False, IntentState.REVERSED, False),  # 0200 never left: 0400 -> 25
        ("after_approved", False, IntentState.REVERSED, False),  # charged, no TC: reversed
        ("after_tc", False, IntentState.POSTED, True),  # TC given: posted by recovery
        ("during_card_posting", False, IntentState.POSTED, True),
        ("during_reversal", True, IntentState.REVERSED, False),  # pulled card, 0400 not sent
    ],
)
def test_crash_at_each_kill_point_is_finished_by_recovery(
    ck: CardKiosk,
    lab: PaymentsLab,
    tmp_path: Path,
    point: str,
    pulled: bool,
    final: IntentState,
    charged: bool,
) -> None:
    fin, card = ck.card(tmp_path, balance_fen=1_000_000)
    _member, pending = confirm(ck, lab)
    sale = ck.kiosk.service.card_sale
    assert sale is not None
    sale._checkpoint = crash_at(point)
    bank, _ = lab_bank_card(card, [PIN], pull_after_approval=pulled)  # type: ignore[arg-type]
    with pytest.raises(Crash):
        ck.kiosk.service.pay_by_card(pending, bank)
    k2 = restarted(ck, lab, tmp_path)
    report = k2.service.recover()
    assert report.unresolved == [] and report.errors == []
    entry = k2.journal.get(pending.intent_id)
    assert entry.state is final
    total = pending.quote.total.fen
    # Charged once (1,000,000 - total) or nothing (1,000,000); never twice.
    assert ck.balance(fin) == (1_000_000 - total if charged else 1_000_000)
    order = ck.kiosk.client.order(pending.order_no).state.value
    assert order == ("posted" if charged else "cancelled")
    assert k2.service.recover().checked == 0  # nothing left
    k2.journal.close()


def test_reconciliation_counts_the_card_sales(
    ck: CardKiosk, lab: PaymentsLab, tmp_path: Path
) -> None:
    """The acquirer's settlement totals match the kiosk journal's TCs: two approved sales and
    one reversed -> count 2, amount = the two orders' totals."""
    import common.pos8583 as p

    fin, card = ck.card(tmp_path, balance_fen=10_000_000)
    paid = []
    for pulled in (False, True, False):
        _m, pending = confirm(ck, lab)
        bank, _ = lab_bank_card(card, [PIN], pull_after_approval=pulled)  # type: ignore[arg-type]
        out = ck.kiosk.service.pay_by_card(pending, bank)
        if out.paid:
            paid.append(pending.quote.total.fen)
    assert len(paid) == 2
    tcs = [t for t in ck.kiosk.journal.card_txns_on(TODAY) if t.step is CardStep.TC]
    kiosk_totals = p.Totals(len(tcs), sum(t.amount_fen for t in tcs))
    # e.g. orders of 1,508.56 and 1,282.06 yuan: 2 sales, 150,856 + 128,206 = 279,062 fen
    assert kiosk_totals == p.Totals(2, paid[0] + paid[1])
    sale = ck.kiosk.service.card_sale
    assert sale is not None
    answer = sale.acquirer.settle(TODAY, kiosk_totals)
    assert answer.code == p.APPROVED and answer.host_totals == kiosk_totals
    assert ck.balance(fin) == 10_000_000 - paid[0] - paid[1]
