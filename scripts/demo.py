"""`make demo`: the kiosk with every real component, and a hardware panel to play the member.

Starts, in var/demo/: the back office on 127.0.0.1:8750 (SQLite, 200 synthetic members, their
card profiles) with the reference acquirer on config.toml's [acquirer] port (8583: every demo
card's bank account; the kiosk's emulated PIN pad signs on to it), pcscd + the card/PSAM emulator (vpcd), the virtual receipt printer on
127.0.0.1:9100, a private cupsd with the KioskA4 cups-pdf queue on 127.0.0.1:6631. Then opens
the kiosk (config.toml as shipped) with a side panel: insert one of the demo cards, remove the
card, lay a resident ID card on the emulated ID-card reader or take it away (docs/idcard.md), paper
out, back office down. Everything stops when the window closes.

    python scripts/demo.py [--screenshot PATH]     (PATH: draw and exit, for a headless machine)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VAR = REPO / "var" / "demo"
SHIPPED = REPO / "cardio" / "profiles"


class BackOffice:
    """The back office as its own process, so the panel can take it down and bring it back."""

    def __init__(self, acquirer_port: int) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.cards = VAR / "cards"
        self.acquirer_port = acquirer_port

    def start(self) -> None:
        VAR.mkdir(parents=True, exist_ok=True)
        log = open(VAR / "backoffice.log", "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "backoffice",
                "demo",
                "--lab",  # the simulated bank and its /sim controls (the phone's QR page)
                "--db",
                str(VAR / "backoffice.sqlite3"),
                "--cards-dir",
                str(self.cards),
                "--members",
                "200",
                "--port",
                "8750",
                "--acquirer-port",  # card-in payments: ISO 8583, the cards' bank accounts
                str(self.acquirer_port),
            ],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"demo: the back office stopped; see {VAR / 'backoffice.log'}")
            with contextlib.suppress(requests.RequestException):
                if requests.get("http://127.0.0.1:8750/v1/health", timeout=1).ok:
                    return
            time.sleep(0.3)
        raise SystemExit("demo: the back office did not start")

    @property
    def up(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


def demo_cards(cards_dir: Path) -> list[tuple[str, Path]]:
    """(label, profile) of the cards on the panel: seeded showcase members (社保 PIN, and the
    bank application's 金融密码 and opening balance), then test cards."""
    from common.emv_profile import load_finance

    out: list[tuple[str, Path]] = []
    members = json.loads((cards_dir / "members.json").read_text(encoding="utf-8"))["members"]
    for m in members[:8]:
        if m.get("card_file"):
            label = f"{m['name']} · {m['note']} · PIN {m['pin']}"
            fin = load_finance(cards_dir / m["card_file"])
            if fin is not None:
                label += f" · 金融密码 {fin.pin} · ¥{Decimal(fin.balance_fen) / 100:.2f}"
            out.append((label, cards_dir / m["card_file"]))
    for name, label in (
        ("card-forged", "伪造卡 forged card"),
        ("card-blocked", "已锁定 blocked"),
        ("card-rare-name", "生僻字姓名 rare name"),
        ("card-admin", "管理员卡 admin"),
    ):
        out.append((label, SHIPPED / f"{name}.toml"))
    return out


class DemoHardware:
    """What the panel's buttons do. Called from a worker thread, never the UI thread."""

    def __init__(self, stack, receipt_printer, backoffice: BackOffice) -> None:
        self.stack = stack
        self.receipt_printer = receipt_printer
        self.backoffice = backoffice
        self.cards = demo_cards(backoffice.cards)
        self.paper_out = False

    def insert(self, profile: Path) -> None:
        self.stack.insert(profile)

    def remove(self) -> None:
        self.stack.remove()

    def toggle_paper(self) -> bool:
        self.paper_out = not self.paper_out
        self.receipt_printer.set_paper("out" if self.paper_out else "ok")
        return self.paper_out

    def toggle_backoffice(self) -> bool:
        if self.backoffice.up:
            self.backoffice.stop()
        else:
            self.backoffice.start()
        return self.backoffice.up


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="scripts/demo.py")
    ap.add_argument("--screenshot", type=Path)
    args = ap.parse_args(argv)

    from cardio.harness import card_stack
    from kiosk.config import load_config
    from printer.harness import cups_server, virtual_receipt_printer

    cfg = load_config()
    bo = BackOffice(cfg.acquirer.port)
    print("demo: starting the back office (first run seeds 200 members)...", flush=True)
    bo.start()
    try:
        with contextlib.ExitStack() as stack:
            cs = stack.enter_context(card_stack(run_dir=VAR / "card"))
            vp = stack.enter_context(
                virtual_receipt_printer(port=cfg.receipt_printer.port, out_dir=VAR / "receipts")
            )
            port = int(cfg.a4_printer.server.rsplit(":", 1)[1]) if cfg.a4_printer.server else 0
            cups = stack.enter_context(cups_server(queue=cfg.a4_printer.queue, port=port))
            print(
                f"demo: back office http://127.0.0.1:8750 · acquirer 127.0.0.1:{bo.acquirer_port} "
                f"· receipts -> {VAR / 'receipts'} · "
                f"A4 PDFs -> {cups.out_dir}",
                flush=True,
            )
            hw = DemoHardware(cs, vp, bo)
            from screens.__main__ import run_app

            return run_app(cfg, screenshot=args.screenshot, demo=hw)
    finally:
        bo.stop()


if __name__ == "__main__":
    os.chdir(REPO)
    sys.exit(main())
