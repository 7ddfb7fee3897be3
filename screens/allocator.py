"""How the kiosk's process takes big blocks of memory from glibc's malloc.

Why: a member's session passes big short-lived buffers through the app (a history of 1,400
months as JSON, the print preview's PNG and its pixels, a PDF's bytes from the document
worker). glibc serves a block of 128 KB or more with a mapping of its own and returns it when
freed, but after the first such block is freed it raises that threshold (up to 32 MB) and
serves the next ones from its heaps, where a freed block stays in the process among what is
still in use. Fixed at 64 KB, with the top of a heap given back from 128 KB: peak RSS over the
bench's journey 209 -> 204 MB (bench/ui_flow.py --runs 5, with and without, alternately); the
journey's time with the UI moved within the day's noise (ratio 1.071-1.082 for both).
A mapping per big block costs a system call and its page faults, microseconds against the
milliseconds such a buffer takes to fill.

On another C library the settings are left as they are, and so are glibc's own when the
process was started with MALLOC_MMAP_THRESHOLD_ or MALLOC_TRIM_THRESHOLD_ (an operator's
tuning wins)."""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

# glibc's malloc.h
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

MMAP_THRESHOLD = 64 * 1024
TRIM_THRESHOLD = 128 * 1024


def return_big_blocks() -> bool:
    """Set glibc's thresholds (module docstring); False where there is no glibc mallopt or
    the environment set them."""
    if {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"} & os.environ.keys():
        log.info("malloc's thresholds set by the environment: left as they are")
        return False
    try:
        # The process's own symbols hold the C library's: find_library would start ldconfig.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        log.info("no glibc mallopt: malloc's thresholds left as they are")
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
