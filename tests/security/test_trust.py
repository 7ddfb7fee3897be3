"""Mutual TLS and signed requests against the real service (python -m backoffice.tls):
a wrong, missing or revoked client certificate is refused, so are a replayed request, an altered
body, a stale timestamp and an unsigned request; a properly signed kiosk gets its answers."""

from __future__ import annotations

import shutil
import ssl
import time
import warnings

import pytest
import requests

from backoffice.tls_harness import kiosk_api_key, running_tls_service
from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.signing import HmacAuth, read_key, secure_session
from kiosk.config import BackOfficeConfig
from tests.security.conftest import TODAY


@pytest.fixture(scope="module")
def service(pki, seeded_db, tmp_path_factory):
    db = tmp_path_factory.mktemp("trustdb") / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    with running_tls_service(db, pki=pki, today=TODAY) as svc:
        yield svc


def kiosk_session(pki, terminal="KIOSK-0001", *, cert_of=None, sign=True, clock=time.time):
    """A requests session as kiosk `terminal` (its certificate, or `cert_of`'s)."""
    s = requests.Session()
    s.trust_env = False  # $REQUESTS_CA_BUNDLE would override s.verify
    s.verify = str(pki / "ca.pem")
    folder = pki / "kiosks" / (cert_of or terminal)
    s.cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    key = kiosk_api_key(pki, terminal)
    s.headers.update({"X-Terminal-Id": terminal, "Authorization": f"Bearer {key}"})
    if sign:
        s.auth = HmacAuth(
            terminal, read_key(pki / "kiosks" / terminal / "signing.key"), clock=clock
        )
    return s


HEARTBEAT = "/v1/terminals/heartbeat"
BODY = {"app_version": "t", "devices": {"reader": "ok"}}


def test_the_kiosk_client_works_over_mutual_tls_with_signatures(service, pki):
    folder = pki / "kiosks" / "KIOSK-0001"
    cfg = BackOfficeConfig(
        url=service.url,
        api_key=service.api_key("KIOSK-0001"),
        ca_file=pki / "ca.pem",
        client_cert=folder / "cert.pem",
        client_key=folder / "key.pem",
        signing_key_file=folder / "signing.key",
    )
    client = BackOfficeClient(cfg, "KIOSK-0001")
    secure_session(client.session, cfg, "KIOSK-0001")
    with client:
        assert client.heartbeat({"reader": "ok"}, app_version="t").year == TODAY.year
        assert client.heartbeat({"reader": "ok"}, app_version="t")  # a second one: new nonce


def raw_get(service, pki, cert_folder=None) -> bytes | Exception:
    """GET /v1/health over a bare TLS socket: the answer's bytes, or the error that ended it.
    (Under TLS 1.3 the server checks the client certificate after the client's handshake is
    done, so the refusal shows up on the first read.)"""
    import socket

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(pki / "ca.pem"))
    if cert_folder is not None:
        ctx.load_cert_chain(str(cert_folder / "cert.pem"), str(cert_folder / "key.pem"))
    host, port = service.url.removeprefix("https://").split(":")
    try:
        with (
            socket.create_connection((host, int(port)), timeout=5) as raw,
            ctx.wrap_socket(raw, server_hostname=host) as tls,
        ):
            tls.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := tls.recv(4096):
                data += chunk
            return data
    except (ssl.SSLError, OSError) as e:
        return e


def refused(answer: bytes | Exception) -> bool:
    """The connection ended without an HTTP answer (an alert, a reset or a bare close)."""
    return not (isinstance(answer, bytes) and answer.startswith(b"HTTP/"))


def test_our_certificate_is_accepted_on_a_bare_socket(service, pki):
    answer = raw_get(service, pki, pki / "kiosks" / "KIOSK-0001")
    assert isinstance(answer, bytes) and answer.startswith(b"HTTP/1.1 200"), answer


def test_a_certificate_from_another_ca_is_refused(service, pki, rogue_pki):
    answer = raw_get(service, pki, rogue_pki / "kiosks" / "KIOSK-0001")
    assert refused(answer), answer


def test_no_client_certificate_is_refused(service, pki):
    answer = raw_get(service, pki)
    assert refused(answer), answer
    with pytest.raises(requests.exceptions.ConnectionError):  # and so for a requests client
        requests.get(service.url + "/v1/health", verify=str(pki / "ca.pem"), timeout=5)


def test_another_kiosks_certificate_cannot_speak_for_this_kiosk(service, pki):
    s = kiosk_session(pki, "KIOSK-0001", cert_of="KIOSK-0002")
    r = s.post(service.url + HEARTBEAT, json=BODY, timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CERT_TERMINAL_MISMATCH")


def test_a_revoked_certificate_is_refused_on_the_next_request(service, pki):
    s = kiosk_session(pki, "KIOSK-0002")
    assert s.post(service.url + HEARTBEAT, json=BODY, timeout=5).status_code == 200
    import subprocess
    import sys

    from tests.security.conftest import REPO

    subprocess.run(
        [sys.executable, "scripts/make_test_ca.py", "--out", str(pki), "revoke", "KIOSK-0002"],
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    try:
        r = s.post(service.url + HEARTBEAT, json=BODY, timeout=5)  # same connection, even
        assert (r.status_code, r.json()["code"]) == (403, "CERT_REVOKED")
        # KIOSK-0001 is not affected.
        ok = kiosk_session(pki).post(service.url + HEARTBEAT, json=BODY, timeout=5)
        assert ok.status_code == 200
    finally:
        (pki / "revoked.txt").write_text("")


def test_a_replayed_request_is_refused(service, pki):
    s = kiosk_session(pki)
    prepared = s.prepare_request(requests.Request("POST", service.url + HEARTBEAT, json=BODY))
    first = s.send(prepared, timeout=5)
    assert first.status_code == 200, first.text
    again = s.send(prepared, timeout=5)  # byte for byte the same: same nonce, same signature
    assert (again.status_code, again.json()["code"]) == (401, "REPLAYED")


def test_an_altered_body_is_refused(service, pki):
    s = kiosk_session(pki)
    prepared = s.prepare_request(requests.Request("POST", service.url + HEARTBEAT, json=BODY))
    prepared.body = prepared.body.replace(b'"ok"', b'"xx"')
    r = s.send(prepared, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "SIGNATURE_INVALID")


def test_an_altered_path_is_refused(service, pki):
    s = kiosk_session(pki)
    prepared = s.prepare_request(requests.Request("GET", service.url + "/v1/members/M1/summary"))
    prepared.url = service.url + "/v1/members/M2/summary"
    r = s.send(prepared, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "SIGNATURE_INVALID")


def test_an_old_timestamp_is_refused(service, pki):
    s = kiosk_session(pki, clock=lambda: time.time() - 3600)
    r = s.post(service.url + HEARTBEAT, json=BODY, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "SIGNATURE_EXPIRED")


def test_an_unsigned_request_is_refused(service, pki):
    r = kiosk_session(pki, sign=False).post(service.url + HEARTBEAT, json=BODY, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "SIGNATURE_MISSING")


def test_a_key_of_another_kiosk_is_refused(service, pki):
    s = kiosk_session(pki)
    s.auth = HmacAuth("KIOSK-0002", read_key(pki / "kiosks" / "KIOSK-0002" / "signing.key"))
    r = s.post(service.url + HEARTBEAT, json=BODY, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "SIGNATURE_KEY_UNKNOWN")


def test_tls_1_1_is_refused(service, pki):
    import socket

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(pki / "ca.pem"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    host, port = service.url.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw, pytest.raises(ssl.SSLError):
        ctx.wrap_socket(raw, server_hostname=host)
