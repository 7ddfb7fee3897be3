"""`python -m kiosk.demo`: the kiosk with the real components, for a newcomer to walk through.

Starts what the kiosk talks to (as each part lands: pcscd + the card emulator, the back office
on SQLite, cupsd + cups-pdf, the virtual receipt printer), then opens the kiosk window. Stops
what it started when the window closes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kiosk.demo")
    ap.add_argument("--screenshot", type=Path, help="draw the attract screen to PATH and exit")
    args = ap.parse_args(argv)
    cmd = [sys.executable, "-m", "screens"]
    if args.screenshot:
        cmd += ["--screenshot", str(args.screenshot)]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
