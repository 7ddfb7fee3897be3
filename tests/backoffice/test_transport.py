"""The kiosk's one transport (kiosk/backoffice/transport.py): its retry policy as the records
client, the payments client and the card session see it, against a scripted server on
127.0.0.1; and no module of the kiosk sending HTTP past it."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from backoffice.harness import free_port
from kiosk.backoffice.card_session import CardSessionApi, refused
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import (
    BackOfficeUnavailable,
    ProtocolError,
    Rejected,
)
from kiosk.config import BackOfficeConfig
from kiosk.domain import Money
from kiosk.payments.client import PaymentClient
from tests.helpers.http_stub import Stub, json_answer, scripted_server
from tests.helpers.paths import REPO

ORDER = {"order_no": "K0001000000000001", "idempotency_key": "intent-0001", "state": "cancelled"}
KEY = "Idempotency-Key"


@pytest.fixture
def stub() -> Iterator[tuple[str, type[Stub]]]:
    with scripted_server() as server:
        yield server


def _client(url: str, sleeps: list[float] | None = None) -> BackOfficeClient:
    config = BackOfficeConfig(url=url, api_key="k", connect_timeout=1.0, read_timeout=2.0)
    sleep = (lambda _s: None) if sleeps is None else sleeps.append
    return BackOfficeClient(config, "KIOSK-0001", sleep=sleep)


def _keys(handler: type[Stub]) -> list[str | None]:
    return [headers.get(KEY) for _m, _p, headers in handler.seen]


# --- POSTs: retried only with their key --------------------------------------------------------


def test_a_payment_post_without_an_intent_key_gets_one_and_keeps_it_on_retry(
    stub: tuple[str, type[Stub]],
) -> None:
    url, handler = stub
    handler.script = [json_answer(503, {}), json_answer(200, ORDER)]
    pay = PaymentClient(_client(url))
    assert pay.cancel(ORDER["order_no"]).state.value == "cancelled"
    first, second = _keys(handler)
    assert first is not None and len(first) >= 16 and first == second
    handler.script = [json_answer(200, ORDER)]
    pay.cancel(ORDER["order_no"])
    assert _keys(handler)[2] not in (None, first)  # a new call, a new key


def test_a_500_after_the_work_is_retried_for_a_keyed_post_with_the_same_key(
    stub: tuple[str, type[Stub]],
) -> None:
    url, handler = stub
    lost = {"code": "INTERNAL_ERROR", "message_zh": "系统内部错误", "message_en": "Internal error"}
    handler.script = [json_answer(500, lost), json_answer(200, {**ORDER, "state": "posted"})]
    order = PaymentClient(_client(url)).pay_card(ORDER["order_no"], "intent-0001-pay", "X1")
    assert order.state.value == "posted"
    assert _keys(handler) == ["intent-0001-pay", "intent-0001-pay"]


def test_a_500_on_a_read_is_unavailable_at_once(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [json_answer(500, {})]
    with pytest.raises(BackOfficeUnavailable):
        PaymentClient(_client(url)).order(ORDER["order_no"])
    assert len(handler.seen) == 1


def test_a_409_of_a_payment_is_an_answer_never_retried(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [
        json_answer(
            409,
            {"code": "IDEMPOTENCY_CONFLICT", "message_zh": "请求冲突", "message_en": "Conflict"},
        )
    ]
    with pytest.raises(Rejected) as e:
        PaymentClient(_client(url)).create_order(
            "intent-0001", "Q1", "110100012345", Money.of("1.00")
        )
    assert (e.value.status, e.value.code) == (409, "IDEMPOTENCY_CONFLICT")
    assert len(handler.seen) == 1


def test_payment_calls_back_off_from_0_2_s_three_sends_in_all() -> None:
    sleeps: list[float] = []
    pay = PaymentClient(_client(f"http://127.0.0.1:{free_port()}", sleeps))  # nobody listens
    with pytest.raises(BackOfficeUnavailable):
        pay.order(ORDER["order_no"])
    assert sleeps == [0.2, 0.4]  # 0.2, then doubled: 3 sends


# --- sent once: the card session ---------------------------------------------------------------


def test_card_session_calls_are_sent_once_without_a_key(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    api = CardSessionApi(_client(url).transport)
    handler.script = [json_answer(503, {})]
    with pytest.raises(BackOfficeUnavailable) as unavailable:
        api.challenge("110100D15600000501000000000001FF")
    handler.script = [(403, b"<html>forbidden</html>", "text/html")]
    with pytest.raises(ProtocolError) as bare_refusal:
        api.open("c1", "SM4", b"\x01" * 8)
    handler.script = [json_answer(503, {})]
    with pytest.raises(BackOfficeUnavailable):
        api.close("token")
    assert [m for m, _p, _h in handler.seen] == ["POST", "POST", "DELETE"]
    assert _keys(handler) == [None, None, None]
    # A refusal with or without the API's body says the proof failed; a 503 says nothing.
    assert refused(bare_refusal.value) and not refused(unavailable.value)
    assert refused(Rejected(403, "CARD_NOT_PRESENT", "卡片不在", "Card not present"))


# --- every call --------------------------------------------------------------------------------


def test_the_transport_signs_every_request_when_the_config_has_a_key(
    stub: tuple[str, type[Stub]], tmp_path: Path
) -> None:
    url, handler = stub
    key_file = tmp_path / "signing.key"
    key_file.write_text("00" * 32)
    config = BackOfficeConfig(url=url, api_key="k", signing_key_file=key_file)
    handler.script = [json_answer(200, {"terminal_id": "K", "server_time": "2026-06-20T10:00:00"})]
    BackOfficeClient(config, "KIOSK-0001").heartbeat({})
    (_m, _p, headers), *_ = handler.seen
    assert headers["X-Key-Id"] == "KIOSK-0001" and len(headers["X-Signature"]) == 64


# --- nothing past the transport ----------------------------------------------------------------

ALLOWED = {"kiosk/backoffice/transport.py", "kiosk/backoffice/signing.py"}


def uses_of_requests(source: str) -> list[int]:
    """Lines that import requests or reach a `requests.` name."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (
            (
                isinstance(node, ast.Import)
                and any(a.name.split(".")[0] == "requests" for a in node.names)
            )
            or (
                isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "requests"
            )
            # read, not a field or variable of that name being declared or set
            or (
                isinstance(node, ast.Name)
                and node.id == "requests"
                and isinstance(node.ctx, ast.Load)
            )
        ):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_a_direct_call() -> None:
    assert uses_of_requests("import requests\nrequests.get('http://x')\n") == [1, 2]
    assert uses_of_requests("from requests.adapters import HTTPAdapter\n") == [1]
    assert uses_of_requests("def f(t):\n    return t.get('/v1/health')\n") == []
    # a dataclass field named `requests` (kiosk/domain/transfer.py) is not the library
    assert uses_of_requests("class T:\n    requests: tuple[int, ...]\n") == []
    assert uses_of_requests("x = requests.Session()\n") == [1]


def test_no_module_of_the_kiosk_sends_http_past_the_transport() -> None:
    found = []
    files = sorted((REPO / "kiosk").rglob("*.py"))
    assert len(files) > 20  # the scan sees the package
    for path in files:
        rel = path.relative_to(REPO).as_posix()
        if rel not in ALLOWED:
            found += [f"{rel}:{n}" for n in uses_of_requests(path.read_text("utf-8"))]
    assert found == []
