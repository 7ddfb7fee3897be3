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
    """Global switches, and switches of one terminal (so parallel tests do not meet): a call
    of a terminal is hit by its own counters first, then by the global ones."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._states: dict[str | None, SwitchState] = {None: SwitchState()}

    def _scopes(self, terminal: str | None) -> list[SwitchState]:
        out = []
        if terminal is not None and terminal in self._states:
            out.append(self._states[terminal])
        out.append(self._states[None])
        return out

    def take(self, name: str, terminal: str | None = None) -> bool:
        """True (and one used up) if the counter `name` is above zero."""
        if name not in COUNTERS:
            raise KeyError(name)
        with self._lock:
            for state in self._scopes(terminal):
                n = getattr(state, name)
                if n > 0:
                    setattr(state, name, n - 1)
                    return True
            return False

    def flag(self, name: str, terminal: str | None = None) -> bool:
        with self._lock:
            return any(bool(getattr(st, name)) for st in self._scopes(terminal))

    def slow_seconds(self, terminal: str | None = None) -> float:
        with self._lock:
            return max(st.slow_seconds for st in self._scopes(terminal))

    def update(self, values: dict[str, Any], terminal: str | None = None) -> SwitchState:
        """Set some switches; unknown names raise KeyError, wrong types ValueError."""
        known = {f.name: f for f in fields(SwitchState)}
        with self._lock:
            state = self._states.setdefault(terminal, SwitchState())
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
                setattr(state, name, value)
            return SwitchState(**asdict(state))

    def reset(self, terminal: str | None = None) -> None:
        """Reset one terminal's switches, or (None) every switch."""
        with self._lock:
            if terminal is None:
                self._states = {None: SwitchState()}
            else:
                self._states.pop(terminal, None)

    def snapshot(self, terminal: str | None = None) -> dict[str, Any]:
        with self._lock:
            return asdict(self._states.get(terminal, SwitchState()))
