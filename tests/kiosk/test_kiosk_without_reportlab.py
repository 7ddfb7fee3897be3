"""The kiosk's own process builds no PDF (issue 19): the kiosk assembled from its config, warmed
up as the UI does once its pages exist, then a member's transfer voucher previewed through it,
all in a fresh interpreter, which must not have imported reportlab (its import and the document
font belong to the document worker process, kiosk/documents_worker.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from cardio.emulator import load_profile
from tests.helpers.journey import hall, kiosk_config
from tests.helpers.paths import REPO

# Runs in the fresh interpreter: argv = config path, the holder's fields as JSON.
SCRIPT = """
import json, sys
from kiosk.assembly import build
from kiosk.config import load_config
from kiosk.domain import CardHolder

before = "reportlab" in sys.modules
k = build(load_config(sys.argv[1]))
try:
    fields = json.loads(sys.argv[2])
    holder = CardHolder(*fields["holder"])
    k.services.warm_up()
    k.services.admit(holder.card_identifier, fields["member_no"])
    preview = k.services.load("voucher_preview", holder, {"kind": "medical_transfer"})
    print(json.dumps({
        "before": before,
        "after": "reportlab" in sys.modules,
        "pages": preview.pages,
        "image": preview.image,
    }))
finally:
    k.close()
"""


def test_a_preview_through_the_kiosk_imports_no_reportlab(tmp_path):
    with hall(tmp_path / "cards", members=12, seed=7) as (svc, cups):
        m = next(s for s in svc.report.showcases if "transferred in" in s.note)
        ef06 = dict(load_profile(Path(svc.cards_dir) / m.card_file).ef06)
        holder = [ef06[0x08].decode(), m.name, m.card_number, m.card_identifier, "110100"]
        cfg = kiosk_config(tmp_path, svc, cups)
        r = subprocess.run(
            [
                sys.executable,
                "-c",
                SCRIPT,
                cfg,
                json.dumps({"holder": holder, "member_no": m.member_no}),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["pages"] >= 1  # the voucher was built and previewed
    assert not out["before"]
    assert not out["after"], "the kiosk's process imported reportlab"
