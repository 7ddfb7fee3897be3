"""How long the back office takes to refuse a large unauthenticated body, and what it costs it
(issue 15: a 39 MB JSON without credentials took 2.7 s to refuse).

One service process on a small seeded database. A client thread opens a connection and sends
`POST /v1/terminals/heartbeat` without credentials, Content-Length 39 MB, then streams the body;
the main thread waits for the answer's status line. Printed per run: the seconds from the
request's first byte to the answer, the MB the client had sent by then, and the server's CPU
seconds (utime + stime of its /proc/<pid>/stat) over the refusal; then their medians.

    .venv/bin/python bench/refuse_body.py [--mb 39] [--runs 5]

The clock ticks every 10 ms: CPU figures below that are 0.00 or 0.01.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.harness import running_service

TICK = os.sysconf("SC_CLK_TCK")
CHUNK = 64 * 1024


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def refuse_once(port: int, size: int) -> tuple[float, float, int]:
    """(seconds to the answer, MB sent by then, status)."""
    head = (
        "POST /v1/terminals/heartbeat HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
    ).encode()
    # Valid JSON, as the issue's: about 2.2 M devices of 18 bytes each for 39 MB.
    entries = b", ".join(b'"d%07d": "ok"' % i for i in range(max(1, (size - 20) // 18)))
    body = (b'{"devices": {' + entries + b"}").ljust(size - 1, b" ") + b"}"
    sent = [0]
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:

        def push() -> None:
            try:
                s.sendall(head)
                view = memoryview(body)
                while sent[0] < size:
                    n = s.send(view[sent[0] : sent[0] + CHUNK])
                    sent[0] += n
            except OSError:
                pass  # the server answered and closed: the rest is never sent

        start = time.perf_counter()
        pusher = threading.Thread(target=push, daemon=True)
        pusher.start()
        answer = b""
        try:
            while b"\r\n" not in answer:
                got = s.recv(4096)
                if not got:
                    break
                answer += got
        except ConnectionResetError:
            pass  # closed before its answer could be read (printed as status 0)
        took = time.perf_counter() - start
        at_answer = sent[0]
        with contextlib.suppress(OSError):  # the server may have closed already
            s.shutdown(socket.SHUT_RDWR)
        pusher.join(10)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return took, at_answer / 1e6, status


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=39.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    size = int(args.mb * 1e6)
    with running_service(members=5, seed=1) as svc:
        port = int(svc.url.rsplit(":", 1)[1])
        times, cpus = [], []
        for i in range(args.runs):
            before = cpu_seconds(svc.process.pid)
            took, sent_mb, status = refuse_once(port, size)
            time.sleep(0.2)  # let the server finish whatever it still does with the request
            cpu = cpu_seconds(svc.process.pid) - before
            times.append(took)
            cpus.append(cpu)
            print(
                f"run {i + 1}: {status} after {took:.3f} s, {sent_mb:.1f} MB of "
                f"{size / 1e6:.1f} MB sent by then, server CPU {cpu:.2f} s"
            )
        print(
            f"median: {statistics.median(times):.3f} s to the answer, "
            f"server CPU {statistics.median(cpus):.2f} s"
        )


if __name__ == "__main__":
    main()
