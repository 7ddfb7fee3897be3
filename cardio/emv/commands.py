"""The EMV commands (EMV Book 3, 6.5) as cardio.apdu Commands; Le 00 lets the card say."""

from __future__ import annotations

from cardio.apdu import Command

P1_AAC, P1_TC, P1_ARQC = 0x00, 0x40, 0x80


def select(name: bytes, *, next_occurrence: bool = False) -> Command:
    return Command("SELECT", 0x00, 0xA4, 0x04, 0x02 if next_occurrence else 0x00, name, 0x00)


def read_record(sfi: int, record: int) -> Command:
    return Command("READ RECORD", 0x00, 0xB2, record, (sfi << 3) | 0x04, le=0x00)


def get_processing_options(pdol_data: bytes) -> Command:
    data = b"\x83" + bytes([len(pdol_data)]) + pdol_data
    return Command("GET PROCESSING OPTIONS", 0x80, 0xA8, 0x00, 0x00, data, 0x00)


def internal_authenticate(ddol_data: bytes) -> Command:
    return Command("INTERNAL AUTHENTICATE", 0x00, 0x88, 0x00, 0x00, ddol_data, 0x00)


def generate_ac(p1: int, cdol_data: bytes) -> Command:
    return Command("GENERATE AC", 0x80, 0xAE, p1, 0x00, cdol_data, 0x00)


def get_data(tag: int) -> Command:
    return Command("GET DATA", 0x80, 0xCA, tag >> 8, tag & 0xFF, le=0x00)
