"""The unemployment claim's acknowledgement (printer/documents/unemployment_ack.py), printed from
the real back office's answer to a claim (tests/helpers/unemployment.py: today 2026-06-20;
2,540.00 x 0.9 = 2,286.00 a month): fonts embedded, the figures in the text, the first row
inked where it was drawn."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.domain.unemployment import UnemploymentStatus
from printer.documents.layout import PAGE_H
from printer.documents.unemployment_ack import AcknowledgementData, acknowledgement_pdf
from tests.helpers.backoffice import client_for
from tests.helpers.pdf_checks import all_pages_text, box_of, ink, pdffonts, render_poppler
from tests.helpers.unemployment import AGAIN, E2, unemployment_service


@pytest.fixture(scope="module")
def claimed() -> UnemploymentStatus:
    with unemployment_service() as svc, client_for(svc) as c:
        c.register_unemployed(AGAIN, "13812345678", ["仓储管理", "电工"])
        return c.apply_unemployment(AGAIN)


def _data(status: UnemploymentStatus) -> AcknowledgementData:
    return AcknowledgementData(
        status=status,
        name="张三",
        id_number_masked="110***********1234",
        printed_at=dt.datetime(2026, 6, 20, 10, 30, 5),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
    )


def test_the_acknowledgement_says_what_was_granted(
    claimed: UnemploymentStatus, tmp_path: Path
) -> None:
    built = acknowledgement_pdf(_data(claimed))
    path = tmp_path / "ack.pdf"
    path.write_bytes(built.pdf)
    assert built.pages == 1
    assert all(f["emb"] == "yes" for f in pdffonts(path))
    text = all_pages_text(path)[0]
    assert "失业保险金申领回执" in text
    assert claimed.application is not None
    assert f"申领编号：{claimed.application.application_id}" in text
    assert E2 in text and "2026-05-31" in text and "用人单位解除劳动合同" in text
    # 25 months since the first claim -> 12; + 8 not drawn = 20
    assert "20个月（其中上次失业未领取的8个月）" in text
    assert "2,286.00元" in text  # 2,540.00 x 0.9
    assert "2026-06" in text and "由失业保险基金代缴" in text
    assert "138****5678" in text and "仓储管理、电工" in text
    assert "110***********1234" in text and "13812345678" not in text
    img = render_poppler(path, 1, tmp_path)
    (first,) = built.marks_labelled("first-row")
    assert first.text == E2  # the first row's content cell: the employer
    assert ink(img, box_of(first, PAGE_H, core=True)) > 0


def test_equal_answers_give_equal_bytes(claimed: UnemploymentStatus) -> None:
    assert acknowledgement_pdf(_data(claimed)).pdf == acknowledgement_pdf(_data(claimed)).pdf


def test_no_claim_no_acknowledgement(claimed: UnemploymentStatus) -> None:
    with pytest.raises(ValueError, match="no claim"):
        acknowledgement_pdf(_data(replace(claimed, application=None)))
