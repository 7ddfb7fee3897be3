"""An independent PC/SC client (scriptor, pcsc-tools) agrees with the emulator."""

from __future__ import annotations

import shutil
import subprocess

import pytest

pytestmark = pytest.mark.pcsc

SCRIPT = """\
00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF
00 C0 00 00 1B
00 B2 07 28 0B
00 B2 03 28 06
00 B2 08 30 14
00 B2 07 2C 00
"""


def test_scriptor_selects_ssse_and_reads_records(stack, tmp_path):
    if shutil.which("scriptor") is None:
        pytest.fail("scriptor (Debian pcsc-tools) is required")
    stack.insert("card-2.00")
    script = tmp_path / "ssse.txt"
    script.write_text(SCRIPT)
    out = subprocess.run(
        ["scriptor", "-r", stack.reader, str(script)], capture_output=True, text=True, timeout=30
    ).stdout
    answers = [
        line[2:].split(":")[0].strip()
        for line in out.replace(" \n", " ").splitlines()
        if line.startswith("< ")
    ]
    assert answers[0] == "61 1B"
    assert answers[1].startswith("6F 19 84 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1")
    assert answers[1].endswith("A5 06 9F 0C 03 86 01 01 90 00")  # FCI flag: DES
    assert answers[2] == "07 09 42 34 34 30 33 30 36 30 31 90 00"  # card number B44030601
    assert answers[3] == "03 04 32 2E 30 30 90 00"  # spec version "2.00"
    assert answers[4] == "08 12 " + " ".join(f"{b:02X}" for b in b"440306198511224560") + " 90 00"
    assert answers[5] == "6C 0B"  # wrong Le: the right one is 0B
