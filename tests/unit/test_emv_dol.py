"""cardio.emv.dol: DOL parsing and filling (EMV Book 3 5.4), worked by hand."""

from __future__ import annotations

import pytest

from cardio.emv.dol import build_dol_data, parse_dol


def test_parse_dol_one_and_two_byte_tags():
    dol = bytes.fromhex("9F020695055F2A029C01")
    assert parse_dol(dol) == [("9F02", 6), ("95", 5), ("5F2A", 2), ("9C", 1)]
    with pytest.raises(ValueError):
        parse_dol(bytes.fromhex("9F02"))


def test_values_padded_truncated_and_unknown_zero():
    dol = bytes.fromhex("9F02069F37049F4E049F7A01")
    data = build_dol_data(
        dol,
        {
            "9F02": bytes.fromhex("12345"[:4]),  # 2 bytes 1234, numeric: 4 leading zero bytes
            "9F37": bytes.fromhex("A1B2C3D4E5"),  # 5 bytes for 4: binary keeps the leftmost
            "9F4E": b"AB",  # merchant name: padded right with zero bytes
        },
    )
    # 000000001234 | A1B2C3D4 | 41420000 | 00 (9F7A unknown)
    assert data.hex().upper() == "000000001234A1B2C3D44142000000"
