"""Runs the real kiosk app in this process and plays a scenario on Kivy's clock.

    python -m tests.ui.driver MODULE:FUNCTION OUT.json [--language en] [--large-text]

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

    from kiosk.config import load_config
    from screens import bootstrap

    cfg = load_config()
    bootstrap.configure(cfg)

    from kivy.clock import Clock

    from screens.app import KioskApp

    module, func = ref.split(":")
    scenario = getattr(importlib.import_module(module), func)
    app = KioskApp(cfg, large_text=large or cfg.ui.large_text, language=language or cfg.ui.language)
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

    app.bind(on_start=lambda *_: Clock.schedule_once(step, 0.2))
    app.run()
    out_path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
