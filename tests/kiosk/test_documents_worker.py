"""The document worker process (kiosk/documents_worker.py, issue 19), through a real worker:
a document built there is byte for byte the one built in this process; a killed worker is
replaced and the next build works; a builder's error comes back as its own class; a stuck build
ends with its worker; the worker runs below the caller's priority and ends with close(); it
imports what a build needs and not the kiosk's core or its printers' drivers."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest

from kiosk.documents_worker import DocumentWorker
from kiosk.domain.transfer import TransferVoucher, VoucherKind
from kiosk.domain.unemployment import UnemploymentStatus
from kiosk.printing import BACKGROUND_NICE, PrintFailed
from printer.documents import BuiltDocument, acknowledgement_pdf, certificate_pdf, voucher_pdf
from printer.documents.inputs import AcknowledgementData, VoucherData
from printer.errors import FontMissing
from printer.fonts import DEFAULT_FONT_PATH
from printer.samples import sample_certificate
from tests.helpers.backoffice import client_for
from tests.helpers.builders import id_number_for
from tests.helpers.in_worker import imported_modules
from tests.helpers.paths import REPO
from tests.helpers.pdf_checks import all_pages_text
from tests.helpers.transfer_medical import MOVER, transfer_medical_service
from tests.helpers.unemployment import AGAIN, unemployment_service

AT = dt.datetime(2026, 6, 20, 10, 30, 5)


def stuck_builder(data: float, _font_path: str) -> BuiltDocument:
    """A build that takes `data` seconds (run in the worker: module-level, pickled by name)."""
    time.sleep(data)
    return BuiltDocument(b"", 0)


def dying_builder(data: int, _font_path: str) -> BuiltDocument:
    """A build whose process dies under it."""
    os._exit(data)


@pytest.fixture(scope="module")
def voucher() -> VoucherData:
    with transfer_medical_service() as svc, client_for(svc) as c:
        v: TransferVoucher = c.transfer_voucher(MOVER, VoucherKind.PENSION)
    return VoucherData(v, id_number_for("1988-05-06", "1", int(MOVER)), AT, "市社保大厅", "K-1")


@pytest.fixture(scope="module")
def acknowledgement() -> AcknowledgementData:
    with unemployment_service() as svc, client_for(svc) as c:
        c.register_unemployed(AGAIN, "13812345678", ["仓储管理"])
        status: UnemploymentStatus = c.apply_unemployment(AGAIN)
    return AcknowledgementData(status, "张三", "110***********1234", AT, "市社保大厅", "K-1")


@pytest.fixture(scope="module")
def worker() -> Iterator[DocumentWorker]:
    w = DocumentWorker()
    w.warm_up(DEFAULT_FONT_PATH)
    try:
        yield w
    finally:
        w.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a child that ended but was not reaped yet is a zombie: not alive
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_a_document_built_in_the_worker_is_the_one_built_here(
    worker: DocumentWorker,
    voucher: VoucherData,
    acknowledgement: AcknowledgementData,
    tmp_path: Path,
) -> None:
    for builder, data in ((voucher_pdf, voucher), (acknowledgement_pdf, acknowledgement)):
        there = worker.build(builder, data, DEFAULT_FONT_PATH)  # type: ignore[arg-type]
        here = builder(data, DEFAULT_FONT_PATH)  # type: ignore[arg-type]
        assert (there.pages, there.marks) == (here.pages, here.marks)
        assert there.pdf == here.pdf  # the builders are deterministic: equal bytes
        pdf = tmp_path / f"{builder.__name__}.pdf"
        pdf.write_bytes(there.pdf)
        assert len(all_pages_text(pdf)) == here.pages
    assert worker.pid != os.getpid()


# What a build does not need: the kiosk's core (config, session, card and back office ports),
# the A4 queue and receipt printer drivers, TLS; each costs the worker's memory for its life.
NOT_IN_THE_WORKER = (
    "kiosk.config",
    "kiosk.session",
    "kiosk.ports",
    "kiosk.printing",
    "kiosk.documents_worker",
    "kiosk.devices",
    "printer.cups",
    "printer.receipt",
    "printer.receipt_printer",
    "cardio",
    "common.card_crypto",
    "cups",
    "escpos",
    "ssl",
    "http.client",
    "email",
)


# What the worker's start imports for the builds to come.
WARMED_UP = (
    "printer.documents.certificate",
    "printer.documents.rights_record",
    "printer.documents.transfer_voucher",
    "printer.documents.unemployment_ack",
    "printer.documents.inputs",
    "kiosk.domain.documents",
)


def modules_in(w: DocumentWorker) -> list[str]:
    """The worker's sys.modules (a call run there as a builder would be)."""
    return cast(list[str], w.build(cast(Any, imported_modules), None, DEFAULT_FONT_PATH))


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in NOT_IN_THE_WORKER)]


