"""The back office's face verification time (issue 20): POST /v1/face/verifications with five
640 px JPEG frames of the member turning as asked (tests/helpers/faces.py builds them from the
lab's photos), one service process over real HTTP, one request at a time.

Per verification: the wall time from sending the frames to the answer, and the server's CPU
(utime + stime of its /proc/<pid>/stat, all threads; the clock ticks every 10 ms) over the
same request. The challenge is asked before the clock starts. The first verification of the
process loads the model (printed apart: "cold"); the next N are the figures. The work is
CPU-bound: decoding 5 frames, the HOG detector and the 5-point landmarks on each, one
encoding (the most frontal frame); on a busy machine the wall time grows, the CPU much less.

    .venv/bin/python bench/face_backoffice.py [--runs 20] [--photo obama3.jpg]

bench/face.py (the kiosk's side) measures capture to answer.

Figures (2026-12-03, this machine, 2 cores shared with other work), 20 verifications:
see docs/face.md ("Measured").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backoffice.harness import RunningService, running_service
from tests.helpers import faces

TODAY = dt.date(2026, 6, 20)
TICK = os.sysconf("SC_CLK_TCK")
RETIREE = 4  # showcase #3, enrolled with var/faces/obama.jpg by the seeder


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (every thread), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def p95(values: list[float]) -> float:
    """The nearest-rank 95th percentile (of 20: the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--photo", default="obama3.jpg", help="the member's photo in var/faces")
    args = ap.parse_args()
    frames = {a: faces.b64(faces.turning(args.photo, a)) for a in ("turn_left", "turn_right")}
    size = sum(len(f) for f in frames["turn_left"]) / len(frames["turn_left"])
    with running_service(members=10, seed=3, today=TODAY) as svc:
        run(svc, frames, args.runs, size)


def run(svc: RunningService, frames: dict[str, list[str]], runs: int, size: float) -> None:
    with sqlite3.connect(svc.database) as c:
        (id_number,) = c.execute("SELECT id_number FROM member WHERE id = ?", (RETIREE,)).fetchone()
    headers = {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
    pid = svc.process.pid
    session = requests.Session()
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        ch = session.post(
            f"{svc.url}/v1/face/challenges",
            json={"id_number": id_number, "purpose": "certification"},
            headers=headers,
            timeout=30,
        ).json()
        body = {"challenge_id": ch["challenge_id"], "frames": frames[ch["action"]]}
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        r = session.post(f"{svc.url}/v1/face/verifications", json=body, headers=headers, timeout=60)
        wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
        answer = r.json()
        if r.status_code != 200 or not answer["verification_id"]:
            raise SystemExit(f"bench: verification {i} -> {r.status_code} {r.text[:300]}")
        if i == 0:
            print(f"cold (loads the model): {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
            continue
        walls.append(wall)
        cpus.append(cpu)
    print(
        f"{runs} verifications of 5 frames ({size / 1024:.0f} KiB base64 each), distance "
        f"{answer['distance']}:"
    )
    print(
        f"  wall  median {statistics.median(walls) * 1000:.0f} ms, p95 {p95(walls) * 1000:.0f}"
        f" ms, max {max(walls) * 1000:.0f} ms"
    )
    print(
        f"  server CPU  median {statistics.median(cpus) * 1000:.0f} ms, p95"
        f" {p95(cpus) * 1000:.0f} ms (10 ms ticks)"
    )


if __name__ == "__main__":
    main()
