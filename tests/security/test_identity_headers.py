"""Identity headers sent twice: every guard must see one and the same caller.

The attack (issue 13): KIOSK-0002, holding its own API key (and, on the TLS service, its own
certificate and signing key), sends `X-Terminal-Id` twice — its own and KIOSK-0001's — with a
card-session token that KIOSK-0001 opened. A guard that read the last header and a dependency
that read the first one let it read KIOSK-0001's member. Now a repeated identity header is
refused with 400 before any guard decides, and the access log names the terminal the key
authenticated, never the header's claim. Real `python -m backoffice.tls` processes, raw HTTP
through httpx (requests cannot send a header twice).
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import logging
import re
import secrets
import shutil
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from backoffice.harness import free_port
from backoffice.seed.run import DEMO_TERMINALS
from backoffice.tls_harness import running_tls_service
from common import card_crypto
from common.card_crypto import load_keys
from kiosk.backoffice.signing import KEY_ID, NONCE, SIGNATURE, TIMESTAMP, read_key, sign
from tests.security.conftest import TODAY, make_pki

REPO = Path(__file__).resolve().parents[2]
IDENTITY = ("X-Terminal-Id", "Authorization", "X-Card-Session", KEY_ID, TIMESTAMP, NONCE, SIGNATURE)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A seeded database, a PKI for both kiosks, and a valid card of a member."""
    from backoffice.policy import load_policy
    from backoffice.seed import seed_database
    from backoffice.storage import Database

    tmp = tmp_path_factory.mktemp("identity")
    db_path = tmp / "seeded.sqlite3"
    db = Database(str(db_path))
    try:
        report = seed_database(db, load_policy(None), members=8, seed=3, as_of=TODAY)
    finally:
        db.dispose()
    pki = make_pki(tmp / "pki", "KIOSK-0001", "KIOSK-0002")
    member = next(m for m in report.showcases if m.card_status == "valid")
    return tmp, db_path, pki, member


@pytest.fixture(scope="module", params=["plain", "tls"])
def service(request, world):
    """The real back office with card sessions required: the lab app over plain HTTP (API keys
    only; `serve` has no card-session option, so uvicorn runs create_app's lab variant here
    in a thread) and `python -m backoffice.tls` (mutual TLS, signed requests, its own keys)."""
    tmp, seeded, pki, member = world
    db_path = tmp / f"{request.param}.sqlite3"
    shutil.copy(seeded, db_path)
    if request.param == "tls":
        with running_tls_service(db_path, pki=pki, today=TODAY, access_log=True) as svc:
            keys = {t: svc.api_key(t) for t in ("KIOSK-0001", "KIOSK-0002")}
            caller = Caller(svc.url, pki, keys, load_keys(str(pki / "card-keys.toml")))
            yield caller, svc.log_text, member
        return
    with lab_service(db_path) as (url, log_text):
        yield Caller(url, None, dict(DEMO_TERMINALS), card_crypto.TEST_KEYS), log_text, member


@contextlib.contextmanager
def lab_service(db_path: Path) -> Iterator[tuple[str, Callable[[], str]]]:
    """create_app's lab variant with card sessions required, served by uvicorn on 127.0.0.1;
    the access log (backoffice.access) collected as text."""
    import uvicorn

    from backoffice.app import create_app
    from backoffice.parts import AppParts
    from backoffice.settings import Settings

    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(f"{record.levelname} {record.name} {record.getMessage()}")

    access = logging.getLogger("backoffice.access")
    handler, level = Collect(), access.level
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    port = free_port()
    app = create_app(
        Settings(database=str(db_path), today=TODAY, public_url=f"http://127.0.0.1:{port}"),
        parts=AppParts.lab(require_card_session=True),
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}", lambda: "\n".join(lines) + "\n"
    finally:
        server.should_exit = True
        thread.join(15)
        access.removeHandler(handler)
        access.setLevel(level)


class Caller:
    """Raw requests as one kiosk: its certificate (TLS), its API key, its signature. Extra
    headers are a list of pairs, so a name may come twice."""

    def __init__(
        self, url: str, pki: Path | None, keys: dict[str, str], card_keys: card_crypto.MasterKeys
    ) -> None:
        self.url, self.pki, self.keys, self.card_keys = url, pki, keys, card_keys
        self._clients: dict[str, httpx.Client] = {}

    def own(self, kiosk: str) -> list[tuple[str, str]]:
        return [("X-Terminal-Id", kiosk), ("Authorization", f"Bearer {self.keys[kiosk]}")]

    def client(self, kiosk: str) -> httpx.Client:
        if kiosk not in self._clients:
            verify: ssl.SSLContext | bool = True
            if self.pki is not None:
                verify = ssl.create_default_context(cafile=str(self.pki / "ca.pem"))
                folder = self.pki / "kiosks" / kiosk
                verify.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
            self._clients[kiosk] = httpx.Client(verify=verify, trust_env=False, timeout=10)
        return self._clients[kiosk]

    def signature(self, kiosk: str, method: str, target: str, body: bytes) -> list[tuple[str, str]]:
        if self.pki is None:
            return []
        key = read_key(self.pki / "kiosks" / kiosk / "signing.key")
        stamp, nonce = str(int(time.time())), secrets.token_hex(16)
        return [
            (KEY_ID, kiosk),
            (TIMESTAMP, stamp),
            (NONCE, nonce),
            (SIGNATURE, sign(key, method, target, stamp, nonce, body)),
        ]

    def send(
        self,
        kiosk: str,
        method: str,
        target: str,
        *,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        signed: bool = True,
    ) -> httpx.Response:
        """As `kiosk` (its certificate and signing key); `headers` None: its own identity."""
        if headers is None:
            headers = self.own(kiosk)
        if signed:
            headers = [*headers, *self.signature(kiosk, method, target, body)]
        if body:
            headers = [*headers, ("Content-Type", "application/json")]
        return self.client(kiosk).request(method, self.url + target, headers=headers, content=body)


