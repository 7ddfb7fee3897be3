"""What crosses to the document worker process and back travels pickled (issue 19,
kiosk/documents_worker.py): the builders (by name), their data, the BuiltDocument, and the
errors a build raises, each back as its own class with its own words; loading a builder imports
neither reportlab nor the printers' drivers (printer/__init__ loads its names when used)."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from typing import TypeVar

import pytest

import printer
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


def test_a_builder_is_sent_by_name_without_importing_reportlab_or_the_printers() -> None:
    # the kiosk's side pickles the builder; loading it (as the worker does) needs no drawing
    # code, and no printer driver: the printer package loads its names when they are used
    code = (
        "import json, pickle, sys\n"
        f"fns = pickle.loads({pickle.dumps((voucher_pdf, acknowledgement_pdf))!r})\n"
        "heavy = ('reportlab', 'printer.cups', 'printer.receipt_printer', 'ssl', 'http.client')\n"
        "print(json.dumps([[f.__name__ for f in fns], [m for m in heavy if m in sys.modules]]))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert json.loads(r.stdout) == [["voucher_pdf", "acknowledgement_pdf"], []]


def test_the_printer_packages_names_are_its_modules_own() -> None:
    code = (
        "import importlib, json, printer\n"
        "print(json.dumps({n: getattr(printer, n) is getattr(importlib.import_module(m), n)\n"
        "    for n, m in printer._MODULE_OF.items()}))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    same = json.loads(r.stdout)
    assert sorted(same) == sorted(printer.__all__)
    assert all(same.values())
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        printer.nothing_here  # noqa: B018
