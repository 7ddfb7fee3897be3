"""The virtual ESC/POS receipt printer: `python -m printer.virtual` or VirtualPrinter in process."""

from printer.virtual.decoder import DecodedJob, decode
from printer.virtual.render import render_png, render_text
from printer.virtual.server import Job, PrinterState, VirtualPrinter

__all__ = [
    "DecodedJob",
    "Job",
    "PrinterState",
    "VirtualPrinter",
    "decode",
    "render_png",
    "render_text",
]
