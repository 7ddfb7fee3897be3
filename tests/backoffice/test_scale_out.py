"""Scaling out (issue 15): N worker processes and N hosts on one PostgreSQL see the same replay
nonces, card-session challenges, card sessions and idempotency keys.

Two setups, each on the same throwaway PostgreSQL (a database each):

- the production service `python -m backoffice.tls` (mutual TLS, signed requests, card sessions
  required) as host A with `--workers 2` and host B with one worker;
- the lab service `python -m backoffice serve --workers 2` as host A and a second `serve` as
  host B (orders and certificates: their Idempotency-Key).

With two workers behind one port the test cannot choose the worker: it sends many requests on
fresh connections and reads from the log (every line carries its process id) which worker
answered what, and requires that both did.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from backoffice.gateway.harness import PaymentsLab
from backoffice.harness import (
    DEMO_TERMINAL,
    RunningService,
    answering_pids,
    postgres_server,
    running_service,
)
from backoffice.policy import load_policy
from backoffice.seed import SeedReport, seed_database
from backoffice.seed.run import DEMO_TERMINALS
from backoffice.storage import Database
from backoffice.storage.shared_state import SharedState
from backoffice.tls_harness import RunningTlsService, kiosk_api_key, running_tls_service
from common import card_crypto
from common.signing import KEY_ID, NONCE, SIGNATURE, TIMESTAMP, sign
from kiosk.backoffice.card_session import HEADER
from kiosk.backoffice.signing import read_key
from tests.helpers.backoffice import TODAY
from tests.helpers.pki import make_pki

pytestmark = [pytest.mark.postgres]

ROUNDS = 20  # requests per check on the two-worker host: both workers answer some


@pytest.fixture(scope="module")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One PostgreSQL server; a database for the TLS hosts and one for the lab hosts."""
    with postgres_server() as url:
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as c:
            c.execute("CREATE DATABASE tls")
            c.execute("CREATE DATABASE lab")
        base = url.rsplit("/", 1)[0]
        yield {"tls": f"{base}/tls", "lab": f"{base}/lab"}


# --- the production service: two workers on host A, host B --------------------------------


@dataclass
class TlsHosts:
    a: RunningTlsService  # two workers
    b: RunningTlsService
    pki: Path
    report: SeedReport
    card_keys: card_crypto.MasterKeys
    database: str


@pytest.fixture(scope="module")
def tls_hosts(pg: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsHosts]:
    tmp = tmp_path_factory.mktemp("scale-out-tls")
    db = Database(pg["tls"])
    try:
        report = seed_database(db, load_policy(None), members=8, seed=7, as_of=TODAY)
    finally:
        db.dispose()
    pki = make_pki(tmp / "pki", "KIOSK-0001", "KIOSK-0002")
    with (
        running_tls_service(pg["tls"], pki=pki, today=TODAY, access_log=True, workers=2) as a,
        running_tls_service(pg["tls"], pki=pki, today=TODAY, access_log=True, provision=False) as b,
    ):
        keys = card_crypto.load_keys(str(pki / "card-keys.toml"))
        yield TlsHosts(a, b, pki, report, keys, pg["tls"])


def tls_session(pki: Path, terminal: str = "KIOSK-0001") -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(pki / "ca.pem")
    folder = pki / "kiosks" / terminal
    s.cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    s.headers.update(
        {"X-Terminal-Id": terminal, "Authorization": f"Bearer {kiosk_api_key(pki, terminal)}"}
    )
    return s


def signed(pki: Path, method: str, target: str, body: bytes = b"", terminal: str = "KIOSK-0001"):
    """The signature headers of one request: sending them twice is a replay."""
    key = read_key(pki / "kiosks" / terminal / "signing.key")
    stamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        KEY_ID: terminal,
        TIMESTAMP: stamp,
        NONCE: nonce,
        SIGNATURE: sign(key, method, target, stamp, nonce, body),
    }


