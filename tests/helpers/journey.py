"""What a UI journey test runs the app on: the hall (back office, A4 printer, receipt printer)
for a test module, the card stack made ready for a fresh journey, and the kiosk's config.toml
pointing at the test's back office and printers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def hall(cards_dir: Path, **service: Any) -> Iterator[tuple]:
    """The back office over HTTP (backoffice.harness.running_service with `service`'s
    arguments, its cards written to `cards_dir`), a private cupsd and the virtual receipt
    printer, which travels with the A4 queue (`cups.receipt`): yields (svc, cups)."""
    from backoffice.harness import running_service
    from printer.harness import cups_server, virtual_receipt_printer

    with (
        running_service(cards_dir=cards_dir, **service) as svc,
        cups_server() as cups,
        virtual_receipt_printer() as vp,
    ):
        cups.receipt = vp  # type: ignore[attr-defined]  # the journeys' own attribute
        yield svc, cups


def hall_stack(**service: Any):  # -> a pytest fixture
    """A module-scoped fixture `stack` = (svc, card_lab, cups): the hall for every test of a
    file, on the session's card stack. Assign it to `stack` in the test module."""
    # pytest imported here, not with the module: the app's process imports this module
    # (tests/helpers/kivy_ui.py), and pytest's import would be frame time there
    import pytest

    @pytest.fixture(scope="module")
    def stack(tmp_path_factory, card_lab):
        with hall(tmp_path_factory.mktemp("cards"), **service) as (svc, cups):
            yield svc, card_lab, cups

    return stack


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


def skip_goodbye(controller, state=None) -> None:
    """On the goodbye page with the card taken: move the session's clock past the page's
    5 seconds (kiosk/session/machine.GOODBYE_SECONDS), as if the member had waited them; the
    controller's next tick (0.25 s) shows the attract screen. `state`: the state shown (the UI's
    copy), default the session's own. Every test session ends there: 5 s of idle time each."""
    s = state if state is not None else controller.session.state
    if s.page.value != "goodbye" or s.goodbye_until is None:
        return
    ahead = s.goodbye_until - controller.clock()
    if ahead <= 0:
        return
    if not hasattr(controller, "goodbye_skipped"):
        base = controller.clock
        controller.goodbye_skipped = [0.0]
        controller.clock = lambda: base() + controller.goodbye_skipped[0]
    controller.goodbye_skipped[0] += ahead + 0.01
