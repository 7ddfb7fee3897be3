"""The card sale through the real card stack (issue 16): the kiosk's EMV kernel over
CardReader.run_card, pcscd + vpcd + the emulator's financial application (card-2.00), the
emulated PIN pad, the reference acquirer over TCP and the back office over HTTP. One sale
approved and posted once; one where the card is pulled after the host approved, reversed.

The session's card stack holds /tmp/cardio-vpcd.lock (cardio.harness.card_stack) while it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from backoffice.acquirer.accounts import add_account, add_terminal
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService, running_service
from backoffice.storage import Database
from backoffice.storage.acquirer import AcqAccountRow, AcqTxnRow
from backoffice.storage.payments import OrderRow
from cardio.emulator.profile import find_profile, load_profile
from cardio.harness import CardStack
from cardio.reader import CardReader
from common import emv_profile
from kiosk.domain import Scheme
from kiosk.domain.payments import IntentState, Outcome, Payer, PayMethod
from kiosk.payments.card_lab import lab_card_sale, typed_pins
from kiosk.payments.card_sale import BankCard
from kiosk.payments.journal import CardStep
from kiosk.payments.service import PendingPayment
from tests.helpers.payments import TODAY, Kiosk, make_kiosk

pytestmark = pytest.mark.pcsc

TERMINAL_NO = "PC000001"
PROFILE = "card-2.00"


@pytest.fixture(scope="module")
def backoffice() -> Iterator[RunningService]:
    with running_service(members=60, seed=37, today=TODAY, acquirer=True) as svc:
        yield svc


@pytest.fixture
def db(backoffice: RunningService) -> Iterator[Database]:
    d = Database(backoffice.database)
    yield d
    d.dispose()


@pytest.fixture
def kiosk(backoffice: RunningService, db: Database, tmp_path: Path) -> Iterator[Kiosk]:
    lab = PaymentsLab(backoffice)
    k = make_kiosk(lab, tmp_path / "journal.sqlite3", settle_wait=4.0)
    add_terminal(db, TERMINAL_NO, kiosk_id=k.terminal)
    assert backoffice.acquirer_port is not None
    k.service.card_sale = lab_card_sale(
        k.journal, k.client, host="127.0.0.1", port=backoffice.acquirer_port,
        terminal_no=TERMINAL_NO, read_timeout=3.0, reversal_pause=0.1,
        local_now=lambda: dt.datetime.combine(TODAY, dt.datetime.now().time()),
    )  # fmt: skip
    yield k
    k.service.stop()
    k.journal.close()
    k.bo.close()


def _finance(db: Database) -> emv_profile.FinanceProfile:
    """The emulated card's bank application, and its account at the acquirer."""
    fin = load_profile(find_profile(PROFILE)).finance
    assert fin is not None
    with contextlib.suppress(IntegrityError):  # the seeder may have written it already
        add_account(db, fin)
    return fin


def _balance(db: Database, pan: str) -> int:
    with db.session() as s:
        return s.scalars(select(AcqAccountRow.balance_fen).where(AcqAccountRow.pan == pan)).one()


def _confirm(k: Kiosk, backoffice: RunningService) -> PendingPayment:
    member = k.member(PaymentsLab(backoffice))
    due = next(d for d in k.bo.dues(member) if d.scheme is Scheme.PENSION)
    quote = k.service.quote(member, Scheme.PENSION, periods=due.periods[:1])
    return k.service.confirm(quote, quote.total, Payer("", "*某某", "1***"), PayMethod.CARD)


def test_card_sale_through_pcscd_posted_once_and_a_pulled_card_reversed(
    stack: CardStack, reader: CardReader, kiosk: Kiosk, backoffice: RunningService, db: Database
) -> None:
    stack.insert(PROFILE)
    fin = _finance(db)
    before = _balance(db, fin.pan)

    # 1. Approved, the card's TC, the order posted once.
    paid = _confirm(kiosk, backoffice)
    bank = BankCard(run=reader.run_card, enter_pin=typed_pins([fin.pin]))
    outcome = kiosk.service.pay_by_card(paid, bank)
    assert outcome.outcome is Outcome.PAID, outcome
    total = paid.quote.total.fen
    # the account: before - total (e.g. 2,000,000 - 150,856 = 1,849,144 fen)
    assert _balance(db, fin.pan) == before - total
    (txn,) = kiosk.journal.card_txns(paid.intent_id)
    assert txn.step is CardStep.TC and txn.pan_masked == emv_profile.mask_pan(fin.pan)
    with db.session() as s:
        sale = s.get(AcqTxnRow, (TERMINAL_NO, txn.trace, TODAY))
        assert sale is not None and sale.state == "approved" and sale.charges == 1
        assert sale.amount_fen == total
        key = f"card:{TERMINAL_NO}:{TODAY:%Y%m%d}:{txn.trace:06d}"
        posted = s.scalar(
            select(func.count()).select_from(OrderRow).where(OrderRow.gateway_txn == key)
        )
    assert posted == 1
    # Recovery finds nothing to do, and posting again answers the same order: once.
    assert kiosk.service.recover().checked == 0
    card_sale = kiosk.service.card_sale
    assert card_sale is not None
    again = card_sale.post(kiosk.journal.get(paid.intent_id), txn)
    assert again.state is IntentState.POSTED
    assert _balance(db, fin.pan) == before - total

    # 2. The host approves, the member pulls the card before the TC: reversed (reason 06),
    #    the account as after sale 1, the order cancelled.
    pulled = _confirm(kiosk, backoffice)

    def pull() -> bool:
        stack.remove()  # the card leaves the reader (vpcd): the kernel cannot ask for the TC
        return False

    bank = BankCard(run=reader.run_card, enter_pin=typed_pins([fin.pin]), present=pull)
    outcome = kiosk.service.pay_by_card(pulled, bank)
    assert outcome.outcome is Outcome.REVERSED and outcome.card_removed, outcome
    (txn2,) = kiosk.journal.card_txns(pulled.intent_id)
    assert txn2.step is CardStep.REVERSED
    with db.session() as s:
        sale2 = s.get(AcqTxnRow, (TERMINAL_NO, txn2.trace, TODAY))
        assert sale2 is not None and sale2.state == "reversed" and sale2.reversal_reason == "06"
    assert _balance(db, fin.pan) == before - total  # taken, then given back
    assert kiosk.client.order(pulled.order_no).state.value == "cancelled"
    assert kiosk.journal.get(pulled.intent_id).state is IntentState.REVERSED