def send(
    host: RunningTlsService,
    pki: Path,
    method: str,
    target: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    fresh: bool = True,
) -> requests.Response:
    """A signed request on a new connection (fresh=True: the two workers share the port, and
    a kept-alive connection would stay with one of them)."""
    raw = b"" if body is None else json.dumps(body).encode()
    h = {**(headers or signed(pki, method, target, raw))}
    if raw:
        h["Content-Type"] = "application/json"
    s = tls_session(pki)
    try:
        return s.request(method, host.url + target, data=raw, headers=h, timeout=10)
    finally:
        s.close()


def card_target(member: Any) -> str:
    return f"/v1/cards/{member.card_identifier}?card_number={member.card_number}"


def a_member(report: SeedReport) -> Any:
    return next(m for m in report.showcases if m.card_status == "valid")


def challenge(host: RunningTlsService, pki: Path, card_identifier: str) -> dict[str, str]:
    r = send(
        host, pki, "POST", "/v1/card-sessions/challenge", body={"card_identifier": card_identifier}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def answer(
    keys: card_crypto.MasterKeys, card_identifier: str, ch: dict[str, str]
) -> dict[str, Any]:
    """What the card in the reader answers to the challenge (INTERNAL AUTHENTICATE)."""
    key = card_crypto.card_key("sm4", keys.internal, bytes.fromhex(card_identifier))
    value = card_crypto.internal_auth_response("sm4", key, bytes.fromhex(ch["challenge"]))
    return {
        "challenge_id": ch["challenge_id"],
        "algorithm": "sm4",
        "answer": value.hex(),
        "pin_verified": True,
    }


def open_session(hosts: TlsHosts, on: RunningTlsService) -> tuple[Any, str]:
    member = a_member(hosts.report)
    ch = challenge(on, hosts.pki, member.card_identifier)
    r = send(
        on,
        hosts.pki,
        "POST",
        "/v1/card-sessions",
        body=answer(hosts.card_keys, member.card_identifier, ch),
    )
    assert r.status_code == 201, r.text
    return member, str(r.json()["token"])


def summary(host: RunningTlsService, pki: Path, member_no: str, token: str) -> requests.Response:
    target = f"/v1/members/{member_no}/summary"
    return send(host, pki, "GET", target, headers={**signed(pki, "GET", target), HEADER: token})


_ANSWERED = re.compile(r" backoffice\.access \[(\d+)\] GET (\S+) (\d{3}) ")
_REPLAYED = re.compile(
    r" backoffice\.security \[(\d+)\] signed request refused: REPLAYED GET (\S+)"
)


def _logged(
    host: RunningTlsService, since: int, paths: list[str], line: re.Pattern[str] = _ANSWERED
) -> dict[str, int]:
    """{path: pid of the worker that logged it}: a line is written after its answer is sent,
    so wait (a little) for every path's."""
    deadline = time.monotonic() + 10
    while True:
        text = host.log_text()[since:]
        # The access log also logs the guards' refusals (401): the answer's line is the other.
        found = {
            m.group(2): int(m.group(1))
            for m in line.finditer(text)
            if line is not _ANSWERED or m.group(3) != "401"
        }
        if set(paths) <= set(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def _probe(
    host: RunningTlsService, pki: Path, session: requests.Session, target: str, codes: list[int]
) -> None:
    r = session.get(host.url + target, headers=signed(pki, "GET", target), timeout=10)
    codes.append(r.status_code)


def _a_connection_on_each_worker(host: RunningTlsService, pki: Path) -> list[requests.Session]:
    """Two kept-alive connections that two different workers accepted. The kernel, not the
    test, picks the worker that accepts a connection (on a quiet machine often the same one
    every time), so open connections at once, several at a time, and ask the log which worker
    answered each (a probe path per connection) until both workers hold one."""
    for _attempt in range(20):
        since = len(host.log_text())
        sessions = [tls_session(pki) for _ in range(8)]
        probes = [f"/v1/orders/by-key/probe-{uuid.uuid4().hex}" for _ in sessions]

        codes: list[int] = []
        threads = [
            threading.Thread(target=_probe, args=(host, pki, session, target, codes))
            for session, target in zip(sessions, probes, strict=True)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [404] * len(sessions), codes
        answered = _logged(host, since, probes)
        by_worker: dict[int, requests.Session] = {}
        for session, target in zip(sessions, probes, strict=True):
            by_worker.setdefault(answered[target], session)
        if len(by_worker) == 2:
            return list(by_worker.values())
        for session in sessions:
            session.close()
    raise AssertionError("the two workers never both accepted a connection")


def test_a_replay_is_refused_by_the_other_worker(tls_hosts: TlsHosts) -> None:
    hosts = tls_hosts
    one, other = _a_connection_on_each_worker(hosts.a, hosts.pki)
    since = len(hosts.a.log_text())
    paths = [f"/v1/orders/by-key/replay-{uuid.uuid4().hex}" for _ in range(ROUNDS)]
    try:
        for n, target in enumerate(paths):  # a path per round: the log tells who answered
            headers = signed(hosts.pki, "GET", target)
            # Alternate which worker sees the original and which the replay.
            first_on, again_on = (one, other) if n % 2 == 0 else (other, one)
            first = first_on.get(hosts.a.url + target, headers=headers, timeout=10)
            again = again_on.get(hosts.a.url + target, headers=headers, timeout=10)
            assert (first.status_code, first.json()["code"]) == (404, "ORDER_NOT_FOUND")
            assert (again.status_code, again.json()["code"]) == (401, "REPLAYED")
    finally:
        one.close()
        other.close()
    # The signature guard refuses before the access log sees the request: its own line.
    answered = _logged(hosts.a, since, paths)
    refused = _logged(hosts.a, since, paths, _REPLAYED)
    assert set(answered) == set(refused) == set(paths)
    # The point: every replay was refused by the worker that had not seen the original.
    assert all(answered[p] != refused[p] for p in paths), [(answered[p], refused[p]) for p in paths]


def test_a_replay_is_refused_by_the_other_host(tls_hosts: TlsHosts) -> None:
    hosts, member = tls_hosts, a_member(tls_hosts.report)
    target = card_target(member)
    for first_host, other in ((hosts.a, hosts.b), (hosts.b, hosts.a)):
        headers = signed(hosts.pki, "GET", target)
        assert send(first_host, hosts.pki, "GET", target, headers=headers).status_code == 200
        r = send(other, hosts.pki, "GET", target, headers=headers)
        assert (r.status_code, r.json()["code"]) == (401, "REPLAYED")
    # A POST too (its body is signed): a heartbeat replayed to the other host.
    body = json.dumps({"app_version": "t", "devices": {}}).encode()
    headers = {
        **signed(hosts.pki, "POST", "/v1/terminals/heartbeat", body),
        "Content-Type": "application/json",
    }
    for host, status in ((hosts.b, 200), (hosts.a, 401)):
        s = tls_session(hosts.pki)
        r = s.post(host.url + "/v1/terminals/heartbeat", data=body, headers=headers, timeout=10)
        s.close()
        assert r.status_code == status, r.text


def test_a_card_session_holds_across_workers_until_closed(tls_hosts: TlsHosts) -> None:
    hosts = tls_hosts
    member, token = open_session(hosts, hosts.a)
    since = len(hosts.a.log_text())
    for _ in range(ROUNDS):
        r = summary(hosts.a, hosts.pki, member.member_no, token)
        assert r.status_code == 200, r.text
    assert len(answering_pids(hosts.a.log_text()[since:])) == 2  # both workers let it read
    target = "/v1/card-sessions/current"
    r = send(
        hosts.a,
        hosts.pki,
        "DELETE",
        target,
        headers={**signed(hosts.pki, "DELETE", target), HEADER: token},
    )
    assert r.status_code == 204
    # (The card-session guard answers before the access log: as many rounds as above, on
    # fresh connections, reach both workers as they did.)
    for _ in range(ROUNDS):
        r = summary(hosts.a, hosts.pki, member.member_no, token)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")


def test_a_card_session_opened_on_one_host_reads_on_the_other_and_closes_everywhere(
    tls_hosts: TlsHosts,
) -> None:
    hosts = tls_hosts
    member, token = open_session(hosts, hosts.a)
    assert summary(hosts.b, hosts.pki, member.member_no, token).status_code == 200
    assert summary(hosts.a, hosts.pki, member.member_no, token).status_code == 200
    target = "/v1/card-sessions/current"
    r = send(
        hosts.b,
        hosts.pki,
        "DELETE",
        target,
        headers={**signed(hosts.pki, "DELETE", target), HEADER: token},
    )
    assert r.status_code == 204
    for host in (hosts.a, hosts.b):
        r = summary(host, hosts.pki, member.member_no, token)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")


def test_a_challenge_is_answered_once_whichever_host_takes_the_answer(tls_hosts: TlsHosts) -> None:
    hosts = tls_hosts
    member = a_member(hosts.report)
    ch = challenge(hosts.a, hosts.pki, member.card_identifier)
    proof = answer(hosts.card_keys, member.card_identifier, ch)
    r = send(hosts.b, hosts.pki, "POST", "/v1/card-sessions", body=proof)  # issued by A
    assert r.status_code == 201, r.text
    for host in (hosts.a, hosts.b, hosts.a):  # the same answer again: used up everywhere
        again = send(host, hosts.pki, "POST", "/v1/card-sessions", body=proof)
        assert (again.status_code, again.json()["code"]) == (403, "CARD_PROOF_REFUSED")


def test_the_shared_rows_expire_and_are_purged(tls_hosts: TlsHosts) -> None:
    """Nothing grows without bound: every row has an expiry and a purge deletes the expired
    (the services purge at most once a minute; here a purge as at a day later)."""
    db = Database(tls_hosts.database)
    state = SharedState(db)
    try:
        before = state.counts()
        assert before["replay_nonce"] >= 2 * ROUNDS  # the requests of the tests above
        state.purge(time.time() + 86_400)
        assert state.counts() == {"replay_nonce": 0, "card_challenge": 0, "card_session": 0}
    finally:
        state.dispose()
        db.dispose()


# --- the lab service: serve --workers 2 and a second host, idempotency ----------------------


@dataclass
class LabHosts:
    a: RunningService  # two workers
    b: RunningService
    lab: PaymentsLab


@pytest.fixture(scope="module")
def lab_hosts(pg: dict[str, str]) -> Iterator[LabHosts]:
    with (
        running_service(
            database=pg["lab"], members=30, seed=7, today=TODAY, workers=2, access_log=True
        ) as a,
        running_service(database=pg["lab"], seed_first=False, today=TODAY, access_log=True) as b,
    ):
        yield LabHosts(a, b, PaymentsLab(a))


def as_demo_kiosk() -> dict[str, str]:
    return {
        "X-Terminal-Id": DEMO_TERMINAL,
        "Authorization": f"Bearer {DEMO_TERMINALS[DEMO_TERMINAL]}",
    }


def post(url: str, path: str, body: dict[str, Any], key: str | None = None) -> requests.Response:
    h = as_demo_kiosk()
    if key is not None:
        h["Idempotency-Key"] = key
    # Connection: close: the next request may go to the other worker.
    return requests.post(url + path, json=body, headers={**h, "Connection": "close"}, timeout=20)


def a_quote(hosts: LabHosts) -> tuple[str, dict[str, Any]]:
    member = hosts.lab.take_member(DEMO_TERMINAL, DEMO_TERMINALS[DEMO_TERMINAL])
    months = hosts.lab.dues_months(member, DEMO_TERMINAL, DEMO_TERMINALS[DEMO_TERMINAL])
    r = post(
        hosts.a.url, f"/v1/members/{member}/quotes", {"scheme": "pension", "periods": months[:1]}
    )
    assert r.status_code == 201, r.text
    return member, dict(r.json())


def orders_with_key(database: str, key: str) -> int:
    with psycopg.connect(database.replace("+psycopg", "")) as c:
        row = c.execute("SELECT count(*) FROM pay_order WHERE idem_key = %s", (key,)).fetchone()
    assert row is not None
    return int(row[0])


def test_an_order_key_sent_to_both_workers_and_both_hosts_makes_one_order(
    lab_hosts: LabHosts,
) -> None:
    hosts = lab_hosts
    member, quote = a_quote(hosts)
    key = uuid.uuid4().hex
    body = {"quote_id": quote["quote_id"], "member_no": member, "amount": quote["total"]}
    since = len(hosts.a.log_text())
    answers = [post(hosts.a.url, "/v1/orders", body, key) for _ in range(ROUNDS)]
    answers.append(post(hosts.b.url, "/v1/orders", body, key))
    assert {r.status_code for r in answers} <= {200, 201}, [r.text for r in answers]
    assert len({r.json()["order_no"] for r in answers}) == 1
    assert len(hosts.a.answering_pids(since)) == 2  # both workers of A answered
    assert orders_with_key(hosts.a.database, key) == 1
    # The same key with another amount is another request: 409 on either host.
    for url in (hosts.a.url, hosts.b.url):
        r = post(url, "/v1/orders", {**body, "amount": "0.01"}, key)
        assert (r.status_code, r.json()["code"]) == (409, "IDEMPOTENCY_CONFLICT")


def test_an_order_key_sent_to_both_hosts_at_once_makes_one_order(lab_hosts: LabHosts) -> None:
    """The kiosk retried on another host while the first was still answering."""
    hosts = lab_hosts
    member, quote = a_quote(hosts)
    body = {"quote_id": quote["quote_id"], "member_no": member, "amount": quote["total"]}
    key = uuid.uuid4().hex
    answers: list[requests.Response] = []
    start = threading.Barrier(4)

    def go(url: str) -> None:
        start.wait()
        answers.append(post(url, "/v1/orders", body, key))

    threads = [threading.Thread(target=go, args=(u,)) for u in (hosts.a.url, hosts.b.url) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert [r.status_code for r in answers if r.status_code not in (200, 201)] == [], [
        r.text for r in answers
    ]
    assert len({r.json()["order_no"] for r in answers}) == 1
    assert orders_with_key(hosts.a.database, key) == 1


def test_a_certificate_key_sent_to_both_workers_and_both_hosts_gives_one_certificate(
    lab_hosts: LabHosts,
) -> None:
    hosts = lab_hosts
    member = hosts.lab.take_member(DEMO_TERMINAL, DEMO_TERMINALS[DEMO_TERMINAL], exclusive=False)
    key = uuid.uuid4().hex
    body = {"kind": "participation", "months": 12}
    path = f"/v1/members/{member}/certificates"
    since = len(hosts.a.log_text())
    answers = [post(hosts.a.url, path, body, key) for _ in range(ROUNDS)]
    answers.append(post(hosts.b.url, path, body, key))
    assert {r.status_code for r in answers} <= {200, 201}, [r.text for r in answers]
    assert len({r.json()["certificate_id"] for r in answers}) == 1
    assert len(hosts.a.answering_pids(since)) == 2
    with psycopg.connect(hosts.a.database.replace("+psycopg", "")) as c:
        row = c.execute(
            "SELECT count(*) FROM certificate WHERE idempotency_key = %s", (key,)
        ).fetchone()
    assert row is not None and row[0] == 1