def open_card_session(caller: Caller, kiosk: str, card_identifier: str) -> str:
    """What a kiosk does after the PIN: the back office's challenge, the card's answer (computed
    here from the issuer's keys the service uses, as the card would), the token."""
    import json

    body = json.dumps({"card_identifier": card_identifier}).encode()
    r = caller.send(kiosk, "POST", "/v1/card-sessions/challenge", body=body)
    assert r.status_code == 200, r.text
    ch = r.json()
    key = card_crypto.card_key("sm4", caller.card_keys.internal, bytes.fromhex(card_identifier))
    answer = card_crypto.internal_auth_response("sm4", key, bytes.fromhex(ch["challenge"]))
    body = json.dumps(
        {
            "challenge_id": ch["challenge_id"],
            "algorithm": "sm4",
            "answer": answer.hex(),
            "pin_verified": True,
        }
    ).encode()
    r = caller.send(kiosk, "POST", "/v1/card-sessions", body=body)
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def assert_refused_as_repeated(r: httpx.Response, name: str) -> None:
    assert r.status_code == 400, (r.status_code, r.text)
    body = r.json()
    assert body["code"] == "REPEATED_HEADER"
    assert body["message_zh"] and name.lower() in body["message_en"].lower()


@pytest.mark.parametrize(
    "order", [("KIOSK-0002", "KIOSK-0001"), ("KIOSK-0001", "KIOSK-0002")], ids=["2-1", "1-2"]
)
def test_a_second_terminal_header_cannot_borrow_another_kiosks_card_session(service, order):
    caller, _log, member = service
    token = open_card_session(caller, "KIOSK-0001", member.card_identifier)
    target = f"/v1/members/{member.member_no}/summary"
    # Controls: the owner reads with its token; KIOSK-0002 alone with the token does not.
    assert (
        caller.send(
            "KIOSK-0001",
            "GET",
            target,
            headers=[
                ("X-Terminal-Id", "KIOSK-0001"),
                ("Authorization", f"Bearer {caller.keys['KIOSK-0001']}"),
                ("X-Card-Session", token),
            ],
        ).status_code
        == 200
    )
    r = caller.send(
        "KIOSK-0002",
        "GET",
        target,
        headers=[
            ("X-Terminal-Id", "KIOSK-0002"),
            ("Authorization", f"Bearer {caller.keys['KIOSK-0002']}"),
            ("X-Card-Session", token),
        ],
    )
    assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")
    # The attack: KIOSK-0002's key (certificate, signature), both terminal ids, KIOSK-0001's
    # token.
    r = caller.send(
        "KIOSK-0002",
        "GET",
        target,
        headers=[
            ("X-Terminal-Id", order[0]),
            ("X-Terminal-Id", order[1]),
            ("Authorization", f"Bearer {caller.keys['KIOSK-0002']}"),
            ("X-Card-Session", token),
        ],
    )
    assert_refused_as_repeated(r, "X-Terminal-Id")
    assert member.member_no not in r.text


@pytest.mark.parametrize("name", IDENTITY)
def test_every_identity_header_sent_twice_is_refused(service, name):
    caller, _log, member = service
    token = open_card_session(caller, "KIOSK-0001", member.card_identifier)
    target = f"/v1/members/{member.member_no}/summary"
    own = [
        ("X-Terminal-Id", "KIOSK-0001"),
        ("Authorization", f"Bearer {caller.keys['KIOSK-0001']}"),
        ("X-Card-Session", token),
        *caller.signature("KIOSK-0001", "GET", target, b""),
    ]
    if not any(k == name for k, _ in own):  # signature headers on the plain service
        own.append((name, "x"))
    # The same value twice, so no guard could even disagree: still refused.
    value = next(v for k, v in own if k == name)
    r = caller.send("KIOSK-0001", "GET", target, headers=[*own, (name, value)], signed=False)
    assert_refused_as_repeated(r, name)
    # And on an endpoint without member data (the terminal dependency, the signature guard).
    target = card_target(member)
    headers = [
        ("X-Terminal-Id", "KIOSK-0001"),
        ("Authorization", f"Bearer {caller.keys['KIOSK-0001']}"),
        *caller.signature("KIOSK-0001", "GET", target, b""),
    ]
    while sum(k == name for k, _ in headers) < 2:
        headers.append((name, value))
    r = caller.send("KIOSK-0001", "GET", target, headers=headers, signed=False)
    assert_refused_as_repeated(r, name)


