"""The A4 documents: the personal rights record and the participation certificate (reportlab)."""

from printer.documents.certificate import certificate_pdf
from printer.documents.layout import BuiltDocument, Mark
from printer.documents.rights_record import rights_record_pdf

__all__ = ["BuiltDocument", "Mark", "certificate_pdf", "rights_record_pdf"]
