"""A lab simulator's fault switches, global and per terminal (gateway and acquirer share it).

A state dataclass names the switches: counters (how many of the next calls are hit, each hit
using one up), flags (stay until reset) and `slow_seconds` (every answer comes this much later).
A terminal's own switches are used before the global ones, so parallel tests do not meet.
Thread-safe: the simulators serve on thread pools."""

from __future__ import annotations

import threading
from dataclasses import asdict, fields
from typing import Any, Generic, Protocol, TypeVar

from backoffice.errors import BadRequestProblem


class _State(Protocol):
    slow_seconds: float


S = TypeVar("S", bound=_State)


class SwitchBoard(Generic[S]):
    """The switches of `state_type` (a dataclass with defaults), global (None) and per terminal."""

    def __init__(
        self, state_type: type[S], counters: tuple[str, ...], flags: tuple[str, ...] = ()
    ) -> None:
        self._state_type = state_type
        self._counters = counters
        self._flags = flags
        self._lock = threading.Lock()
        self._states: dict[str | None, S] = {None: state_type()}

    def _scopes(self, terminal: str | None) -> list[S]:
        out = []
        if terminal is not None and terminal in self._states:
            out.append(self._states[terminal])
        out.append(self._states[None])
        return out

    def take(self, name: str, terminal: str | None = None) -> bool:
        """True (and one used up) if the counter `name` is above zero for this terminal."""
        if name not in self._counters:
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

    def update(self, values: dict[str, Any], terminal: str | None = None) -> dict[str, Any]:
        """Set some switches; unknown names raise KeyError, wrong values ValueError."""
        known = {f.name for f in fields(self._state_type)}  # type: ignore[arg-type]
        with self._lock:
            state = self._states.setdefault(terminal, self._state_type())
            for name, value in values.items():
                if name not in known:
                    raise KeyError(name)
                if name in self._flags:
                    if not isinstance(value, bool):
                        raise ValueError(f"{name}: expected true or false")
                elif name == "slow_seconds":
                    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                        raise ValueError(f"{name}: expected seconds >= 0")
                    value = float(value)
                elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"{name}: expected a count >= 0")
                setattr(state, name, value)
            return asdict(state)  # type: ignore[call-overload]

    def reset(self, terminal: str | None = None) -> None:
        """Reset one terminal's switches, or (None) every switch."""
        with self._lock:
            if terminal is None:
                self._states = {None: self._state_type()}
            else:
                self._states.pop(terminal, None)

    def snapshot(self, terminal: str | None = None) -> dict[str, Any]:
        with self._lock:
            return asdict(self._states.get(terminal) or self._state_type())  # type: ignore[call-overload]


def update_or_400(board: SwitchBoard[Any], values: dict[str, Any], terminal: str | None) -> None:
    """A /sim route's POST of switches: the board's KeyError or ValueError as a 400 problem."""
    try:
        board.update(values, terminal)
    except KeyError as e:
        raise BadRequestProblem("没有这个开关", f"No such switch: {e.args[0]}") from None
    except ValueError as e:
        raise BadRequestProblem("开关取值无效", str(e)) from None
