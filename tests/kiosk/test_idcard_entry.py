"""ID-card entry's device and back office half (issue 20): the emulated reader on a pty (the
kiosk's serial code talks to it), the watcher's thread, and the real back office's ID
sessions over HTTP. The cards are the shipped showcase cards, read from the seeded profiles."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from backoffice.harness import RunningService, running_service
from kiosk.devices.idcard.emulated import EmulatedIdCardReader
from kiosk.session.idcard_entry import ID_CARD_KEY, IdCardEntry, IdEntryRefused, UpgradeRefused
from kiosk.session.machine import CardProblem
from tests.helpers.backoffice import TODAY, make_client, showcase


@pytest.fixture(scope="module")
def svc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    cards = tmp_path_factory.mktemp("idcard-entry")
    with running_service(members=10, seed=7, today=TODAY, cards_dir=cards, card_sessions=True) as s:
        yield s


@pytest.fixture
def entry(svc: RunningService) -> Iterator[tuple[IdCardEntry, EmulatedIdCardReader, dict]]:
    from kiosk.backoffice.id_session import IdSessionApi

    reader = EmulatedIdCardReader(profiles_dir=Path(str(svc.cards_dir)), timeout=1.0)
    client = make_client(svc)
    seen: dict = {"token": None, "admitted": {}}

    def set_token(token: str | None) -> None:
        seen["token"] = token
        client.transport.set_header("X-Card-Session", token)

    e = IdCardEntry(
        reader,
        IdSessionApi(client.transport),
        set_token,
        lambda key, no: seen["admitted"].__setitem__(key, no),
        today=lambda: TODAY,
        poll_seconds=0.05,
    )
    seen["client"] = client
    try:
        yield e, reader, seen
    finally:
        e.stop()
        reader.close()
        client.close()


def watch(e: IdCardEntry) -> queue.Queue:
    events: queue.Queue = queue.Queue()
    e.watch(
        lambda card: events.put(("placed", card)),
        lambda: events.put(("removed", None)),
        lambda problem: events.put(("failed", problem)),
    )
    return events


def test_placing_the_card_opens_a_limited_session_and_taking_it_away_is_seen(svc, entry):
    e, reader, seen = entry
    events = watch(e)
    reader.place("showcase-1")
    kind, card = events.get(timeout=5)
    assert kind == "placed"
    member = showcase(svc, 1)
    entered = e.open(card)
    assert entered.scope == "limited"
    assert entered.holder.id_number == card.id_number and entered.holder.card_number == ""
    assert seen["admitted"] == {ID_CARD_KEY: member["member_no"]}
    # The token rides on the client's requests: the member's dues, not their records.
    client = seen["client"]
    assert client.dues(member["member_no"]) is not None
    base = f"{svc.url}/v1/members/{member['member_no']}"
    headers = {
        "X-Terminal-Id": svc.terminal_id,
        "Authorization": f"Bearer {svc.api_key}",
        "X-Card-Session": seen["token"],
    }
    assert requests.get(f"{base}/summary", headers=headers, timeout=10).status_code == 403
    # Lying on the reader: no second "placed" (only "find card" is asked).
    with pytest.raises(queue.Empty):
        events.get(timeout=0.5)
    reader.remove()
    assert events.get(timeout=5) == ("removed", None)
    # The session ends: the token off the client at once, closed at the back office.
    token = seen["token"]
    e.forget()
    assert seen["token"] is None
    e.stop()  # waits for the close
    r = requests.get(f"{base}/dues", headers={**headers, "X-Card-Session": token}, timeout=10)
    assert r.status_code == 403 and r.json()["code"] == "CARD_SESSION_REQUIRED"


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("showcase-2-expired", CardProblem.ID_EXPIRED),  # valid to 2014-05-01; today 2026-06-20
        ("stranger", CardProblem.ID_UNKNOWN),
    ],
)
def test_cards_that_open_no_session(entry, name, problem):
    e, reader, seen = entry
    events = watch(e)
    reader.place(name)
    kind, card = events.get(timeout=5)
    assert kind == "placed"
    with pytest.raises(IdEntryRefused) as r:
        e.open(card)
    assert r.value.problem is problem
    assert seen["token"] is None and not seen["admitted"]


def test_a_card_with_a_wrong_check_character_is_refused_at_the_reader(entry):
    e, reader, _seen = entry
    events = watch(e)
    reader.place("bad-check-digit")
    assert events.get(timeout=5) == ("failed", CardProblem.ID_INVALID)
    reader.remove()
    assert events.get(timeout=5) == ("removed", None)


def test_a_reader_fault_mid_read_is_retried(entry):
    e, reader, _seen = entry
    reader.peer.fault((0x30, 0x01), "checksum")  # the read's answer corrupted once
    events = watch(e)
    reader.place("showcase-3")
    kind, card = events.get(timeout=10)
    assert kind == "placed" and card.name


def test_an_upgrade_needs_a_session_and_a_verification(entry):
    e, reader, _seen = entry
    with pytest.raises(UpgradeRefused):
        e.upgrade("0" * 32)
    reader.place("showcase-4")
    reading = reader.read_card()
    assert reading is not None
    e.open(reading.card)
    with pytest.raises(UpgradeRefused):  # a verification the back office never made
        e.upgrade("0" * 32)
