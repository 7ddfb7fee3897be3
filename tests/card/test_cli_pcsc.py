"""The command lines: python -m cardio and python -m cardio.emulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.pcsc
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, cwd=ROOT, input=stdin, timeout=60
    )


def test_read_masks_numbers_unless_full(stack):
    stack.insert("card-3.00")
    out = run("-m", "cardio", "read")
    assert out.returncode == 0, out.stderr
    assert "110***********1233" in out.stdout and "110101199003071233" not in out.stdout
    assert "张三" in out.stdout and "3.00" in out.stdout and " ms" in out.stdout
    full = json.loads(run("-m", "cardio", "read", "--json", "--full").stdout)
    assert full["id_number"] == "110101199003071233" and full["genuine"] is True


def test_read_errors_are_one_bilingual_line(stack):
    out = run("-m", "cardio", "read")  # no card inserted
    assert out.returncode != 0 and out.stdout == ""
    assert out.stderr.strip() == "请插入社会保障卡 / no card in the reader"
    out = run("-m", "cardio", "--reader", "^Nope$", "read")
    assert (
        out.returncode != 0 and len(out.stderr.strip().splitlines()) == 1 and "读卡器" in out.stderr
    )


def test_read_forged_card_says_not_genuine(stack):
    stack.insert("card-forged")
    out = run("-m", "cardio", "read")
    assert out.returncode != 0 and "否" in out.stdout


def test_verify_pin_command(stack):
    stack.insert("card-3.00")
    assert run("-m", "cardio", "verify-pin", stdin="246810\n").returncode == 0
    bad = run("-m", "cardio", "verify-pin", stdin="000000\n")
    assert (
        bad.returncode != 0
        and "还可尝试 2 次" in bad.stderr
        and "000000" not in bad.stderr + bad.stdout
    )


def test_emulator_control_commands(stack):
    base = ("-m", "cardio.emulator", "--run-dir", str(stack.run_dir))
    assert run(*base, "insert", "card-2.00").returncode == 0
    assert json.loads(run(*base, "status").stdout)["card"] == "card-2.00"
    assert run(*base, "remove").returncode == 0
    assert json.loads(run(*base, "status").stdout)["card"] is None
    bad = run(*base, "insert", "no-such-profile")
    assert bad.returncode != 0 and "no-such-profile" in bad.stdout
    assert run(*base, "fault", "3").returncode == 0


def test_no_pcsc_service_is_reader_unavailable():
    import os

    # pcsc-lite finds pcscd through this socket path: point it at nothing.
    env = {**os.environ, "PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm"}
    code = (
        "from cardio.reader import CardReader\n"
        "from cardio.security import SoftwareSecurityModule\n"
        "from cardio.errors import ReaderUnavailable\n"
        "r = CardReader('Virtual PCD 00 00', SoftwareSecurityModule())\n"
        "try:\n    r.read_card()\nexcept ReaderUnavailable as e:\n    print('unavailable:', e)\n"
        "print('present:', r.card_present())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert "unavailable: 智能卡服务" in out.stdout and "present: False" in out.stdout, out.stderr
    cli = subprocess.run(
        [sys.executable, "-m", "cardio", "read"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert cli.returncode != 0 and "PC/SC service unavailable" in cli.stderr
