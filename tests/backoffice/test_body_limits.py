"""Issue 15: the terminal is authenticated from its headers before any byte of the body is read,
every route takes at most its documented body (backoffice.limits, docs/api.md "Limits"), and
every list a request may carry is bounded.

Through the real service over HTTP. The refusals are sent on raw sockets: a client such as
requests sends its whole body before it reads the answer, and these tests must see the answer
arrive while most of the body is still unsent (the server has not read it, and never will: it
closes the connection)."""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from backoffice import limits
from backoffice.harness import RunningService
from backoffice.storage import Database
from backoffice.storage.terminals import HeartbeatRow
from tests.helpers.backoffice import showcase

REPO = Path(__file__).resolve().parents[2]
HEARTBEAT = "/v1/terminals/heartbeat"
FORTY_MB = 40_000_000
PREFIX = 16 * 1024  # what the client sends of a refused body before it waits for the answer


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]
    closed: bool  # the server closed the connection after answering


def _port(svc: RunningService) -> int:
    return int(svc.url.rsplit(":", 1)[1])


def _auth(svc: RunningService) -> list[tuple[str, str]]:
    return [("X-Terminal-Id", svc.terminal_id), ("Authorization", f"Bearer {svc.api_key}")]


def _read_answer(s: socket.socket) -> Answer:
    """One HTTP/1.1 response (Content-Length framed), then whether the server closed."""
    data = b""
    while b"\r\n\r\n" not in data:
        got = s.recv(65536)
        assert got, f"the server closed without answering: {data!r}"
        data += got
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    length = int(headers["content-length"])
    while len(rest) < length:
        got = s.recv(65536)
        assert got, "the answer was cut short"
        rest += got
    # A closing server closes at once; an open connection stays (uvicorn's keep-alive: 5 s).
    s.settimeout(2.0)
    try:
        closed = s.recv(1) == b""
    except ConnectionResetError:
        closed = True
    except TimeoutError:
        closed = False
    return Answer(status, headers, json.loads(rest[:length]), closed)


def _send(
    svc: RunningService,
    method: str,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes = b"",
    *,
    timeout: float = 10.0,
) -> tuple[socket.socket, int]:
    """Open a connection and send the request head and `body` (the start of the body only,
    when the head announces more); the caller reads the answer and closes."""
    s = socket.create_connection(("127.0.0.1", _port(svc)), timeout=timeout)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    s.sendall(head.encode("latin-1") + body)
    return s, len(body)


def _heartbeat_rows(svc: RunningService) -> tuple[int, int]:
    """(heartbeat rows, characters of status JSON) stored for the service's terminal."""
    db = Database(svc.database)
    try:
        with db.session() as s:
            count, chars = s.execute(
                select(
                    func.count(), func.coalesce(func.sum(func.length(HeartbeatRow.status_json)), 0)
                ).where(HeartbeatRow.terminal_id == svc.terminal_id)
            ).one()
        return int(count), int(chars)
    finally:
        db.dispose()


# --- authentication before the body ----------------------------------------------------------


@pytest.mark.parametrize(
    "identity",
    [
        pytest.param([], id="no credentials"),
        pytest.param(
            [("X-Terminal-Id", "KIOSK-0001"), ("Authorization", "Bearer not-the-key-0001")],
            id="wrong key",
        ),
        pytest.param(
            [("X-Terminal-Id", "KIOSK-9999"), ("Authorization", "Bearer demo-key-KIOSK-0001")],
            id="unknown terminal",
        ),
    ],
)
def test_an_unauthenticated_40_mb_body_is_refused_before_it_is_sent(
    sqlite_service: RunningService, identity: list[tuple[str, str]]
) -> None:
    """The issue's 39 MB took 2.7 s to refuse: the body was read and parsed first. Now the 401
    comes after 16 KiB of 40 MB, and the connection is closed: the rest is never read."""
    before = _heartbeat_rows(sqlite_service)
    headers = [
        *identity,
        ("Content-Type", "application/json"),
        ("Content-Length", str(FORTY_MB)),
    ]
    prefix = b'{"app_version": "x", "devices": {' + b" " * (PREFIX - 33)
    s, sent = _send(sqlite_service, "POST", HEARTBEAT, headers, prefix)
    with s:
        answer = _read_answer(s)
    assert sent == PREFIX < FORTY_MB // 1000  # the client still holds 99.96 % of the body
    assert answer.status == 401
    assert answer.body["code"] == "UNAUTHORIZED"
    assert answer.body["message_zh"] and answer.body["message_en"]
    assert answer.headers.get("www-authenticate") == "Bearer"
    assert answer.headers.get("connection") == "close" and answer.closed
    assert _heartbeat_rows(sqlite_service) == before


