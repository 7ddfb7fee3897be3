"""When Python's cycle collector makes its full runs: at the attract screen, not in a member's
frame.

A full run walks every object the collector tracks, with the GIL held, whichever thread set it
off. After start-up the pages, Kivy and the libraries are frozen (`gc.freeze`: out of its
sight, as they live as long as the app); what a full run walks is then what was made since,
chiefly the pages a member opens that are built on their visit (screens/app.py PREBUILT), a few
tens of thousands of objects each. Left to its own schedule the collector ran a full run
whenever that much was new: in the very frame that built such a page (8-43 ms more, measured:
bench/ui_flow.py's pages built on a visit).

So the young generations keep their own schedule (they are cheap: only what is new), and the
full runs are the kiosk's: after each session, once its released pages can go, and every
IDLE_EVERY seconds while the kiosk waits at the attract screen or at goodbye (the health checks
and the heartbeat make a little cyclic garbage all night, and goodbye waits, without a timeout,
for a card a member may have forgotten). A session's own cyclic garbage waits for its end: its
other pages time out within minutes, and its released pages are the most of it. No Kivy here:
the app schedules these calls.
"""

from __future__ import annotations

import gc
import time

IDLE_EVERY = 600.0  # seconds between full runs while nobody uses the kiosk
_NEVER = 1 << 30  # a full run after this many young-generation runs: never, in practice


def settle() -> float:
    """A full run, then freeze what is alive and leave full runs to `collect` from now on;
    the seconds it took. Call once, when everything that lives as long as the app exists."""
    t0 = time.perf_counter()
    gc.collect()
    gc.freeze()
    young, middle, _full = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)
    return time.perf_counter() - t0


def collect() -> float:
    """A full run now (at the attract screen); the seconds it took."""
    t0 = time.perf_counter()
    gc.collect()
    return time.perf_counter() - t0
