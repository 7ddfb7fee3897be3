"""A kiosk's payment side on a fresh terminal of the payments lab: the back office client, the
payment client, a journal and the payment service, wired as the kiosk wires them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from backoffice.acquirer.accounts import add_terminal
from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import RunningService
from backoffice.storage import Database
from kiosk.backoffice.client import BackOfficeClient
from kiosk.config import BackOfficeConfig
from kiosk.payments.card_lab import lab_card_sale
from kiosk.payments.client import PaymentClient
from kiosk.payments.journal import Journal
from kiosk.payments.service import PaymentService, PaymentSettings
from kiosk.ports import ReceiptPrinterPort

# The payments back office's day: fixed, so the seeded arrears never drift.
TODAY = dt.date(2026, 6, 20)


@dataclass
class Kiosk:
    terminal: str
    key: str
    bo: BackOfficeClient
    client: PaymentClient
    journal: Journal
    service: PaymentService
    journal_path: Path

    def member(self, lab: PaymentsLab) -> str:
        return lab.take_member(self.terminal, self.key)


def make_kiosk(
    lab: PaymentsLab,
    path: Path,
    printer: ReceiptPrinterPort | None = None,
    *,
    qr_poll_interval: float = 0.1,
    qr_timeout: float = 5.0,
    settle_wait: float = 5.0,
    recheck_interval: float = 0.2,
) -> Kiosk:
    terminal, key = lab.new_terminal()
    config = BackOfficeConfig(url=lab.url, api_key=key, connect_timeout=1.0, read_timeout=5.0)
    bo = BackOfficeClient(config, terminal, retries=1, backoff=0.0)
    client = PaymentClient(bo, attempts=3, backoff=0.05)
    journal = Journal(path)
    service = PaymentService(
        client,
        journal,
        PaymentSettings(
            terminal_id=terminal,
            hall_name="测试大厅",
            qr_poll_interval=qr_poll_interval,
            qr_timeout=qr_timeout,
            settle_wait=settle_wait,
            recheck_interval=recheck_interval,
            account_debit=True,  # the lab gateway's account debit (the old card-in path)
        ),
        printer=printer,
    )
    return Kiosk(terminal, key, bo, client, journal, service, path)


@contextmanager
def card_sale_kiosk(
    lab: PaymentsLab, backoffice: RunningService, journal: Path, terminal_no: str
) -> Iterator[tuple[Kiosk, Database]]:
    """A payment kiosk whose card payments are EMV card sales through the lab's acquirer, as
    acquirer terminal `terminal_no` (registered to the kiosk here); short timeouts so a fault
    test does not wait, and the lab's date on the sale."""
    k = make_kiosk(lab, journal, settle_wait=6.0, recheck_interval=0.2)
    db = Database(backoffice.database)
    add_terminal(db, terminal_no, kiosk_id=k.terminal)
    assert backoffice.acquirer_port is not None
    k.service.card_sale = lab_card_sale(
        k.journal,
        k.client,
        host="127.0.0.1",
        port=backoffice.acquirer_port,
        terminal_no=terminal_no,
        read_timeout=1.5,
        reversal_pause=0.1,
        local_now=lambda: dt.datetime.combine(TODAY, dt.datetime.now().time()),
    )
    try:
        yield k, db
    finally:
        k.service.stop()
        k.journal.close()
        k.bo.close()
        db.dispose()
