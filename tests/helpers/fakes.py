"""Fake card and data ports for unit tests of the controller and its listeners (no reader, no
back office), and a bounded wait for what their worker threads do."""

from __future__ import annotations

import threading
import time

from kiosk.domain import CardHolder
from kiosk.ports import CardAccessError, CardReading, PinResult

HOLDER = CardHolder("110101199003071234", "张三", "X00000019", "1101", "110100")


class FakeCard:
    def __init__(self, pin=b"135790", problem=None):
        self.pin, self.problem = pin, problem
        self.tries = 3
        self.seen_digits: list[bytearray] = []
        self.forgot = threading.Event()

    def watch(self, on_inserted, on_removed):
        self.inserted, self.removed = on_inserted, on_removed

    def read(self):
        if self.problem:
            raise CardAccessError(self.problem)
        return CardReading(HOLDER, admin=False, pinpad=False)

    def verify_pin(self, digits):
        self.seen_digits.append(digits)
        if bytes(digits) == self.pin:
            return PinResult(ok=True)
        self.tries -= 1
        return PinResult(ok=False, tries_left=self.tries, blocked=self.tries == 0)

    def change_pin(self, old, new):
        pass

    def forget(self):
        self.forgot.set()


class SlowData:
    def __init__(self):
        self.release = threading.Event()

    def load(self, key, holder, params):
        self.release.wait(5)
        return {"key": key}


def wait_for(pred, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.01)
    return False
