"""Enrolment: a member's photo turned into the 128 numbers the back office keeps (the photo
itself is never stored). The seeder enrols the showcase members with the lab's photo; the
importer enrols the photo a member file names (docs/import-format.md)."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from pathlib import Path

from sqlalchemy.engine import Connection

from backoffice.face import store
from backoffice.face.engine import BadImage, FaceCheckError, NoFaceInPhoto, engine

log = logging.getLogger("backoffice.face")

REPO = Path(__file__).resolve().parents[2]
# The lab's photo of "the member" (scripts/face_photos.py fetches it at setup): the emulated
# camera plays another photo of the same person (obama2.jpg) as the member, biden.jpg as
# someone else.
SHOWCASE_PHOTO = REPO / "var" / "faces" / "obama.jpg"


class EnrolmentPhotoError(FaceCheckError):
    """A photo that cannot be enrolled; the message names the file and why."""


def encode_file(path: Path) -> tuple[float, ...]:
    """The encoding of the one face in the photo at `path` (EnrolmentPhotoError: missing,
    unreadable, not a picture, no face or several; FaceModelMissing: no model)."""
    try:
        stat = path.stat()
    except OSError as e:
        raise EnrolmentPhotoError(f"{path}: photo not found ({e.strerror or e})") from None
    return _encode(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _encode(path: str, _mtime_ns: int, _size: int) -> tuple[float, ...]:
    """Cached by path, time and size: a seed (or an import) naming one photo for many members
    computes it once (0.1 s; the model's load 0.4 s once per process)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise EnrolmentPhotoError(f"{path}: cannot read the photo ({e.strerror or e})") from None
    try:
        return engine().encode_photo(data)
    except BadImage as e:
        raise EnrolmentPhotoError(f"{path}: {e}") from None
    except NoFaceInPhoto as e:
        raise EnrolmentPhotoError(f"{path}: {e} in the photo: enrol a photo of one face") from None


def enrol_showcases(conn: Connection, member_ids: list[int], *, at: dt.datetime) -> int:
    """The showcase members enrolled with SHOWCASE_PHOTO (one encoding, computed once). Without
    the photo (scripts/face_photos.py not run) or the model, nobody is enrolled and a warning
    says why: the seed is still usable, without face verification."""
    try:
        encoding = encode_file(SHOWCASE_PHOTO)
    except FaceCheckError as e:
        log.warning("showcase members not enrolled for face verification: %s", e)
        return 0
    return store.enrol_many(conn, member_ids, encoding, at=at, source="seed")
