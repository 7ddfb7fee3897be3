"""What a UI journey test runs the app on: the card stack made ready for a fresh journey, and the
kiosk's config.toml pointing at the test's back office and printers."""

from __future__ import annotations

from pathlib import Path


def alive(cs) -> None:
    """The card stack alive (restarted if stopped), the reader empty, PIN counters reset."""
    from cardio.harness import pcscd_pid

    if cs.proc is None or cs.proc.poll() is not None or pcscd_pid() is None:
        cs.stop_emulator()
        cs.start_emulator()
    if cs.status().get("card"):
        cs.remove()  # a journey starts with an empty reader, whatever the last one left
    cs.reset_state()


def kiosk_config(
    tmp_path, svc, cups, *, acquirer_port: int | None = None, journal: Path | None = None
) -> str:
    """`acquirer_port`: the card sale's acquirer ([acquirer] port; the back office's reference
    one, running_service(acquirer=True)). `journal`: a journal kept across journeys (default:
    a fresh one in tmp_path); journeys that pay by card share one, as one kiosk does, because
    its trace counter numbers the acquirer's sales (a fresh journal would send trace 1 again,
    which the acquirer refuses as a duplicate, 94)."""
    p = tmp_path / "kiosk.toml"
    text = f"""
[ui]
voice = false
[backoffice]
url = "{svc.url}"
api_key = "{svc.api_key}"
[a4_printer]
queue = "{cups.queue}"
server = "{cups.server}"
[receipt_printer]
port = {cups.receipt.port}
[journal]
path = "{journal or tmp_path / "journal.sqlite3"}"
[logging]
dir = "{tmp_path / "log"}"
"""
    if acquirer_port is not None:
        text += f"[acquirer]\nport = {acquirer_port}\n"
    p.write_text(text, encoding="utf-8")
    return str(p)
