"""The shared leaf's errors: one root, so a caller on either side catches what common raises."""

from __future__ import annotations


class CommonError(Exception):
    """Root of the errors raised by the shared leaf package."""
