"""Start-up of the kiosk: process start -> attract screen drawn, and peak RSS.

Runs `kiosk --screenshot` N times (default 5) and, as a baseline in the same run, a bare Kivy
app that draws one label. Prints medians, the peak RSS, and last the ratio kiosk / bare Kivy.
Needs a display: `make bench` provides Xvfb when there is none.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DRAWN = re.compile(r"drawn ([0-9.]+) s after start")

BARE_APP = r"""
import os, tempfile
os.environ["KIVY_NO_ARGS"] = "1"; os.environ["KIVY_HOME"] = tempfile.mkdtemp()
os.environ["KIVY_LOG_MODE"] = "PYTHON"
from kivy.config import Config
Config.set("graphics", "width", "1280"); Config.set("graphics", "height", "800")
from kivy.app import App
from kivy.clock import Clock
from kivy.uix.label import Label
from screens.app import seconds_since_process_start
class Bare(App):
    def build(self):
        self.frames = 0
        Clock.schedule_interval(self.tick, 0)
        return Label(text="hello", font_size=40)
    def tick(self, dt):
        self.frames += 1
        if self.frames >= 3 and self.root.texture is not None:
            print(f"drawn {seconds_since_process_start():.3f} s after start", flush=True)
            self.stop()
            return False
Bare().run()
"""


def run_once(cmd: list[str]) -> tuple[float, float]:
    """(seconds to attract drawn, peak RSS in MB) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    m = DRAWN.search(out)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"startup bench: {cmd[0]} failed (exit {proc.returncode}): {out!r}")
    return float(m.group(1)), usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    if not os.environ.get("DISPLAY"):
        raise SystemExit("startup bench: no DISPLAY (run it through `make bench`)")
    kiosk = str(Path(sys.executable).with_name("kiosk"))
    tmp = Path(tempfile.mkdtemp())
    shot = tmp / "attract.png"
    bare_app = tmp / "bare_kivy.py"  # a file, not -c: Kivy looks for the app's source
    bare_app.write_text(BARE_APP, encoding="utf-8")
    bare, full, rss, bare_rss = [], [], [], []
    run_once([sys.executable, str(bare_app)])  # warm the file cache for both
    for _ in range(args.runs):
        t, r = run_once([sys.executable, str(bare_app)])
        bare.append(t)
        bare_rss.append(r)
        t, r = run_once([kiosk, "--screenshot", str(shot)])
        full.append(t)
        rss.append(r)
    print(f"runs: {args.runs}")
    print(f"bare Kivy label drawn, median: {statistics.median(bare):.3f} s")
    print(f"kiosk attract screen drawn, median: {statistics.median(full):.3f} s (goal <= 3 s)")
    print(f"bare Kivy peak RSS, max over runs: {max(bare_rss):.0f} MB")
    print(f"kiosk peak RSS, max over runs: {max(rss):.0f} MB (goal <= 200 MB)")
    print(f"ratio kiosk / bare Kivy: {statistics.median(full) / statistics.median(bare):.2f}")


if __name__ == "__main__":
    main()
