"""The seed's errors."""

from __future__ import annotations

from backoffice.errors import BackOfficeServerError


class SeedError(BackOfficeServerError):
    """Seeding could not be done (or was undone)."""


class WorkerFailed(SeedError):
    """A worker process's job failed, or the worker died with it."""

    def __init__(self, job: object, reason: str) -> None:
        super().__init__(reason)
        self.job = job
        self.reason = reason
