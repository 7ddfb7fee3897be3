"""The acquirer's fault switches: what the next messages should suffer.

Counters say how many of the next messages (of any type) are hit, each hit using one up;
`slow_seconds` delays every answer. A terminal's own switches are used before the global ones,
so parallel tests do not meet (backoffice.switchboard)."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.switchboard import SwitchBoard

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


class AcquirerSwitches(SwitchBoard[AcquirerSwitchState]):
    def __init__(self) -> None:
        super().__init__(AcquirerSwitchState, COUNTERS)
