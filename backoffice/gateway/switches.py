"""The simulator's fault switches: what the next calls should suffer.

Counters say how many of the next calls are hit (each hit uses one up); flags stay until reset.
Thread-safe: the API serves requests on a thread pool."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

COUNTERS = (
    "decline",  # the next N card debits are declined (insufficient funds)
    "timeout_before",  # the next N debits time out before the bank charged
    "timeout_after",  # the next N debits charge, then time out (the answer is lost)
    "api_5xx_before",  # the next N payment calls answer 503 without doing anything
    "api_5xx_after",  # the next N payment calls do their work, then answer 500
)
FLAGS = (
    "duplicate_notify",  # each QR payment notifies the back office twice, concurrently
    "drop_notify",  # QR payments never notify: the back office must query the gateway
)


@dataclass
class SwitchState:
    decline: int = 0
    timeout_before: int = 0
    timeout_after: int = 0
    api_5xx_before: int = 0
    api_5xx_after: int = 0
    duplicate_notify: bool = False
    drop_notify: bool = False
    slow_seconds: float = 0.0  # every gateway answer comes this much later


class Switches:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = SwitchState()

    def take(self, name: str) -> bool:
        """True (and one used up) if the counter `name` is above zero."""
        if name not in COUNTERS:
            raise KeyError(name)
        with self._lock:
            n = getattr(self._state, name)
            if n > 0:
                setattr(self._state, name, n - 1)
                return True
            return False

    def flag(self, name: str) -> bool:
        with self._lock:
            return bool(getattr(self._state, name))

    @property
    def slow_seconds(self) -> float:
        with self._lock:
            return self._state.slow_seconds

    def update(self, values: dict[str, Any]) -> SwitchState:
        """Set some switches; unknown names raise KeyError, wrong types ValueError."""
        known = {f.name: f for f in fields(SwitchState)}
        with self._lock:
            for name, value in values.items():
                if name not in known:
                    raise KeyError(name)
                if name in FLAGS:
                    if not isinstance(value, bool):
                        raise ValueError(f"{name}: expected true or false")
                elif name == "slow_seconds":
                    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                        raise ValueError(f"{name}: expected seconds >= 0")
                    value = float(value)
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name}: expected a count >= 0")
                setattr(self._state, name, value)
            return SwitchState(**asdict(self._state))

    def reset(self) -> SwitchState:
        with self._lock:
            self._state = SwitchState()
            return SwitchState()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._state)
