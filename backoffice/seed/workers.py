"""Forked worker processes for the parallel seed, each with a pipe of its own, and a bounded stop.

    with ForkedWorkers(work, processes) as workers:
        for job, result in workers.unordered(jobs):
            ...

The parent hands each worker one job at a time over the worker's own pipe and waits on every
pipe and every process's sentinel at once (multiprocessing.connection.wait): a result gives
the worker its next job; a job's exception comes back as text and raises WorkerFailed; a
worker that dies (its pipe closes, its sentinel fires) raises WorkerFailed too, instead of its
job being waited for for ever (what multiprocessing.Pool does with a lost task).

No queue or lock is shared between the processes: multiprocessing.Pool's workers share its
task queue's read lock, and a worker killed while holding it made Pool.terminate() wait on that
lock for ever. Here a worker can be killed at any point without blocking anyone. Leaving the
block with an exception stops every worker: SIGTERM, up to STOP_GRACE seconds, then SIGKILL,
which no handler can ignore (a worker that inherited a handler catching SIGTERM, as from SDL in a
test process, made Pool.terminate()'s unlimited wait last for ever); each is then joined, so no
zombie is left. Leaving it normally tells each worker to stop, waits for it to exit (killing it
after EXIT_WAIT) and joins it.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Generic, TypeVar

from backoffice.seed.errors import WorkerFailed

log = logging.getLogger("backoffice.seed")

J = TypeVar("J")
R = TypeVar("R")

# After SIGTERM, how long the workers of an abandoned run get to exit before SIGKILL.
STOP_GRACE = 2.0
# After SIGKILL (or, on success, after being told to stop), how long to wait for each worker.
EXIT_WAIT = 10.0


@dataclass(frozen=True)
class _JobError:
    """A job's exception, as text: the exception itself may not pickle (a driver's error)."""

    error: str
    trace: str


@dataclass
class _Worker(Generic[J]):
    process: BaseProcess
    conn: Connection
    job: J | None = None


class ForkedWorkers(Generic[J, R]):
    """`processes` forked processes running `work` on jobs (module docstring)."""

    def __init__(self, work: Callable[[J], R], processes: int) -> None:
        self._work = work
        self._processes = processes
        self._workers: list[_Worker[J]] = []

    def __enter__(self) -> ForkedWorkers[J, R]:
        context = multiprocessing.get_context("fork")
        try:
            for _ in range(self._processes):
                mine, theirs = context.Pipe()
                inherited = [w.conn for w in self._workers]
                process = context.Process(
                    target=_serve, args=(self._work, theirs, inherited), daemon=True
                )
                process.start()
                # Only the worker holds its end: when it dies, this side reads end-of-file.
                theirs.close()
                self._workers.append(_Worker(process, mine))
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is None:
            self._finish()
        else:
            self._stop()

    def unordered(self, jobs: Sequence[J]) -> Iterator[tuple[J, R]]:
        """(job, result) as each job ends; WorkerFailed at the first that fails."""
        pending = deque(jobs)
        for w in self._workers:
            self._give(w, pending)
        while busy := [w for w in self._workers if w.job is not None]:
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy])
            for w in [w for w in busy if w.conn in ready or w.process.sentinel in ready]:
                job, got = self._receive(w)
                yield job, got
                self._give(w, pending)

    def _receive(self, w: _Worker[J]) -> tuple[J, R]:
        job = w.job
        assert job is not None
        try:
            # A worker that died with nothing sent: end-of-file (or, before the pipe shows it,
            # only its sentinel is ready).
            if not w.conn.poll():
                raise EOFError
            got = w.conn.recv()
        except (EOFError, OSError):
            w.process.join(EXIT_WAIT)
            raise WorkerFailed(job, f"the worker died ({_exit(w.process)})") from None
        w.job = None
        if isinstance(got, _JobError):
            log.error("worker %s failed:\n%s", w.process.pid, got.trace)
            raise WorkerFailed(job, got.error)
        return job, got

    @staticmethod
    def _give(w: _Worker[J], pending: deque[J]) -> None:
        if pending:
            w.job = pending.popleft()
            w.conn.send(w.job)

    def _finish(self) -> None:
        """Every job done: each worker told to stop, waited for and reaped."""
        for w in self._workers:
            with contextlib.suppress(OSError):  # it is gone already; joined below
                w.conn.send(None)
        for w in self._workers:
            w.process.join(EXIT_WAIT)
            if w.process.exitcode is None:
                log.warning("worker %s did not exit when its work was done: killed", w.process.pid)
                w.process.kill()
                w.process.join(EXIT_WAIT)
            elif w.process.exitcode != 0:
                log.warning("worker %s exited with %s", w.process.pid, _exit(w.process))
        self._close()

    def _stop(self) -> None:
        """The work abandoned: SIGTERM, a short grace, SIGKILL; each worker reaped."""
        running = [w.process for w in self._workers if w.process.exitcode is None]
        for p in running:
            p.terminate()
        deadline = time.monotonic() + STOP_GRACE
        for p in running:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in running:
            if p.exitcode is None:
                log.warning("worker %s did not stop on SIGTERM: killed", p.pid)
                p.kill()
                p.join(EXIT_WAIT)
            if p.exitcode is None:  # in the kernel (uninterruptible I/O): nothing more to do
                log.error("worker %s is still running after SIGKILL", p.pid)
        self._close()

    def _close(self) -> None:
        for w in self._workers:
            w.conn.close()
            if w.process.exitcode is not None:
                w.process.close()


def _serve(work: Callable[[J], R], conn: Connection, inherited: list[Connection]) -> None:
    """A worker: jobs from its pipe until None (or the parent is gone); each result, or the
    job's error, back; after an error it ends."""
    # SIGTERM ends a worker, whatever handler the parent had when it forked.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for other in inherited:  # the other workers' parent ends, copied by the fork
        other.close()
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        try:
            result = work(job)
        except Exception as e:
            conn.send(_JobError(f"{type(e).__name__}: {e}", traceback.format_exc()))
            return
        conn.send(result)


def _exit(p: BaseProcess) -> str:
    code = p.exitcode
    if code is None:
        return "still running"
    return f"signal {-code}" if code < 0 else f"exit code {code}"
