"""Fixtures shared by every test area."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def artifacts() -> Path:
    """Where tests leave screenshots and files for a person to look at (not committed)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