def test_an_unauthenticated_chunked_body_is_refused_before_it_is_sent(
    sqlite_service: RunningService,
) -> None:
    headers = [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")]
    chunk = b"%x\r\n%s\r\n" % (PREFIX, b" " * PREFIX)
    s, _ = _send(sqlite_service, "POST", HEARTBEAT, headers, chunk)
    with s:
        answer = _read_answer(s)
    assert (answer.status, answer.body["code"]) == (401, "UNAUTHORIZED")
    assert answer.closed


def test_a_get_without_credentials_is_401_and_keeps_its_connection(
    sqlite_service: RunningService,
) -> None:
    """No body to refuse: the connection stays open for the next request."""
    s, _ = _send(sqlite_service, "GET", "/v1/orders/ABCDEFGH12", [])
    with s:
        answer = _read_answer(s)
    assert (answer.status, answer.body["code"]) == (401, "UNAUTHORIZED")
    assert not answer.closed and "connection" not in answer.headers


def test_the_public_routes_need_no_credentials(sqlite_service: RunningService) -> None:
    assert requests.get(sqlite_service.url + "/v1/health", timeout=5).status_code == 200
    r = requests.get(
        sqlite_service.url + "/verify/ABCD-EFGH-IJKL-MNOP",
        headers={"Accept": "application/json"},
        timeout=5,
    )
    assert (r.status_code, r.json()["code"]) == (404, "CERTIFICATE_NOT_FOUND")


# --- body limits per route -------------------------------------------------------------------


def _example_path(template: str, svc: RunningService) -> str:
    """The route's template with values a real request would carry."""
    values = {
        "member_no": str(showcase(svc, 0)["member_no"]),
        "card_identifier": "0" * 32,
        "order_no": "ABCDEFGH12",
        "key": "key-" + "0" * 12,
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)


AUTHENTICATED_LIMITS = [r for r in limits.LIMITS if r.path.startswith("/v1/")]


@pytest.mark.parametrize("route", AUTHENTICATED_LIMITS, ids=lambda r: f"{r.method} {r.path}")
def test_an_authenticated_body_over_its_routes_limit_is_413_at_once(
    sqlite_service: RunningService, route: limits.BodyLimit
) -> None:
    """Content-Length over the route's limit: 413 before one byte of the body is sent."""
    path = _example_path(route.path, sqlite_service)
    headers = [
        *_auth(sqlite_service),
        ("Content-Type", "application/json"),
        ("Content-Length", str(route.max_bytes + 1)),
    ]
    s, _ = _send(sqlite_service, route.method, path, headers)
    with s:
        answer = _read_answer(s)
    assert (answer.status, answer.body["code"]) == (413, "BODY_TOO_LARGE")
    assert f"{route.max_bytes} bytes" in answer.body["message_en"]
    assert answer.closed


@pytest.mark.parametrize("route", AUTHENTICATED_LIMITS, ids=lambda r: f"{r.method} {r.path}")
def test_a_body_at_its_routes_limit_is_read(
    sqlite_service: RunningService, route: limits.BodyLimit
) -> None:
    """Exactly the limit is allowed: the route reads it (and finds it is not JSON: 422)."""
    r = requests.request(
        route.method,
        sqlite_service.url + _example_path(route.path, sqlite_service),
        data=b"x" * route.max_bytes,
        headers={**dict(_auth(sqlite_service)), "Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code != 413, r.text
    assert r.status_code in (400, 404, 409, 422), r.text


def test_an_authenticated_40_mb_heartbeat_is_413_before_it_is_sent(
    sqlite_service: RunningService,
) -> None:
    """The issue's 2.5 M devices stored a 44 MB row: now the body is refused unread."""
    before = _heartbeat_rows(sqlite_service)
    headers = [
        *_auth(sqlite_service),
        ("Content-Type", "application/json"),
        ("Content-Length", str(FORTY_MB)),
    ]
    s, sent = _send(sqlite_service, "POST", HEARTBEAT, headers, b'{"devices": {')
    with s:
        answer = _read_answer(s)
    assert sent < FORTY_MB // 1000
    assert (answer.status, answer.body["code"]) == (413, "BODY_TOO_LARGE")
    assert answer.closed
    assert _heartbeat_rows(sqlite_service) == before


def test_a_chunked_body_over_the_limit_is_413_while_streaming(
    sqlite_service: RunningService,
) -> None:
    """No Content-Length: the body is counted as it arrives, and refused once it passes the
    limit; the client is still sending (the last chunk never goes)."""
    limit = limits.limit_for("POST", HEARTBEAT)
    assert limit == 16 * 1024
    headers = [
        *_auth(sqlite_service),
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
    ]
    piece = 4096
    s, _ = _send(sqlite_service, "POST", HEARTBEAT, headers)
    with s:
        sent = 0
        while sent <= limit:  # 5 pieces: 20,480 bytes, 4,096 past the limit of 16,384
            s.sendall(b"%x\r\n%s\r\n" % (piece, b" " * piece))
            sent += piece
        answer = _read_answer(s)
    assert (answer.status, answer.body["code"]) == (413, "BODY_TOO_LARGE")
    assert answer.closed


def test_a_chunked_body_within_the_limit_is_served(sqlite_service: RunningService) -> None:
    body = json.dumps({"app_version": "chunked", "devices": {"receipt_paper": "ok"}}).encode()
    headers = [
        *_auth(sqlite_service),
        ("Content-Type", "application/json"),
        ("Transfer-Encoding", "chunked"),
    ]
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
    s, _ = _send(sqlite_service, "POST", HEARTBEAT, headers, chunks + b"0\r\n\r\n")
    with s:
        answer = _read_answer(s)
    assert answer.status == 200, answer.body
    assert answer.body["terminal_id"] == sqlite_service.terminal_id


def test_a_refused_connection_does_not_hold_the_next_request(
    sqlite_service: RunningService,
) -> None:
    """After many refusals the service still answers (no refused connection is kept waiting)."""
    for _ in range(20):
        headers = [("Content-Length", str(FORTY_MB))]
        s, _ = _send(sqlite_service, "POST", HEARTBEAT, headers, b"{")
        with s:
            assert _read_answer(s).status == 401
    r = requests.post(  # (a service kept busy would time out here)
        sqlite_service.url + HEARTBEAT,
        json={"devices": {"receipt_paper": "ok"}},
        headers=dict(_auth(sqlite_service)),
        timeout=10,
    )
    assert r.status_code == 200, r.text


# --- bounded lists: the heartbeat ------------------------------------------------------------


def _heartbeat(svc: RunningService, devices: dict[str, str]) -> requests.Response:
    return requests.post(
        svc.url + HEARTBEAT,
        json={"app_version": "1.0", "devices": devices},
        headers=dict(_auth(svc)),
        timeout=10,
    )


def test_a_heartbeat_with_too_many_devices_is_422_and_nothing_is_stored(
    service: RunningService,
) -> None:
    from backoffice.api.models import MAX_DEVICES

    before = _heartbeat_rows(service)
    # One device more than the bound, each entry small ("device-00": "ok"): well under 16 KiB,
    # so the model refuses it, not the body limit.
    devices = {f"device-{i:02d}": "ok" for i in range(MAX_DEVICES + 1)}
    r = _heartbeat(service, devices)
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_REQUEST"), r.text
    assert _heartbeat_rows(service) == before


@pytest.mark.parametrize(
    "devices",
    [
        pytest.param({"d" * 41: "ok"}, id="name too long"),
        pytest.param({"": "ok"}, id="empty name"),
        pytest.param({"receipt_paper": "x" * 201}, id="state too long"),
    ],
)
def test_a_heartbeat_device_entry_is_bounded(
    service: RunningService, devices: dict[str, str]
) -> None:
    before = _heartbeat_rows(service)
    r = _heartbeat(service, devices)
    assert (r.status_code, r.json()["code"]) == (422, "INVALID_REQUEST"), r.text
    assert _heartbeat_rows(service) == before


def test_the_largest_valid_heartbeat_fits_its_limit_and_is_stored(service: RunningService) -> None:
    """Every device at the bounds: accepted, and the stored row is as small as the bounds say."""
    from backoffice.api.models import MAX_DEVICE_NAME, MAX_DEVICE_STATE, MAX_DEVICES

    devices = {
        f"{i:02d}".ljust(MAX_DEVICE_NAME, "d"): "s" * MAX_DEVICE_STATE for i in range(MAX_DEVICES)
    }
    body = json.dumps({"app_version": "1.0", "devices": devices}).encode()
    assert len(body) <= limits.limit_for("POST", HEARTBEAT)
    count, chars = _heartbeat_rows(service)
    r = _heartbeat(service, devices)
    assert r.status_code == 200, r.text
    new_count, new_chars = _heartbeat_rows(service)
    assert new_count == count + 1
    # The row holds the devices: 32 x (40 + 200 + 8 for quotes, colon, comma, spaces) = 7,936
    # characters and a few dozen more for app_version: under 8 KiB, never megabytes.
    assert 7_936 <= new_chars - chars <= 8 * 1024


# --- bounded lists: every request body -------------------------------------------------------


def _app(variant: str) -> Any:
    from backoffice.app import create_app
    from backoffice.parts import AppParts
    from backoffice.settings import Settings

    parts = AppParts.lab() if variant == "lab" else AppParts.plain()
    return create_app(Settings(database="sqlite://"), parts=parts)


def _unbounded(schema: dict[str, Any], defs: dict[str, Any], where: str) -> list[str]:
    """Places in a request body's JSON schema where a list, map or string has no bound."""
    if "$ref" in schema:
        return _unbounded(defs[schema["$ref"].rsplit("/", 1)[1]], defs, where)
    found: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, ())):
            found += _unbounded(sub, defs, f"{where}[{key}{i}]")
    kind = schema.get("type")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: a list without maxItems")
        found += _unbounded(schema.get("items", {}), defs, f"{where}[]")
    elif kind == "object":
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            if "maxProperties" not in schema:
                found.append(f"{where}: a map without maxProperties")
            found += _unbounded(extra, defs, f"{where}{{}}")
            names = schema.get("propertyNames", {})
            if "maxLength" not in names:
                found.append(f"{where}: a map's keys without maxLength")
        for name, sub in schema.get("properties", {}).items():
            found += _unbounded(sub, defs, f"{where}.{name}")
    elif kind == "string" and not ({"maxLength", "enum", "const", "format"} & set(schema)):
        pattern = schema.get("pattern", "")
        if not pattern or re.search(r"[+*]|\{\d+,\}", pattern):
            found.append(f"{where}: a string without maxLength")
    return found


def test_every_list_and_string_of_a_request_body_is_bounded() -> None:
    """The API's request bodies (the production routes: the lab's /sim controls take what a
    test sends, bounded by their body limit only)."""
    doc = _app("plain").openapi()
    defs = doc["components"]["schemas"]
    problems: list[str] = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            content = op.get("requestBody", {}).get("content", {})
            for media in content.values():
                problems += _unbounded(media["schema"], defs, f"{method.upper()} {path}")
    assert not problems, "\n".join(problems)


def test_the_bound_check_finds_an_unbounded_list() -> None:
    defs = {"In": {"type": "object", "properties": {"xs": {"type": "array", "items": {}}}}}
    assert _unbounded({"$ref": "#/components/schemas/In"}, defs, "POST /x") == [
        "POST /x.xs: a list without maxItems"
    ]


# --- the table, the routes and the docs agree ------------------------------------------------


def test_every_route_that_takes_a_body_has_its_limit() -> None:
    """A route with a request body must be in the table (else it would get the default);
    every entry of the table is a route the app serves (the lab app: the API and /sim)."""
    doc = _app("lab").openapi()
    routes = {(m.upper(), path) for path, ops in doc["paths"].items() for m in ops}
    with_body = {
        (m.upper(), path)
        for path, ops in doc["paths"].items()
        for m, op in ops.items()
        if "requestBody" in op
    }
    table = {(r.method, r.path) for r in limits.LIMITS}
    assert with_body <= table, with_body - table
    assert table <= routes, table - routes


def test_the_limits_find_their_route() -> None:
    assert limits.limit_for("POST", "/v1/terminals/heartbeat") == 16 * 1024
    member_quote = limits.limit_for("POST", "/v1/members/110100012345/quotes")
    assert member_quote == next(r.max_bytes for r in limits.LIMITS if r.path.endswith("/quotes"))
    # Not a route with a body: the default. A path one segment longer is another route.
    assert limits.limit_for("GET", "/v1/members/110100012345/summary") == limits.DEFAULT_LIMIT
    assert limits.limit_for("POST", "/v1/terminals/heartbeat/x") == limits.DEFAULT_LIMIT
    assert limits.limit_for("POST", "/v1/members//quotes") == limits.DEFAULT_LIMIT


def _docs_limits() -> dict[tuple[str, str], int]:
    """The table under docs/api.md's "## Limits": | `METHOD path` | N KiB or N bytes | why |."""
    text = (REPO / "docs" / "api.md").read_text("utf-8")
    section = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    rows: dict[tuple[str, str], int] = {}
    for m in re.finditer(r"^\| `(\w+) ([^`]+)` \| ([\d,]+) (KiB|bytes) \|", section, re.M):
        n = int(m.group(3).replace(",", ""))
        rows[(m.group(1), m.group(2))] = n * 1024 if m.group(4) == "KiB" else n
    default = re.search(r"^\| any other request \| ([\d,]+) (KiB|bytes) \|", section, re.M)
    assert default, "docs/api.md Limits: a row for any other request"
    n = int(default.group(1).replace(",", ""))
    rows[("*", "*")] = n * 1024 if default.group(2) == "KiB" else n
    return rows


def test_the_documented_limits_are_the_served_ones() -> None:
    table = {(r.method, r.path): r.max_bytes for r in limits.LIMITS}
    table[("*", "*")] = limits.DEFAULT_LIMIT
    assert _docs_limits() == table


def test_the_middleware_reads_identity_through_the_one_helper() -> None:
    """Like every guard (tests/security/test_identity_headers.py): the identity headers are
    read by backoffice.identity only, and the key check lives there once."""
    import inspect

    from backoffice import identity
    from backoffice.api import deps

    source = inspect.getsource(limits)
    assert "authenticate(" in source
    assert not re.search(r"x-terminal-id|authorization|\.headers\b", source, re.I)
    # The route dependency only reads what the middleware proved: no second key check.
    dep = inspect.getsource(deps.terminal)
    assert "authenticated(" in dep and "sha256" not in dep and "compare_digest" not in dep
    assert "compare_digest" in inspect.getsource(identity.authenticate)
