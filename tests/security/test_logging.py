"""Application logs: rotating files, ID and card numbers masked, PIN-like records dropped."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.harness import REPO, _stop, _wait_healthy, free_port
from backoffice.tls_harness import _wait as _wait_tls
from backoffice.tls_harness import provision_kiosks, tls_command
from kiosk.config import LoggingConfig
from kiosk.logging_setup import configure_logging, redact

ID = "11010519491231002X"


@pytest.fixture
def logfile(tmp_path):
    path = configure_logging(
        LoggingConfig(dir=tmp_path, level="DEBUG", max_bytes=10_000, backups=2), console=False
    )
    yield path
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_kiosk_handler", False):
            root.removeHandler(h)
            h.close()


def _flush():
    for h in logging.getLogger().handlers:
        h.flush()


def test_ids_and_card_numbers_are_masked_in_any_logger(logfile):
    logging.getLogger("urllib3.somewhere").warning("member %s card %s", ID, "X00000019")
    logging.getLogger("kiosk.x").info("bank card 6222021234567890123 paid")
    _flush()
    text = logfile.read_text()
    assert "110***********002X" in text and "X0****019" in text and "62**************123" in text
    for secret in (ID, "X00000019", "6222021234567890123"):
        assert secret not in text


def test_tracebacks_are_redacted(logfile):
    try:
        raise ValueError(f"no member with id {ID}")
    except ValueError:
        logging.getLogger("kiosk").exception("lookup failed")
    _flush()
    text = logfile.read_text()
    assert "ValueError: no member with id 110***********002X" in text
    assert ID not in text


@pytest.mark.parametrize(
    "msg", ["PIN: 135790", "verify pin=135790 failed", "new_pin 135790", "密码 135790"]
)
def test_pin_like_records_are_dropped(logfile, msg):
    logging.getLogger("kiosk").error(msg)
    _flush()
    text = logfile.read_text()
    assert "135790" not in text
    assert "looked like it held a PIN was dropped" in text


def test_ordinary_numbers_survive():
    assert redact("region 110100, 3 tries left, order 20260601-000123") == (
        "region 110100, 3 tries left, order 20260601-000123"
    )


def test_logs_rotate(logfile):
    log = logging.getLogger("kiosk.rotate")
    for i in range(400):
        log.info("line %d of a long enough message to fill the file quickly", i)
    _flush()
    names = sorted(p.name for p in logfile.parent.iterdir())
    assert names == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]


# --- what is masked, what is hidden, what stays (kiosk.redaction) --------------------------
# Masks by hand: an ID keeps its first 3 and last 4 characters, 18 - 3 - 4 = 11 stars; a card
# number its first 2 and last 3, 16 - 2 - 3 = 11 stars, 19 - 5 = 14.

ID_MASKED = "110" + "*" * 11 + "1234"  # of 110101199003071234


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ID110101199003071234", "ID" + ID_MASKED),  # glued to letters
        ("id_no:110101199003071234.", "id_no:" + ID_MASKED + "."),
        ("1101 0119 9003 0712 34", ID_MASKED),  # in groups of 4
        ("身份证 110101 19900307 1234 查询", "身份证 " + ID_MASKED + " 查询"),  # 6-8-4
        ("110101-19900307-1234", ID_MASKED),
        ("11010519491231002x", "110" + "*" * 11 + "002x"),
        ("1101 0519 4912 3100 2X", "110" + "*" * 11 + "002X"),
        # Luhn of 4111111111111111, from the right: the 8 undoubled digits are 1s -> 8; the
        # doubled ones are seven 1s -> 14 and the leading 4 -> 8; 8 + 14 + 8 = 30, ends in 0.
        ("card 4111 1111 1111 1111 paid", "card 41" + "*" * 11 + "111 paid"),
        ("pan=6222021234567890123", "pan=62" + "*" * 14 + "123"),
        ("Authorization: Bearer demo-key-KIOSK-0001", "Authorization: ***"),
        ("sent bearer api-AbCdEfGhIjKlMnOpQrStUvWx", "sent bearer ***"),
        (
            "{'X-Card-Session': 'pM3x_Q9v-T2kLr8sW4yZ0aBcDeFgHiJkLmNoPqRsTuV'}",
            "{'X-Card-Session': '***'}",
        ),
        (
            '{"token": "pM3x_Q9v-T2kLr8sW4yZ0aBcDeFgHiJkLmNoPqRsTuV", "member_no": "110100037035"}',
            '{"token": "***", "member_no": "110100037035"}',
        ),
        ("opened pM3x_Q9v-T2kLr8sW4yZ0aBcDeFgHiJkLmNoPqRsTuV for", "opened *** for"),
        ("key demo-key-KIOSK-0002 refused", "key *** refused"),
        ("api_key=api-AbCdEfGhIjKlMnOpQrStUvWxYz012345&x=1", "api_key=***&x=1"),
        ("signing_key: 00112233445566778899aabbccddeeff", "signing_key: ***"),
    ],
)
def test_numbers_and_secrets_that_must_not_stay(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "paid 1,152.90 of 2,305.80 yuan",  # amounts
        "on 2026-06-20 10:30:45 and 2026/06/20",  # dates and times
        "months 202401 202402 202403",  # YYYYMM: 18 digits, but no province '20', no birth date
        "months 2024-01 2024-02 2024-03 2024-04 2024-05",
        "order 20260601-000123 and 20260601-000124",  # order numbers
        "call 138 0013 8000 or 13800138000",  # 11-digit phones stay (we hold none)
        "card 110100D15600000503000000000001FF",  # card identifier (hex)
        "head 18230:9f3c2a7d1e0b4c5a6d7e8f9011223344556677889900aabbccddeeff00112233",
        "apdu 00 84 00 00 08 00 a4 04 00 10",  # byte dumps
        "4111 1111 1111 1112",  # the sum above with 2 in place of the last 1: 31, not Luhn
        "member 110100037035, 3 tries left, region 110100",
        "test_a_second_terminal_header_cannot_borrow_another_kiosks_card_session",
        "1101 0119 9013 0712 34",  # grouped, born in month 13: not an ID
        "tokens: 5, api key missing",
        "123456789012345678901234",  # 24 digits: no ID, no card number
    ],
)
def test_what_stays_readable(text):
    assert redact(text) == text


def test_new_forms_are_redacted_in_the_log_file_and_its_tracebacks(logfile):
    token = "pM3x_Q9v-T2kLr8sW4yZ0aBcDeFgHiJkLmNoPqRsTuV"
    try:
        raise LookupError(f"no member ID110101199003071234 (1101 0119 9003 0712 34) {token}")
    except LookupError:
        logging.getLogger("urllib3.connectionpool").exception(
            "sent %s", {"Authorization": "Bearer demo-key-KIOSK-0001"}
        )
    _flush()
    text = logfile.read_text()
    assert f"LookupError: no member ID{ID_MASKED} ({ID_MASKED}) ***" in text
    assert "sent {'Authorization': '***'}" in text
    for secret in ("110101199003071234", "1101 0119", "demo-key", token):
        assert secret not in text


# --- the back office's own logs: every logger, uvicorn's included ---------------------------

SECRET_ID = "110101199003071234"
# Test-only: the real `serve` / `backoffice.tls` entry point, with one more route that fails
# with an ID number (and an API key) in its message, the way a bug quoting a request would.
BOOM = """
import sys
import backoffice.app as app_module
original = app_module.create_app
def with_boom(*args, **kwargs):
    app = original(*args, **kwargs)
    @app.get("/boom/{what}")
    def boom(what: str):
        raise RuntimeError(f"no member ID{what} (1101 0119 9003 0712 34), Bearer demo-key-X")
    return app
