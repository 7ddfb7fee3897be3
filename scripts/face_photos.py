"""Fetch the face photos the lab uses (issue 20) into var/faces/.

The photos are not ours and are not in the repository: face_recognition's source distribution on
PyPI ships test photos of two people (three of one, one of the other). Setup downloads that
distribution once (pinned version and sha256), checks it, and extracts only the photos. The seeder
enrols the showcase members from them; the emulated camera plays them; the tests compare them.

    python scripts/face_photos.py [--dest var/faces]

Exits 0 when the photos are there (downloading only when missing), 2 with a reason otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

SDIST = "face_recognition==1.3.0"
SDIST_SHA256 = "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec"
PHOTOS = ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg")  # member's x3, someone else
INSIDE = "face_recognition-1.3.0/tests/test_images/"


def fetch(dest: Path) -> None:
    if all((dest / name).is_file() for name in PHOTOS):
        return
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--no-binary", ":all:", SDIST, "-d", tmp],
            check=True,
        )  # fmt: skip
        (archive,) = Path(tmp).glob("face_recognition-*.tar.gz")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise SystemExit(f"face_photos: {archive.name} has sha256 {digest}, not the pinned one")
        with tarfile.open(archive) as tar:
            for name in PHOTOS:
                member = tar.getmember(INSIDE + name)
                data = tar.extractfile(member)
                assert data is not None
                (dest / name).write_bytes(data.read())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=Path("var/faces"))
    args = ap.parse_args()
    try:
        fetch(args.dest)
    except (subprocess.CalledProcessError, KeyError, OSError) as e:
        print(f"face_photos: cannot fetch the photos: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
