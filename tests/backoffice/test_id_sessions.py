"""ID-card sessions (issue 20) through the real back office over HTTP, with card sessions
required (--card-sessions): opened with the ID card's number and name, limited to dues, quotes
and the certification; the name checked; the face's verification spent once; closed like a
card session. The member's number and name are read from the seeded card profile exactly as
the emulated ID-card reader takes them (kiosk/devices/idcard/cards/showcase-*.toml)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.harness import RunningService, running_service
from kiosk.backoffice.errors import Rejected
from kiosk.backoffice.id_session import FULL, LIMITED, IdSessionApi
from kiosk.devices.idcard.emulated import SHIPPED_CARDS, load_card
from tests.helpers import faces
from tests.helpers.backoffice import TODAY, fresh_pg_database, make_client, showcase


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("id-sessions")
    with running_service(members=10, seed=7, today=TODAY, cards_dir=cards, card_sessions=True) as s:
        yield s


def id_card(svc: RunningService, n: int) -> dict[str, str]:
    """Showcase n's ID card as the emulated reader serves it."""
    card = load_card(SHIPPED_CARDS / f"showcase-{n}.toml", Path(str(svc.cards_dir)))
    return card.fields


def raw(svc: RunningService, token: str | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.headers.update({"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"})
    if token:
        s.headers["X-Card-Session"] = token
    return s


def test_an_id_card_opens_a_limited_session(svc: RunningService) -> None:
    card, member = id_card(svc, 1), showcase(svc, 1)
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        session = api.open(card["id_number"], card["name"])
        assert (session.member_no, session.scope) == (member["member_no"], LIMITED)
        base = f"{svc.url}/v1/members/{session.member_no}"
        s = raw(svc, session.token)
        # What paying by QR and certifying need: the dues, a quote.
        assert s.get(f"{base}/dues", timeout=10).status_code == 200
        dues = s.get(f"{base}/dues", timeout=10).json()["dues"]
        payable = next(d for d in dues if d["lines"])
        quote = s.post(
            f"{base}/quotes",
            json={"scheme": payable["scheme"], "periods": [payable["lines"][0]["period"]]},
            timeout=10,
        )
        assert quote.status_code == 201, quote.text
        # The certification is reachable (this member is no retiree: the route's own answer).
        cert = s.get(f"{base}/certification", timeout=10)
        assert cert.status_code == 409 and cert.json()["code"] == "NOT_A_RETIREE"
        cert = s.post(
            f"{base}/certifications",
            json={"method": "counter", "result": "success"},
            headers={"Idempotency-Key": "id-session-cert-1"},
            timeout=10,
        )
        assert cert.status_code == 409 and cert.json()["code"] == "NOT_A_RETIREE"
        # Records and documents are not, whatever the route.
        for path in ("summary", "contributions", "accounts", "benefits", "pension-estimate"):
            r = s.get(f"{base}/{path}", timeout=10)
            assert r.status_code == 403, path
            assert r.json()["code"] == "FULL_SESSION_REQUIRED"
            assert "人脸" in r.json()["message_zh"]
        r = s.post(f"{base}/certificates", json={"kind": "participation"}, timeout=10)
        assert (r.status_code, r.json()["code"]) == (403, "FULL_SESSION_REQUIRED")
        # Another member's dues: the token is this member's only.
        other = showcase(svc, 2)["member_no"]
        r = s.get(f"{svc.url}/v1/members/{other}/dues", timeout=10)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")
        # Closed like a card session: the token is dead at once.
        api.close(session.token)
        r = s.get(f"{base}/dues", timeout=10)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")


def test_a_name_that_is_not_the_records_is_refused(svc: RunningService) -> None:
    card = id_card(svc, 2)
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        with pytest.raises(Rejected) as e:
            api.open(card["id_number"], card["name"] + "某")
        assert (e.value.status, e.value.code) == (403, "NAME_MISMATCH")
        assert "姓名" in e.value.message_zh and "name" in e.value.message_en
        # Spaces a reader pads with are not a different name.
        padded = api.open(card["id_number"], f" {card['name']} ")
        assert padded.member_no == showcase(svc, 2)["member_no"]
        api.close(padded.token)


def test_an_unknown_id_number_and_bad_bodies(svc: RunningService) -> None:
    stranger = load_card(SHIPPED_CARDS / "stranger.toml").fields
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        with pytest.raises(Rejected) as e:
            api.open(stranger["id_number"], stranger["name"])
        assert (e.value.status, e.value.code) == (404, "MEMBER_NOT_FOUND")
    s = raw(svc)
    for body in (
        {"id_number": "11010519491231002", "name": "张三"},  # 17 characters
        {"id_number": "11010519491231002x", "name": "张三"},  # a lower-case x
        {"id_number": "110105194912310021", "name": ""},
        {"id_number": "110105194912310021", "name": "张" * 41},
        {"id_number": "110105194912310021", "name": "张三", "verification_id": "a b"},
    ):
        r = s.post(f"{svc.url}/v1/id-sessions", json=body, timeout=10)
        assert r.status_code == 422, body
    # Without the terminal's key: refused before anything else.
    r = requests.post(f"{svc.url}/v1/id-sessions", json={}, timeout=10)
    assert r.status_code == 401
    # A body over the route's 1 KiB limit: refused before it is read.
    r = s.post(
        f"{svc.url}/v1/id-sessions",
        data=b'{"name": "' + b"x" * 1100 + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert (r.status_code, r.json()["code"]) == (413, "BODY_TOO_LARGE")


def test_a_face_verification_that_is_no_verification_opens_nothing(svc: RunningService) -> None:
    card = id_card(svc, 3)
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        with pytest.raises(Rejected) as e:
            api.open(card["id_number"], card["name"], verification_id="0" * 32)
        assert (e.value.status, e.value.code) == (409, "FACE_VERIFICATION_REQUIRED")
        limited = api.open(card["id_number"], card["name"])
        with pytest.raises(Rejected) as e:
            api.upgrade(limited.token, "0" * 32)
        assert (e.value.status, e.value.code) == (409, "FACE_VERIFICATION_REQUIRED")
        base = f"{svc.url}/v1/members/{limited.member_no}"
        r = raw(svc, limited.token).get(f"{base}/summary", timeout=10)
        assert r.status_code == 403  # still limited
        api.close(limited.token)
        with pytest.raises(Rejected) as e:  # a closed session is upgraded to nothing
            api.upgrade(limited.token, "0" * 32)
        assert (e.value.status, e.value.code) == (403, "ID_SESSION_REQUIRED")


def _face_verification(svc: RunningService, id_number: str) -> str:
    """A real face check of the member (H1's face API): the lab's photo of the enrolled person
    turning as the challenge asks (tests/helpers/faces.py)."""
    s = raw(svc)
    r = s.post(
        f"{svc.url}/v1/face/challenges",
        json={"id_number": id_number, "purpose": "id_session"},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    ch = r.json()
    frames = faces.b64(faces.turning("obama3.jpg", ch["action"]))
    v = s.post(
        f"{svc.url}/v1/face/verifications",
        json={"challenge_id": ch["challenge_id"], "frames": frames},
        timeout=60,
    )
    assert v.status_code == 200 and v.json()["verification_id"], v.text
    return str(v.json()["verification_id"])


def test_the_face_widens_the_session_once(svc: RunningService) -> None:
    card, member = id_card(svc, 0), showcase(svc, 0)
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        limited = api.open(card["id_number"], card["name"])
        base = f"{svc.url}/v1/members/{limited.member_no}"
        assert raw(svc, limited.token).get(f"{base}/summary", timeout=10).status_code == 403
        vid = _face_verification(svc, card["id_number"])
        full = api.upgrade(limited.token, vid)
        assert (full.member_no, full.scope) == (member["member_no"], FULL)
        assert full.token != limited.token
        assert raw(svc, full.token).get(f"{base}/summary", timeout=10).status_code == 200
        # The limited token ended with the upgrade; the verification is spent.
        r = raw(svc, limited.token).get(f"{base}/dues", timeout=10)
        assert (r.status_code, r.json()["code"]) == (403, "CARD_SESSION_REQUIRED")
        with pytest.raises(Rejected) as e:
            api.open(card["id_number"], card["name"], verification_id=vid)
        assert (e.value.status, e.value.code) == (409, "FACE_VERIFICATION_REQUIRED")
        # Opened full at once with a fresh verification; another member's card cannot use it.
        vid = _face_verification(svc, card["id_number"])
        other = id_card(svc, 1)
        with pytest.raises(Rejected) as e:
            api.open(other["id_number"], other["name"], verification_id=vid)
        assert (e.value.status, e.value.code) == (409, "FACE_VERIFICATION_REQUIRED")
        at_once = api.open(card["id_number"], card["name"], verification_id=vid)
        assert at_once.scope == FULL
        assert raw(svc, at_once.token).get(f"{base}/accounts", timeout=10).status_code == 200
        api.close(at_once.token)


@pytest.mark.postgres
def test_scopes_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    """The scope column and the guard on PostgreSQL (the shared state's raw SELECT)."""
    with running_service(
        members=4,
        seed=7,
        today=TODAY,
        cards_dir=tmp_path,
        database=fresh_pg_database(postgres_url, "id_sessions"),
        card_sessions=True,
    ) as pg:
        card = id_card(pg, 1)
        with make_client(pg) as client:
            api = IdSessionApi(client.transport)
            session = api.open(card["id_number"], card["name"])
            assert session.scope == LIMITED
            base = f"{pg.url}/v1/members/{session.member_no}"
            s = raw(pg, session.token)
            assert s.get(f"{base}/dues", timeout=10).status_code == 200
            r = s.get(f"{base}/summary", timeout=10)
            assert (r.status_code, r.json()["code"]) == (403, "FULL_SESSION_REQUIRED")
            api.close(session.token)
