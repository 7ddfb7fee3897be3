"""backoffice.api.threads: the routes that wait only on the database run on a small pool of
their own, never more of them at once than its size, and never on the event loop's thread."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from backoffice.api import threads


@pytest.fixture(autouse=True)
def fresh_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_limiter", None)
    monkeypatch.delenv(threads.DATABASE_THREADS_ENV, raising=False)


def test_defaults_follow_the_database_and_the_setting_wins(monkeypatch):
    threads.use_defaults_for(sqlite=True)
    assert threads.database_threads() == threads.SQLITE_THREADS
    threads.use_defaults_for(sqlite=False)
    assert threads.database_threads() == threads.POSTGRES_THREADS
    monkeypatch.setenv(threads.DATABASE_THREADS_ENV, "5")
    assert threads.database_threads() == 5
    threads.use_defaults_for(sqlite=True)


@pytest.mark.parametrize("bad", ["0", "65", "two", "３", "-1", "2.5"])
def test_a_wrong_setting_is_refused_by_name(monkeypatch, bad):
    monkeypatch.setenv(threads.DATABASE_THREADS_ENV, bad)
    with pytest.raises(ValueError, match=threads.DATABASE_THREADS_ENV):
        threads.database_threads()


def test_calls_run_off_the_loop_at_most_pool_size_at_once(monkeypatch):
    monkeypatch.setenv(threads.DATABASE_THREADS_ENV, "2")
    lock = threading.Lock()
    running, most, where = [0], [0], set()

    @threads.on_database_threads
    def work(n: int, *, pause: float) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            where.add(threading.get_ident())
        time.sleep(pause)
        with lock:
            running[0] -= 1
        return n * 2

    results: list[int] = []

    async def main() -> None:
        async def one(n: int) -> None:
            results.append(await work(n, pause=0.05))

        async with anyio.create_task_group() as tg:
            for n in range(6):
                tg.start_soon(one, n)

    anyio.run(main)
    assert sorted(results) == [0, 2, 4, 6, 8, 10]
    assert most[0] == 2  # six calls at once, two at a time
    assert threading.get_ident() not in where
