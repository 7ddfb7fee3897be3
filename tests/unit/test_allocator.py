"""screens/allocator.py: with the kiosk's malloc settings, big blocks a session frees go back to
the system even when smaller blocks still in use sit between them; with glibc's own (its
threshold rises after the first big block is freed) they stay in the process. Each case runs
in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# 300 blocks of 90,000 bytes (a JSON body, a preview's rows), each followed by a block of 20,000
# bytes that stays (a session's records, the page's texts); then the big ones freed.
CHURN = """
import json, sys
if sys.argv[1] == "kiosk":
    from screens import allocator
    assert allocator.return_big_blocks()

def rss_kb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))

warm = b"w" * 200_000; del warm  # glibc raises its threshold after this free, unless told
big, kept = [], []
before = rss_kb()
for _ in range(300):
    big.append(b"x" * 90_000)
    kept.append(b"k" * 20_000)
grown = rss_kb()
del big
print(json.dumps({"grew_kb": grown - before, "left_kb": rss_kb() - before}))
"""


def _churn(mode: str) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", CHURN, mode], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_big_blocks_a_session_frees_leave_the_process():
    ours, default = _churn("kiosk"), _churn("default")
    # 300 x (90,000 + 20,000) bytes = 33,000,000 bytes = ~32,200 KB taken in both
    assert ours["grew_kb"] > 30_000 and default["grew_kb"] > 30_000
    # glibc's own thresholds keep it all: the freed 90,000-byte blocks sit between kept ones
    assert default["left_kb"] > 30_000
    # ours give the big blocks back: 300 x 90,000 bytes = ~26,400 KB; what stays holds the kept
    # blocks (300 x 20,000 bytes = ~5,900 KB) and what the heap keeps around them
    assert ours["left_kb"] < default["left_kb"] - 10_000


def test_an_operators_malloc_tuning_is_left_alone(monkeypatch):
    from screens import allocator

    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "262144")
    assert allocator.return_big_blocks() is False
