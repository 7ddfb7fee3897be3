"""docs/openapi.json says what the live service answers (issue 15): each point checked against
the real service over HTTP, so a drift of either fails here (schemathesis fuzzes the rest:
test_schemathesis.py).

- payment answers have schemas, and the served bodies validate against them;
- the real status codes are documented: 201 for a new order, 409 IDEMPOTENCY_CONFLICT,
  400 REPEATED_HEADER, 401, 404 per route, and a 405 carries Allow;
- authentication is security schemes, not optional header parameters;
- every date-time the service sends carries its UTC offset, and the kiosk still reads it;
- /verify and /receipts answer their 404s in the content types the document gives them."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import pytest
import requests

from backoffice.harness import RunningService
from kiosk.domain import wire

REPO = Path(__file__).resolve().parents[2]
DOC: dict[str, Any] = json.loads((REPO / "docs" / "openapi.json").read_text("utf-8"))


@pytest.fixture
def svc(sqlite_service: RunningService) -> RunningService:
    return sqlite_service


def _auth(svc: RunningService) -> dict[str, str]:
    return {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}


def _op(method: str, path: str) -> dict[str, Any]:
    op: dict[str, Any] = DOC["paths"][path][method]
    return op


def _conforms(method: str, path: str, r: requests.Response) -> None:
    """The answer's status and content type are documented for the operation, and a JSON body
    validates against the documented schema (formats checked: a date-time needs its offset)."""
    responses = _op(method, path)["responses"]
    assert str(r.status_code) in responses, (method, path, r.status_code, sorted(responses))
    content = responses[str(r.status_code)].get("content", {})
    media = r.headers.get("content-type", "").split(";")[0]
    assert media in content, (method, path, r.status_code, media, sorted(content))
    schema = content[media].get("schema")
    if media == "application/json" and schema is not None:
        validator = jsonschema_rs.validator_for(
            {**schema, "components": DOC["components"]}, validate_formats=True
        )
        errors = [e.message for e in validator.iter_errors(r.json())]
        assert not errors, (method, path, errors[:3])


def _month(svc: RunningService, member_no: str, nth: int) -> tuple[str, str]:
    r = requests.get(f"{svc.url}/v1/members/{member_no}/dues", headers=_auth(svc), timeout=30)
    due = next(d for d in r.json()["dues"] if d["kind"] == "flexible" and d["periods"])
    return due["scheme"], due["periods"][nth]


def _posted(
    svc: RunningService, path: str, body: dict[str, Any], key: str | None = None
) -> requests.Response:
    headers = _auth(svc) | ({"Idempotency-Key": key} if key else {})
    return requests.post(svc.url + path, json=body, headers=headers, timeout=30)


def test_auth_is_security_schemes_not_parameters() -> None:
    schemes = DOC["components"]["securitySchemes"]
    assert schemes["terminalId"] == {
        **schemes["terminalId"],
        "in": "header",
        "name": "X-Terminal-Id",
    }
    assert schemes["terminalKey"]["scheme"] == "bearer"
    for path, ops in DOC["paths"].items():
        for method, op in ops.items():
            headers = {p["name"].lower() for p in op.get("parameters", []) if p["in"] == "header"}
            assert not headers & {"x-terminal-id", "authorization", "x-card-session"}, path
            public = path in ("/v1/health", "/verify/{code}", "/receipts/{order_no}")
            assert (op["security"] == []) is public, (method, path)


def test_an_operation_with_security_refuses_without_it(svc: RunningService) -> None:
    """401 without the headers, 400 REPEATED_HEADER with one twice: both documented."""
    path = "/v1/terminals/heartbeat"
    r = requests.post(svc.url + path, json={}, timeout=10)
    assert r.status_code == 401
    _conforms("post", path, r)
    # requests joins a repeated name into one header: http.client sends it twice.
    host = urlsplit(svc.url)
    conn = http.client.HTTPConnection(host.hostname or "", host.port, timeout=10)
    conn.putrequest("POST", path)
    for name, value in [
        ("X-Terminal-Id", svc.terminal_id),
        ("X-Terminal-Id", "KIOSK-0002"),
        ("Authorization", f"Bearer {svc.api_key}"),
        ("Content-Type", "application/json"),
        ("Content-Length", "2"),
    ]:
        conn.putheader(name, value)
    conn.endheaders(b"{}")
    answer = conn.getresponse()
    body = json.loads(answer.read())
    conn.close()
    assert answer.status == 400 and body["code"] == "REPEATED_HEADER"
    assert "400" in _op("post", path)["responses"]


def test_a_405_carries_allow(svc: RunningService) -> None:
    r = requests.put(svc.url + "/v1/orders", headers=_auth(svc), timeout=10)
    assert r.status_code == 405 and r.json()["code"] == "METHOD_NOT_ALLOWED"
    assert r.headers["Allow"] == "POST"
    r = requests.delete(svc.url + "/verify/ABCD", timeout=10)
    assert r.status_code == 405 and r.headers["Allow"] == "GET"


def test_payment_answers_are_documented_and_their_instants_have_an_offset(
    svc: RunningService,
) -> None:
    member_no = "110100094334"  # flexible, pays by card (tests/backoffice/schemathesis.toml)
    scheme, month = _month(svc, member_no, 0)
    path = "/v1/members/{member_no}/quotes"
    r = _posted(svc, f"/v1/members/{member_no}/quotes", {"scheme": scheme, "periods": [month]})
    assert r.status_code == 201
    _conforms("post", path, r)
    quote = r.json()

    key = f"served-{uuid.uuid4().hex}"
    body = {"quote_id": quote["quote_id"], "member_no": member_no, "amount": quote["total"]}
    created = _posted(svc, "/v1/orders", body, key)
    assert created.status_code == 201  # documented 201, not the 200 FastAPI assumed
    _conforms("post", "/v1/orders", created)
    again = _posted(svc, "/v1/orders", body, key)
    assert again.status_code == 201 and again.json()["order_no"] == created.json()["order_no"]
    other = _posted(svc, "/v1/orders", {**body, "amount": "0.01"}, key)
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_CONFLICT"
    _conforms("post", "/v1/orders", other)

    order_no = created.json()["order_no"]
    paid = _posted(
        svc,
        f"/v1/orders/{order_no}/pay",
        {"method": "card", "account": "6217000010001234567"},
        f"served-pay-{uuid.uuid4().hex}",
    )
    _conforms("post", "/v1/orders/{order_no}/pay", paid)
    order = paid.json()
    assert order["state"] == "posted"
    for field in ("created_at", "paid_at"):
        assert dt.datetime.fromisoformat(order[field]).utcoffset() is not None, order[field]
    # The kiosk reads the order as before: an aware instant.
    read = wire.order(order).paid_at
    assert read is not None and read.utcoffset() is not None

    for method, template, url in [
        ("get", "/v1/orders/{order_no}", f"/v1/orders/{order_no}"),
        ("get", "/v1/orders/by-key/{key}", f"/v1/orders/by-key/{key}"),
    ]:
        r = requests.request(method, svc.url + url, headers=_auth(svc), timeout=10)
        assert r.status_code == 200
        _conforms(method, template, r)
    r = requests.get(f"{svc.url}/v1/orders/P0000000000", headers=_auth(svc), timeout=10)
    assert r.status_code == 404 and r.json()["code"] == "ORDER_NOT_FOUND"
    _conforms("get", "/v1/orders/{order_no}", r)
    r = _posted(svc, "/v1/reconciliation", {"date": "2026-06-20"})
    assert r.status_code == 200
    _conforms("post", "/v1/reconciliation", r)

    page = requests.get(f"{svc.url}/receipts/{order_no}", timeout=10)
    assert page.status_code == 200
    _conforms("get", "/receipts/{order_no}", page)


def test_heartbeat_and_certificate_instants_have_an_offset(svc: RunningService) -> None:
    r = _posted(svc, "/v1/terminals/heartbeat", {})
    assert r.status_code == 200
    _conforms("post", "/v1/terminals/heartbeat", r)
    assert wire.server_time(r.json()).utcoffset() is not None

    r = _posted(svc, "/v1/members/110100102253/certificates", {"kind": "participation"})
    assert r.status_code == 201
    _conforms("post", "/v1/members/{member_no}/certificates", r)
    cert = r.json()
    for field in ("issued_at", "expires_at"):
        assert dt.datetime.fromisoformat(cert[field]).utcoffset() is not None
    code = cert["verification_code"]
    shown = requests.get(
        f"{svc.url}/verify/{code}", headers={"Accept": "application/json"}, timeout=10
    )
    _conforms("get", "/verify/{code}", shown)
    # The same instant in both answers: the verification page's zone, the API's UTC.
    assert dt.datetime.fromisoformat(shown.json()["issued_at"]) == dt.datetime.fromisoformat(
        cert["issued_at"]
    )


@pytest.mark.parametrize("code", ["ABCD-EFGH-IJKL-MNOP", "x" * 60, "%E4%B8%AD"])
def test_verify_answers_its_404_as_documented(svc: RunningService, code: str) -> None:
    """A phone gets a page, a program JSON; text that cannot be a code (too long, not
    letters) is not found like any other, never a 422 JSON on a phone."""
    page = requests.get(f"{svc.url}/verify/{code}", timeout=10)
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    _conforms("get", "/verify/{code}", page)
    data = requests.get(
        f"{svc.url}/verify/{code}", headers={"Accept": "application/json"}, timeout=10
    )
    assert data.status_code == 404 and data.json()["code"] == "CERTIFICATE_NOT_FOUND"
    _conforms("get", "/verify/{code}", data)


@pytest.mark.parametrize("order_no", ["P20260620000100000000AB", "not-an-order", "x" * 80])
def test_receipts_answers_its_404_as_a_page(svc: RunningService, order_no: str) -> None:
    r = requests.get(f"{svc.url}/receipts/{order_no}", timeout=10)
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "No such receipt" in r.text
    _conforms("get", "/receipts/{order_no}", r)
