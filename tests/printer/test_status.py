"""Status bytes -> PrinterStatus, on recorded answers (Epson TM layout)."""

import pytest

from printer.status import PrinterStatus, interpret, valid_answer


def answers(**by_n):
    return lambda n: by_n.get(f"n{n}")


@pytest.mark.parametrize(
    ("replies", "expected"),
    [
        ({"n1": 0x12, "n4": 0x12, "n3": 0x12}, PrinterStatus.READY),
        ({"n1": 0x12, "n4": 0x1E, "n3": 0x12}, PrinterStatus.PAPER_NEAR_END),
        ({"n1": 0x1A, "n4": 0x7E, "n2": 0x32}, PrinterStatus.PAPER_OUT),
        ({"n1": 0x1A, "n4": 0x12, "n2": 0x16}, PrinterStatus.COVER_OPEN),
        ({"n1": 0x1A, "n4": 0x12, "n2": 0x12}, PrinterStatus.OFFLINE),
        ({"n1": 0x12, "n4": 0x12, "n3": 0x1A}, PrinterStatus.OFFLINE),  # autocutter error
        ({}, PrinterStatus.UNKNOWN),
        ({"n1": 0x12}, PrinterStatus.UNKNOWN),  # stops answering half way
        ({"n1": 0x1A, "n4": 0x12}, PrinterStatus.UNKNOWN),  # offline, cause unknown
    ],
)
def test_interpret(replies, expected):
    assert interpret(answers(**replies)) == expected


def test_only_status_shaped_bytes_count():
    assert valid_answer(b"") is None
    assert valid_answer(b"\x12") == 0x12
    assert valid_answer(b"\xff") is None  # bit 7 set: not a status byte
    assert valid_answer(b"A") is None
    assert valid_answer(b"\x12\x1e") == 0x1E  # a late answer first: the last byte is ours
