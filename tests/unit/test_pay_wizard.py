"""The pay page's steps (kiosk.payments.wizard.PayWizard), without Kivy: every step and
transition, driven by plain session states, and once through the real session machine."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

import pytest

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder, Money, Period, Scheme
from kiosk.domain.dues import Due, DueKind, DueLine, Tier
from kiosk.payments.flow import PayQuote, PayResult, QrShown
from kiosk.payments.service import ReceiptReadiness
from kiosk.payments.wizard import PayStep, PayWizard
from kiosk.session.data import MemberData
from kiosk.session.intents import DataKey, RequestName
from kiosk.session.machine import (
    CardInserted,
    CardRead,
    Load,
    Loaded,
    LoadFailed,
    Navigate,
    Page,
    PinOk,
    Request,
    Said,
    Session,
    SessionState,
)

# 2024's average wage as the seed names it; a flexible base is average x share / 12.
AVERAGE = Money.of("124110.00")
BASE_MIN = Money.of("6205.50")  # 124,110.00 x 0.6 / 12 = 74,466 / 12 = 6,205.50
BASE_MAX = Money.of("31027.50")  # 124,110.00 x 3 / 12 = 372,330 / 12 = 31,027.50
BASE_100 = Money.of("10342.50")  # 124,110.00 x 1 / 12 = 10,342.50


def months(first: str, n: int) -> tuple[Period, ...]:
    out = [Period.parse(first)]
    while len(out) < n:
        out.append(out[-1].next())
    return tuple(out)


def line(p: Period) -> DueLine:
    # 10,342.50 x 20% = 2,068.50 a month; 8% of the base (827.40) to the personal account.
    return DueLine(
        p,
        BASE_100,
        Money.of("2068.50"),
        Money.of("827.40"),
        Money.zero(),
        dt.date(2025, 7, 15),
        back_payment=False,
    )


def flexible(periods: tuple[Period, ...], counter_only: tuple[Period, ...] = ()) -> Due:
    return Due(
        scheme=Scheme.PENSION,
        kind=DueKind.FLEXIBLE,
        year=2025,
        periods=periods,
        rate=Decimal("0.20"),
        account_rate=Decimal("0.08"),
        base_min=BASE_MIN,
        base_max=BASE_MAX,
        base_default=BASE_100,
        tiers=(),
        annual_fee=None,
        lines=tuple(line(p) for p in periods),
        deadline=dt.date(2025, 7, 15),
        late_fee_rate_per_day=Decimal("0.0005"),
        counter_only=counter_only,
        average_wage=AVERAGE,
        average_wage_year=2024,
    )


def resident(tiers: tuple[Tier, ...]) -> Due:
    return Due(
        scheme=Scheme.RESIDENT_PENSION,
        kind=DueKind.RESIDENT_TIER,
        year=2025,
        periods=(),
        rate=Decimal("0"),
        account_rate=Decimal("0"),
        base_min=None,
        base_max=None,
        base_default=None,
        tiers=tiers,
        annual_fee=None,
        lines=(),
        deadline=dt.date(2025, 12, 31),
        late_fee_rate_per_day=Decimal("0"),
    )


TIERS = (
    Tier(Money.of("200.00"), Money.of("30.00")),
    Tier(Money.of("500.00"), Money.of("60.00")),
)


def state(
    data: dict[str, object] | None = None,
    *,
    loading: Iterable[str] = frozenset(),
    errors: dict[str, str] | None = None,
    said: dict[str, Said] | None = None,
) -> SessionState:
    md = MemberData()
    for k, v in (data or {}).items():
        md = md.with_answer(k, v)
    return SessionState(
        page=Page.PAY,
        data=md,
        loading=frozenset(loading),
        errors=errors or {},
        said=said or {},
    )


def asked(reqs: list[Request]) -> list[tuple[str, dict]]:
    return [(r.key, r.params) for r in reqs]


# Answers of the payment steps: the wizard only passes them through, so stand-ins will do.
QUOTE = PayQuote(quote=object(), readiness=ReceiptReadiness.READY)  # type: ignore[arg-type]
OLD_QUOTE = PayQuote(quote=object(), readiness=ReceiptReadiness.READY)  # type: ignore[arg-type]
PAID = PayResult(outcome=object(), receipt_key="payments.receipt_printed", receipt_url="")  # type: ignore[arg-type]
QR = QrShown(url="http://127.0.0.1/sim/qr/1", timeout=120.0, shown_at=5.0)


# -- dues -------------------------------------------------------------------------------------


def test_a_fresh_page_is_on_the_dues_step_loading() -> None:
    w = PayWizard()
    assert w.current(None) is PayStep.DUES and w.current(state()) is PayStep.DUES
    assert w.dues_view(None).title_key == "common.loading"
    assert w.dues_view(state(loading={"dues"})).title_key == "common.loading"
    assert w.message(state(loading={"dues"})) is None


def test_dues_refused_no_endless_loading_and_the_back_offices_words() -> None:
    said = Said("2024 年社平工资未公布", "No average wage for 2024")
    st = state(errors={"dues": "error.backoffice"}, said={"dues": said})
    view = PayWizard().dues_view(st)
    assert view.title_key == "" and view.payable == () and view.counter_only == ()
    assert PayWizard().message(st) == ("error.backoffice", said)


def test_payable_dues_with_the_counter_only_months_under_them() -> None:
    # Payable 2025-01..2025-05; 2019-01..2019-11 and 2020-03 only at the counter: two runs.
    due = flexible(months("2025-01", 5), (*months("2019-01", 11), Period.parse("2020-03")))
    view = PayWizard().dues_view(state({"dues": [due]}))
    assert view.title_key == "pay.choose" and view.payable == (due,)
    (co,) = view.counter_only
    assert co.scheme is Scheme.PENSION and co.months == 12  # 11 + 1
    assert [(str(r.first), str(r.last), r.months) for r in co.runs] == [
        ("2019-01", "2019-11", 11),
        ("2020-03", "2020-03", 1),
    ]


def test_only_counter_months_the_title_says_so_not_nothing_due() -> None:
    only_old = flexible((), months("2019-01", 2))
    view = PayWizard().dues_view(state({"dues": [only_old]}))
    assert view.title_key == "payments.counter_only_title" and view.payable == ()
    assert view.counter_only[0].months == 2
    assert PayWizard().dues_view(state({"dues": []})).title_key == "pay.nothing"


# -- options ------------------------------------------------------------------------------------


def test_picking_a_flexible_due_defaults_base_three_months() -> None:
    w = PayWizard().pick_due(flexible(months("2025-01", 5)))
    assert w.step is PayStep.OPTIONS and w.current(state()) is PayStep.OPTIONS
    assert (w.base, w.months, w.tier) == (BASE_100, 3, None)  # min(3, 5 months) = 3
    assert PayWizard().pick_due(flexible(months("2025-01", 2))).months == 2  # min(3, 2)
    assert PayWizard().pick_due(flexible(())).months == 1  # min(3, 0) = 0 -> at least 1


def test_picking_a_resident_due_takes_the_first_tier() -> None:
    w = PayWizard().pick_due(resident(TIERS))
    assert w.tier == Money.of("200.00") and w.base is None


def test_the_bases_offered_are_shares_of_the_average_wage_within_the_limits() -> None:
    w = PayWizard().pick_due(flexible(months("2025-01", 5)))
    assert w.base_choices() == [
        (Decimal("0.6"), Money.of("6205.50")),  # 124,110 x 0.6 / 12
        (Decimal("1"), Money.of("10342.50")),  # 124,110 / 12
        (Decimal("1.5"), Money.of("15513.75")),  # 186,165 / 12
        (Decimal("2"), Money.of("20685.00")),  # 248,220 / 12
        (Decimal("3"), Money.of("31027.50")),  # 372,330 / 12
    ]
    assert PayWizard().base_choices() == []
    assert PayWizard().pick_due(resident(TIERS)).base_choices() == []


def test_month_counts_offered_up_to_the_dues_months_and_all_of_them() -> None:
    def offered(n: int) -> list[int]:
        return PayWizard().pick_due(flexible(months("2024-01", n))).month_choices()

    assert offered(5) == [1, 3, 5]  # 6 and 12 are more than 5
    assert offered(12) == [1, 3, 6, 12]
    assert offered(14) == [1, 3, 6, 12, 14]
    assert PayWizard().month_choices() == []


def test_choose_changes_only_what_is_given() -> None:
    w = PayWizard().pick_due(flexible(months("2025-01", 5)))
    w2 = w.choose(base=BASE_MAX)
    assert (w2.base, w2.months) == (BASE_MAX, 3)
    w3 = w2.choose(months=1)
    assert (w3.base, w3.months) == (BASE_MAX, 1)


# -- the breakdown ------------------------------------------------------------------------------


def test_breakdown_of_a_flexible_choice_asks_for_the_oldest_months_at_the_base() -> None:
    # Months given newest first: the oldest three are asked for, in order.
    due = flexible(tuple(reversed(months("2025-01", 5))))
    w, reqs = PayWizard().pick_due(due).choose(base=BASE_MIN).breakdown()
    assert w.step is PayStep.QUOTE and RequestName.PAY_QUOTE in w.asked
    assert asked(reqs) == [
        (
            "pay_quote",
            {"scheme": "pension", "base": "6205.50", "periods": ["2025-01", "2025-02", "2025-03"]},
        )
    ]
    assert all(isinstance(r.key, RequestName) for r in reqs)


def test_breakdown_of_a_tier_and_of_an_annual_fee() -> None:
    _, reqs = PayWizard().pick_due(resident(TIERS)).choose(tier=Money.of("500.00")).breakdown()
    assert asked(reqs) == [("pay_quote", {"scheme": "resident_pension", "tier": "500.00"})]
    annual = resident(())
    annual = Due(**{**annual.__dict__, "kind": DueKind.RESIDENT_ANNUAL})
    _, reqs = PayWizard().pick_due(annual).breakdown()
    assert asked(reqs) == [("pay_quote", {"scheme": "resident_pension"})]


def test_no_breakdown_without_a_due() -> None:
    w, reqs = PayWizard().breakdown()
    assert reqs == [] and w == PayWizard()


def test_the_quote_is_loading_then_payable() -> None:
    w, _ = PayWizard().pick_due(flexible(months("2025-01", 5))).breakdown()
    view = w.quote_view(state(loading={"pay_quote"}))
    assert view.quote is None and view.loading and not view.payable
    assert w.quote_view(None).loading
    view = w.quote_view(state({"pay_quote": QUOTE}))
    assert view.quote is QUOTE and view.payable and not view.loading
    assert w.current(state({"pay_quote": QUOTE})) is PayStep.QUOTE


def test_a_refused_quote_leaves_no_older_quote_payable() -> None:
    # The member re-quoted a month the back office refuses (BACK_PAYMENT_TOO_OLD): the older
    # breakdown still in the session must not stay payable, nor "loading" stay on screen.
    w, _ = PayWizard().pick_due(flexible(months("2025-01", 5))).breakdown()
    words = Said("2019-01 已超过补缴期限，请到柜台办理", "2019-01 is too old: see the counter")
    st = state(
        {"pay_quote": OLD_QUOTE},
        errors={"pay_quote": "error.backoffice"},
        said={"pay_quote": words},
    )
    view = w.quote_view(st)
    assert view.quote is None and not view.loading and not view.payable
    assert w.message(st) == ("error.backoffice", words)
    assert w.current(st) is PayStep.QUOTE


def test_a_quote_asked_again_is_not_payable_until_it_arrives() -> None:
    w, _ = PayWizard().pick_due(flexible(months("2025-01", 5))).breakdown()
    view = w.quote_view(state({"pay_quote": OLD_QUOTE}, loading={"pay_quote"}))
    assert view.quote is None and view.loading


def test_a_quote_from_an_earlier_visit_is_not_shown() -> None:
    w = PayWizard().pick_due(flexible(months("2025-01", 5)))  # nothing asked on this visit
    assert w.quote_view(state({"pay_quote": OLD_QUOTE})).quote is None


def test_back_to_options_keeps_the_choice() -> None:
    w, _ = PayWizard().pick_due(flexible(months("2025-01", 5))).choose(months=1).breakdown()
    back = w.back_to_options()
    assert back.step is PayStep.OPTIONS and back.months == 1 and back.due == w.due


# -- paying -------------------------------------------------------------------------------------


def quoted() -> PayWizard:
    w, _ = PayWizard().pick_due(flexible(months("2025-01", 5))).breakdown()
    return w


def test_card_payment_paying_then_result() -> None:
    w, reqs = quoted().pay_card()
    assert asked(reqs) == [("pay_card", {})]
    assert w.current(state({"pay_quote": QUOTE}, loading={"pay_card"})) is PayStep.PAYING
    done = state({"pay_quote": QUOTE, "pay_card": PAID})
    assert w.current(done) is PayStep.RESULT and w.result(done) is PAID
    assert w.on_state(done) == (w, [])  # nothing more to ask


def test_a_refused_card_payment_goes_back_to_the_quote_with_the_reason() -> None:
    w, _ = quoted().pay_card()
    st = state({"pay_quote": QUOTE}, errors={"pay_card": "payments.nothing_due"})
    assert w.current(st) is PayStep.QUOTE and w.result(st) is None
    assert w.message(st) == ("payments.nothing_due", None)


def test_qr_payment_paying_qr_wait_once_then_result() -> None:
    w, reqs = quoted().pay_qr()
    assert asked(reqs) == [("pay_qr_start", {})]
    assert w.current(state(loading={"pay_qr_start"})) is PayStep.PAYING
    shown = state({"pay_qr_start": QR})
    # The code is shown and no wait asked yet: the page shows it and asks for the wait, once.
    assert w.current(shown) is PayStep.QR and w.qr(shown) is QR
    w, reqs = w.on_state(shown)
    assert asked(reqs) == [("pay_qr_wait", {})]
    waiting = state({"pay_qr_start": QR}, loading={"pay_qr_wait"})
    assert w.on_state(waiting) == (w, [])
    assert w.current(waiting) is PayStep.QR
    done = state({"pay_qr_start": QR, "pay_qr_wait": PAID})
    assert w.current(done) is PayStep.RESULT and w.result(done) is PAID


def test_qr_cancelled_asks_to_stop_the_wait() -> None:
    w, _ = quoted().pay_qr()
    w, _ = w.on_state(state({"pay_qr_start": QR}))
    w, reqs = w.cancel_qr()
    assert asked(reqs) == [("pay_cancel", {})] and RequestName.PAY_CANCEL in w.asked
    # The wait still runs until it returns "not charged": the QR step stays.
    assert w.current(state({"pay_qr_start": QR}, loading={"pay_qr_wait"})) is PayStep.QR


def test_qr_refused_before_the_code_goes_back_to_the_quote() -> None:
    w, _ = quoted().pay_qr()
    st = state({"pay_quote": QUOTE}, errors={"pay_qr_start": "payments.unavailable"})
    assert w.current(st) is PayStep.QUOTE and w.on_state(st) == (w, [])


def test_a_new_quote_after_paying_starts_over() -> None:
    w, _ = quoted().pay_card()
    done = state({"pay_quote": QUOTE, "pay_card": PAID})
    assert w.current(done) is PayStep.RESULT
    w, _ = w.back_to_options().breakdown()
    assert RequestName.PAY_CARD not in w.asked
    assert w.current(done) is PayStep.QUOTE and w.result(done) is None


def test_a_payment_answer_from_an_earlier_visit_is_not_shown() -> None:
    assert PayWizard().current(state({"pay_card": PAID})) is PayStep.DUES
    assert PayWizard().result(state({"pay_card": PAID})) is None


def test_only_this_visits_refusals_and_the_dues_are_shown() -> None:
    st = state(errors={"summary": "error.backoffice", "pay_card": "payments.nothing_due"})
    assert PayWizard().errors(st) == {}
    w, _ = quoted().pay_card()
    assert w.errors(st) == {"pay_card": "payments.nothing_due"}


# -- request names ------------------------------------------------------------------------------


def test_request_names_are_the_shared_enum() -> None:
    # A screen's plain string, on purpose: the core turns it into the enum.
    assert Request("pay_quote").key is RequestName.PAY_QUOTE  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Request("pay_everything")  # type: ignore[arg-type]
    assert RequestName.ADMIN_STATUS.admin_only and not RequestName.PAY_CARD.admin_only
    assert {n for n in RequestName if n.moves_money} == {
        RequestName.PAY_CARD,
        RequestName.PAY_QR_START,
        RequestName.PAY_QR_WAIT,
    }


# -- with the real session machine --------------------------------------------------------------

HOLDER = CardHolder(
    id_number="110101199003071234",
    name="张三",
    card_number="X00000019",
    card_identifier="110100D15600000500112233445566FF",
    region="110100",
)


def test_the_wizard_through_the_session_machine() -> None:
    s = Session(TimeoutConfig(page=45, pin=40, payment=300, warning=20))
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0.1)
    s.handle(PinOk(initial_pin=False), 0.2)
    effects = s.handle(Navigate(Page.PAY), 1)
    assert effects == [Load(DataKey.DUES, {})]
    w = PayWizard()
    assert w.dues_view(s.state).title_key == "common.loading"
    due = flexible(months("2025-01", 5))
    s.handle(Loaded(DataKey.DUES, [due]), 2)
    assert w.dues_view(s.state).payable == (due,)
    w, reqs = w.pick_due(due).breakdown()
    (req,) = reqs
    (load,) = s.handle(req, 3)
    assert isinstance(load, Load) and load.key == "pay_quote"
    assert w.quote_view(s.state).loading
    s.handle(Loaded(RequestName.PAY_QUOTE, QUOTE), 4)
    assert w.quote_view(s.state).quote is QUOTE
    w, (pay,) = w.pay_card()
    (load,) = s.handle(pay, 5)
    assert isinstance(load, Load)
    # The session adds what the payment service checks before a card-in payment.
    assert load.params == {"pin_verified": True, "initial_pin": False}
    assert w.current(s.state) is PayStep.PAYING
    s.handle(LoadFailed(RequestName.PAY_CARD, "payments.card_removed"), 6)
    assert w.current(s.state) is PayStep.QUOTE
    assert w.message(s.state) == ("payments.card_removed", None)
