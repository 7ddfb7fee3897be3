"""The kiosk's card port over the real stack: pcscd + vpcd + the card emulator."""

from __future__ import annotations

import threading

import pytest

from cardio.emulator import find_profile, load_profile
from cardio.harness import CARD_READER
from cardio.reader import open_reader
from kiosk.ports import CardAccessError, PinRefused
from kiosk.session.card import CardAdapter, CardCheck
from kiosk.session.machine import CardProblem

pytestmark = pytest.mark.pcsc


@pytest.fixture
def stack(card_stack_ready):
    return card_stack_ready


@pytest.fixture
def adapter(stack):
    stack.reset_state()
    stack.swap("card-3.00")
    a = CardAdapter(open_reader(CARD_READER))
    yield a
    a.stop()


def test_read_verify_wrong_then_right(stack, adapter):
    r = adapter.read()
    assert r.holder.spec_version == "3.00" and len(r.holder.id_number) == 18
    assert r.admin is False and r.pinpad is False  # vpcd has no PIN pad
    profile = load_profile(find_profile("card-3.00"))
    assert profile.pin_tries == 3 and profile.pin_tries_left is None  # a fresh counter
    wrong = bytearray(b"000000")
    assert bytes(wrong) != profile.pin.encode()
    res = adapter.verify_pin(wrong)
    assert not res.ok and not res.blocked
    assert res.tries_left == 2  # 3 tries on the profile, one spent on the wrong PIN
    assert wrong == bytearray(6)  # the caller's copy is wiped
    right = bytearray(profile.pin.encode())
    ok = adapter.verify_pin(right)
    assert ok.ok and not ok.blocked and ok.initial_pin is False
    assert right == bytearray(6)


def test_back_office_word_on_the_card_is_applied(adapter):
    adapter.checker = lambda info: CardCheck(CardProblem.REPORTED_LOST)
    with pytest.raises(CardAccessError) as e:
        adapter.read()
    assert e.value.problem is CardProblem.REPORTED_LOST
    adapter.checker = lambda info: CardCheck(None, admin=True)
    assert adapter.read().admin is True


def test_forged_card_is_not_genuine(stack, adapter):
    stack.swap("card-forged")
    with pytest.raises(CardAccessError) as e:
        adapter.read()
    assert e.value.problem is CardProblem.NOT_GENUINE


def test_blocked_card_is_told_before_the_pin(stack, adapter):
    stack.swap("card-blocked")
    with pytest.raises(CardAccessError) as e:
        adapter.read()
    assert e.value.problem is CardProblem.BLOCKED


def test_change_pin_refusals_map_to_messages(stack, adapter):
    adapter.read()
    with pytest.raises(PinRefused) as e:
        adapter.change_pin(bytearray(b"135790"), bytearray(b"123456"))
    assert e.value.reason == "pin.initial_not_allowed"


def test_insert_and_remove_events(stack):
    inserted, removed = threading.Event(), threading.Event()
    a = CardAdapter(open_reader(CARD_READER))
    try:
        a.watch(inserted.set, removed.set)
        stack.remove()
        assert removed.wait(5)
        stack.insert("card-2.00")
        assert inserted.wait(5)
        assert a.read().holder.spec_version == "2.00"
    finally:
        a.stop()