def test_the_worker_imports_what_a_build_needs_and_no_more(
    voucher: VoucherData, acknowledgement: AcknowledgementData
) -> None:
    w = DocumentWorker()
    try:
        w.warm_up(DEFAULT_FONT_PATH)
        warm = modules_in(w)
        assert "reportlab.pdfbase.ttfonts" in warm  # the font was parsed there
        # and every builder's drawing and data modules imported: a member's first preview
        # does not wait for them
        assert set(WARMED_UP) <= set(warm)
        assert heavy(warm) == []
        # each kind of document, its data unpickled and its drawing module imported
        w.build(certificate_pdf, sample_certificate(24), DEFAULT_FONT_PATH)
        w.build(voucher_pdf, voucher, DEFAULT_FONT_PATH)
        w.build(acknowledgement_pdf, acknowledgement, DEFAULT_FONT_PATH)
        built = modules_in(w)
        assert set(WARMED_UP) <= set(built)
        assert heavy(built) == []
    finally:
        w.close()


def test_a_killed_worker_is_replaced_and_the_next_build_works(
    worker: DocumentWorker, voucher: VoucherData
) -> None:
    first = worker.build(voucher_pdf, voucher, DEFAULT_FONT_PATH)
    pid = worker.pid
    assert pid is not None and alive(pid)
    os.kill(pid, 9)
    again = worker.build(voucher_pdf, voucher, DEFAULT_FONT_PATH)
    assert again.pdf == first.pdf
    assert worker.pid not in (None, pid) and not alive(pid)


def test_a_builders_error_comes_back_as_its_own_class(
    worker: DocumentWorker, voucher: VoucherData, acknowledgement: AcknowledgementData
) -> None:
    pid = worker.pid
    no_claim = replace(acknowledgement, status=replace(acknowledgement.status, application=None))
    with pytest.raises(ValueError, match="no claim to acknowledge"):
        worker.build(acknowledgement_pdf, no_claim, DEFAULT_FONT_PATH)
    with pytest.raises(FontMissing) as e:
        worker.build(voucher_pdf, voucher, Path("/nowhere/font.ttc"))
    assert e.value.detail.startswith("/nowhere/font.ttc ")
    assert worker.pid == pid  # an error is the build's, not the worker's


def test_a_stuck_build_ends_with_its_worker() -> None:
    w = DocumentWorker(build_timeout=1.0)
    try:
        w.warm_up(DEFAULT_FONT_PATH)
        pid = w.pid
        assert pid is not None
        with pytest.raises(PrintFailed) as e:
            w.build(stuck_builder, 120.0, DEFAULT_FONT_PATH)
        assert e.value.message_key == "print.error.preview"
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(pid)
        assert w.build(stuck_builder, 0.0, DEFAULT_FONT_PATH).pages == 0  # a new worker builds
    finally:
        w.close()


def test_a_build_that_kills_its_worker_twice_fails_clearly() -> None:
    w = DocumentWorker()
    try:
        with pytest.raises(PrintFailed) as e:
            w.build(dying_builder, 3, DEFAULT_FONT_PATH)
        assert e.value.message_key == "print.error.preview"
        assert "died twice" in str(e.value)
        assert w.build(stuck_builder, 0.0, DEFAULT_FONT_PATH).pages == 0  # and the next one works
    finally:
        w.close()


def test_the_worker_runs_below_the_callers_priority_and_ends_with_close() -> None:
    w = DocumentWorker()
    w.warm_up(DEFAULT_FONT_PATH)
    pid = w.pid
    assert pid is not None
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, pid) == min(19, ours + BACKGROUND_NICE)
    w.close()
    assert not alive(pid)
    with pytest.raises(PrintFailed):
        w.build(stuck_builder, 0.0, DEFAULT_FONT_PATH)


# A kiosk process with a warm worker, killed as a crash (or a test's timeout) would.
KIOSK = """
import sys
from kiosk.documents_worker import DocumentWorker
from printer.fonts import DEFAULT_FONT_PATH
w = DocumentWorker()
w.warm_up(DEFAULT_FONT_PATH)
print(w.pid, flush=True)
sys.stdin.read()
"""


def test_the_worker_ends_when_the_kiosk_process_dies() -> None:
    kiosk = subprocess.Popen(
        [sys.executable, "-c", KIOSK],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert kiosk.stdout is not None
        pid = int(kiosk.stdout.readline())
        assert alive(pid)
        kiosk.kill()
        kiosk.wait(30)
        deadline = time.monotonic() + 30
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        orphan = alive(pid)
        if orphan:
            os.kill(pid, 9)
        assert not orphan, "the document worker outlived the kiosk"
    finally:
        kiosk.kill()
        kiosk.wait(30)
