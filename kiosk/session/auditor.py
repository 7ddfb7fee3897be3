"""Turns the session's events into audit records (kiosk.audit): who did what, and when.

`SessionAuditor` is a controller listener: the controller calls it with every event and the
state before and after, on the session thread. It writes one record per business event:

    session.start   a card was inserted (or an ID card laid on the reader) on the attract screen
    idcard.accepted the back office's ID session for an ID card: opened, or widened by the face
                    (masked ID number; its scope, limited or full)
    card.accepted   the card was read and is valid (masked ID and card number; admin or not)
    card.refused    the card cannot be used (the problem)
    pin.ok / pin.wrong (tries left) / pin.blocked / pin.changed / pin.change_refused (reason)
    face.passed / face.failed (purpose; reason and attempts left)   the face check
    certification.recorded   the retiree's certification (its status after, the slip printed)
    pin.reset / pin.reset_refused, loss.cancelled / loss.cancel_refused   the card's recovery
    admin.login     the admin card and its PIN opened admin mode
    request         a member's request (print, pay, report loss...): its key, never its params
    request.done / request.failed   its outcome
    session.end     the session ended (exit, timeout, card removed, problem)

The PIN is never in any event this sees (the digits live in a bytearray the controller wipes)
and the ID number is masked by the audit log itself. Writing must not stop the kiosk: a failure
is logged and the member carries on.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from kiosk.audit import OUTCOME_FIELDS, AuditLog
from kiosk.session.machine import (
    CardFailed,
    CardInserted,
    CardRead,
    Event,
    FaceFailed,
    FacePassed,
    IdCardFailed,
    IdCardPlaced,
    IdSessionOpened,
    Loaded,
    LoadFailed,
    LossCancelled,
    Page,
    PinBlocked,
    PinChanged,
    PinChangeRefused,
    PinOk,
    PinResetDone,
    PinWrong,
    RecoveryRefused,
    Request,
    SessionState,
)

log = logging.getLogger(__name__)
_IDLE = (Page.ATTRACT, Page.GOODBYE)


class SessionAuditor:
    def __init__(self, audit: AuditLog) -> None:
        self.audit = audit
        self.session_id: str | None = None
        self._requests: set[str] = set()

    def __call__(self, event: Event, before: SessionState, after: SessionState) -> None:
        try:
            self._on(event, before, after)
        except Exception:
            log.exception("audit record for %s failed", type(event).__name__)

    def _write(self, name: str, **fields: Any) -> None:
        self.audit.record(name, session=self.session_id, **fields)

    def _on(self, event: Event, before: SessionState, after: SessionState) -> None:
        if (
            isinstance(event, CardInserted | IdCardPlaced | IdCardFailed)
            and before.page in _IDLE
            and after.page not in _IDLE
        ):
            self.session_id = uuid.uuid4().hex[:16]
            self._requests.clear()
            self._write("session.start")
        elif isinstance(event, CardRead) and after.page is not before.page:
            h = event.holder
            self._write(
                "card.accepted",
                id_number=h.id_number,
                card_number=h.card_number,
                admin=event.admin,
            )
        elif isinstance(event, IdSessionOpened) and after.id_scope == event.scope:
            if after.id_scope != before.id_scope:
                self._write("idcard.accepted", id_number=event.holder.id_number, scope=event.scope)
        elif isinstance(event, CardFailed | IdCardFailed) and after.page is Page.CARD_PROBLEM:
            self._write("card.refused", problem=event.problem.value)
        elif isinstance(event, PinOk) and after.pin_verified and not before.pin_verified:
            self._write("admin.login" if after.admin else "pin.ok", initial=event.initial_pin)
        elif isinstance(event, PinWrong) and after.pin_tries_left == event.tries_left:
            self._write("pin.wrong", tries_left=event.tries_left)
        elif isinstance(event, PinBlocked) and after.page is Page.CARD_PROBLEM:
            self._write("pin.blocked")
        elif isinstance(event, PinChanged) and before.page is Page.CHANGE_PIN:
            self._write("pin.changed")
        elif isinstance(event, PinChangeRefused) and before.page is Page.CHANGE_PIN:
            self._write("pin.change_refused", reason=event.reason)
        elif isinstance(event, Request) and event.key in after.loading:
            self._requests.add(event.key)
            self._write("request", key=event.key, admin=after.admin)
        elif isinstance(event, FacePassed | FaceFailed) and before.face is not None:
            self._face(event, before, after)
        elif isinstance(event, Loaded) and event.key == "certify" and after.data.certify:
            done = after.data.certify
            status = done.attempt.certification.status.value
            self._write("certification.recorded", status=status, slip=done.slip_printed)
        elif isinstance(event, LoadFailed) and event.key == "certify":
            self._write("request.failed", key="certify", reason=event.message_key)
        elif isinstance(event, PinResetDone) and after.recovered and not before.recovered:
            self._write("pin.reset")
        elif isinstance(event, LossCancelled) and after.recovered and not before.recovered:
            self._write("loss.cancelled")
        elif isinstance(event, RecoveryRefused) and before.page is Page.PIN_RESET:
            self._write("pin.reset_refused", reason=event.reason)
        elif isinstance(event, RecoveryRefused) and before.page is Page.LOSS_CANCEL:
            self._write("loss.cancel_refused", reason=event.reason, tries_left=event.tries_left)
        elif isinstance(event, Loaded) and event.key in self._requests:
            self._requests.discard(event.key)
            self._write("request.done", key=event.key, **_outcome(event.value))
        elif isinstance(event, LoadFailed) and event.key in self._requests:
            self._requests.discard(event.key)
            self._write("request.failed", key=event.key, reason=event.message_key)
        if before.page not in _IDLE and after.page in _IDLE and self.session_id is not None:
            self._write("session.end", ended_by=after.ended_by or "problem")
            self.session_id = None
            self._requests.clear()

    def _face(
        self, event: FacePassed | FaceFailed, before: SessionState, after: SessionState
    ) -> None:
        assert before.face is not None  # the caller's
        if before.page is not Page.FACE or before.face.step == "failed":
            return  # a late answer the session ignored
        purpose = before.face.purpose.value
        if isinstance(event, FacePassed):
            self._write("face.passed", purpose=purpose)
        else:
            self._write(
                "face.failed",
                purpose=purpose,
                reason=event.reason,
                attempts_left=event.attempts_left,
            )


# The facts recorded of a result: exactly the fields kiosk.audit accepts for "request.done".
_FACTS = OUTCOME_FIELDS
# Results that wrap the interesting object: a payment result its outcome, a quote view its quote.
_WRAPPERS = ("outcome", "quote")


def _outcome(value: Any, depth: int = 0) -> dict[str, Any]:
    """A few non-personal facts about a request's result: a payment's outcome, order number,
    total and receipt state; a print job's id and pages; a certificate's code."""
    out: dict[str, Any] = {}
    for name in _WRAPPERS:
        inner = getattr(value, name, None)
        if depth == 0 and inner is not None and hasattr(inner, "__dataclass_fields__"):
            out.update(_outcome(inner, depth + 1))
    for name in _FACTS:
        v = getattr(value, name, None)
        if v is None and isinstance(value, dict):
            v = value.get(name)
        if v is None or name in out or hasattr(v, "__dataclass_fields__"):
            continue
        if isinstance(v, bool | int | float):
            out[name] = v
        elif hasattr(v, "value"):  # an enum
            out[name] = str(v.value)
        else:
            out[name] = str(v)
    return out
