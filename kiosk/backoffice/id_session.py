"""The kiosk's half of ID-card sessions (backoffice/id_sessions.py): a member session opened
with the resident ID card (居民身份证) the kiosk's reader read.

The back office finds the member by the card's ID number and checks the card's name against the
record; the session is "limited" (dues, paying them by QR, the annual certification) until a
face verification of the member makes it "full" (records and documents too). Its token rides
as `X-Card-Session`, exactly as a card session's (kiosk/backoffice/card_session.py), and is
closed the same way when the session ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.backoffice.card_session import HEADER
from kiosk.backoffice.transport import ONCE, Transport, decode

FULL, LIMITED = "full", "limited"


@dataclass(frozen=True)
class IdSession:
    token: str = field(repr=False)
    member_no: str
    scope: str  # FULL or LIMITED

    @property
    def full(self) -> bool:
        return self.scope == FULL


def _parse(body: dict[str, object]) -> IdSession:
    scope = str(body["scope"])
    if scope not in (FULL, LIMITED):
        raise ValueError(f"scope {scope!r}")
    return IdSession(str(body["token"]), str(body["member_no"]), scope)


class IdSessionApi:
    """The calls, through the back office client's transport (TLS, signing, key). Each is sent
    once: a verification is spent by the first answer, so a repeat after a lost reply would be
    refused."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def open(self, id_number: str, name: str, verification_id: str | None = None) -> IdSession:
        payload: dict[str, str] = {"id_number": id_number, "name": name}
        if verification_id is not None:
            payload["verification_id"] = verification_id
        return decode(_parse, self.transport.post("/v1/id-sessions", payload, once=True))

    def upgrade(self, token: str, verification_id: str) -> IdSession:
        body = self.transport.send(
            "POST",
            "/v1/id-sessions/current/upgrade",
            json={"verification_id": verification_id},
            headers={HEADER: token},
            retry=ONCE,
        )
        return decode(_parse, body)

    def close(self, token: str) -> None:
        self.transport.delete("/v1/card-sessions/current", headers={HEADER: token})
