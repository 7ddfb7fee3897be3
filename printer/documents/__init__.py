"""The A4 documents: the personal rights record, the participation certificate, the transfer
voucher and the unemployment acknowledgement (reportlab, imported by a builder's first call)."""

from printer.documents.builders import (
    acknowledgement_pdf,
    certificate_pdf,
    rights_record_pdf,
    voucher_pdf,
)
from printer.documents.built import BuiltDocument, Mark

__all__ = [
    "BuiltDocument",
    "Mark",
    "acknowledgement_pdf",
    "certificate_pdf",
    "rights_record_pdf",
    "voucher_pdf",
]
