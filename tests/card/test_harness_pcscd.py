"""cardio.harness.pcscd_running when vpcd's port is taken.

vpcd listens on 35963/35964, inside Linux's range of ephemeral ports: any client socket the
machine opens may be given one and hold it for 60 s in TIME_WAIT. The CI run of 2026-12-04 lost
every card test to that (pcscd's log: "Address already in use"). Here the pcscd started is a
stand-in process that writes what pcscd writes, so the machine's own pcscd is not touched;
every card test runs the real one through the same function."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from cardio import harness

TAKEN = (
    "Address already in use\n"
    "00000000 ifd-vpcd.c:120:IFDHCreateChannel() Could not initialize connection to virtual ICC\n"
)


@pytest.fixture
def fake_pcscd(monkeypatch, tmp_path):
    """pcscd_running with no pcscd on the machine; each start runs a process that writes the
    next of `outputs` to the log and stays; the reader is listed once a start wrote "ok"."""
    starts: list[int] = []
    outputs: list[str] = []
    listed = {"now": False}

    def start(_binary: str, log_path: Path):
        import subprocess

        said = outputs[min(len(starts), len(outputs) - 1)]
        starts.append(1)
        listed["now"] = said == "ok"
        with open(log_path, "ab") as log:
            return subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    f"import sys,time; print({said!r}, flush=True); time.sleep(60)",
                ],
                stdout=log,
            )

    monkeypatch.setattr(harness, "pcscd_pid", lambda: None)
    monkeypatch.setattr(harness, "_start_pcscd", start)
    monkeypatch.setattr(harness, "_pcsc_state", lambda _r: (listed["now"], False))
    return starts, outputs, tmp_path


def test_pcscd_is_started_again_until_vpcds_port_is_free(fake_pcscd):
    starts, outputs, log_dir = fake_pcscd
    outputs += [TAKEN, TAKEN, "ok"]
    with harness.pcscd_running(log_dir=log_dir, timeout=5):
        assert len(starts) == 3  # two that could not listen, then the one that lists the reader


def test_a_port_never_freed_ends_in_a_clear_error(fake_pcscd):
    starts, outputs, log_dir = fake_pcscd
    outputs += [TAKEN]
    with (
        pytest.raises(harness.HarnessError, match=r"35963 or 35964.*ip_local_reserved_ports"),
        harness.pcscd_running(log_dir=log_dir, timeout=5, port_wait=0),
    ):
        pass
    assert len(starts) == 1


def test_another_failure_is_not_retried(fake_pcscd):
    starts, outputs, log_dir = fake_pcscd
    outputs += ["some other trouble"]
    with (
        pytest.raises(harness.HarnessError, match="lists no 'Virtual PCD' reader"),
        harness.pcscd_running(log_dir=log_dir, timeout=0.5),
    ):
        pass
    assert len(starts) == 1
