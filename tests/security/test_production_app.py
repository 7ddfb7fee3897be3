"""The production service (`python -m backoffice.tls`) attacked the way the review did: the
gateway simulator's controls, a kiosk reading a member without the card, start-up with test or
demo keys, a deleted revocation list, each role reaching the other's pages. The lab app keeps its
simulator, but its controls refuse a cross-site form post."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from backoffice.harness import running_service
from backoffice.tls_harness import kiosk_api_key, refused_start, running_tls_service
from kiosk.backoffice.signing import HmacAuth, read_key
from tests.security.conftest import REPO, TODAY

MANAGER = "MANAGER-01"
SIM_ATTACKS = [  # what the review did with a certificate of our CA
    ("POST", "/sim/gateway/qr/Q0000000000000001", {}),  # mark a QR order paid
    ("POST", "/sim/gateway/switches", {"decline": 1}),  # decline every card
    ("POST", "/sim/gateway/reset", {}),
    ("GET", "/sim/gateway/switches", None),
    ("GET", "/sim/gateway/bill", None),
    ("POST", "/sim/clock", {"today": "2030-01-01"}),  # move the deadline
]
MANAGER_PAGES = ["/fleet", "/fleet.json", "/docs", "/openapi.json"]


def make_test_pki(out: Path) -> Path:
    subprocess.run(
        [sys.executable, "scripts/make_test_ca.py", "--out", str(out), "--kiosk", "KIOSK-0001",
         "--kiosk", "KIOSK-0002", "--manager", MANAGER],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    return make_test_pki(tmp_path_factory.mktemp("prod-pki"))


@pytest.fixture(scope="module")
def service(pki, seeded_db, tmp_path_factory):
    """The service started with the default options (card sessions on)."""
    db = tmp_path_factory.mktemp("prod-db") / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    with running_tls_service(db, pki=pki, today=TODAY, simulated_payments=True) as svc:
        yield svc


def kiosk(pki: Path, terminal: str = "KIOSK-0001") -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(pki / "ca.pem")
    folder = pki / "kiosks" / terminal
    s.cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    key = kiosk_api_key(pki, terminal)
    s.headers.update({"X-Terminal-Id": terminal, "Authorization": f"Bearer {key}"})
    s.auth = HmacAuth(terminal, read_key(folder / "signing.key"))
    return s


def manager(pki: Path) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(pki / "ca.pem")
    folder = pki / "managers" / MANAGER
    s.cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    return s


def a_member_no(db: Path | str) -> str:
    with sqlite3.connect(db) as c:
        return c.execute("SELECT member_no FROM member ORDER BY id LIMIT 1").fetchone()[0]


# --- the simulator ---------------------------------------------------------------------------


def routes(app) -> set[str]:
    """Every path the app answers, routers included (FastAPI keeps included routers lazily)."""
    found: set[str] = set()
    for r in app.routes:
        if hasattr(r, "effective_route_contexts"):
            found |= {c.path for c in r.effective_route_contexts()}
        else:
            found.add(getattr(r, "path", ""))
    return found


def test_the_production_app_has_no_simulator_route(pki, tmp_path):
    from backoffice.app import create_app
    from backoffice.parts import AppParts
    from backoffice.security import SecurityOptions
    from backoffice.settings import Settings
    from backoffice.tls import production_app
    from common.card_crypto import load_keys

    settings = Settings(database=str(tmp_path / "x.sqlite3"))
    options = SecurityOptions(pki / "revoked.txt", pki / "signing-keys.json")
    keys = load_keys(str(pki / "card-keys.toml"))
    for simulated_payments in (False, True):
        # Built exactly as python -m backoffice.tls builds it.
        app = production_app(
            settings, options, card_keys=keys, simulated_payments=simulated_payments
        )
        found = routes(app)
        assert "/v1/orders/{order_no}/pay" in found  # the payments API is there ...
        assert not [p for p in found if p.startswith("/sim")], found  # ... the controls are not
    # The lab app does have them: the test above can see a /sim route when there is one.
    lab = routes(create_app(settings, parts=AppParts.lab()))
    assert "/sim/gateway/qr/{order_no}" in lab and "/sim/clock" in lab
    # Nothing can put the controls into a guarded app.
    with pytest.raises(ValueError, match="lab"):
        AppParts("production", gateway="simulator", simulator_controls=True, security=options)


def test_the_production_entry_point_has_no_lab_option():
    from backoffice.tls import main

    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    with pytest.raises(SystemExit) as e:  # argparse refuses what it does not know
        main(["--lab", "--cert", "x", "--key", "x", "--ca", "x", "--revoked", "x",
              "--card-keys", "x"])  # fmt: skip
    assert e.value.code == 2


@pytest.mark.parametrize("who", ["kiosk", "manager"])
def test_sim_controls_on_the_real_tls_service_are_404(service, pki, who):
    s = kiosk(pki) if who == "kiosk" else manager(pki)
    for method, path, body in SIM_ATTACKS:
        r = s.request(method, service.url + path, json=body, timeout=5)
        assert (r.status_code, r.json()["code"]) == (404, "NO_SUCH_ENDPOINT"), (who, path, r.text)
    # The clock did not move: the service's time is still on TODAY (--today), a day in the
    # hall's time zone (server_time is UTC: from 16:00 UTC it reads the day before Beijing's).
    beat = kiosk(pki).post(
        service.url + "/v1/terminals/heartbeat", json={"app_version": "t", "devices": {}}, timeout=5
    )
    assert beat.status_code == 200
    server_time = dt.datetime.fromisoformat(beat.json()["server_time"].replace("Z", "+00:00"))
    assert server_time.astimezone(ZoneInfo("Asia/Shanghai")).date() == TODAY


def test_without_a_gateway_card_and_qr_payments_are_refused_clearly(pki, seeded_db, tmp_path):
    db = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    with running_tls_service(db, pki=pki, today=TODAY) as svc:  # no --simulated-payments
        s = kiosk(pki)
        for path in ("/pay", "/qr"):
            r = s.post(
                f"{svc.url}/v1/orders/O0000000000000001{path}",
                json={"method": "card", "account": "6222020200112233445"},
                headers={"Idempotency-Key": "attack-0001"},
                timeout=5,
            )
            assert (r.status_code, r.json()["code"]) == (503, "PAYMENT_GATEWAY_MISSING"), r.text
            assert "柜台" in r.json()["message_zh"]


def test_the_lab_controls_refuse_a_cross_site_form_post():
    with running_service(members=3, seed=1, today=TODAY) as lab:
        # What a page of another site can make the browser send without asking: form, text.
        for kind in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
            for path in ("/sim/gateway/reset", "/sim/gateway/qr/Q0000000000000001", "/sim/clock"):
                r = requests.post(lab.url + path, data=b"x=1", timeout=5,
                                  headers={"Content-Type": kind})  # fmt: skip
                assert (r.status_code, r.json()["code"]) == (415, "JSON_REQUIRED"), (kind, path)
        r = requests.post(lab.url + "/sim/gateway/reset", timeout=5)  # no body, no type
        assert (r.status_code, r.json()["code"]) == (415, "JSON_REQUIRED")
        # The lab's own callers send JSON and still work.
        assert requests.post(lab.url + "/sim/gateway/reset", json={}, timeout=5).status_code == 200
        # ... and the lab keeps working with the demo key it was seeded with.
        h = {"X-Terminal-Id": lab.terminal_id, "Authorization": f"Bearer {lab.api_key}"}
        assert lab.api_key.startswith("demo-key-")
        beat = {"app_version": "t", "devices": {}}
        r = requests.post(lab.url + "/v1/terminals/heartbeat", json=beat, headers=h, timeout=5)
        assert r.status_code == 200, r.text


# --- card sessions by default ------------------------------------------------------------


def test_a_kiosk_without_a_card_session_cannot_read_a_member(service, pki, seeded_db):
    member = a_member_no(seeded_db)
    r = kiosk(pki).get(f"{service.url}/v1/members/{member}/summary", timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED"), r.text


def test_turning_card_sessions_off_is_explicit_and_logged(pki, seeded_db, tmp_path):
    db = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    with running_tls_service(db, pki=pki, today=TODAY, require_card_session=False) as svc:
        member = a_member_no(seeded_db)
        r = kiosk(pki).get(f"{svc.url}/v1/members/{member}/summary", timeout=5)
        assert r.status_code == 200, r.text
        assert "card sessions are OFF (--no-card-session)" in svc.log_text()


# --- start-up ------------------------------------------------------------------------------


def test_the_service_refuses_to_start_with_test_card_keys_and_demo_api_keys(
    pki, seeded_db, tmp_path
):
    from common.card_crypto import TEST_KEYS

    db = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)  # the seed's KIOSK-0001 and -0002 hold the demo keys
    test_keys = tmp_path / "test-keys.toml"
    test_keys.write_text(
        f'[master]\ninternal = "{TEST_KEYS.internal.hex()}"\nread = "{TEST_KEYS.read.hex()}"\n'
    )
    code, err = refused_start(db, pki, today=TODAY, extra_args=["--card-keys", str(test_keys)])
    assert code == 2, err
    lines = [x for x in err.splitlines() if "refusing to start" in x]
    assert len(lines) == 3, err  # one per problem: the card keys, KIOSK-0001, KIOSK-0002
    assert "--card-keys" in lines[0] and "test card keys" in lines[0]
    assert "KIOSK-0001" in lines[1] and "demo-key-KIOSK-0001" in lines[1]
    assert "KIOSK-0002" in lines[2] and "terminal-key" in lines[2]

    # The PKI's own card keys, the demo keys still there: the terminals alone are named.
    code, err = refused_start(db, pki, today=TODAY)
    assert code == 2 and "test card keys" not in err and "KIOSK-0001" in err, err

    # Once each kiosk has its own key (what an operator does) it starts.
    with running_tls_service(db, pki=pki, today=TODAY) as svc:
        assert kiosk(pki).get(svc.url + "/v1/health", timeout=5).status_code == 200


def test_the_service_refuses_to_start_without_its_revocation_list(pki, seeded_db, tmp_path):
    db = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    from backoffice.tls_harness import provision_kiosks

    provision_kiosks(db, pki)
    missing = tmp_path / "revoked.txt"  # not there
    code, err = refused_start(db, pki, today=TODAY, extra_args=["--revoked", str(missing)])
    assert code == 2 and str(missing) in err and "revocation list missing" in err, err


def test_a_revocation_list_deleted_while_running_refuses_every_request(pki, seeded_db, tmp_path):
    db = tmp_path / "backoffice.sqlite3"
    shutil.copy(seeded_db, db)
    revoked = pki / "revoked.txt"
    with running_tls_service(db, pki=pki, today=TODAY) as svc:
        s = kiosk(pki)
        assert s.get(svc.url + "/v1/health", timeout=5).status_code == 200
        kept = revoked.read_bytes()
        revoked.unlink()
        try:
            r = s.get(svc.url + "/v1/health", timeout=5)  # same connection, even
            assert (r.status_code, r.json()["code"]) == (503, "REVOCATION_LIST_MISSING")
            r = manager(pki).get(svc.url + "/fleet.json", timeout=5)
            assert (r.status_code, r.json()["code"]) == (503, "REVOCATION_LIST_MISSING")
        finally:
            revoked.write_bytes(kept)
        assert s.get(svc.url + "/v1/health", timeout=5).status_code == 200


# --- roles ---------------------------------------------------------------------------------


def test_a_kiosk_certificate_cannot_read_the_fleet_or_the_api_docs(service, pki):
    s = kiosk(pki)
    for path in MANAGER_PAGES:
        r = s.get(service.url + path, timeout=5)
        assert (r.status_code, r.json()["code"]) == (403, "CERT_ROLE_FORBIDDEN"), path
    # Unsigned and without the kiosk headers, too.
    bare = kiosk(pki)
    bare.auth = None
    bare.headers.pop("Authorization")
    bare.headers.pop("X-Terminal-Id")
    assert bare.get(service.url + "/fleet", timeout=5).status_code == 403


def test_a_manager_certificate_reads_the_fleet_and_nothing_of_the_kiosks(service, pki, seeded_db):
    m = manager(pki)
    for path in MANAGER_PAGES:
        assert m.get(service.url + path, timeout=5).status_code == 200, path
    assert "KIOSK-0001" in m.get(service.url + "/fleet", timeout=5).text
    member = a_member_no(seeded_db)
    key = kiosk_api_key(pki, "KIOSK-0001")
    # Even with a kiosk's id and API key, a manager's certificate reaches no kiosk route.
    m.headers.update({"X-Terminal-Id": "KIOSK-0001", "Authorization": f"Bearer {key}"})
    for method, path in [
        ("GET", "/v1/health"),
        ("GET", f"/v1/members/{member}/summary"),
        ("POST", "/v1/terminals/heartbeat"),
        ("POST", "/v1/card-sessions/challenge"),
    ]:
        r = m.request(method, service.url + path, json={}, timeout=5)
        assert (r.status_code, r.json()["code"]) == (404, "NO_SUCH_ENDPOINT"), path


def test_a_manager_gets_no_signing_key(pki):
    import json

    assert not (pki / "managers" / MANAGER / "signing.key").exists()
    assert not (pki / "managers" / MANAGER / "api.key").exists()
    assert MANAGER not in json.loads((pki / "signing-keys.json").read_text())
    assert set(json.loads((pki / "signing-keys.json").read_text())) == {"KIOSK-0001", "KIOSK-0002"}
