"""Where the routes that wait on nothing but the database run (the member's records, the dues,
a quote): a small thread pool of their own, per worker.

FastAPI runs a sync route on AnyIO's default pool of 40 threads. Under load (32 kiosks on one
worker) that lets 32 requests run at once on one GIL: each waits its turn to hold it, the
switches cost CPU, and on PostgreSQL 32 backends contend for the same pages. Measured with
bench/fleet_load.py (one worker, 32 kiosks, 2026-12-03): server CPU per request of the kiosk mix
2.9 ms with the default pool, 1.9 ms with 2 threads on SQLite (requests/s 419 -> 577); on
PostgreSQL its own CPU per request 1.47 -> 0.85 ms. These routes wait on nothing slow but the
database, so a few threads keep the core busy; the routes that may wait on a slow outside
party (the payment gateway, the acquirer) stay on the default pool, where a slow bank cannot
hold up the members' records.

    @router.get(...)
    @on_database_threads
    def summary(member_no: MemberNo, ...) -> Response: ...

The wrapper is async (FastAPI awaits it on the event loop) and runs the function with its
arguments on this pool; FastAPI reads the function's own signature through __wrapped__.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import anyio
import anyio.to_thread

DATABASE_THREADS_ENV = "BACKOFFICE_DATABASE_THREADS"
# SQLite answers in the process: 2 threads keep the core busy. PostgreSQL is a round trip away:
# more threads cover the waits (bench/fleet_load.py, 32 kiosks: 2 threads left one worker's
# core idle on PostgreSQL; 8 did not, and PostgreSQL's own CPU per request stayed 0.8 ms).
SQLITE_THREADS = 2
POSTGRES_THREADS = 8
_default = SQLITE_THREADS

_P = ParamSpec("_P")
_R = TypeVar("_R")
_limiter: anyio.CapacityLimiter | None = None


def use_defaults_for(*, sqlite: bool) -> None:
    """The pool's size when BACKOFFICE_DATABASE_THREADS is not set (create_app calls this)."""
    global _default
    _default = SQLITE_THREADS if sqlite else POSTGRES_THREADS


def database_threads() -> int:
    """The pool's size: BACKOFFICE_DATABASE_THREADS, else the database's default."""
    text = os.environ.get(DATABASE_THREADS_ENV, "")
    if not text:
        return _default
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 64:
        raise ValueError(f"{DATABASE_THREADS_ENV} must be a whole number 1-64, not {text!r}")
    return int(text)


def _database_limiter() -> anyio.CapacityLimiter:
    # Made on first use, inside the worker's event loop (one loop per worker process).
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(database_threads())
    return _limiter


def on_database_threads(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    @functools.wraps(fn)
    async def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        call = functools.partial(fn, *args, **kwargs)
        return await anyio.to_thread.run_sync(call, limiter=_database_limiter())

    return run  # type: ignore[return-value]  # async to FastAPI, the same signature to readers
