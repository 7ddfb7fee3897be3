"""What crosses to the document worker process and back travels pickled (issue 19,
kiosk/documents_worker.py): the builders (by name), their data, the BuiltDocument, and the
errors a build raises, each back as its own class with its own words."""

from __future__ import annotations

import pickle
import subprocess
import sys
from typing import TypeVar

import pytest

from kiosk.printing import PrintFailed
from printer.documents import Mark, acknowledgement_pdf, voucher_pdf
from printer.documents.built import BuiltDocument
from printer.documents.inputs import NotTheHoldersVoucher
from printer.errors import FontMissing, JobTimeout, PrinterError
from tests.helpers.paths import REPO

T = TypeVar("T")


def round_trip(value: T) -> T:
    return pickle.loads(pickle.dumps(value))


@pytest.mark.parametrize(
    "error",
    [
        FontMissing("/nowhere/font.ttc (install fonts-wqy-microhei)"),
        JobTimeout("job 7"),
        PrinterError(),
        PrintFailed("print.error.preview", "document build timed out"),
        PrintFailed("print.error.other"),
        NotTheHoldersVoucher("the voucher is not the holder's: not printed"),
    ],
)
def test_a_builds_error_comes_back_as_itself(error: Exception) -> None:
    back = round_trip(error)
    assert type(back) is type(error)
    assert str(back) == str(error)
    assert vars(back) == vars(error)  # message_key, detail...


def test_a_built_document_and_its_marks_come_back_equal() -> None:
    doc = BuiltDocument(b"%PDF-1.4 ...", 2, [Mark(1, "code", "ABC123", 1.0, 2.0, 3.0, 4.5)])
    assert round_trip(doc) == doc
    assert round_trip(doc).marks_labelled("code") == doc.marks


def test_a_builder_is_sent_by_name_without_importing_reportlab() -> None:
    # the kiosk's side pickles the builder; loading it (as the worker does) needs no drawing code
    code = (
        "import pickle, sys\n"
        f"fns = pickle.loads({pickle.dumps((voucher_pdf, acknowledgement_pdf))!r})\n"
        "print([f.__name__ for f in fns], 'reportlab' in sys.modules)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert r.stdout.split() == ["['voucher_pdf',", "'acknowledgement_pdf']", "False"]
