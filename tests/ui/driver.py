"""Runs the real kiosk app in this process and plays a scenario on Kivy's clock.

    python -m tests.ui.driver MODULE:FUNCTION OUT.json [--language en] [--large-text] [--devices]

With --devices the app gets its real devices and back office, built from $KIOSK_CONFIG.

A scenario is a generator `fn(app, out)`: it yields how long to wait (seconds, or 0 for the
next frame) between steps, inspects widgets, taps them with real touch events, takes
screenshots, and records what it saw in the dict `out`, which is written to OUT.json. Kivy
runs once per process, so each UI test starts its own driver process under the display the
test run provides (xvfb-run).
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path


def main(argv: list[str]) -> int:
    ref, out_path = argv[0], Path(argv[1])
    language = argv[argv.index("--language") + 1] if "--language" in argv else None
    large = "--large-text" in argv
    devices = "--devices" in argv

    from kiosk.config import load_config
    from screens import bootstrap

    cfg = load_config()
    bootstrap.configure(cfg)

    from kivy.clock import Clock

    from screens.app import KioskApp

    module, func = ref.split(":")
    scenario = getattr(importlib.import_module(module), func)
    kiosk = None
    if devices:
        from kiosk.assembly import build

        kiosk = build(cfg)
    app = KioskApp(
        cfg,
        large_text=large or cfg.ui.large_text,
        language=language or cfg.ui.language,
        controller=kiosk.controller if kiosk else None,
        health=kiosk.health if kiosk else None,
    )
    out: dict = {}
    state: dict = {"gen": None}

    def step(_dt: float) -> None:
        try:
            if state["gen"] is None:
                state["gen"] = scenario(app, out)
            wait = next(state["gen"])
        except StopIteration:
            app.stop()
            return
        except Exception:
            out["error"] = traceback.format_exc()
            app.exit_code = 1
            app.stop()
            return
        Clock.schedule_once(step, wait or 0)

    def begin(*_a: object) -> None:
        # Must return None: a truthy return stops Kivy's dispatch before App.on_start runs.
        Clock.schedule_once(step, 0.2)

    app.bind(on_start=begin)
    from tests.helpers.blocking import watched

    try:
        with watched() as blocking:  # the app's calls that wait, made on the main thread
            app.run()
    finally:
        if kiosk is not None:
            kiosk.close()
    out["blocking_on_main"] = blocking[:20]
    out["worst_frame"] = app.frames.worst()
    out["p99_frame"] = app.frames.percentile(99)
    out["long_frames"] = app.frames.long[:20]
    out["worst_callback"] = max(app.frames.callbacks, default=0.0)
    out["slow_callbacks"] = app.frames.slow_callbacks[:20]
    out["layout_loops"] = app.frames.layout_loops
    out_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
