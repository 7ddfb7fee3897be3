"""Issue 15's first defects, against the real back office over HTTP (SQLite and PostgreSQL):
a certificate's Idempotency-Key bound to its request, and bad input answered 4xx with the
documented error body, never a 500."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from backoffice.harness import RunningService
from tests.helpers.backoffice import showcase


def _headers(service: RunningService, **extra: str) -> dict[str, str]:
    return {
        "X-Terminal-Id": service.terminal_id,
        "Authorization": f"Bearer {service.api_key}",
        **extra,
    }


def _certificate(service: RunningService, no: str, key: str, body: dict[str, Any]) -> Any:
    return requests.post(
        f"{service.url}/v1/members/{no}/certificates",
        json=body,
        headers=_headers(service, **{"Idempotency-Key": key}),
        timeout=10,
    )


def _is_error_body(r: requests.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert set(body) >= {"code", "message_zh", "message_en"}
    assert body["message_zh"] and body["message_en"]
    assert "Traceback" not in r.text
    return body


def test_a_certificate_key_is_bound_to_its_request(service: RunningService) -> None:
    first_no = str(showcase(service, 0)["member_no"])
    other_no = str(showcase(service, 1)["member_no"])
    key = f"cert-{uuid.uuid4().hex}"
    twelve = {"kind": "participation", "months": 12}
    first = _certificate(service, first_no, key, twelve)
    assert first.status_code == 201, first.text
    # The same request again (a retry after a lost answer): the first certificate again.
    again = _certificate(service, first_no, key, twelve)
    assert again.status_code == 201
    assert again.json()["certificate_id"] == first.json()["certificate_id"]
    # The same key for another member: refused, and nothing of the first member's shown.
    other = _certificate(service, other_no, key, twelve)
    assert _is_error_body(other, 409)["code"] == "IDEMPOTENCY_CONFLICT"
    assert first.json()["name"] not in other.text
    # The same key, the same member, another range or kind: refused too.
    longer = _certificate(service, first_no, key, {"kind": "participation", "months": 24})
    assert _is_error_body(longer, 409)["code"] == "IDEMPOTENCY_CONFLICT"
    rights = _certificate(service, first_no, key, {"kind": "rights_record"})
    assert _is_error_body(rights, 409)["code"] == "IDEMPOTENCY_CONFLICT"


def test_impossible_months_in_a_quote_are_4xx(service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    for period in ("2024-00", "2024-13", "0000-01"):
        r = requests.post(
            f"{service.url}/v1/members/{no}/quotes",
            json={"scheme": "pension", "base": "5000.00", "periods": [period]},
            headers=_headers(service),
            timeout=10,
        )
        body = _is_error_body(r, 422)
        assert body["code"] == "INVALID_REQUEST", period
    assert "Traceback" not in service.log_text()


def test_amounts_of_27_integer_digits_are_4xx(service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    huge = "9" * 27 + ".00"
    quotes: list[dict[str, Any]] = [
        {"scheme": "pension", "base": huge, "periods": ["2026-05"]},
        {"scheme": "resident_pension", "tier": huge},
    ]
    for body in quotes:
        r = requests.post(
            f"{service.url}/v1/members/{no}/quotes",
            json=body,
            headers=_headers(service),
            timeout=10,
        )
        assert _is_error_body(r, 422)["code"] == "INVALID_REQUEST", body
    journal = [{"intent_id": "i-1", "order_no": None, "state": "paid", "amount": huge}]
    r = requests.post(
        f"{service.url}/v1/reconciliation",
        json={"date": "2026-06-19", "journal": journal},
        headers=_headers(service),
        timeout=10,
    )
    assert _is_error_body(r, 422)["code"] == "INVALID_REQUEST"


def test_an_idempotency_key_longer_than_its_column_is_4xx(service: RunningService) -> None:
    long_key = "k" * 65  # the key columns are String(64)
    no = str(showcase(service, 0)["member_no"])
    calls = [
        ("POST", "/v1/orders/by-key/" + long_key + "/cancel", None, {}),
        ("GET", "/v1/orders/by-key/" + long_key, None, {}),
        (
            "POST",
            f"/v1/members/{no}/certificates",
            {"kind": "participation"},
            {"Idempotency-Key": long_key},
        ),
        (
            "POST",
            "/v1/orders",
            {"quote_id": "q", "member_no": no, "amount": "1.00"},
            {"Idempotency-Key": long_key},
        ),
    ]
    for method, path, body, extra in calls:
        r = requests.request(
            method, service.url + path, json=body, headers=_headers(service, **extra), timeout=10
        )
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        _is_error_body(r, r.status_code)
    assert "Traceback" not in service.log_text()