def card_target(member) -> str:
    """The card status endpoint: a terminal's call that is not member data."""
    return f"/v1/cards/{member.card_identifier}?card_number={member.card_number}"


def test_the_access_log_names_the_authenticated_terminal_not_the_claim(service):
    caller, log_text, member = service
    before = len(log_text())
    # KIOSK-0001's number with KIOSK-0002's key: refused, and not logged as KIOSK-0001.
    r = caller.send(
        "KIOSK-0002",
        "GET",
        card_target(member),
        headers=[
            ("X-Terminal-Id", "KIOSK-0001"),
            ("Authorization", f"Bearer {caller.keys['KIOSK-0002']}"),
        ],
        signed=caller.pki is None,
    )
    assert r.status_code in (401, 403), r.text
    assert caller.send("KIOSK-0002", "GET", card_target(member)).status_code == 200
    deadline = time.monotonic() + 5
    while "terminal=KIOSK-0002" not in _lines(log_text, before, "GET /v1/cards/"):
        assert time.monotonic() < deadline, log_text()[before:]
        time.sleep(0.05)
    lines = _lines(log_text, before, "GET /v1/cards/").splitlines()
    assert [ln.endswith("terminal=KIOSK-0002") for ln in lines if " 200 " in ln] == [True]
    assert all("KIOSK-0001" not in ln for ln in lines), lines
    if caller.pki is None:  # (on TLS the certificate guard refuses before the access log)
        assert [ln.endswith("terminal=-") for ln in lines if " 401 " in ln] == [True], lines


def _lines(log_text, since: int, needle: str) -> str:
    return "\n".join(ln for ln in log_text()[since:].splitlines() if needle in ln)


# --- one reader of identity -----------------------------------------------------------------

IDENTITY_NAMES = {n.lower() for n in IDENTITY}
HEADER_PARAMS = {n.lower().replace("-", "_") for n in IDENTITY}
NAME_CONSTANTS = {"KEY_ID", "TIMESTAMP", "NONCE", "SIGNATURE", "HEADER", "CARD_SESSION"}


def identity_reads(source: str) -> list[tuple[int, str]]:
    """Where code names an identity header: a string or bytes constant that is exactly such a
    name (a scope lookup, request.headers[...], a dict key), a parameter named like one
    (a FastAPI Header), or one of the name constants (kiosk.backoffice.signing's, the card session's).
    Docstrings and messages that mention a header inside a sentence are not reads."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
            text = node.value.decode("latin-1") if isinstance(node.value, bytes) else node.value
            if text.strip().lower() in IDENTITY_NAMES:
                found.append((node.lineno, repr(node.value)))
        elif isinstance(node, ast.arg) and node.arg in HEADER_PARAMS:
            found.append((node.lineno, f"parameter {node.arg}"))
        elif isinstance(node, ast.Name) and node.id in NAME_CONSTANTS:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.alias) and node.name in NAME_CONSTANTS:
            found.append((0, f"import {node.name}"))
    return found


def test_only_the_identity_module_reads_identity_headers():
    """No guard or dependency reads an identity header itself: in the back office's code the
    headers' names occur in backoffice/identity.py only (the harnesses and the simulator's
    client are callers: they send them)."""
    offenders = []
    for path in sorted((REPO / "backoffice").rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel == "backoffice/identity.py" or "harness" in path.name:
            continue
        offenders += [f"{rel}:{n}: {what}" for n, what in identity_reads(path.read_text("utf-8"))]
    assert not offenders, "\n".join(offenders)


def test_the_source_check_finds_a_direct_read():
    """The check above would see the reads the guards used to make."""
    old = """
def guard(scope, x_card_session=None):
    headers = dict(scope["headers"])
    t = headers.get(b"x-terminal-id")
    return _header(scope, KEY_ID.lower().encode()), request.headers.get("Authorization")
"""
    assert sorted(what for _n, what in identity_reads(old)) == [
        "'Authorization'",
        "KEY_ID",
        "b'x-terminal-id'",
        "parameter x_card_session",
    ]


def test_every_guard_and_dependency_asks_the_one_helper():
    from backoffice import app as app_module
    from backoffice import card_sessions, identity, security
    from backoffice.api import deps

    readers = {
        "CertificateGuard": security.CertificateGuard.__call__,
        "SignatureGuard": security.SignatureGuard.__call__,
        "SignatureGuard's check": security.SignatureGuard._check,
        "CardSessionGuard": card_sessions.CardSessionGuard.__call__,
        "close_session": card_sessions.close_session,
        "terminal dependency": deps.terminal,
        "access log": app_module.AccessLog.__call__,
    }
    for name, fn in readers.items():
        source = inspect.getsource(fn)
        assert re.search(r"\b(claimed|authenticated)\(|\bclaim\.", source), name
        assert not re.search(r"scope(\.get\(|\[)\s*[\"']headers|\.headers\b", source), name
    assert identity.claimed.__module__ == "backoffice.identity"
