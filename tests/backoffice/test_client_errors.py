"""Every error path: the service's JSON errors over HTTP, and the client's transport rules
(timeouts on every call, retries of GETs, POSTs only retried with the same key, typed errors)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from backoffice.harness import RunningService, free_port
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import (
    BackOfficeUnavailable,
    NotFound,
    ProtocolError,
    Rejected,
    Unauthorized,
)
from kiosk.config import BackOfficeConfig
from kiosk.domain.certificates import CertificateKind
from tests.helpers.backoffice import make_client, members_index, showcase
from tests.helpers.http_stub import Stub, json_answer, scripted_server

# --- the service's answers -------------------------------------------------------------------


def _config(url: str, key: str = "demo-key-KIOSK-0001") -> BackOfficeConfig:
    return BackOfficeConfig(url=url, api_key=key, connect_timeout=1.0, read_timeout=2.0)


def test_unknown_terminal_and_wrong_key_are_401(service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    with BackOfficeClient(_config(service.url), "KIOSK-9999", backoff=0) as c:
        with pytest.raises(Unauthorized) as e:
            c.summary(no)
        assert e.value.status == 401 and e.value.code == "UNAUTHORIZED"
    with (
        BackOfficeClient(_config(service.url, "wrong-key"), "KIOSK-0001", backoff=0) as c,
        pytest.raises(Unauthorized),
    ):
        c.summary(no)
    r = requests.get(f"{service.url}/v1/members/{no}/summary", timeout=5)
    assert r.status_code == 401 and r.json()["code"] == "UNAUTHORIZED"


def test_unknown_member_is_404(client: BackOfficeClient) -> None:
    for call in (client.summary, client.contributions, client.accounts, client.dues):
        with pytest.raises(NotFound) as e:
            call("99999999")
        assert e.value.code == "MEMBER_NOT_FOUND"
        assert e.value.message_zh == "未找到该参保人" and e.value.message_en == "No such member"


def test_a_typed_value_cannot_change_the_path(client: BackOfficeClient) -> None:
    with pytest.raises(Rejected) as e:
        client.summary("../../v1/health")
    assert e.value.status in (404, 422)
    with pytest.raises(NotFound):
        client.verify("../v1/health")


def test_bad_requests_are_4xx_with_the_json_error_body(
    client: BackOfficeClient, service: RunningService
) -> None:
    no = str(showcase(service, 0)["member_no"])
    headers = {"X-Terminal-Id": service.terminal_id, "Authorization": f"Bearer {service.api_key}"}
    cases = [
        ("GET", f"/v1/members/{no}/contributions?from=2024-13", 400, "BAD_PERIOD"),
        ("GET", f"/v1/members/{no}/contributions?from=2024-05&to=2024-01", 400, "BAD_PERIOD"),
        ("GET", f"/v1/members/{no}/contributions?scheme=lottery", 422, "INVALID_REQUEST"),
        ("GET", "/v1/members/abc/summary", 422, "INVALID_REQUEST"),
        ("GET", "/v1/cards/XYZ?card_number=B00000008", 422, "INVALID_REQUEST"),
        ("GET", f"/v1/members/{no}/pension-estimate?retirement_age=45", 422, "INVALID_REQUEST"),
        ("POST", f"/v1/members/{no}/certificates", 422, "INVALID_REQUEST"),
        ("GET", "/v1/nothing-here", 404, "NO_SUCH_ENDPOINT"),
        ("DELETE", f"/v1/members/{no}/summary", 405, "METHOD_NOT_ALLOWED"),
    ]
    for method, path, status, code in cases:
        r = requests.request(
            method, service.url + path, headers=headers, data="{not json", timeout=5
        )
        assert r.status_code == status, (path, r.text)
        body = r.json()
        assert body["code"] == code, path
        assert body["message_zh"] and body["message_en"]
        assert "Traceback" not in r.text
    assert "Traceback" not in service.log_text()


def test_the_access_log_never_holds_an_id_number(
    client: BackOfficeClient, service: RunningService
) -> None:
    import tomllib
    from pathlib import Path

    for m in members_index(service)[:5]:
        client.summary(str(m["member_no"]))
        client.card_status(str(m["card_identifier"]), str(m["card_number"]))
    log = service.log_text()
    assert "GET /v1/members/" in log  # the access log is on: the check below means something
    for m in members_index(service):
        profile = tomllib.loads(
            (Path(service.cards_dir or "") / str(m["card_file"])).read_text("utf-8")
        )
        assert profile["ef06"]["id_number"] not in log
        assert profile["card"]["pin"] + "\n" not in log


# --- the client's transport ------------------------------------------------------------------


class _Recorder(HTTPAdapter):
    """A real adapter that records the timeout and headers of each request, and can lose the
    first answer (the request reaches the service; the kiosk never hears back)."""

    def __init__(self, lose_first: bool = False) -> None:
        super().__init__()
        self.lose_first = lose_first
        self.calls: list[dict[str, Any]] = []
        self.lost_answers: list[requests.Response] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.calls.append({"timeout": kwargs.get("timeout"), "headers": dict(request.headers)})
        response = super().send(request, **kwargs)
        if self.lose_first and not self.lost_answers:
            self.lost_answers.append(response)
            raise requests.ConnectionError("connection reset while reading the answer")
        return response


def test_timeouts_from_config_on_every_call(service: RunningService) -> None:
    recorder = _Recorder()
    with make_client(service) as c:
        c.session.mount("http://", recorder)
        no = str(showcase(service, 0)["member_no"])
        c.summary(no)
        c.dues(no)
        c.heartbeat({"card_reader": "ok"})
    assert len(recorder.calls) == 3
    assert all(call["timeout"] == (2.0, 10.0) for call in recorder.calls)


def test_a_post_whose_answer_was_lost_is_retried_with_the_same_key(
    service: RunningService,
) -> None:
    recorder = _Recorder(lose_first=True)
    no = str(showcase(service, 2)["member_no"])
    with make_client(service) as c:
        c.session.mount("http://", recorder)
        cert = c.issue_certificate(no, CertificateKind.PARTICIPATION, months=12)
    assert len(recorder.calls) == 2
    keys = [call["headers"]["Idempotency-Key"] for call in recorder.calls]
    assert keys[0] == keys[1] and len(keys[0]) >= 16
    first = recorder.lost_answers[0].json()
    assert first["certificate_id"] == cert.certificate_id  # issued once, not twice


def test_no_back_office_is_unavailable_after_retries() -> None:
    port = free_port()  # nothing listens here
    sleeps: list[float] = []
    c = BackOfficeClient(_config(f"http://127.0.0.1:{port}"), "KIOSK-0001", sleep=sleeps.append)
    with pytest.raises(BackOfficeUnavailable):
        c.summary("110100012345")
    assert sleeps == [0.25, 0.5, 1.0]  # exponential backoff between the 4 attempts
    sleeps.clear()
    with pytest.raises(BackOfficeUnavailable):
        c.heartbeat({})
    assert len(sleeps) == 3


@pytest.fixture
def stub() -> Iterator[tuple[str, type[Stub]]]:
    with scripted_server() as server:
        yield server


_json = json_answer


CARD = {
    "card_identifier": "110100D15600000501000000000001FF",
    "card_number": "B00000008",
    "status": "valid",
    "member_no": "110100012345",
}


def test_gets_are_retried_on_503(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [_json(503, {}), _json(503, {}), _json(200, CARD)]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    assert c.card_status(CARD["card_identifier"], CARD["card_number"]).member_no == "110100012345"
    assert len(handler.seen) == 3


def test_posts_are_retried_with_the_same_key_on_503(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [
        _json(503, {}),
        _json(200, {"terminal_id": "K", "server_time": "2026-06-20T10:00:00"}),
    ]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    c.heartbeat({})
    keys = [h["Idempotency-Key"] for _m, _p, h in handler.seen]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_a_500_is_unavailable_without_retry(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [_json(500, {"code": "INTERNAL_ERROR", "message_zh": "x", "message_en": "x"})]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    with pytest.raises(BackOfficeUnavailable):
        c.summary("110100012345")
    assert len(handler.seen) == 1


@pytest.mark.parametrize(
    "answer",
    [
        (200, b"<html>proxy login</html>", "text/html"),
        _json(200, {**CARD, "status": "stolen"}),
        _json(200, {k: v for k, v in CARD.items() if k != "member_no"}),
        _json(200, {**CARD, "member_no": 110100012345}),
        _json(200, [CARD]),
        _json(400, {"error": "bad"}),
        (404, b"Not Found", "text/plain"),
    ],
)
def test_answers_that_break_the_api_are_protocol_errors(
    stub: tuple[str, type[Stub]], answer: tuple[int, bytes, str]
) -> None:
    url, handler = stub
    handler.script = [answer]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    with pytest.raises(ProtocolError):
        c.card_status(CARD["card_identifier"], CARD["card_number"])


def test_money_that_is_not_a_string_is_a_protocol_error(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [
        _json(
            200,
            {
                "member_no": "1",
                "pension_balance": 12.5,
                "medical_balance": "1.00",
                "pension_years": [],
            },
        )
    ]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    with pytest.raises(ProtocolError):
        c.accounts("1")


_ROW = {
    "scheme": "pension",
    "period": "2025-03",
    "base": "6653.48",
    "employer_part": "0.00",  # an individual has no employer part
    "personal_part": "1330.70",  # 6,653.48 x 20% = 1,330.696 -> 1,330.70
    "subsidy": "0.00",
    "status": "paid",
    "payer": "个人",
    "paid_on": None,
}


@pytest.mark.parametrize(
    "bad",
    [
        {"status": "stolen"},  # an unknown code, after good rows with the same field
        {"scheme": "pension2"},
        {"period": "2025-13"},
        {"base": 6653.48},  # money as a float
        {"personal_part": "5x"},
        {"payer": None},
    ],
)
def test_a_history_row_that_breaks_the_api_is_a_protocol_error(
    stub: tuple[str, type[Stub]], bad: dict[str, Any]
) -> None:
    url, handler = stub
    rows = [_ROW, _ROW, {**_ROW, **bad}]
    handler.script = [_json(200, {"member_no": "1", "count": 3, "rows": rows})]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    with pytest.raises(ProtocolError):
        c.contributions("1")


def test_history_rows_share_equal_values_and_keep_them_apart(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    rows = [_ROW, {**_ROW, "period": "2025-04", "status": "arrears", "base": "7000.00"}]
    handler.script = [_json(200, {"member_no": "1", "count": 2, "rows": rows})]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    a, b = c.contributions("1")
    assert (str(a.period), str(b.period)) == ("2025-03", "2025-04")
    assert (a.status.value, b.status.value) == ("paid", "arrears")
    assert (a.base.yuan, b.base.yuan) == (Decimal("6653.48"), Decimal("7000.00"))
    assert a.personal_part is b.personal_part  # one parsed amount for one text


def test_a_rejection_carries_code_and_both_messages(stub: tuple[str, type[Stub]]) -> None:
    url, handler = stub
    handler.script = [
        _json(409, {"code": "CARD_VOID", "message_zh": "已注销", "message_en": "Void"})
    ]
    c = BackOfficeClient(_config(url), "KIOSK-0001", sleep=lambda _s: None)
    with pytest.raises(Rejected) as e:
        c.report_loss(CARD["card_identifier"], CARD["card_number"])
    assert (e.value.status, e.value.code, e.value.message("en")) == (409, "CARD_VOID", "Void")
    assert not isinstance(e.value, NotFound)
    assert len(handler.seen) == 1  # a refusal is an answer: never retried


def test_tls_settings_come_from_config(tmp_path: Any) -> None:
    ca = tmp_path / "ca.pem"
    cert = tmp_path / "kiosk.pem"
    key = tmp_path / "kiosk.key"
    for f in (ca, cert, key):
        f.write_text("x")
    config = BackOfficeConfig(
        url="https://bo.example", api_key="k", ca_file=ca, client_cert=cert, client_key=key
    )
    c = BackOfficeClient(config, "KIOSK-0001")
    assert c.session.verify == str(ca)
    assert c.session.cert == (str(cert), str(key))
    assert c.session.headers["Authorization"] == "Bearer k"


def test_the_client_does_not_import_kivy_or_screens() -> None:
    import subprocess
    import sys

    code = (
        "import sys, kiosk.backoffice.client; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('kivy', 'screens')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
