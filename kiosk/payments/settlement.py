"""The kiosk's side of the day's card reconciliation (issue 16): the journal's TCs of the day are
the totals the kiosk sends in its 0500; the acquirer answers 00 when its approved, unreversed
sales of the terminal and day are the same (95 and its own totals when not). Each TC is also
checked against its intent: a TC whose intent is not POSTED (posting left for recovery) and an
authorization still open (AUTH_SENT, APPROVED, REVERSAL_PENDING) are listed.

    report = settle_card_day(service.journal, service.card_sale.acquirer, day)
    report.ok, report.as_json()

The back office's side (backoffice/reconcile.py) matches the orders with the acquirer's sales."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import common.pos8583 as p
from kiosk.acquirer import AcquirerClient, AcquirerError
from kiosk.domain.payments import IntentState
from kiosk.payments.journal import CardStep, Journal


@dataclass
class CardSettlement:
    day: dt.date
    journal: p.Totals  # the journal's TCs: what the kiosk sent
    code: str = ""  # the 0510's field 39 ("" when the host did not answer)
    host: p.Totals | None = None  # the host's totals (field 62 of the 0510)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.code == p.APPROVED and self.host == self.journal and not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "journal_tc": self.journal.count,
            "journal_tc_fen": self.journal.amount_fen,
            "code": self.code,
            "host_count": None if self.host is None else self.host.count,
            "host_fen": None if self.host is None else self.host.amount_fen,
            "ok": self.ok,
            "problems": list(self.problems),
        }


def settle_card_day(journal: Journal, acquirer: AcquirerClient, day: dt.date) -> CardSettlement:
    """The journal's TCs of `day` against the acquirer's settlement totals (one 0500)."""
    txns = journal.card_txns_on(day)
    tcs = [t for t in txns if t.step is CardStep.TC]
    report = CardSettlement(day, p.Totals(len(tcs), sum(t.amount_fen for t in tcs)))
    for t in txns:
        if t.step.must_reverse:
            report.problems.append(f"authorization {t.trace:06d} is {t.step.value}")
    for t in tcs:
        state = journal.get(t.intent_id).state
        if state is not IntentState.POSTED:
            report.problems.append(f"TC {t.trace:06d}: the intent is {state.value}, not POSTED")
    try:
        answer = acquirer.settle(day, report.journal)
    except AcquirerError as e:
        report.problems.append(f"settlement not answered: {type(e).__name__}")
        return report
    report.code, report.host = answer.code, answer.host_totals
    if answer.code != p.APPROVED:
        report.problems.append(f"the acquirer answered {answer.code}: its totals differ")
    return report
