"""A4 jobs through a real (private) cupsd to cups-pdf."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from printer.cups import CupsA4Printer, JobState, QueueCondition, open_a4_printer
from printer.documents import certificate_pdf, rights_record_pdf
from printer.documents.layout import PAGE_H
from printer.errors import (
    JobAborted,
    JobTimeout,
    PrinterOffline,
    QueueMissing,
    QueueNotAccepting,
    QueueStopped,
)
from printer.harness import free_port
from printer.samples import ID_NUMBER, NAME, sample_certificate, thirty_year_record
from tests.helpers.pdf_checks import agreement, box_of, ink, render_poppler

pytestmark = pytest.mark.cups


def test_a_job_lands_as_a_cups_pdf_file_with_the_members_name(cups, a4, tmp_path):
    assert a4.state().condition == QueueCondition.IDLE
    data = sample_certificate(12)
    built = certificate_pdf(data)
    result = a4.print_pdf(built.pdf, "参保证明")
    assert result.state == JobState.COMPLETED
    out = cups.wait_for_output(result.job_id)
    # cups-pdf's chain goes through PostScript (pdftops, then Ghostscript): the text survives
    # because our subset fonts name their glyphs (printer/glyphnames.py).
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert NAME in text and "参保证明" in text
    assert ID_NUMBER in text and data.verification.code in text
    # And it is drawn as we drew it: the "who" line (姓名：<name>　社会保障号码：...) of the
    # cups-pdf file matches our own PDF's, pixel for pixel give or take a blur.
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ours_pdf = tmp_path / "ours.pdf"
    ours_pdf.write_bytes(built.pdf)
    ours = render_poppler(ours_pdf, 1, tmp_path / "a")
    theirs = render_poppler(out, 1, tmp_path / "b")
    assert ours.size == theirs.size
    name_box = box_of(built.marks_labelled("who")[0], PAGE_H)
    assert ink(theirs, name_box) > 300
    assert agreement(ours, theirs, name_box) > 0.75
    # The same measure tells different text apart: the line shifted by two characters fails.
    shifted = (name_box[0] + 25, name_box[1], name_box[2] + 25, name_box[3])
    assert agreement(ours, theirs, name_box, shifted) < 0.5


def test_the_30_year_record_prints(cups, a4):
    built = rights_record_pdf(thirty_year_record())
    result = a4.print_pdf(built.pdf, "个人权益记录单")
    out = cups.wait_for_output(result.job_id)
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1]) == built.pages


def test_a_job_is_followed_closely_at_first_then_less_often(cups, a4, monkeypatch):
    """The member waits for "printed" until CUPS says the job completed. A job on a local
    queue completes within a few hundred ms: a fixed 200 ms between looks added 0-200 ms to
    that wait (100 on average). For its first quick_for seconds the job is looked at every
    quick_poll (50 ms), then every poll_interval (200 ms)."""
    import printer.cups as cups_module

    pauses: list[tuple[float, float]] = []  # (seconds since the job was sent, pause)
    sent = time.monotonic()

    class _Clock:
        monotonic = staticmethod(time.monotonic)

        @staticmethod
        def sleep(seconds: float) -> None:
            pauses.append((time.monotonic() - sent, seconds))
            time.sleep(seconds)

    monkeypatch.setattr(cups_module, "time", _Clock)
    result = a4.print_pdf(certificate_pdf(sample_certificate(12)).pdf, "参保证明")
    assert result.state == JobState.COMPLETED
    assert pauses, "the job was not done at the first look: it was followed"
    assert all(p == a4.quick_poll for at, p in pauses if at < a4.quick_for - 0.1)
    # and a job still going after quick_for: looked at every poll_interval from then on
    pauses.clear()
    slow = cups.a4_printer(job_timeout=60)
    slow.quick_for = 0.0
    monkeypatch.setattr(slow, "job_state", _completed_after(3, slow.job_state))
    sent = time.monotonic()
    slow.print_pdf(certificate_pdf(sample_certificate(12)).pdf, "参保证明")
    assert [p for _at, p in pauses][:2] == [slow.poll_interval] * 2


def _completed_after(looks: int, real):
    """job_state that says "processing" for the first `looks` looks, then asks CUPS."""
    seen = {"n": 0}

    def state(job_id: int):
        seen["n"] += 1
        if seen["n"] <= looks:
            return JobState.PROCESSING, ""
        return real(job_id)

    return state


def test_a_stopped_queue_gives_a_clear_error(cups, a4):
    cups.run("cupsdisable", "-r", "toner replacement", cups.queue)
    state = a4.state()
    assert state.condition == QueueCondition.STOPPED and state.message == "toner replacement"
    with pytest.raises(QueueStopped) as e:
        a4.print_pdf(b"%PDF-1.4\n", "x")
    assert "队列已停止" in str(e.value) and "stopped" in str(e.value)
    assert "toner replacement" in str(e.value)


def test_a_queue_rejecting_jobs_gives_a_clear_error(cups, a4):
    cups.run("cupsreject", cups.queue)
    assert a4.state().condition == QueueCondition.NOT_ACCEPTING
    with pytest.raises(QueueNotAccepting):
        a4.print_pdf(b"%PDF-1.4\n", "x")


def test_a_broken_document_is_aborted_not_completed(cups, a4):
    with pytest.raises(JobAborted):
        a4.print_pdf(b"this is not a PDF at all", "broken")
    assert a4.state().condition.can_print  # abort-job policy: the queue stays usable


def test_missing_queue_and_unreachable_server(cups):
    with pytest.raises(QueueMissing):
        CupsA4Printer("NoSuchQueue", server=cups.server).print_pdf(b"%PDF", "x")
    dead = CupsA4Printer("KioskA4", server=f"127.0.0.1:{free_port()}")
    assert dead.state().condition == QueueCondition.UNREACHABLE
    with pytest.raises(PrinterOffline):
        dead.print_pdf(b"%PDF", "x")


def test_factory_reads_the_config_section(cups):
    class Section:  # stands in for kiosk.config.A4PrinterConfig
        queue = "KioskA4"
        job_timeout = 30

    printer = open_a4_printer(Section(), server=cups.server)
    assert isinstance(printer, CupsA4Printer) and printer.job_timeout == 30
    Section.queue = ""
    assert open_a4_printer(Section()).state().condition == QueueCondition.NOT_FITTED


def _submit_with_lp(cups, *options: str) -> int:
    pdf = cups.root / "small.pdf"
    pdf.write_bytes(certificate_pdf(sample_certificate(12)).pdf)
    out = cups.run("lp", "-d", cups.queue, *options, str(pdf)).stdout
    m = re.search(r"request id is \S+-(\d+)", out)
    assert m, f"lp printed no request id: {out!r}"
    return int(m[1])


def test_a_job_that_does_not_complete_in_time_is_cancelled(cups, a4):
    job_id = _submit_with_lp(cups, "-H", "indefinite")  # held: it will never complete
    slow = CupsA4Printer(cups.queue, server=cups.server, job_timeout=1, poll_interval=0.1)
    with pytest.raises(JobTimeout) as e:
        slow._follow(job_id, time.monotonic())
    assert "cancelled" in str(e.value)
    assert slow.job_state(job_id)[0] == JobState.CANCELED


def test_a_queue_stopped_while_the_job_waits_is_reported(cups, a4):
    cups.run("cupsdisable", "-r", "paper jam", cups.queue)
    job_id = _submit_with_lp(cups)  # still accepted: it waits, pending
    with pytest.raises(QueueStopped) as e:
        a4._follow(job_id, time.monotonic())
    assert "paper jam" in str(e.value)
    assert a4.job_state(job_id)[0] == JobState.CANCELED


def test_demo_printers_process(tmp_path):
    """python -m printer.harness: the demo's receipt printer and private cupsd, then clean exit."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "printer.harness", "--receipt-port", str(port),
         "--control-port", str(free_port())],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(5))
        assert lines["RECEIPT_PRINTER"] == f"127.0.0.1:{port}"
        a4 = CupsA4Printer(lines["A4_QUEUE"], server=lines["CUPS_SERVER"])
        assert a4.state().condition == QueueCondition.IDLE
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    assert not Path(lines["A4_PDF_DIR"]).exists()  # the private cupsd's folder is gone
