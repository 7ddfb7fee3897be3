"""Benchmark of the printed documents: the 30-year rights record (5 schemes x 360 months =
1,800 rows) and the payment receipt. Median of 5 builds each; prints seconds, pages, bytes.

    .venv/bin/python bench/documents.py [--runs 5] [--out DIR]

--out DIR leaves there: rights-record.pdf, certificate.pdf, receipt.bin (the ESC/POS bytes),
receipt.txt and receipt.png (as rendered by the virtual printer's decoder).
Goals: record <= 1.0 s and <= 500 KB; receipt <= 20 ms.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from printer.documents import certificate_pdf, rights_record_pdf
from printer.receipt import receipt_bytes
from printer.samples import sample_certificate, sample_receipt, thirty_year_record
from printer.virtual import decode, render_png, render_text

RECORD_SECONDS, RECORD_BYTES, RECEIPT_SECONDS = 1.0, 500_000, 0.020
T = TypeVar("T")


def median_time(fn: Callable[[], T], runs: int) -> tuple[float, T]:
    """(median seconds of `runs` calls, the last call's result)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)

    data = thirty_year_record()
    receipt = sample_receipt()
    rights_record_pdf(data)  # font registration and parsing happen once per process: not timed

    rec_s, rec = median_time(lambda: rights_record_pdf(data), args.runs)
    rcp_s, rcp = median_time(lambda: receipt_bytes(receipt), args.runs)
    rows = len(data.months_in_range())
    ok_rec = rec_s <= RECORD_SECONDS and len(rec.pdf) <= RECORD_BYTES
    ok_rcp = rcp_s <= RECEIPT_SECONDS
    print(
        f"rights record: {rows} rows, {rec.pages} pages, {len(rec.pdf):,} bytes, "
        f"median {rec_s:.3f} s of {args.runs} "
        f"(goal <= {RECORD_SECONDS} s, <= {RECORD_BYTES // 1000} KB) "
        f"{'ok' if ok_rec else 'OVER GOAL'}"
    )
    print(
        f"receipt: {len(rcp):,} bytes, median {rcp_s * 1000:.2f} ms of {args.runs} "
        f"(goal <= {RECEIPT_SECONDS * 1000:.0f} ms) {'ok' if ok_rcp else 'OVER GOAL'}"
    )
    if args.out:
        out = args.out
        out.mkdir(parents=True, exist_ok=True)
        (out / "rights-record.pdf").write_bytes(rec.pdf)
        (out / "certificate.pdf").write_bytes(certificate_pdf(sample_certificate(24)).pdf)
        (out / "receipt.bin").write_bytes(rcp)
        job = decode(rcp)
        (out / "receipt.txt").write_text(render_text(job), encoding="utf-8")
        (out / "receipt.png").write_bytes(render_png(job))
        print(
            f"files in {out}: rights-record.pdf certificate.pdf receipt.bin receipt.txt receipt.png"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
