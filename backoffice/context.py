"""The back office's context: what every service of one process shares (the database, the
policy, the settings) and the terminals' key cache. The core owns it; the API layer
(backoffice.api.deps) hands it to the routes, and services such as backoffice.orders take it
without importing the API."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from backoffice.policy import Policy
from backoffice.settings import Settings
from backoffice.storage import Database
from backoffice.storage.terminals import TerminalRow

AUTH_CACHE_SECONDS = 30.0


@dataclass
class Context:
    db: Database
    policy: Policy
    settings: Settings
    # terminal id -> (key SHA-256, active, when read): spares a query per request; a revoked
    # key stops working within AUTH_CACHE_SECONDS.
    terminals: dict[str, tuple[str, bool, float]] = field(default_factory=dict)

    def cached_terminal(self, terminal_id: str) -> tuple[str, bool] | None:
        """(key SHA-256, active) if read in the last AUTH_CACHE_SECONDS; no I/O."""
        hit = self.terminals.get(terminal_id)
        if hit is not None and time.monotonic() - hit[2] < AUTH_CACHE_SECONDS:
            return hit[0], hit[1]
        return None

    def load_terminal(self, terminal_id: str) -> tuple[str, bool] | None:
        """Reads the terminal's key (blocking: on a worker thread) and caches it."""
        with self.db.session() as s:
            row = s.get(TerminalRow, terminal_id)
            if row is None:
                return None
            self.terminals[terminal_id] = (row.key_sha256, row.active, time.monotonic())
            return row.key_sha256, row.active