app_module.create_app = with_boom
from {module} import main
sys.exit(main(sys.argv[1:]))
"""


@contextlib.contextmanager
def failing_service(tmp_path, module: str, args: list[str], wait) -> Iterator[Path]:
    log_file = tmp_path / f"{module}.log"
    with log_file.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", BOOM.replace("{module}", module), *args],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait(proc, log_file)
            yield log_file
        finally:
            _stop(proc)


def _until_logged(log_file: Path, *needles: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        text = log_file.read_text(encoding="utf-8", errors="replace")
        if all(n in text for n in needles) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def _assert_redacted(text: str) -> None:
    assert "Exception in ASGI application" in text, text  # uvicorn.error's traceback
    assert "unhandled error on GET /boom/" in text, text  # ours (backoffice)
    assert f"RuntimeError: no member ID{ID_MASKED} ({ID_MASKED}), Bearer ***" in text, text
    for secret in (SECRET_ID, "1101 0119", "demo-key-X"):
        assert secret not in text, text


def test_the_plain_service_log_redacts_uvicorns_tracebacks_and_the_access_log(tmp_path, db_copy):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = ["serve", "--lab", "--db", str(db_copy), "--port", str(port), "--access-log"]
    wait = lambda proc, log: _wait_healthy(url, proc, log, 30)  # noqa: E731
    with failing_service(tmp_path, "backoffice.__main__", args, wait) as log_file:
        assert requests.get(f"{url}/boom/{SECRET_ID}", timeout=5).status_code == 500
        # A path is logged by the access log: an ID number in one is masked there too.
        r = requests.get(
            f"{url}/v1/members/{SECRET_ID}/summary",
            headers={"X-Terminal-Id": "KIOSK-0001", "Authorization": "Bearer demo-key-KIOSK-0001"},
            timeout=5,
        )
        assert r.status_code == 422  # not a member number; the path is logged all the same
        text = _until_logged(log_file, "Exception in ASGI application", "/summary")
    _assert_redacted(text)
    assert f"GET /v1/members/{ID_MASKED}/summary 422" in text, text


def test_the_tls_service_log_redacts_uvicorns_tracebacks(tmp_path, db_copy, pki):
    port = free_port()
    provision_kiosks(db_copy, pki)
    cmd = tls_command(db_copy, pki, port)
    assert cmd[:3] == [sys.executable, "-m", "backoffice.tls"]
    url = f"https://127.0.0.1:{port}"
    kiosk = pki / "kiosks" / "KIOSK-0001"
    cert = (str(kiosk / "cert.pem"), str(kiosk / "key.pem"))
    verify = str(pki / "ca.pem")
    wait = lambda proc, log: _wait_tls(url, proc, log, 30, verify, cert)  # noqa: E731
    with failing_service(tmp_path, "backoffice.tls", cmd[3:], wait) as log_file:
        r = requests.get(f"{url}/boom/{SECRET_ID}", timeout=5, verify=verify, cert=cert)
        assert r.status_code == 500
        text = _until_logged(log_file, "Exception in ASGI application")
    _assert_redacted(text)
