"""The message key of each PIN the card's policy refuses (cardio.errors.PinPolicyError kinds),
in one place for the PIN change (kiosk.session.card) and the PIN reset
(kiosk.session.card_recovery): the member reads the same words for the same refusal."""

from __future__ import annotations

from typing import Final

from cardio import errors as ce

PIN_POLICY_KEYS: Final[dict[type[ce.PinPolicyError], str]] = {
    ce.InitialPinForbidden: "pin.initial_not_allowed",
    ce.PinUnchanged: "pin.same_as_old",
    ce.PinFormatError: "pin.format",
    ce.PinMismatch: "pin.mismatch",
}


def pin_refusal_key(e: ce.PinPolicyError) -> str:
    """The key of `e`'s kind, or of the nearest kind it derives from (PinResetFormatError is
    a PinFormatError)."""
    for kind in type(e).__mro__:
        if kind in PIN_POLICY_KEYS:
            return PIN_POLICY_KEYS[kind]
    raise KeyError(type(e).__name__)
