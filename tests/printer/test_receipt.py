"""The receipt goes through python-escpos over TCP to the virtual printer, which decodes it."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import pytest
import zxingcpp
from escpos.printer import Network
from PIL import Image

from kiosk.domain import mask_id, mask_name
from printer.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline, StatusUnknown
from printer.escpos_bytes import CHINESE_OFF, CHINESE_ON, COLUMNS, encode_text
from printer.harness import free_port, virtual_serial_port
from printer.receipt import receipt_bytes
from printer.receipt_printer import (
    EscposReceiptPrinter,
    NoReceiptPrinter,
    ReceiptPrinter,
    ReceiptPrinterSettings,
    open_receipt_printer,
)
from printer.samples import ID_NUMBER, NAME, sample_receipt
from printer.status import PrinterStatus
from printer.textwidth import width
from printer.virtual import VirtualPrinter, decode, render_png, render_text
from printer.virtual.control import send_command


def test_receipt_reaches_the_printer_with_every_field(receipt_printer, virtual_printer):
    r = sample_receipt()
    receipt_printer.print_receipt(r)
    job = virtual_printer.wait_for_jobs(1)[0]
    assert job.printed
    text = job.text()
    for expected in (
        "社会保险费缴费凭证",
        r.hall_name,
        r.terminal_id,
        r.order_no,
        "2026-11-23 10:15:30",
        mask_name(NAME),
        mask_id(ID_NUMBER),
        "养老保险",
        "2026-10 至 2026-12（3个月）",
        "￥6,000.00",
        "￥3,600.00",
        "滞纳金",
        "￥2.70",
        "合计金额",
        "￥3,602.70",
        "社保卡金融账户",
        f"验证码：{r.verification.code}",
        "请妥善保管",
    ):
        assert expected in text, expected
    assert NAME not in text and ID_NUMBER not in text  # masked
    assert "?" not in text  # no Chinese punctuation lost to a single-byte code page
    assert job.decoded.cuts == 1
    assert job.decoded.unknown == []


def test_amount_lines_are_aligned_by_display_width(receipt_printer, virtual_printer):
    receipt_printer.print_receipt(sample_receipt())
    job = virtual_printer.wait_for_jobs(1)[0]
    amount_lines = [t for t in job.decoded.text_lines() if t.rstrip().endswith(("0", "5"))]
    money = [t for t in amount_lines if "￥" in t and "：" not in t]
    assert len(money) >= 3  # the months' line, the late fee, the total
    assert {width(t) for t in money} == {COLUMNS}


def test_chinese_is_sent_as_gb18030_inside_fs_and():
    data = receipt_bytes(sample_receipt())
    assert CHINESE_ON + "请妥善保管".encode("gb18030") + CHINESE_OFF in data
    assert "￥".encode("gb18030") in data
    # a half-width yen sign from elsewhere is printed as the full-width one
    assert encode_text("¥1.00") == CHINESE_ON + "￥1.00".encode("gb18030") + CHINESE_OFF
    assert encode_text("abc 123") == b"abc 123"


def test_qr_code_decodes_to_the_verification_url(receipt_printer, virtual_printer):
    r = sample_receipt()
    receipt_printer.print_receipt(r)
    job = virtual_printer.wait_for_jobs(1)[0]
    assert [q.data for q in job.decoded.qr_codes] == [r.verification.url]
    image = Image.open(io.BytesIO(job.png()))
    found = [b.text for b in zxingcpp.read_barcodes(image)]
    assert found == [r.verification.url]


def test_status_ready(receipt_printer):
    assert receipt_printer.status() == PrinterStatus.READY


def test_silence_is_unknown_never_ready(receipt_printer, virtual_printer):
    virtual_printer.set_silent(True)
    assert receipt_printer.status() == PrinterStatus.UNKNOWN
    with pytest.raises(StatusUnknown):
        receipt_printer.print_receipt(sample_receipt())
    # force: a printer without status support still prints
    receipt_printer.print_receipt(sample_receipt(), force=True)
    assert len(virtual_printer.wait_for_jobs(1)) == 1


def test_paper_out_is_reported_before_printing(receipt_printer, virtual_printer):
    virtual_printer.set_paper("out")
    assert receipt_printer.status() == PrinterStatus.PAPER_OUT
    with pytest.raises(PaperOut) as e:
        receipt_printer.print_receipt(sample_receipt())
    assert "缺纸" in str(e.value) and "out of paper" in str(e.value)
    time.sleep(0.2)  # give a wrongly sent job time to arrive
    assert virtual_printer.jobs == []


def test_paper_runs_out_after_n_receipts(receipt_printer, virtual_printer):
    virtual_printer.paper_out_after(2)
    receipt_printer.print_receipt(sample_receipt())
    receipt_printer.print_receipt(sample_receipt())
    virtual_printer.wait_for_jobs(2)
    assert receipt_printer.status() == PrinterStatus.PAPER_OUT
    with pytest.raises(PaperOut):
        receipt_printer.print_receipt(sample_receipt())


def test_paper_near_end_still_prints(receipt_printer, virtual_printer):
    virtual_printer.set_paper("near_end")
    assert receipt_printer.status() == PrinterStatus.PAPER_NEAR_END
    receipt_printer.print_receipt(sample_receipt())
    assert virtual_printer.wait_for_jobs(1)[0].printed


def test_cover_open(receipt_printer, virtual_printer):
    virtual_printer.set_cover_open(True)
    assert receipt_printer.status() == PrinterStatus.COVER_OPEN
    with pytest.raises(CoverOpen):
        receipt_printer.print_receipt(sample_receipt())


# Runs in a fresh interpreter: argv = the virtual printer's port.
STATUS_FIRST = """
import json, sys
from printer.receipt_printer import EscposReceiptPrinter, ReceiptPrinterSettings
from printer.samples import sample_receipt

