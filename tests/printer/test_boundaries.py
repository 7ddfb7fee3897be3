"""printer imports nothing from kiosk but the leaf kiosk.domain."""

import subprocess
import sys
from pathlib import Path

import printer


def test_printer_imports_only_kiosk_domain():
    root = Path(printer.__file__).parent
    modules = sorted(
        "printer." + ".".join(p.relative_to(root).with_suffix("").parts)
        for p in root.rglob("*.py")
        if p.name not in ("__init__.py", "__main__.py")
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(' '.join(m for m in sys.modules if m.startswith('kiosk')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout.split()
    assert "kiosk.domain" in loaded
    assert [m for m in loaded if m != "kiosk" and not m.startswith("kiosk.domain")] == []
