"""The acquirer's fault switches: what the next messages should suffer.

Counters say how many of the next messages (of any type) are hit, each hit using one up;
`slow_seconds` delays every answer. A terminal's own switches are used before the global ones,
so parallel tests do not meet (as backoffice.gateway.switches)."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, fields
from typing import Any

COUNTERS = (
    "no_answer",  # the message is read and neither processed nor answered
    "answer_then_drop",  # processed (a sale charges), then the connection is closed unanswered
    "duplicate_answer",  # the answer is sent twice
    "wrong_mac",  # the answer's MAC is spoilt
)


@dataclass
class AcquirerSwitchState:
    no_answer: int = 0
    answer_then_drop: int = 0
    duplicate_answer: int = 0
    wrong_mac: int = 0
    slow_seconds: float = 0.0


class AcquirerSwitches:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str | None, AcquirerSwitchState] = {None: AcquirerSwitchState()}

    def take(self, name: str, terminal: str | None) -> bool:
        """True (and one used up) if the counter `name` is above zero for this terminal."""
        if name not in COUNTERS:
            raise KeyError(name)
        with self._lock:
            for key in (terminal, None):
                state = self._states.get(key)
                if state is not None and getattr(state, name) > 0:
                    setattr(state, name, getattr(state, name) - 1)
                    return True
                if key is None:
                    break
            return False

    def slow_seconds(self, terminal: str | None) -> float:
        with self._lock:
            scopes = [self._states.get(terminal), self._states[None]]
            return max(s.slow_seconds for s in scopes if s is not None)

    def update(self, values: dict[str, Any], terminal: str | None = None) -> dict[str, Any]:
        """Set some switches; unknown names raise KeyError, wrong values ValueError."""
        known = {f.name for f in fields(AcquirerSwitchState)}
        with self._lock:
            state = self._states.setdefault(terminal, AcquirerSwitchState())
            for name, value in values.items():
                if name not in known:
                    raise KeyError(name)
                if name == "slow_seconds":
                    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                        raise ValueError(f"{name}: expected seconds >= 0")
                    value = float(value)
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name}: expected a count >= 0")
                setattr(state, name, value)
            return asdict(state)

    def reset(self, terminal: str | None = None) -> None:
        with self._lock:
            if terminal is None:
                self._states = {None: AcquirerSwitchState()}
            else:
                self._states.pop(terminal, None)

    def snapshot(self, terminal: str | None = None) -> dict[str, Any]:
        with self._lock:
            return asdict(self._states.get(terminal, AcquirerSwitchState()))
