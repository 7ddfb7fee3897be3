"""Benchmark of the document worker process (issue 19, kiosk/documents_worker.py): a member's
preview (PDF built + page 1 drawn by pdftoppm, PrintService.build and .stage) with the PDF
built in the kiosk's process (InProcessBuilder) and in the worker (DocumentWorker), and what
each costs the kiosk's process.

    .venv/bin/python bench/document_worker.py [--rounds 3] [--runs 7]

Each round runs each way in a fresh interpreter (alternating, so the machine's drift falls on
both), which imports the kiosk's core (kiosk.assembly, no Kivy), warms up as the controller does,
then previews --runs times a 24-month certificate and a 30-year rights record (1,800 rows).
Prints medians over all rounds: preview seconds each way and their ratio (worker / in-process),
the first preview's (its drawing module imported, in the worker its data's modules too), the
kiosk process's VmRSS and VmHWM after warm-up and after the previews, the worker's VmRSS after
warm-up and after the previews (one start a round: the median of --rounds starts) and how many
modules it imported, and the lateness of a 1 ms ticker thread in the kiosk's process during the
previews (a stand-in for the UI's frame loop: how long the GIL kept it waiting; p99 and max).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MODES = ("in-process", "worker")


def status_kb(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB (/proc/<pid>/status)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0])
    return out


class Ticker(threading.Thread):
    """Sleeps 1 ms at a time and records how late each wake-up was (seconds)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.late: list[float] = []
        self.running = True

    def run(self) -> None:
        while self.running:
            t = time.perf_counter()
            time.sleep(0.001)
            self.late.append(time.perf_counter() - t - 0.001)


def one_mode(mode: str, runs: int) -> dict[str, Any]:
    """In this (fresh) process: the kiosk's core imported, warm-up, `runs` previews of each."""
    import kiosk.assembly  # noqa: F401 -- the kiosk's core, as the app holds it
    from kiosk.documents_worker import DocumentWorker
    from kiosk.printing import InProcessBuilder, PrintService
    from printer.documents import certificate_pdf, rights_record_pdf
    from printer.fonts import DEFAULT_FONT_PATH
    from printer.samples import sample_certificate, thirty_year_record
    from tests.helpers.in_worker import imported_modules

    # the documents' data first: the kiosk holds a member's answers either way
    jobs: dict[str, tuple[Any, Any]] = {
        "certificate": (certificate_pdf, sample_certificate(24)),
        "record30": (rights_record_pdf, thirty_year_record()),
    }
    started = status_kb()
    worker = DocumentWorker() if mode == "worker" else None
    service = PrintService(
        cast(Any, None),  # no certificate is issued and nothing printed: build and preview only
        cast(Any, None),
        font_path=DEFAULT_FONT_PATH,
        hall_name="示例市社保大厅",
        terminal_id="KIOSK-B",
        documents=worker or InProcessBuilder(),
    )
    t = time.perf_counter()
    service.warm_up()
    warm_s = time.perf_counter() - t
    warmed = status_kb()
    worker_warmed = status_kb(worker.pid) if worker and worker.pid else {}
    ticker = Ticker()
    ticker.start()
    times: dict[str, list[float]] = {name: [] for name in jobs}
    pages: dict[str, int] = {}
    for _ in range(runs):
        for name, (builder, data) in jobs.items():
            t = time.perf_counter()
            doc = service.build(builder, data)
            service.stage(doc, name)
            times[name].append(time.perf_counter() - t)
            pages[name] = doc.pages
    ticker.running = False
    ticker.join()
    result = {
        "mode": mode,
        "preview_s": {name: statistics.median(ts) for name, ts in times.items()},
        "first_preview_s": {name: ts[0] for name, ts in times.items()},
        "pages": pages,
        "warm_up_s": warm_s,
        "kiosk_started_kb": started,
        "kiosk_warmed_kb": warmed,
        "kiosk_after_kb": status_kb(),
        "worker_warmed_kb": worker_warmed,
        "worker_kb": status_kb(worker.pid) if worker and worker.pid else {},
        "worker_modules": (
            len(cast(list[str], worker.build(cast(Any, imported_modules), None, DEFAULT_FONT_PATH)))
            if worker
            else 0
        ),
        "reportlab_here": "reportlab" in sys.modules,
        "tick_late_ms": {
            "p99": 1000 * statistics.quantiles(ticker.late, n=100)[98],
            "max": 1000 * max(ticker.late),
        },
    }
    service.close()
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--mode", choices=MODES, help=argparse.SUPPRESS)  # a round's child process
    args = ap.parse_args(argv)
    if args.mode:
        print(json.dumps(one_mode(args.mode, args.runs)))
        return 0

    results: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            r = subprocess.run(
                [sys.executable, __file__, "--mode", mode, "--runs", str(args.runs)],
                capture_output=True,
                text=True,
                check=True,
            )
            results[mode].append(json.loads(r.stdout.strip().splitlines()[-1]))

    def med(mode: str, *path: str) -> float:
        values = []
        for r in results[mode]:
            v: Any = r
            for key in path:
                v = v[key]
            values.append(float(v))
        return statistics.median(values)

    print(f"{args.rounds} rounds x {args.runs} previews each way, medians over rounds")
    for doc in ("certificate", "record30"):
        a, b = med("in-process", "preview_s", doc), med("worker", "preview_s", doc)
        pages = results["worker"][0]["pages"][doc]
        print(
            f"preview {doc} ({pages} pages, build + pdftoppm): in-process {a * 1000:.1f} ms, "
            f"worker {b * 1000:.1f} ms, ratio worker/in-process {b / a:.2f}"
        )
        a, b = med("in-process", "first_preview_s", doc), med("worker", "first_preview_s", doc)
        print(f"  first {doc} preview: in-process {a * 1000:.1f} ms, worker {b * 1000:.1f} ms")
    for mode in MODES:
        print(
            f"{mode}: kiosk VmRSS started {med(mode, 'kiosk_started_kb', 'VmRSS') / 1024:.1f} MB, "
            f"after warm-up {med(mode, 'kiosk_warmed_kb', 'VmRSS') / 1024:.1f} MB "
            f"(VmHWM {med(mode, 'kiosk_warmed_kb', 'VmHWM') / 1024:.1f}), after the previews "
            f"{med(mode, 'kiosk_after_kb', 'VmRSS') / 1024:.1f} MB "
            f"(VmHWM {med(mode, 'kiosk_after_kb', 'VmHWM') / 1024:.1f}); "
            f"warm-up {med(mode, 'warm_up_s') * 1000:.0f} ms; "
            f"1 ms ticker late p99 {med(mode, 'tick_late_ms', 'p99'):.2f} ms, "
            f"max {med(mode, 'tick_late_ms', 'max'):.2f} ms; "
            f"reportlab imported here: {any(r['reportlab_here'] for r in results[mode])}"
        )
    print(
        f"worker process: VmRSS after warm-up {med('worker', 'worker_warmed_kb', 'VmRSS') / 1024:.1f}"
        f" MB, after the previews {med('worker', 'worker_kb', 'VmRSS') / 1024:.1f} MB "
        f"(VmHWM {med('worker', 'worker_kb', 'VmHWM') / 1024:.1f}); "
        f"{med('worker', 'worker_modules'):.0f} modules imported"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
