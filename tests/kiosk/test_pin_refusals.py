"""The message key of each PIN refusal of the card's policy (kiosk.session.pin_refusals)."""

from __future__ import annotations

import pytest

from cardio import errors as ce
from kiosk.session.pin_refusals import pin_refusal_key


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (ce.InitialPinForbidden, "pin.initial_not_allowed"),
        (ce.PinUnchanged, "pin.same_as_old"),
        (ce.PinFormatError, "pin.format"),
        (ce.PinMismatch, "pin.mismatch"),
        (ce.PinResetFormatError, "pin.format"),  # a PinFormatError of the reset: same words
    ],
)
def test_each_refusal_has_its_key(kind: type[ce.PinPolicyError], key: str) -> None:
    assert pin_refusal_key(kind()) == key


def test_a_policy_error_of_no_known_kind_is_not_given_a_key() -> None:
    class NewRule(ce.PinPolicyError):
        pass

    with pytest.raises(KeyError):
        pin_refusal_key(NewRule())