p = EscposReceiptPrinter(ReceiptPrinterSettings(port=int(sys.argv[1]), status_timeout=0.5))
status = p.status()
after_status = "escpos" in sys.modules
p.print_receipt(sample_receipt())
print(json.dumps([str(status), after_status, "escpos" in sys.modules]))
"""


def test_a_network_status_needs_no_python_escpos_and_a_receipt_goes_through_it(virtual_printer):
    """The health thread asks the status from start-up: on a plain socket, so the kiosk's
    process does not carry python-escpos (about 11 MB) until it prints; the receipt itself
    still goes through python-escpos's Network."""
    r = subprocess.run(
        [sys.executable, "-c", STATUS_FIRST, str(virtual_printer.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    status, after_status, after_print = json.loads(r.stdout.strip().splitlines()[-1])
    assert status == PrinterStatus.READY
    assert not after_status, "asking the status imported python-escpos"
    assert after_print
    assert virtual_printer.wait_for_jobs(1)[0].printed


def test_nobody_listening_is_offline():
    p = EscposReceiptPrinter(ReceiptPrinterSettings(port=free_port(), status_timeout=0.3))
    assert p.status() == PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        p.print_receipt(sample_receipt())


def test_kind_none_and_factory():
    class Section:  # stands in for kiosk.config.ReceiptPrinterConfig
        kind = "none"
        host = "127.0.0.1"
        port = 9100

    p = open_receipt_printer(Section())
    assert isinstance(p, NoReceiptPrinter) and isinstance(p, ReceiptPrinter)
    assert p.status() == PrinterStatus.NOT_FITTED
    with pytest.raises(PrinterError):
        p.print_receipt(sample_receipt())
    Section.kind = "network"
    assert isinstance(open_receipt_printer(Section()), EscposReceiptPrinter)


def test_decoder_reads_python_escpos_raster_and_text(virtual_printer):
    p = Network("127.0.0.1", virtual_printer.port, timeout=5)
    img = Image.new("1", (64, 32), 1)
    img.paste(0, (0, 0, 32, 32))  # left half black
    p.image(img, impl="bitImageRaster")
    p.text("Hello 12345\n")
    p.cut()
    p.close()
    job = virtual_printer.wait_for_jobs(1)[0]
    rasters = [e for e in job.decoded.elements if type(e).__name__ == "Raster"]
    assert len(rasters) == 1 and rasters[0].width == 64 and rasters[0].height == 32
    assert rasters[0].rows[0][:4] == b"\xff\xff\xff\xff" and rasters[0].rows[0][4:] == b"\0\0\0\0"
    assert "Hello 12345" in job.text()
    png = Image.open(io.BytesIO(job.png())).convert("L")
    assert png.width == 576 and png.getextrema()[0] == 0


def test_render_of_bytes_without_a_server():
    job = decode(receipt_bytes(sample_receipt()))
    assert "请妥善保管" in render_text(job)
    assert render_png(job).startswith(b"\x89PNG")


def test_virtual_printer_process_with_control_port(tmp_path):
    port, control = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "printer.virtual", "--port", str(port), "--control-port",
         str(control), "--out", str(tmp_path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert "virtual receipt printer" in proc.stdout.readline()
        printer = EscposReceiptPrinter(ReceiptPrinterSettings(port=port, status_timeout=0.5))
        assert printer.status() == PrinterStatus.READY
        assert send_command(control, "paper out")["paper"] == "out"
        assert printer.status() == PrinterStatus.PAPER_OUT
        send_command(control, "paper ok")
        printer.print_receipt(sample_receipt())
        deadline = time.monotonic() + 10
        while send_command(control, "jobs")["count"] < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "请妥善保管" in send_command(control, "text 0")["text"]
        deadline = time.monotonic() + 10
        while not (tmp_path / "job-0001.png").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b"\x1b@" in (tmp_path / "job-0001.bin").read_bytes()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_virtual_printer_state_object(virtual_printer: VirtualPrinter):
    virtual_printer.set_paper("out")
    virtual_printer.reset()
    assert virtual_printer.state.paper == "ok" and virtual_printer.jobs == []


def test_serial_printer_through_a_pseudo_terminal(virtual_printer):
    """kind = "serial": python-escpos Serial on a pty wired to the virtual printer."""
    with virtual_serial_port(virtual_printer) as device:
        p = open_receipt_printer(
            ReceiptPrinterSettings(kind="serial", serial_device=device, status_timeout=0.5)
        )
        assert p.status() == PrinterStatus.READY
        p.print_receipt(sample_receipt())
        virtual_printer.set_paper("out")
        assert p.status() == PrinterStatus.PAPER_OUT
        with pytest.raises(PaperOut):
            p.print_receipt(sample_receipt())
        virtual_printer.set_silent(True)
        assert p.status() == PrinterStatus.UNKNOWN
    job = virtual_printer.wait_for_jobs(1)[0]
    assert "请妥善保管" in job.text() and job.decoded.cuts == 1


def test_usb_printer_not_plugged_in_is_offline():
    p = open_receipt_printer(
        ReceiptPrinterSettings(kind="usb", usb_vendor=0x0416, usb_product=0x5011)
    )
    assert p.status() == PrinterStatus.OFFLINE
    with pytest.raises(PrinterOffline):
        p.print_receipt(sample_receipt())
