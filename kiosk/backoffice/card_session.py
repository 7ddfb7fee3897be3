"""The kiosk's half of card sessions (backoffice/card_sessions.py): member data only for a card
that is present and whose PIN the card verified.

`CardSessionCard` wraps the session's card port. When the card accepts the PIN it asks the back
office for a challenge, has the card answer it with INTERNAL AUTHENTICATE (cardio's
`CardReader.prove_presence`, with `BackOfficeProof` in the place of the security module), and
sends the answer; the back office checks it with the card's key and returns a token, which
rides on every later request as `X-Card-Session` until the session ends (`forget`), when the
kiosk closes it. All of it runs on the controller's card thread, before PinOk reaches the
session, so the menu's first loads already carry the token. Admin cards open no card session.

Switched on by [backoffice] card_session = true (the back office must run with
--require-card-session, or at least offer /v1/card-sessions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from kiosk.backoffice.client import BackOfficeClient
from kiosk.backoffice.errors import BackOfficeError, ProtocolError, Rejected
from kiosk.backoffice.transport import Transport, decode
from kiosk.ports import CardAccessError, CardReading, PinResult, ReaderCardPort
from kiosk.session.machine import CardProblem

log = logging.getLogger(__name__)
HEADER = "X-Card-Session"


class CardSessionApi:
    """The three calls, through the back office client's transport (TLS, signing, key). Each is
    sent once (the transport's `once`): a challenge is answered once, so a repeated answer
    after a lost reply would be refused and a genuine card taken for a fake."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def challenge(self, card_identifier: str) -> tuple[str, bytes]:
        body = self.transport.post(
            "/v1/card-sessions/challenge", {"card_identifier": card_identifier}, once=True
        )
        return decode(lambda b: (str(b["challenge_id"]), bytes.fromhex(b["challenge"])), body)

    def open(self, challenge_id: str, algorithm: str, answer: bytes) -> str:
        body = self.transport.post(
            "/v1/card-sessions",
            {
                "challenge_id": challenge_id,
                "algorithm": algorithm,
                "answer": answer.hex(),
                "pin_verified": True,
            },
            once=True,
        )
        return decode(lambda b: str(b["token"]), body)

    def close(self, token: str) -> None:
        self.transport.delete("/v1/card-sessions/current", headers={HEADER: token})


class BackOfficeProof:
    """A cardio SecurityModule whose challenge comes from the back office and whose check is
    the back office's: a right answer opens the card session (`token`)."""

    def __init__(self, api: CardSessionApi, card_identifier: str) -> None:
        self.api = api
        self.card_identifier = card_identifier
        self._challenge_id: str | None = None
        self.token: str | None = None

    def challenge(self) -> bytes:
        self._challenge_id, value = self.api.challenge(self.card_identifier)
        return value

    def check_internal_auth(
        self, algorithm: str, card_identifier: bytes, challenge: bytes, response: bytes
    ) -> bool:
        if self._challenge_id is None:
            return False
        cid, self._challenge_id = self._challenge_id, None
        self.token = self.api.open(cid, algorithm, response)
        return True

    def external_auth_cryptogram(self, *_args: Any) -> bytes:
        raise NotImplementedError("the back office proof only checks the card")

    def pin_reload_mac(self, *_args: Any) -> bytes:
        raise NotImplementedError("the back office proof only checks the card")

    def close(self) -> None:
        pass


class CardSessionCard:
    """A CardPort that opens a back office card session once the PIN is verified."""

    def __init__(
        self,
        inner: ReaderCardPort,
        api: CardSessionApi,
        set_token: Callable[[str | None], None],
    ) -> None:
        self.inner = inner
        self.api = api
        self._set_token = set_token
        self._token: str | None = None
        self._admin = False

    def watch(self, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        self.inner.watch(on_inserted, on_removed)

    def read(self) -> CardReading:
        self._end()
        reading = self.inner.read()
        self._admin = reading.admin
        return reading

    def verify_pin(self, digits: bytearray | None) -> PinResult:
        result = self.inner.verify_pin(digits)
        if result.ok and not self._admin:
            self._open()
        return result

    def change_pin(self, old: bytearray, new: bytearray) -> None:
        self.inner.change_pin(old, new)

    def forget(self) -> None:
        self._end()
        self.inner.forget()

    def stop(self) -> None:
        self._end()
        self.inner.stop()

    def _open(self) -> None:
        info = self.inner.last_info
        if info is None:
            raise CardAccessError(CardProblem.UNREADABLE, "no card read")
        proof = BackOfficeProof(self.api, info.card_identifier)
        try:
            present = self.inner.reader.prove_presence(proof)
        except BackOfficeError as e:
            log.warning("card session not opened: %s", e)
            problem = CardProblem.NOT_GENUINE if refused(e) else CardProblem.BACKOFFICE_UNAVAILABLE
            raise CardAccessError(problem, str(e)) from None
        except Exception as e:  # the card went away or failed mid-proof
            raise CardAccessError(CardProblem.UNREADABLE, type(e).__name__) from None
        if not present or proof.token is None:
            raise CardAccessError(CardProblem.NOT_GENUINE, "the card did not answer")
        self._token = proof.token
        self._set_token(proof.token)

    def _end(self) -> None:
        token, self._token = self._token, None
        self._set_token(None)
        if token is not None:
            try:
                self.api.close(token)
            except BackOfficeError as e:  # it expires by itself anyway
                log.info("card session not closed: %s", e)


def refused(e: BackOfficeError) -> bool:
    """Did the back office say no to the proof (a 4xx, with or without the API's error body)?
    No answer, a 5xx or a malformed answer say nothing about the card."""
    if isinstance(e, Rejected):
        return True
    return isinstance(e, ProtocolError) and e.status is not None and 400 <= e.status < 500


def card_session_card(card: ReaderCardPort, client: BackOfficeClient) -> CardSessionCard:
    """Wrap `card` (a CardAdapter) for `client`: its transport carries the token."""

    def set_token(token: str | None) -> None:
        client.transport.set_header(HEADER, token)

    return CardSessionCard(card, CardSessionApi(client.transport), set_token)
