"""What a UI journey test runs the app on: the card stack made ready for a fresh journey, and the
kiosk's config.toml pointing at the test's back office and printers."""

from __future__ import annotations


def alive(cs) -> None:
    """The card stack alive (restarted if stopped), the reader empty, PIN counters reset."""
    from cardio.harness import pcscd_pid

    if cs.proc is None or cs.proc.poll() is not None or pcscd_pid() is None:
        cs.stop_emulator()
        cs.start_emulator()
    if cs.status().get("card"):
        cs.remove()  # a journey starts with an empty reader, whatever the last one left
    cs.reset_state()


def kiosk_config(tmp_path, svc, cups) -> str:
    p = tmp_path / "kiosk.toml"
    p.write_text(
        f"""
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
path = "{tmp_path / "journal.sqlite3"}"
[logging]
dir = "{tmp_path / "log"}"
""",
        encoding="utf-8",
    )
    return str(p)
