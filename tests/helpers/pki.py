"""A test PKI for the production (mutual TLS) back office: scripts/make_test_ca.py's CA, server
and per-kiosk certificates, signing keys and card keys in one folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import REPO


def make_pki(out: Path, *kiosks: str) -> Path:
    args = [a for k in kiosks for a in ("--kiosk", k)]
    subprocess.run(
        [sys.executable, "scripts/make_test_ca.py", "--out", str(out), *args],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    return out
