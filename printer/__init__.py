"""Receipt (ESC/POS) and A4 (CUPS) printing and the documents printed.

Imports nothing from kiosk but the leaf module kiosk.domain.
"""
