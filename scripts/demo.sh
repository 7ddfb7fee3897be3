#!/usr/bin/env bash
# `make demo`: start the real components and open the kiosk. Without a display, the kiosk runs
# under Xvfb, writes a screenshot of the attract screen and says where it is.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${DISPLAY:-}" ]; then
  mkdir -p var
  shot="$PWD/var/demo-attract.png"
  echo "demo: no display here; running the kiosk under Xvfb"
  xvfb-run -a -s "-screen 0 1600x900x24" .venv/bin/python scripts/demo.py --screenshot "$shot"
  echo "demo: screenshot of the kiosk: $shot"
else
  exec .venv/bin/python scripts/demo.py
fi
