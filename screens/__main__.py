"""`kiosk` / `python -m screens`: start the kiosk's touch UI.

kiosk                      run the kiosk
kiosk --screenshot PATH    boot, wait for the attract screen, write a PNG of the window, exit 0
kiosk --config FILE        use FILE instead of $KIOSK_CONFIG or ./config.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import KioskConfig, load_config
from kiosk.errors import KioskError

DEMO_PANEL_WIDTH = 320  # pixels added to the window for the demo's hardware panel


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="社保自助一体机 / self-service kiosk"
    )
    parser.add_argument(
        "--config", type=Path, help="config file (default: $KIOSK_CONFIG or config.toml)"
    )
    parser.add_argument(
        "--screenshot",
        type=Path,
        metavar="PATH",
        help="write a PNG of the attract screen to PATH and exit",
    )
    parser.add_argument("--large-text", action="store_true", help="start in large-text mode")
    parser.add_argument("--language", choices=("zh", "en"), help="start in this language")
    args = parser.parse_args(argv)

    try:
        cfg = load_config(args.config)
    except KioskError as e:
        print(f"kiosk: 配置错误 / configuration error: {e}", file=sys.stderr)
        return 2

    return run_app(
        cfg,
        screenshot=args.screenshot,
        large_text=args.large_text or cfg.ui.large_text,
        language=args.language or cfg.ui.language,
    )


def run_app(
    cfg: KioskConfig,
    *,
    screenshot: Path | None = None,
    large_text: bool = False,
    language: str | None = None,
    demo: object | None = None,
) -> int:
    """Run the kiosk window. Devices are built from config unless only a screenshot of the
    attract screen is wanted; `demo` adds the demo's hardware panel (scripts/demo.py)."""
    from screens import bootstrap

    try:
        bootstrap.configure(cfg, extra_width=DEMO_PANEL_WIDTH if demo is not None else 0)
    except bootstrap.FontError as e:
        print(f"kiosk: 字体错误 / font error: {e}", file=sys.stderr)
        return 2

    from screens.app import KioskApp  # imports Kivy: only after configure()

    kiosk = None
    if screenshot is None or demo is not None:
        from kiosk.assembly import build
        from kiosk.logging_setup import configure_logging

        configure_logging(cfg.logging)
        kiosk = build(cfg)
    app = KioskApp(
        cfg,
        screenshot=screenshot,
        large_text=large_text,
        language=language or cfg.ui.language,
        controller=kiosk.controller if kiosk else None,
        health=kiosk.health if kiosk else None,
        demo=demo,
    )
    try:
        app.run()
    finally:
        if kiosk is not None:
            kiosk.close()
    return app.exit_code


if __name__ == "__main__":
    sys.exit(main())
