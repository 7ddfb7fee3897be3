"""Give back the pages of a library's code that only its loading ran.

Why: software GL (Mesa's llvmpipe, on kiosks without a GPU and under Xvfb) brings LLVM into
the process with the window. Loading libLLVM runs its static constructors, spread over its
100 MB of code: a bare `dlopen` leaves 42 MB of it resident (this machine, LLVM 15), and the
kiosk's process held 48 MB of LLVM's code at the end of a member's journey, a quarter of its
RSS. Once the window's shaders are compiled (screens/shader_warmup.py), LLVM runs again only
for a draw the warm-up did not foresee.

`release` tells the kernel the process no longer needs those pages (madvise MADV_DONTNEED on
the library's read-only executable mappings). Code is never written, so nothing is lost: a
page LLVM runs again comes back from the page cache (a minor fault, no disk read while the
file stays cached). The writable and relocated mappings (data, RELRO) are left alone: their
pages hold what loading wrote.

Linux only; elsewhere, or when the C library has no madvise, it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

MADV_DONTNEED = 4  # <sys/mman.h> on Linux
# Loaded with the window for software GL, its loading's code not run again after the warm-up.
COLD_AFTER_START = ("libLLVM",)


@dataclass(frozen=True)
class CodeMapping:
    start: int
    end: int
    path: str


def code_mappings(names: Iterable[str], maps: str | None = None) -> list[CodeMapping]:
    """The read-only executable file mappings of the libraries whose file name holds one of
    `names` (from /proc/self/maps, or `maps`'s text)."""
    wanted = tuple(names)
    if maps is None:
        maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    out = []
    for line in maps.splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) < 6 or fields[1] != "r-xp":
            continue
        path = fields[5].strip()
        if not any(n in Path(path).name for n in wanted):
            continue
        lo, _, hi = fields[0].partition("-")
        out.append(CodeMapping(int(lo, 16), int(hi, 16), path))
    return out


def resident_kb(mappings: list[CodeMapping], smaps: str | None = None) -> int:
    """Resident kB of these mappings now (from /proc/self/smaps)."""
    starts = {m.start for m in mappings}
    if smaps is None:
        smaps = Path("/proc/self/smaps").read_text(encoding="utf-8", errors="replace")
    total, counting = 0, False
    for line in smaps.splitlines():
        head = line.split(maxsplit=1)[0] if line else ""
        if "-" in head and not head.endswith(":"):
            counting = int(head.partition("-")[0], 16) in starts
        elif counting and head == "Rss:":
            total += int(line.split()[1])
    return total


def release(names: Iterable[str] = COLD_AFTER_START) -> int:
    """Drop the resident code pages of these libraries from the process; the kB given back
    (0 where there is nothing to do)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        mappings = code_mappings(names)
    except OSError:
        return 0
    if not mappings:
        return 0
    try:
        # The process's own symbols hold the C library's: find_library would start ldconfig.
        madvise = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return 0
    madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
    madvise.restype = ctypes.c_int
    before = resident_kb(mappings)
    for m in mappings:
        if madvise(m.start, m.end - m.start, MADV_DONTNEED) != 0:
            log.info("madvise refused for %s: errno %d", m.path, ctypes.get_errno())
    given = max(0, before - resident_kb(mappings))
    log.info(
        "code pages given back: %d kB of %s", given, ", ".join(sorted({m.path for m in mappings}))
    )
    return given
