"""The lab's card sale, wired without hardware: an emulated card's bank application in this
process (no pcscd), the emulated PIN pad, and a simulated member who types the financial PIN
on the on-screen keypad. Used by the payment worker (fault injection), bench/faults.py and
tests; never by an assembled kiosk."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import common.pos8583 as p
from cardio.apdu import ApduChannel
from cardio.emulator import EmulatedCard, find_profile, load_profile
from cardio.emulator.state import StateStore
from cardio.transport import InProcessLink
from common import card_crypto, emv_profile
from kiosk.acquirer import AcquirerClient
from kiosk.devices.epp import EmulatedEpp
from kiosk.payments.card_sale import BankCard, CardSale, CardSaleSettings, PinEntry, PinPrompt
from kiosk.payments.client import PaymentClient
from kiosk.payments.journal import Journal
from kiosk.ports import EppPort

_R = TypeVar("_R")
MERCHANT_NO = "898110000000001"  # the reference acquirer's lab merchant


def lab_finance(
    *, pin: str = "246810", balance_fen: int = 100_000_000, oda_broken: bool = False
) -> emv_profile.FinanceProfile:
    """A fresh card account: a Luhn-valid 19-digit PAN of the lab's BIN 621234."""
    body = f"621234{secrets.randbelow(10**12):012d}"
    check = next(d for d in "0123456789" if emv_profile.luhn_ok(body + d))
    return emv_profile.FinanceProfile(
        pan=body + check,
        psn="01",
        expiry="301231",
        pin=pin,
        apps=("debit",),
        oda="sda",
        oda_broken=oda_broken,
        balance_fen=balance_fen,
        issuer_keys=emv_profile.TEST_ISSUER_KEYS,
    )


def emulated_bank_card(
    finance: emv_profile.FinanceProfile, state_file: Path, profile: str = "card-2.00"
) -> EmulatedCard:
    """A social security card whose bank application is `finance` (its ATC kept in
    `state_file`, as a card keeps it across insertions)."""
    base = load_profile(find_profile(profile))
    return EmulatedCard(
        dataclasses.replace(base, finance=finance), StateStore(state_file), card_crypto.TEST_KEYS
    )


class InProcessCardRunner:
    """CardReader.run_card's counterpart on an in-process link; `pull()` takes the card out."""

    def __init__(self, card: EmulatedCard) -> None:
        self.link = InProcessLink(card)

    def __call__(self, fn: Callable[[ApduChannel], _R]) -> _R:
        return fn(ApduChannel(self.link))

    def pull(self) -> None:
        self.link.removed = True

    def present(self) -> bool:
        return not self.link.removed


def typed_pins(pins: Sequence[str]) -> PinEntry:
    """The member types pins[0] at the first prompt, pins[1] after a wrong PIN...; no PIN left:
    the member cancels."""
    queue: Iterator[str] = iter(list(pins))

    def enter(epp: EppPort, _prompt: PinPrompt) -> bool:
        pin = next(queue, None)
        if pin is None:
            return False
        for d in pin:
            epp.press(d)
        return epp.press("enter").done

    return enter


def lab_bank_card(
    card: EmulatedCard,
    pins: Sequence[str],
    *,
    pull_after_approval: bool = False,
) -> tuple[BankCard, InProcessCardRunner]:
    runner = InProcessCardRunner(card)
    present = runner.present
    if pull_after_approval:
        # The member takes the card while the host answers: gone when the TC is to be asked.
        def present() -> bool:
            runner.pull()
            return False

    return BankCard(run=runner, enter_pin=typed_pins(pins), present=present), runner


def lab_card_sale(
    journal: Journal,
    client: PaymentClient,
    *,
    host: str,
    port: int,
    terminal_no: str,
    read_timeout: float = 3.0,
    checkpoint: Callable[[str], None] = lambda _name: None,
    **settings: object,
) -> CardSale:
    epp = EmulatedEpp(p.lab_tmk(terminal_no))
    acquirer = AcquirerClient(
        host, port, terminal_no, MERCHANT_NO, epp, connect_timeout=2.0, read_timeout=read_timeout
    )
    return CardSale(
        journal,
        client,
        acquirer,
        epp,
        CardSaleSettings(terminal_no, (emv_profile.TEST_CA_KEY,), **settings),  # type: ignore[arg-type]
        checkpoint=checkpoint,
    )
