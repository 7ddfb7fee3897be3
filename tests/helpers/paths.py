"""Where things are: the repository, and the folder tests leave files in for a person to see."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"
