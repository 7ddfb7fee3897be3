"""Calls run in the document worker process (kiosk/documents_worker.py) by tests and bench/:
module-level (pickled by name) in a module that imports nothing, so loading them there adds
nothing to what the worker imported on its own."""

from __future__ import annotations

import sys


def imported_modules(_data: object, _font_path: str) -> list[str]:
    """The worker's sys.modules, sorted (called as a builder: data, font path)."""
    return sorted(sys.modules)
