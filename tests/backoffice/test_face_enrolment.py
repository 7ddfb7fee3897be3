"""Enrolment: the importer's optional face_photo (a path relative to the import file) and the
seeder's showcase members. The face model runs in this process (the importer's and the seeder's
own); only the 128 numbers are stored."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import pytest

from backoffice.face.enrolment import SHOWCASE_PHOTO, encode_file
from backoffice.face.matching import distance, unpack
from backoffice.importer import ImportFileError, import_file
from backoffice.policy import load_policy
from backoffice.seed.lives import SHOWCASES
from backoffice.seed.run import seed_database
from backoffice.storage import Database
from tests.helpers import faces
from tests.helpers.builders import id_number_for, member, write_import

TODAY = dt.date(2026, 6, 20)


def _encodings(path: Path) -> dict[int, tuple[float, ...]]:
    with sqlite3.connect(path) as c:
        rows = c.execute("SELECT member_id, encoding, source FROM face_enrolment").fetchall()
    return {int(m): unpack(e) for m, e, _ in rows}


def test_the_importer_enrols_a_photo(tmp_path: Path) -> None:
    shutil.copy(faces.FACES / "obama3.jpg", tmp_path / "photo.jpg")
    a = member("11010000000201") | {"face_photo": "photo.jpg"}  # beside the file
    b = member("11010000000202", id_number=id_number_for("1980-01-01", "1", 2))
    path = write_import(tmp_path / "import.json", [a, b])
    db = Database(str(tmp_path / "db.sqlite3"))
    try:
        report = import_file(db, load_policy(), path, today=TODAY)
    finally:
        db.dispose()
    assert report.faces_enrolled == 1 and "faces enrolled 1" in report.text()
    enrolled = _encodings(tmp_path / "db.sqlite3")
    assert list(enrolled) == [1]  # the first member only
    # the stored numbers are the photo's; the showcase photo of the same person is near
    assert enrolled[1] == encode_file(tmp_path / "photo.jpg")
    assert distance(enrolled[1], encode_file(SHOWCASE_PHOTO)) < 0.6


@pytest.mark.parametrize(
    ("write", "says"),
    [
        (None, "photo not found"),
        (lambda p: p.write_text("not a picture"), "not a picture"),
        (lambda p: p.write_bytes(faces.no_face()), "no face found"),
        (
            lambda p: p.write_bytes(faces.side_by_side("obama3.jpg", "biden.jpg")),
            "2 faces, not one",
        ),
    ],
)
def test_a_photo_that_cannot_be_enrolled(tmp_path: Path, write: object, says: str) -> None:
    photo = tmp_path / "face.jpg"
    if callable(write):
        write(photo)
    m = member("11010000000203") | {"face_photo": "face.jpg"}
    path = write_import(tmp_path / "import.json", [m])
    db = Database(str(tmp_path / "db.sqlite3"))
    try:
        with pytest.raises(ImportFileError) as e:
            import_file(db, load_policy(), path, today=TODAY)
    finally:
        db.dispose()
    problem = e.value.problems[0]
    assert problem.startswith("members[0] (11010000000203).face_photo: ")
    assert str(photo) in problem and says in problem
    assert not (tmp_path / "db.sqlite3").exists() or not _member_rows(tmp_path / "db.sqlite3")


def _member_rows(path: Path) -> int:
    with sqlite3.connect(path) as c:
        try:
            return int(c.execute("SELECT count(*) FROM member").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_the_seeder_enrols_the_showcases_once(tmp_path: Path) -> None:
    db = Database(str(tmp_path / "seed.sqlite3"))
    try:
        report = seed_database(db, load_policy(), members=10, seed=5, as_of=TODAY)
    finally:
        db.dispose()
    enrolled = _encodings(tmp_path / "seed.sqlite3")
    # the showcases are the first members (ids 1-8); members 9 and 10 are drawn: not enrolled
    assert sorted(enrolled) == list(range(1, len(SHOWCASES) + 1))
    assert report.rows["face_enrolment"] == len(SHOWCASES)
    assert len(set(enrolled.values())) == 1  # one encoding of obama.jpg for all of them
    assert enrolled[1] == encode_file(SHOWCASE_PHOTO)
