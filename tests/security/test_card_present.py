"""Member data only for a card that is present: with --require-card-session the back office
releases a member's records only to a card session opened by the card's INTERNAL AUTHENTICATE
answer to the back office's own challenge after the PIN; the token dies with the session.
Real stack: card emulator through pcscd, the kiosk as assembled, mutual TLS and signing."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from backoffice.tls_harness import kiosk_api_key, running_tls_service
from kiosk.backoffice.card_session import HEADER
from kiosk.backoffice.signing import HmacAuth, read_key
from tests.helpers.journey import skip_goodbye
from tests.security.conftest import TODAY, make_pki
from tests.security.test_no_secrets import _config, card_keys_of

pytestmark = [pytest.mark.pcsc]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    from backoffice.policy import load_policy
    from backoffice.seed import seed_database
    from backoffice.storage import Database

    tmp = tmp_path_factory.mktemp("card-present")
    cards = tmp / "cards"
    db_path = tmp / "backoffice.sqlite3"
    db = Database(str(db_path))
    try:
        report = seed_database(
            db, load_policy(None), members=12, seed=7, as_of=TODAY, cards_dir=cards
        )
    finally:
        db.dispose()
    pki = make_pki(tmp / "pki", "KIOSK-0001", "KIOSK-0002")
    with running_tls_service(db_path, pki=pki, today=TODAY, require_card_session=True) as svc:
        yield svc, report, cards, pki


@pytest.fixture
def stack(service, card_stack_ready):
    svc, report, cards, pki = service
    # The back office refuses the public test card keys: the emulated cards and security
    # module run on the PKI's card-keys.toml, as the service does.
    with card_keys_of(card_stack_ready, pki):
        yield svc, card_stack_ready, report, cards, pki


def as_kiosk(pki, terminal="KIOSK-0001") -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = str(pki / "ca.pem")
    folder = pki / "kiosks" / terminal
    s.cert = (str(folder / "cert.pem"), str(folder / "key.pem"))
    key = kiosk_api_key(pki, terminal)  # its own key: the service refuses the demo keys
    s.headers.update({"X-Terminal-Id": terminal, "Authorization": f"Bearer {key}"})
    s.auth = HmacAuth(terminal, read_key(folder / "signing.key"))
    return s


class FakeCups:
    queue, server = "KioskA4", "127.0.0.1:9"  # not used: nothing is printed here


def test_member_data_needs_the_card_in_the_reader_and_its_pin(stack, tmp_path):
    from kiosk.assembly import build
    from kiosk.config import load_config
    from kiosk.session.machine import ExitPressed, Navigate, Page, PinSubmitted

    svc, cs, report, cards, pki = stack
    member, other = [m for m in report.showcases if m.card_file and m.card_status == "valid"][:2]
    cfg_path = _config(tmp_path, svc, FakeCups(), pki)  # card_session = true
    summary = lambda no: f"{svc.url}/v1/members/{no}/summary"  # noqa: E731
    bo = as_kiosk(pki)

    # Without a card session, no member data, even for an authenticated, signed kiosk.
    r = bo.get(summary(member.member_no), timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")

    k = build(load_config(cfg_path))
    changed = threading.Condition()

    def notify(_s) -> None:
        with changed:
            changed.notify_all()

    def until(pred, timeout=60.0) -> None:
        end = time.monotonic() + timeout
        with changed:
            while not pred(k.controller.session.state):
                assert changed.wait(max(0.0, end - time.monotonic())), k.controller.session.state

    k.controller.subscribe(notify)
    k.controller.start()
    try:
        cs.insert(str(cards / member.card_file), wait=False)
        until(lambda s: s.page is Page.PIN)
        assert HEADER not in k.client.session.headers  # no token before the PIN
        k.controller.post(PinSubmitted(bytearray(member.pin.encode())))
        until(lambda s: s.page in (Page.MENU, Page.CHANGE_PIN, Page.CARD_PROBLEM))
        assert k.controller.session.state.page is not Page.CARD_PROBLEM, k.controller.session.state
        token = k.client.session.headers[HEADER]
        k.controller.post(Navigate(Page.INSURANCE))
        until(lambda s: "summary" in s.data or "summary" in s.errors)
        assert "summary" in k.controller.session.state.data  # the kiosk's own path works

        with_token = {HEADER: token}
        assert bo.get(summary(member.member_no), headers=with_token, timeout=5).status_code == 200
        # The token is for this member only, and for this kiosk only.
        r = bo.get(summary(other.member_no), headers=with_token, timeout=5)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")
        r = as_kiosk(pki, "KIOSK-0002").get(
            summary(member.member_no), headers=with_token, timeout=5
        )
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")

        k.controller.post(ExitPressed())
        until(lambda s: s.page is Page.GOODBYE)
        cs.remove()
        until(lambda s: s.goodbye_until is not None or s.page is Page.ATTRACT)
        skip_goodbye(k.controller)  # its 5 s passed at once
        until(lambda s: s.page is Page.ATTRACT, 30)
    finally:
        k.close()
    deadline = time.monotonic() + 10
    while HEADER in k.client.session.headers and time.monotonic() < deadline:
        time.sleep(0.05)  # Forget runs on the card thread
    assert HEADER not in k.client.session.headers
    # The session ended: its token reads nothing any more.
    r = bo.get(summary(member.member_no), headers={HEADER: token}, timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")


def test_a_wrong_or_replayed_card_answer_opens_nothing(stack):
    svc, _cs, report, _cards, pki = stack
    member = next(m for m in report.showcases if m.card_file and m.card_status == "valid")
    bo = as_kiosk(pki)
    ch = bo.post(
        svc.url + "/v1/card-sessions/challenge",
        json={"card_identifier": member.card_identifier},
        timeout=5,
    ).json()
    body = {
        "challenge_id": ch["challenge_id"],
        "algorithm": "sm4",
        "answer": "00" * 16,
        "pin_verified": True,
    }
    r = bo.post(svc.url + "/v1/card-sessions", json=body, timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CARD_PROOF_REFUSED")
    # The challenge was used up by that attempt: even a right answer now proves nothing.
    from common import card_crypto

    master = card_crypto.load_keys(str(pki / "card-keys.toml")).internal  # the service's card keys
    key = card_crypto.card_key("sm4", master, bytes.fromhex(member.card_identifier))
    right = card_crypto.internal_auth_response("sm4", key, bytes.fromhex(ch["challenge"]))
    r = bo.post(svc.url + "/v1/card-sessions", json={**body, "answer": right.hex()}, timeout=5)
    assert (r.status_code, r.json()["code"]) == (403, "CARD_PROOF_REFUSED")
    # Another kiosk cannot answer this kiosk's challenge.
    ch2 = bo.post(
        svc.url + "/v1/card-sessions/challenge",
        json={"card_identifier": member.card_identifier},
        timeout=5,
    ).json()
    r = as_kiosk(pki, "KIOSK-0002").post(
        svc.url + "/v1/card-sessions", json={**body, "challenge_id": ch2["challenge_id"]}, timeout=5
    )
    assert (r.status_code, r.json()["code"]) == (403, "CARD_PROOF_REFUSED")
