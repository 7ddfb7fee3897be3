"""Issue 15's first defects, against the real back office over HTTP (SQLite and PostgreSQL):
a certificate's Idempotency-Key bound to its request, and bad input answered 4xx with the
documented error body, never a 500."""

from __future__ import annotations

import socket
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
    # and the years a month can have (kiosk.domain.Period: 1900-2200; "3999-10" was a 500)
    for period in ("2024-00", "2024-13", "0000-01", "3999-10", "1899-12", "2201-01"):
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


# --- the input rules (docs/api.md, "Input rules"): the rest of issue 15's defects ------------


def _send(
    service: RunningService,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> requests.Response:
    return requests.request(
        method,
        service.url + path,
        json=body,
        headers=headers or _headers(service, Accept="application/json"),
        timeout=10,
    )


def _refused(r: requests.Response, what: object) -> dict[str, Any]:
    """A 4xx with the documented error body (never a 500, never a success)."""
    assert 400 <= r.status_code < 500, (what, r.status_code, r.text)
    return _is_error_body(r, r.status_code)


def _pay_headers(service: RunningService, key: str) -> dict[str, str]:
    return _headers(service, **{"Idempotency-Key": key})


def test_a_nul_byte_in_any_key_id_or_string_is_4xx(service: RunningService) -> None:
    """PostgreSQL refuses NUL in text, so a NUL that reached a query was a 500 there."""
    no = str(showcase(service, 0)["member_no"])
    card = showcase(service, 0)
    ident, number = str(card["card_identifier"]), str(card["card_number"])
    key = f"nul-{uuid.uuid4().hex}"
    calls: list[tuple[str, str, Any, dict[str, str] | None]] = [
        ("GET", f"/v1/members/{no}%00/summary", None, None),
        ("GET", f"/v1/members/{no}/contributions?from=2024-01%00", None, None),
        ("GET", f"/v1/members/{no}/pension-estimate?wage_growth=0.01%00", None, None),
        ("GET", f"/v1/cards/{ident}%00?card_number={number}", None, None),
        ("GET", f"/v1/cards/{ident}?card_number={number[:8]}%00", None, None),
        ("POST", f"/v1/cards/{ident}/loss", {"card_number": number[:8] + "\u0000"}, None),
        ("GET", "/verify/ABCD-EFGH%00", None, None),
        ("GET", "/v1/orders/ABCDEFGH%00", None, None),
        ("GET", f"/v1/orders/by-key/{key}%00", None, None),
        ("POST", f"/v1/orders/by-key/{key}%00/cancel", None, None),
        (
            "POST",
            "/v1/orders",
            {"quote_id": "Q\u00001234", "member_no": no, "amount": "1.00"},
            _pay_headers(service, key),
        ),
        (
            "POST",
            "/v1/orders",
            {"quote_id": "Q1234", "member_no": no + "\u0000", "amount": "1.00"},
            _pay_headers(service, key + "-2"),
        ),
        (
            "POST",
            f"/v1/members/{no}/quotes",
            {"scheme": "pension", "base": "6205.50\u0000"},
            None,
        ),
        (
            "POST",
            f"/v1/members/{no}/quotes",
            {"scheme": "pension", "periods": ["2026-06\u0000"]},
            None,
        ),
        (
            "POST",
            "/v1/reconciliation",
            {
                "date": "2026-06-19",
                "journal": [
                    {"intent_id": "i\u0000", "order_no": None, "state": "POSTED", "amount": "1.00"}
                ],
            },
            None,
        ),
        (
            "POST",
            "/v1/reconciliation",
            {
                "date": "2026-06-19",
                "journal": [
                    {"intent_id": "i-1", "order_no": "A\u0000", "state": "POSTED", "amount": "1.00"}
                ],
            },
            None,
        ),
        (
            "POST",
            "/v1/reconciliation",
            {
                "date": "2026-06-19",
                "journal": [
                    {
                        "intent_id": "i-1",
                        "order_no": None,
                        "state": "POSTED\u0000",
                        "amount": "1.00",
                    }
                ],
            },
            None,
        ),
    ]
    for method, path, body, headers in calls:
        _refused(_send(service, method, path, body, headers), (path, body))
    # The public receipt page: a page, not JSON; never a 500.
    assert _send(service, "GET", "/receipts/ABCDEFGH%00").status_code in (404, 422)
    assert "Traceback" not in service.log_text()


def test_a_nul_byte_in_a_header_is_refused_by_the_http_server(service: RunningService) -> None:
    """Headers never reach the app with a control character: the HTTP parser answers 400."""
    no = str(showcase(service, 0)["member_no"])
    body = b'{"kind": "participation"}'
    host, port = service.url.removeprefix("http://").split(":")
    request = (
        (
            f"POST /v1/members/{no}/certificates HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
            f"X-Terminal-Id: {service.terminal_id}\r\nAuthorization: Bearer {service.api_key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        ).encode()
        + b"Idempotency-Key: abcd\x00efgh\r\n\r\n"
        + body
    )
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(request)
        answer = s.recv(4096)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]


def test_idempotency_keys_are_8_to_64_safe_characters(service: RunningService) -> None:
    """Every route that records a key: too short, longer than its column (String(64)), or with
    a character outside A-Z a-z 0-9 _ . : - is 422 BAD_IDEMPOTENCY_KEY; 8 and 64 are taken."""
    no = str(showcase(service, 0)["member_no"])
    bad = ["k", "k" * 7, "k" * 65, "key with spaces", "key/slash", "key-\u00e9-latin1"]
    for key in bad:
        posts: list[tuple[str, Any]] = [
            (f"/v1/members/{no}/certificates", {"kind": "participation"}),
            ("/v1/orders", {"quote_id": "Q1234", "member_no": no, "amount": "1.00"}),
            ("/v1/orders/ABCDEFGH1234/pay", {"method": "card", "account": "X00000019"}),
            ("/v1/orders/ABCDEFGH1234/qr", {}),
        ]
        for path, body in posts:
            r = _send(service, "POST", path, body, _pay_headers(service, key))
            assert _refused(r, (path, key))["code"] == "BAD_IDEMPOTENCY_KEY", (path, key, r.text)
            assert r.status_code == 422
        if key.isascii() and "/" not in key and " " not in key:
            for method, path in (
                ("GET", f"/v1/orders/by-key/{key}"),
                ("POST", f"/v1/orders/by-key/{key}/cancel"),
            ):
                r = _send(service, method, path)
                assert _refused(r, (path, key))["code"] == "BAD_IDEMPOTENCY_KEY", r.text
    for good in ("k" * 8, "K" * 64):
        r = _certificate(service, no, good, {"kind": "participation"})
        assert r.status_code == 201, (good, r.text)
    assert "Traceback" not in service.log_text()


FULL_WIDTH = "６２０５.５０"  # 6205.50 in full-width digits
ARABIC_INDIC = "٦٢٠٥.٥٠"  # 6205.50 in Arabic-Indic digits


def test_amounts_months_and_numbers_take_ascii_digits_only(service: RunningService) -> None:
    """Python's Decimal and int, and a regex's \\d, read Unicode digits as digits: the API does
    not (a kiosk never sends them; a fuzzer does, and they were priced)."""
    no = str(showcase(service, 0)["member_no"])
    resident = str(showcase(service, 4)["member_no"])
    quotes: list[tuple[str, dict[str, Any]]] = [
        (no, {"scheme": "pension", "base": FULL_WIDTH}),
        (no, {"scheme": "pension", "base": ARABIC_INDIC}),
        (resident, {"scheme": "resident_pension", "tier": "２００.００"}),
    ]
    for member, body in quotes:
        r = _send(service, "POST", f"/v1/members/{member}/quotes", body)
        assert _refused(r, body)["code"] == "INVALID_REQUEST" and r.status_code == 422
    gets = [
        f"/v1/members/{'１' * 12}/summary",
        f"/v1/members/{no}/contributions?from=２０２４-０１",
        f"/v1/members/{no}/contributions?to=٢٠٢٤٠١",
        f"/v1/members/{no}/pension-estimate?wage_growth=０.０１",
        f"/v1/members/{no}/pension-estimate?crediting_rate=0.0١",
    ]
    for path in gets:
        r = _send(service, "GET", path)
        assert _refused(r, path)["code"] == "INVALID_REQUEST" and r.status_code == 422, path
    journal = [{"intent_id": "i-1", "order_no": None, "state": "POSTED", "amount": "１.００"}]
    r = _send(service, "POST", "/v1/reconciliation", {"date": "2026-06-19", "journal": journal})
    assert _refused(r, journal)["code"] == "INVALID_REQUEST"
    r = _send(
        service,
        "POST",
        "/v1/orders",
        {"quote_id": "Q1234", "member_no": no, "amount": "１.００"},
        _pay_headers(service, f"fw-{uuid.uuid4().hex}"),
    )
    assert _refused(r, "order amount")["code"] == "INVALID_REQUEST"
    # JSON numbers are numbers: a year or a month count sent as a string, a fraction or a bool
    # (2024.0 is the number 2024 in JSON and JSON Schema alike: accepted, below).
    for body in (
        {"kind": "rights_record", "first_year": "2024"},
        {"kind": "rights_record", "first_year": 2024.5},
        {"kind": "rights_record", "last_year": True},
        {"kind": "participation", "months": "12"},
    ):
        r = _certificate(service, no, f"num-{uuid.uuid4().hex}", body)
        assert _refused(r, body)["code"] == "INVALID_REQUEST", body
    # A whole number written with a zero fraction is that number.
    r = _certificate(
        service, no, f"num-{uuid.uuid4().hex}", {"kind": "rights_record", "first_year": 2024.0}
    )
    assert r.status_code == 201, r.text
    # The ASCII forms are fine (the kiosk's own requests).
    ok = _send(service, "GET", f"/v1/members/{no}/pension-estimate?wage_growth=0.01")
    assert ok.status_code == 200, ok.text
    ok = _send(service, "GET", f"/v1/members/{no}/contributions?from=202401&to=2024-03")
    assert ok.status_code == 200, ok.text


def test_a_base_or_tier_of_zero_is_not_the_default(service: RunningService) -> None:
    """docs/rules.md: the base is between the minimum and the maximum; 0.00 is below the
    minimum, not "no base" (it was priced at the default base). The same for a tier."""
    no = str(showcase(service, 0)["member_no"])
    r = _send(service, "POST", f"/v1/members/{no}/quotes", {"scheme": "pension", "base": "0.00"})
    assert _refused(r, "base 0")["code"] == "BASE_OUT_OF_RANGE"
    # No base at all is the default (the minimum): still priced.
    r = _send(service, "POST", f"/v1/members/{no}/quotes", {"scheme": "pension"})
    assert r.status_code == 201, r.text
    resident = str(showcase(service, 4)["member_no"])
    body = {"scheme": "resident_pension", "tier": "0.00"}
    r = _send(service, "POST", f"/v1/members/{resident}/quotes", body)
    assert _refused(r, "tier 0")["code"] == "BAD_TIER"
    r = _send(service, "POST", f"/v1/members/{resident}/quotes", {"scheme": "resident_pension"})
    assert r.status_code == 201, r.text


def test_dates_are_iso_strings(service: RunningService) -> None:
    """`"date": 0` was read as 1970-01-01 (a Unix time); a date is "YYYY-MM-DD" only."""
    for date in (0, 1781827200, "20260619", "2026-06-19T00:00:00", True, "2026-6-19"):
        r = _send(service, "POST", "/v1/reconciliation", {"date": date})
        assert _refused(r, date)["code"] == "INVALID_REQUEST" and r.status_code == 422, date
    r = _send(service, "POST", "/v1/reconciliation", {"date": "2026-06-19"})
    assert r.status_code == 200 and r.json()["date"] == "2026-06-19", r.text


def test_a_quote_belongs_to_the_terminal_that_made_it(service: RunningService) -> None:
    no = str(showcase(service, 8)["member_no"])
    q = _send(service, "POST", f"/v1/members/{no}/quotes", {"scheme": "pension"})
    assert q.status_code == 201, q.text
    quote = q.json()
    order = {"quote_id": quote["quote_id"], "member_no": no, "amount": quote["total"]}
    other = {
        "X-Terminal-Id": "KIOSK-0002",
        "Authorization": "Bearer demo-key-KIOSK-0002",
        "Idempotency-Key": f"other-{uuid.uuid4().hex}",
    }
    r = _send(service, "POST", "/v1/orders", order, other)
    assert r.status_code == 403, r.text
    assert _is_error_body(r, 403)["code"] == "QUOTE_OTHER_TERMINAL"
    # Its own terminal orders it (then cancels: the months stay free for other tests).
    mine = _send(
        service, "POST", "/v1/orders", order, _pay_headers(service, f"mine-{uuid.uuid4().hex}")
    )
    assert mine.status_code == 201, mine.text
    cancelled = _send(service, "POST", f"/v1/orders/{mine.json()['order_no']}/cancel")
    assert cancelled.status_code == 200, cancelled.text


def test_keys_and_ids_have_a_pattern_and_a_length(service: RunningService) -> None:
    m = showcase(service, 0)
    no, ident, number = str(m["member_no"]), str(m["card_identifier"]), str(m["card_number"])
    long = "A" * 5000
    paths = [
        f"/v1/members/{'1' * 17}/summary",
        f"/v1/cards/{ident}?card_number={number.lower()}",  # 9 capital letters or digits
        f"/v1/cards/{ident}?card_number=X0000001%20",
        f"/v1/cards/{long}?card_number={number}",
        f"/v1/orders/{long}",
    ]
    for path in paths:
        r = _send(service, "GET", path)
        assert _refused(r, path)["code"] == "INVALID_REQUEST" and r.status_code == 422, path
    bodies: list[tuple[str, Any, dict[str, str] | None]] = [
        (f"/v1/cards/{ident}/loss", {"card_number": "x0000001 "}, None),
        (
            "/v1/orders",
            {"quote_id": "Q" * 33, "member_no": no, "amount": "1.00"},
            _pay_headers(service, f"len-{uuid.uuid4().hex}"),
        ),
        (
            "/v1/orders",
            {"quote_id": "q-lower-1", "member_no": no, "amount": "1.00"},
            _pay_headers(service, f"len-{uuid.uuid4().hex}"),
        ),
        (
            "/v1/orders/ABCDEFGH1234/pay",
            {"method": "card", "account": "6222 0202 0011"},
            _pay_headers(service, f"len-{uuid.uuid4().hex}"),
        ),
        (
            "/v1/reconciliation",
            {
                "date": "2026-06-19",
                "journal": [
                    {"intent_id": "i" * 65, "order_no": None, "state": "POSTED", "amount": "1.00"}
                ],
            },
            None,
        ),
        (
            "/v1/reconciliation",
            {
                "date": "2026-06-19",
                "journal": [
                    {"intent_id": "i-1", "order_no": None, "state": "DONE", "amount": "1.00"}
                ],
            },
            None,
        ),
    ]
    for path, body, headers in bodies:
        r = _send(service, "POST", path, body, headers)
        assert _refused(r, (path, body))["code"] == "INVALID_REQUEST", (path, r.text)
    # The public pages: what cannot be a code or an order number is refused or not found,
    # never queried (no 500); a code typed with spaces and small letters is looked up.
    for path in (f"/verify/{long}", "/verify/ABCD_EFGH<script>"):
        _refused(_send(service, "GET", path), path)
    r = _send(service, "GET", "/verify/abcd-efgh ijkl-mnop")
    assert _is_error_body(r, 404)["code"] == "CERTIFICATE_NOT_FOUND"
    assert _send(service, "GET", f"/receipts/{long}").status_code in (404, 422)


def test_lists_are_bounded(service: RunningService) -> None:
    no = str(showcase(service, 0)["member_no"])
    months = [f"{2000 + i // 12}-{i % 12 + 1:02d}" for i in range(241)]  # 241 > 240
    r = _send(service, "POST", f"/v1/members/{no}/quotes", {"scheme": "pension", "periods": months})
    assert _refused(r, "periods")["code"] == "INVALID_REQUEST" and r.status_code == 422
    row = {"intent_id": "i-1", "order_no": None, "state": "POSTED", "amount": "1.00"}
    r = _send(
        service, "POST", "/v1/reconciliation", {"date": "2026-06-19", "journal": [row] * 10_001}
    )
    assert _refused(r, "journal")["code"] == "INVALID_REQUEST" and r.status_code == 422


def test_the_other_routes_inputs_are_as_strict(service: RunningService) -> None:
    """The same holes on the card-session and card-sale routes and in integer queries."""
    no = str(showcase(service, 0)["member_no"])
    ident = str(showcase(service, 0)["card_identifier"])
    challenge = _send(service, "POST", "/v1/card-sessions/challenge", {"card_identifier": ident})
    assert challenge.status_code == 200, challenge.text
    answer = {"algorithm": "sm4", "answer": "0" * 32, "pin_verified": True}
    for body in (
        {**answer, "challenge_id": challenge.json()["challenge_id"][:31] + "\u0000"},  # NUL
        {**answer, "challenge_id": "c" * 33},  # the column holds 32
        {**answer, "challenge_id": challenge.json()["challenge_id"], "pin_verified": "true"},
        {**answer, "challenge_id": challenge.json()["challenge_id"], "pin_verified": 1},
    ):
        r = _send(service, "POST", "/v1/card-sessions", body)
        assert _refused(r, body)["code"] == "INVALID_REQUEST" and r.status_code == 422, body
    sale = {
        "terminal_no": "12345678",
        "trace": True,  # read as trace 1
        "txn_date": "2026-06-20",
        "amount": "1.00",
    }
    for trace in (True, "12", 12.5):  # 12.0 is the number 12 (JSON), a trace like any
        r = _send(
            service,
            "POST",
            "/v1/orders/ABCDEFGH1234/card-sale",
            {**sale, "trace": trace},
            _pay_headers(service, f"sale-{uuid.uuid4().hex}"),
        )
        assert _refused(r, trace)["code"] == "INVALID_REQUEST" and r.status_code == 422, trace
    for path in (
        f"/v1/members/{no}/contributions?year=2_024",
        f"/v1/members/{no}/contributions?year=%202024",
        f"/v1/members/{no}/pension-estimate?retirement_age=6_0",
        f"/v1/members/{no}/pension-estimate?retirement_age=60.0",
        f"/v1/members/{no}/pension-estimate?retirement_age=66",  # the bounds still hold
        f"/v1/members/{no}/contributions?year=1899",
    ):
        r = _send(service, "GET", path)
        assert _refused(r, path)["code"] == "INVALID_REQUEST" and r.status_code == 422, path
    assert "Traceback" not in service.log_text()


def test_the_lab_controls_take_the_same_rules(service: RunningService) -> None:
    """The simulator's /sim routes (the lab app only) query the database too."""
    lab = {"Accept": "application/json"}
    for path in (
        "/sim/gateway/bill?terminal=KIOSK%00",
        "/sim/gateway/bill?terminal=" + "K" * 33,  # the terminal column holds 32
        "/sim/gateway/bill?date=0",
    ):
        r = _send(service, "GET", path, headers=lab)
        assert _refused(r, path)["code"] == "INVALID_REQUEST" and r.status_code == 422, path
    # The acquirer's host is not started here (404 ACQUIRER_NOT_RUNNING first): refused anyway.
    for path in (
        "/sim/acquirer/totals?terminal=1234567%00&date=2026-06-20",
        "/sim/acquirer/totals?terminal=12345678&date=0",
    ):
        _refused(_send(service, "GET", path, headers=lab), path)
    # 1781913600 is 2026-06-20 00:00 UTC, the service's own day: harmless if it were taken.
    r = _send(service, "POST", "/sim/clock", {"today": 1781913600}, lab)
    assert _refused(r, "clock")["code"] == "INVALID_REQUEST" and r.status_code == 422
    assert "Traceback" not in service.log_text()
