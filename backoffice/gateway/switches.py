"""The simulator's fault switches: what the next calls should suffer.

Counters say how many of the next calls are hit (each hit uses one up); flags stay until reset.
Global and per terminal, thread-safe: backoffice.switchboard."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.switchboard import SwitchBoard

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


class Switches(SwitchBoard[SwitchState]):
    """Global switches, and switches of one terminal (backoffice.switchboard)."""

    def __init__(self) -> None:
        super().__init__(SwitchState, COUNTERS, FLAGS)
