"""kiosk.health: which devices are missing, when the kiosk is out of service, and observers told
of each change once (the probes are plain callables here; the real ones are exercised by
tests/ui/test_out_of_service.py with the real pcscd and back office stopped and started)."""

from __future__ import annotations

import time

import pytest

from kiosk.health import DeviceHealth, Health


class Switch:
    def __init__(self) -> None:
        self.up = True

    def __call__(self) -> bool:
        return self.up


def make(confirm: int = 2):
    reader, backoffice, a4 = Switch(), Switch(), Switch()
    health = DeviceHealth({"reader": reader, "backoffice": backoffice, "a4": a4}, confirm=confirm)
    seen: list[Health] = []
    health.subscribe(seen.append)
    return health, reader, backoffice, a4, seen


def test_words_of_each_state():
    assert Health().word == "ok" and Health().missing == ()
    assert Health(a4=False).word == "print_unavailable"
    assert Health(a4=False).in_service and not Health(a4=False).can_print
    assert Health(reader=False, a4=False).word == "out_of_service"
    assert Health(reader=False, a4=False).missing == ("reader", "a4")
    assert not Health(backoffice=False).can_print  # no printing without the back office either


def test_a_device_is_missing_after_two_failed_checks_and_back_at_the_first_good_one():
    health, _reader, backoffice, _a4, seen = make()
    assert seen == [Health()]  # told the current state on subscribing
    backoffice.up = False
    assert health.check().in_service  # one slow answer does not close the kiosk
    assert health.check() == Health(backoffice=False)
    health.check()
    backoffice.up = True
    assert health.check() == Health()
    # one message per change, none for the checks that changed nothing
    assert seen == [Health(), Health(backoffice=False), Health()]


def test_a_probe_that_raises_counts_as_missing_and_the_others_still_run():
    def broken() -> bool:
        raise OSError("pcscd gone")

    a4 = Switch()
    a4.up = False
    health = DeviceHealth({"reader": broken, "backoffice": Switch(), "a4": a4}, confirm=1)
    assert health.check() == Health(reader=False, a4=False)


def test_an_observer_that_fails_does_not_stop_the_others():
    health, reader, _b, _a, seen = make(confirm=1)

    def bad(_h: Health) -> None:
        raise RuntimeError("observer")

    health._observers.insert(0, bad)
    reader.up = False
    health.check()
    assert seen[-1] == Health(reader=False)


def test_unknown_device_refused():
    with pytest.raises(ValueError):
        DeviceHealth({"toaster": lambda: True})


def test_the_thread_checks_until_stopped():
    health, reader, _b, _a, seen = make(confirm=1)
    health.interval = 0.01
    reader.up = False
    health.start()
    try:
        for _ in range(500):
            if seen[-1] == Health(reader=False):
                break
            time.sleep(0.01)
    finally:
        health.stop()
    assert seen[-1] == Health(reader=False)
