"""What the kiosk's process does not import until a member needs it (issue 19's memory): the
bank card stack (psec, pyemv) until a card payment, qrcode until a QR is shown, wcwidth until a
receipt is laid out, and PIL not at all (Kivy reads images with SDL2_image). Each check runs
in a fresh interpreter, then uses the deferred part, which must still work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _fresh(code: str) -> dict:
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1"},
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


CORE = """
import json, sys
from screens import bootstrap
bootstrap.prepare_environment()  # what the app does before it imports Kivy
import kiosk.assembly, screens.qr
lazy = ("psec", "pyemv", "qrcode", "wcwidth", "PIL")
at_start = {m: m in sys.modules for m in lazy}

import common.pos8583 as pos
from cardio.emv.selection import _decode
from printer import textwidth
kcv = pos.check_value(bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")).hex()
tags = _decode(bytes.fromhex("6F0484024F00"), "FCI")
used = {
    "kcv": kcv,
    "tags": sorted(tags),
    "width": textwidth.width("社保 ok"),
}
print(json.dumps({"at_start": at_start, "used": used,
                  "after": {m: m in sys.modules for m in ("psec", "pyemv", "wcwidth")}}))
"""


def test_the_kiosk_core_and_the_qr_widget_defer_what_few_sessions_use():
    got = _fresh(CORE)
    assert got["at_start"] == {
        "psec": False,
        "pyemv": False,
        "qrcode": False,
        "wcwidth": False,
        "PIL": False,
    }
    # And they work once used. The key check value of the double-length test key
    # 0123456789ABCDEF FEDCBA9876543210 is the first 4 bytes of E_K(00 x 8) = 08D7B4FB
    # (the ANSI X9.24 sample key's published KCV).
    assert got["used"]["kcv"] == "08d7b4fb"
    # 6F 04 | 84 02 4F 00: the FCI holding a DF name of two bytes.
    assert "84" in got["used"]["tags"]
    # 社 and 保 take 2 columns each on the printer, the space and "ok" 1 each: 2 + 2 + 1 + 2 = 7.
    assert got["used"]["width"] == 7
    assert got["after"] == {"psec": True, "pyemv": True, "wcwidth": True}


KIVY_IMAGES = """
import json, sys
from screens import bootstrap
bootstrap.prepare_environment()
from kivy.core.image import ImageLoader
import kivy
png = kivy.kivy_data_dir + "/logo/kivy-icon-64.png"
image = ImageLoader.load(png, keep_data=True)
print(json.dumps({"pil": "PIL" in sys.modules, "size": list(image.size),
                  "loader": type(image).__name__}))
"""


def test_kivy_reads_the_pages_pictures_without_pil():
    got = _fresh(KIVY_IMAGES)
    assert got["pil"] is False
    assert got["size"] == [64, 64] and got["loader"] == "ImageLoaderSDL2"
