"""The document builders, each importing its drawing module (and so reportlab) when first
called, not when imported: the kiosk's process names a builder and a document worker process
calls it (a module-level function pickles by its name), so reportlab loads only there; the
worker imports them all when it starts (`import_drawing`)."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.documents import CertificateData, RightsRecordData
from printer.documents.built import BuiltDocument
from printer.documents.inputs import AcknowledgementData, VoucherData
from printer.fonts import DEFAULT_FONT_PATH


def certificate_pdf(
    data: CertificateData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    """The participation certificate (printer/documents/certificate.py)."""
    from printer.documents import certificate

    return certificate.certificate_pdf(data, font_path)


def rights_record_pdf(
    data: RightsRecordData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    """The personal rights record (printer/documents/rights_record.py)."""
    from printer.documents import rights_record

    return rights_record.rights_record_pdf(data, font_path)


def voucher_pdf(data: VoucherData, font_path: Path | str = DEFAULT_FONT_PATH) -> BuiltDocument:
    """The transfer voucher (printer/documents/transfer_voucher.py)."""
    from printer.documents import transfer_voucher

    return transfer_voucher.voucher_pdf(data, font_path)


def acknowledgement_pdf(
    data: AcknowledgementData, font_path: Path | str = DEFAULT_FONT_PATH
) -> BuiltDocument:
    """The unemployment claim's acknowledgement (printer/documents/unemployment_ack.py)."""
    from printer.documents import unemployment_ack

    return unemployment_ack.acknowledgement_pdf(data, font_path)


def import_drawing() -> None:
    """Import every builder's drawing module (and so reportlab) now: a document worker does at
    its start, so that a member's first preview does not wait for the imports."""
    from printer.documents import (  # noqa: F401
        certificate,
        rights_record,
        transfer_voucher,
        unemployment_ack,
    )
