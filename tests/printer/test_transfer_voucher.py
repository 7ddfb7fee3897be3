"""The transfer voucher (printer/documents/transfer_voucher.py), printed from the real back
office's voucher (tests/helpers/transfer_medical.py: today 2026-06-20; MOVER: 24 months from
上海市, 27 + 83 here): fonts embedded, the figures in the text, the code, digest and QR on the
page, the first period inked where it was drawn, the ID number the voucher attests or none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.domain.transfer import TransferVoucher, VoucherKind
from printer.documents.layout import PAGE_H
from printer.documents.transfer_voucher import NotTheHoldersVoucher, VoucherData, voucher_pdf
from tests.helpers.backoffice import client_for
from tests.helpers.builders import id_number_for
from tests.helpers.pdf_checks import all_pages_text, box_of, ink, pdffonts, render_poppler
from tests.helpers.transfer_medical import MOVER, transfer_medical_service


@pytest.fixture(scope="module")
def vouchers() -> dict[VoucherKind, TransferVoucher]:
    with transfer_medical_service() as svc, client_for(svc) as c:
        return {k: c.transfer_voucher(MOVER, k) for k in VoucherKind}


def _data(v: TransferVoucher, id_number: str = "") -> VoucherData:
    return VoucherData(
        voucher=v,
        id_number=id_number or _holder(v),
        printed_at=dt.datetime(2026, 6, 20, 10, 30, 5),
        hall_name="市社会保险服务大厅",
        terminal_id="KIOSK-0001",
    )


def _holder(v: TransferVoucher) -> str:
    number = id_number_for("1988-05-06", "1", int(MOVER))
    assert number[:3] + "*" * 11 + number[-4:] == v.id_number_masked
    return number


def test_pension_voucher_prints_the_periods(
    vouchers: dict[VoucherKind, TransferVoucher], tmp_path: Path
) -> None:
    v = vouchers[VoucherKind.PENSION]
    built = voucher_pdf(_data(v))
    path = tmp_path / "voucher.pdf"
    path.write_bytes(built.pdf)
    assert built.pages == 1
    assert all(f["emb"] == "yes" for f in pdffonts(path))
    text = all_pages_text(path)[0]
    assert "基本养老保险参保缴费凭证" in text
    assert _holder(v) in text  # in full: the member's own paper
    assert v.verification.code in text and v.digest in text
    assert "2015-01 至 2016-12" in text and "上海市" in text and "转入" in text
    assert "9,600.00" in text  # Shanghai: 24 x 400.00
    assert "2017-03 至 2019-05" in text and "2019-07 至 2026-05" in text
    assert "累计缴费月数：134个月（其中在示例市110个月，转入24个月）" in text  # 24 + 27 + 83
    assert "养老保险个人账户储存额：62,400.00元（截至2026年）" in text
    img = render_poppler(path, 1, tmp_path)
    first = built.marks_labelled("period")[0]
    assert first.text == "上海市"
    assert ink(img, box_of(first, PAGE_H, core=True)) > 0
    (qr,) = built.marks_labelled("qr")
    assert qr.text == v.verification.url


def test_medical_voucher(vouchers: dict[VoucherKind, TransferVoucher], tmp_path: Path) -> None:
    v = vouchers[VoucherKind.MEDICAL]
    path = tmp_path / "medical.pdf"
    path.write_bytes(voucher_pdf(_data(v)).pdf)
    text = all_pages_text(path)[0]
    assert "基本医疗保险参保缴费凭证" in text
    assert "累计缴费月数：135个月（其中在示例市111个月，转入24个月）" in text  # 24 + 111
    assert "医疗保险个人账户余额：1,750.00元（截至2026-06-20）" in text


def test_equal_vouchers_give_equal_bytes(vouchers: dict[VoucherKind, TransferVoucher]) -> None:
    v = vouchers[VoucherKind.PENSION]
    assert voucher_pdf(_data(v)).pdf == voucher_pdf(_data(v)).pdf


def test_another_id_number_is_never_printed(
    vouchers: dict[VoucherKind, TransferVoucher],
) -> None:
    with pytest.raises(NotTheHoldersVoucher):
        _data(vouchers[VoucherKind.PENSION], "110101199001010011")
