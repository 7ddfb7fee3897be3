"""The pay page's steps, as a plain state machine beside the session's (no Kivy here).

    dues --pick a due--> options --breakdown--> quote --card--> paying --> result
                           ^                      |  \\--QR--> paying --> qr --phone--> result
                           +------change----------+                      \\--cancel--> result

    a card sale's paying:  [choose_app] --> bank_pin (金融密码 on the pad) --> paying --> result
                            (several bank applications)  ^--wrong PIN (55), tries left--+
    result of a card sale not charged --pay by QR instead--> quote (asked afresh)

`PayWizard` is immutable: every intent returns the next wizard and the requests the screen
must post (kiosk.session.machine.Request); the session runs them and its state carries the
answers. Three steps are the member's own choice (DUES, OPTIONS, QUOTE); the other three are
read from the session: a payment asked for and still running is PAYING, a QR code shown and
not yet answered is QR, an answer to a payment is RESULT. Only what this visit asked for
counts (`asked`): an answer left from an earlier visit to the page never shows.

The page's words come from the queries (`dues_view`, `quote_view`, `result`, `errors`): which
dues can be paid here and which only at the counter, whether the breakdown may be paid (a
refused quote never leaves an older one payable), what went wrong.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from kiosk.domain import Money
from kiosk.domain.dues import Due, DueKind
from kiosk.domain.payments import Outcome
from kiosk.payments.card_desk import CardDesk, CardPrompt, ChooseApplication, EnterBankPin
from kiosk.payments.flow import CounterOnly, PayQuote, PayResult, QrShown, counter_only, payable
from kiosk.session.intents import PAYING, DataKey, RequestName
from kiosk.session.machine import Request, Said, SessionState

# Shares of the average wage offered as the flexible contribution base, and month counts.
BASE_SHARES = (Decimal("0.6"), Decimal("1"), Decimal("1.5"), Decimal("2"), Decimal("3"))
MONTH_CHOICES = (1, 3, 6, 12)


class PayStep(enum.StrEnum):
    """The pay page's steps; each value is the name of its panel in screens/pay.kv."""

    DUES = "dues"
    OPTIONS = "options"
    QUOTE = "quote"
    PAYING = "paying"
    CHOOSE_APP = "choose_app"  # a card sale: the card has several bank applications
    BANK_PIN = "bank_pin"  # a card sale: the financial PIN (金融密码) on the PIN pad
    QR = "qr"
    RESULT = "result"


# The steps the member chooses; the others follow from the session's state.
CHOSEN_STEPS = frozenset({PayStep.DUES, PayStep.OPTIONS, PayStep.QUOTE})


@dataclass(frozen=True)
class DuesView:
    """What the dues step shows: a title (i18n key, "" for none), the dues payable here (one
    button each) and, under them, the months only the counter can settle."""

    title_key: str
    payable: tuple[Due, ...] = ()
    counter_only: tuple[CounterOnly, ...] = ()


@dataclass(frozen=True)
class QuoteView:
    """The breakdown step: `quote` only when it may be paid (answered, not refused, not being
    asked again); without one, `loading` says "loading" is shown (not after a refusal: the
    page's message says why instead)."""

    quote: PayQuote | None
    loading: bool

    @property
    def payable(self) -> bool:
        return self.quote is not None


@dataclass(frozen=True)
class CardAction:
    """An answer to the card sale's question, for the CardDesk (it never blocks): "pick" an
    application (value: its index), a "key" of the on-screen keypad, or "cancel"."""

    kind: str
    value: int | str | None = None

    def apply(self, desk: CardDesk) -> None:
        if self.kind == "pick" and isinstance(self.value, int):
            desk.pick(self.value)
        elif self.kind == "key" and isinstance(self.value, str):
            desk.key(self.value)
        elif self.kind == "cancel":
            desk.cancel()


@dataclass(frozen=True)
class PinView:
    """The PIN pad page: what to enter and where, and one dot per digit the pad holds."""

    message_key: str
    pan_masked: str
    dots: int
    keypad: bool  # the on-screen keypad is shown (an emulated pad); else "use the PIN pad"
    tries_left: int
    retry: bool  # after a wrong PIN: say how many entries are left

    @property
    def dots_text(self) -> str:
        return " ".join("●" * self.dots)

    @property
    def where_key(self) -> str:
        return "payments.bank_pin_keypad" if self.keypad else "payments.bank_pin_pad"


@dataclass(frozen=True)
class ResultView:
    """The outcome's words (`message_key`) and whether to offer QR instead (a card payment
    that charged nothing)."""

    message_key: str
    paid: bool
    offer_qr: bool


