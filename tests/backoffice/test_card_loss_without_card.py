"""Report loss without the card (issue 17): POST /v1/members/{no}/card/loss through the real
back office over HTTP. Only with the member's identity proven another way: an ID-card session
widened by a face check; the ID card alone, no session, or another member's session are
refused and nothing changes. The card-in-hand route is untouched (test_cards_cross)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.harness import RunningService, running_service
from kiosk.backoffice.errors import Rejected
from kiosk.backoffice.id_session import FULL, IdSessionApi
from kiosk.devices.idcard.emulated import SHIPPED_CARDS, load_card
from kiosk.domain.cards import CardStatus
from tests.helpers import faces
from tests.helpers.backoffice import TODAY, make_client, showcase


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("card-loss")
    with running_service(members=10, seed=7, today=TODAY, cards_dir=cards, card_sessions=True) as s:
        yield s


def id_card(svc: RunningService, n: int) -> dict[str, str]:
    """Showcase n's ID card as the emulated reader serves it."""
    return load_card(SHIPPED_CARDS / f"showcase-{n}.toml", Path(str(svc.cards_dir))).fields


def raw(svc: RunningService, token: str | None = None) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.headers.update({"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"})
    if token:
        s.headers["X-Card-Session"] = token
    return s


def _face_verification(svc: RunningService, id_number: str) -> str:
    """A real face check of the member: the lab's photo turning as the challenge asks."""
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
    assert v.status_code == 200, v.text
    return str(v.json()["verification_id"])


def _card_status(svc: RunningService, member: dict[str, str]) -> str:
    with make_client(svc) as client:
        return client.card_status(member["card_identifier"], member["card_number"]).status.value


def test_an_id_card_alone_cannot_report_the_card_lost(svc: RunningService) -> None:
    card, member = id_card(svc, 1), showcase(svc, 1)
    url = f"{svc.url}/v1/members/{member['member_no']}/card/loss"
    # No session at all.
    r = raw(svc).post(url, json={}, timeout=10)
    assert r.status_code == 403
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        limited = api.open(card["id_number"], card["name"])
        r = raw(svc, limited.token).post(url, json={}, timeout=10)
        assert r.status_code == 403  # the guard's FULL_SESSION_REQUIRED (or the route's own)
        api.close(limited.token)
    assert _card_status(svc, member) == "valid"


def test_the_face_checked_id_session_reports_the_card_lost(svc: RunningService) -> None:
    card, member = id_card(svc, 0), showcase(svc, 0)
    other = showcase(svc, 2)
    assert _card_status(svc, member) == "valid"
    with make_client(svc) as client:
        api = IdSessionApi(client.transport)
        full = api.open(
            card["id_number"],
            card["name"],
            verification_id=_face_verification(svc, card["id_number"]),
        )
        assert full.scope == FULL
        s = raw(svc, full.token)
        # Another member's card: this session is not theirs.
        r = s.post(f"{svc.url}/v1/members/{other['member_no']}/card/loss", json={}, timeout=10)
        assert r.status_code == 403
        client.transport.set_header("X-Card-Session", full.token)
        rec = client.report_member_card_loss(member["member_no"])
        assert rec.status is CardStatus.LOST
        assert (rec.card_number, rec.member_no) == (member["card_number"], member["member_no"])
        again = client.report_member_card_loss(member["member_no"])  # harmless
        assert again.status is CardStatus.LOST
        api.close(full.token)
        with pytest.raises(Rejected):  # the session ended: no more reports
            client.report_member_card_loss(member["member_no"])
    assert _card_status(svc, member) == "lost"
    assert _card_status(svc, other) == "valid"
