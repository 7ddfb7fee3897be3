"""The emulator's persistent card state: PIN retry counters, changed PINs, external-auth
counters, keyed by card identifier, in one JSON file (written atomically).

So a blocked card stays blocked after re-insertion and after an emulator restart.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class StateStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, Any]]:
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return doc if isinstance(doc, dict) else {}

    def get(self, card_id: str) -> dict[str, Any]:
        with self._lock:
            return dict(self._read().get(card_id, {}))

    def update(self, card_id: str, **values: object) -> None:
        with self._lock:
            doc = self._read()
            doc.setdefault(card_id, {}).update(values)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc, indent=1, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