@dataclass(frozen=True)
class PayWizard:
    step: PayStep = PayStep.DUES  # the member's own step (DUES, OPTIONS or QUOTE)
    due: Due | None = None
    base: Money | None = None  # flexible dues: the chosen base
    months: int = 0  # flexible dues: how many of the oldest months
    tier: Money | None = None  # resident dues: the chosen tier
    asked: frozenset[RequestName] = frozenset()  # requests posted on this visit

    # -- the member's intents ------------------------------------------------------------------

    def pick_due(self, due: Due) -> PayWizard:
        """A due chosen: its default base, three months (or fewer), the first tier."""
        return replace(
            self,
            step=PayStep.OPTIONS,
            due=due,
            base=due.base_default,
            months=min(3, len(due.periods)) or 1,
            tier=due.tiers[0].amount if due.tiers else None,
        )

    def choose(
        self, *, base: Money | None = None, months: int | None = None, tier: Money | None = None
    ) -> PayWizard:
        """Another base, month count or tier (what is not given stays)."""
        return replace(
            self,
            base=self.base if base is None else base,
            months=self.months if months is None else months,
            tier=self.tier if tier is None else tier,
        )

    def base_choices(self) -> list[tuple[Decimal, Money]]:
        """A flexible due's bases to offer: each share of the average wage, as the back office
        rounds it within the base limits (Due.base_at; none without an average wage)."""
        d = self.due
        if d is None or d.kind is not DueKind.FLEXIBLE:
            return []
        out = []
        for share in BASE_SHARES:
            amount = d.base_at(share)
            if amount is not None:
                out.append((share, amount))
        return out

    def month_choices(self) -> list[int]:
        """A flexible due's month counts to offer: 1, 3, 6, 12 up to its months, and all."""
        if self.due is None:
            return []
        n = len(self.due.periods)
        return sorted({m for m in MONTH_CHOICES if m <= n} | {n})

    def quote_params(self) -> dict[str, Any]:
        """The pay_quote request's parameters for the current choice."""
        d = self.due
        if d is None:
            return {}
        params: dict[str, Any] = {"scheme": d.scheme.value}
        if d.kind is DueKind.FLEXIBLE:
            params["base"] = str(self.base.yuan) if self.base else None
            params["periods"] = [str(p) for p in sorted(d.periods)[: self.months]]
        elif d.kind is DueKind.RESIDENT_TIER and self.tier is not None:
            params["tier"] = str(self.tier.yuan)
        return params

    def breakdown(self) -> tuple[PayWizard, list[Request]]:
        """Ask the back office for the breakdown of the current choice (none without a due)."""
        if self.due is None:
            return self, []
        return self.request_quote(self.quote_params())

    def request_quote(self, params: Mapping[str, Any]) -> tuple[PayWizard, list[Request]]:
        """Ask for a breakdown with these parameters: a new quote forgets the last payment's
        outcome on this page (the member starts another payment)."""
        asked = (self.asked - PAYING) | {RequestName.PAY_QUOTE}
        wizard = replace(self, step=PayStep.QUOTE, asked=asked)
        return wizard, [Request(RequestName.PAY_QUOTE, dict(params))]

    def pay_card(self) -> tuple[PayWizard, list[Request]]:
        return self._ask(RequestName.PAY_CARD)

    def pay_qr(self) -> tuple[PayWizard, list[Request]]:
        return self._ask(RequestName.PAY_QR_START)

    def cancel_qr(self) -> tuple[PayWizard, list[Request]]:
        return self._ask(RequestName.PAY_CANCEL)

    def back_to_options(self) -> PayWizard:
        return replace(self, step=PayStep.OPTIONS)

    def pay_qr_instead(self) -> tuple[PayWizard, list[Request]]:
        """A card payment charged nothing: the breakdown again (the last order is gone), with
        its QR button."""
        return self.breakdown()

    # -- the member's answers to a card sale (to the CardDesk, not the session) --------------

    @staticmethod
    def pick_application(index: int) -> list[CardAction]:
        return [CardAction("pick", index)]

    @staticmethod
    def pin_key(key: str) -> list[CardAction]:
        return [CardAction("key", key)]

    @staticmethod
    def cancel_card() -> list[CardAction]:
        return [CardAction("cancel")]

    def _ask(self, name: RequestName) -> tuple[PayWizard, list[Request]]:
        return replace(self, asked=self.asked | {name}), [Request(name)]

    # -- the session's answers ---------------------------------------------------------------

    def on_state(self, state: SessionState) -> tuple[PayWizard, list[Request]]:
        """A new session state: once the QR code is shown, wait for the phone (once)."""
        started = RequestName.PAY_QR_START in self.asked and RequestName.PAY_QR_START in state.data
        if started and RequestName.PAY_QR_WAIT not in self.asked:
            return self._ask(RequestName.PAY_QR_WAIT)
        return self, []

    def current(self, state: SessionState | None, prompt: CardPrompt | None = None) -> PayStep:
        """The step to show: a payment under way or answered overrides the member's step; a
        card sale's question (`prompt`, from the CardDesk) shows while the sale runs."""
        if state is None:
            return self.step
        answered = {k for k in state.data if k in self.asked}
        busy = {k for k in self.asked if k in state.loading}
        qr_shown = RequestName.PAY_QR_START in answered
        if RequestName.PAY_CARD in busy:
            if isinstance(prompt, ChooseApplication):
                return PayStep.CHOOSE_APP
            if isinstance(prompt, EnterBankPin):
                return PayStep.BANK_PIN
            return PayStep.PAYING
        if RequestName.PAY_QR_WAIT in busy or (
            qr_shown and RequestName.PAY_QR_WAIT not in answered
        ):
            return PayStep.QR if qr_shown else PayStep.PAYING
        if RequestName.PAY_QR_START in busy:
            return PayStep.PAYING
        if RequestName.PAY_CARD in answered or RequestName.PAY_QR_WAIT in answered:
            return PayStep.RESULT
        return self.step

    # -- what the page shows ------------------------------------------------------------------

    def errors(self, state: SessionState | None) -> dict[str, str]:
        """Refusals of what this visit asked for, and of the dues (key -> i18n message key)."""
        if state is None:
            return {}
        return {k: v for k, v in state.errors.items() if k in self.asked or k == DataKey.DUES}

    def message(self, state: SessionState | None) -> tuple[str, Said | None] | None:
        """The first refusal to show: its i18n key, and the back office's own words when it
        gave some (they name the month too old to pay here, or the year with no average
        wage; the page shows those instead of the key's text)."""
        errors = self.errors(state)
        if not errors or state is None:
            return None
        key, message_key = next(iter(errors.items()))
        return message_key, state.said.get(key)

    def dues_view(self, state: SessionState | None) -> DuesView:
        dues = state.data.dues if state is not None else None
        if state is None or dues is None:
            # Refused (the message says why, e.g. no average wage), or still loading.
            refused = (
                state is not None
                and DataKey.DUES in state.errors
                and DataKey.DUES not in state.loading
            )
            return DuesView("" if refused else "common.loading")
        here, old = payable(dues), counter_only(dues)
        # Nothing to pay here: say why when the counter has something to settle.
        nothing = "payments.counter_only_title" if old else "pay.nothing"
        title = "pay.choose" if here else nothing
        return DuesView(title, tuple(here), tuple(old))

    def quote_view(self, state: SessionState | None) -> QuoteView:
        """The breakdown, when it may be paid: a refused quote never leaves an older one
        payable, and one being asked again is not payable until it arrives."""
        if state is None:
            return QuoteView(None, loading=True)
        busy = RequestName.PAY_QUOTE in state.loading
        refused = RequestName.PAY_QUOTE in state.errors
        pq = state.data.pay_quote if RequestName.PAY_QUOTE in self.asked else None
        if pq is None or refused or busy:
            return QuoteView(None, loading=busy or not refused)
        return QuoteView(pq, loading=False)

    @staticmethod
    def applications(prompt: CardPrompt | None, language: str) -> list[str]:
        """The card's bank applications to choose from, in the member's language."""
        if not isinstance(prompt, ChooseApplication):
            return []
        return [o.label(language) for o in prompt.options]

    @staticmethod
    def pin_view(prompt: CardPrompt | None) -> PinView | None:
        if not isinstance(prompt, EnterBankPin):
            return None
        return PinView(
            prompt.message_key,
            prompt.pan_masked,
            prompt.digits,
            prompt.on_screen_keypad,
            prompt.tries_left,
            retry=prompt.attempt > 1,
        )

    def result_view(self, state: SessionState | None) -> ResultView | None:
        res = self.result(state)
        if res is None:
            return None
        o = res.outcome
        by_card = (
            RequestName.PAY_CARD in self.asked and state is not None and state.data.pay_card is res
        )
        charged_nothing = o.outcome in (Outcome.NOT_CHARGED, Outcome.REVERSED)
        return ResultView(o.message_key, res.paid, offer_qr=by_card and charged_nothing)

    def qr(self, state: SessionState | None) -> QrShown | None:
        return state.data.pay_qr_start if state is not None else None

    def result(self, state: SessionState | None) -> PayResult | None:
        """This visit's payment outcome (the QR wait's, else the card's)."""
        if state is None:
            return None
        if RequestName.PAY_QR_WAIT in self.asked and RequestName.PAY_QR_WAIT in state.data:
            return state.data.pay_qr_wait
        if RequestName.PAY_CARD in self.asked and RequestName.PAY_CARD in state.data:
            return state.data.pay_card
        return None
