"""What a new PIN must be. Works on the bytearrays the PIN travels in and copies nothing."""

from __future__ import annotations

INITIAL_PIN = b"123456"
MIN_LEN, MAX_LEN = 6, 6  # the kiosk's keypad asks for six digits, as the cards are issued


def check_new_pin(old: bytearray, new: bytearray) -> str | None:
    """None when `new` may replace `old`; else the i18n key of the reason."""
    if not (MIN_LEN <= len(new) <= MAX_LEN) or not all(0x30 <= b <= 0x39 for b in new):
        return "pin.format"
    if new == INITIAL_PIN:
        return "pin.initial_not_allowed"
    if new == old:
        return "pin.same_as_old"
    if _too_simple(new):
        return "pin.too_simple"
    return None


def _too_simple(pin: bytearray) -> bool:
    """All one digit (111111) or a straight run (123456 is caught above, 654321, 234567...)."""
    steps = {pin[i + 1] - pin[i] for i in range(len(pin) - 1)}
    return steps in ({0}, {1}, {-1})
