"""The session's face check, certification, PIN reset and loss cancellation (issue 20): the
state machine with plain events and a clock the test sets, and the controller with a fake
identity port (a unit test: no camera, no card, no back office)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.identity.face import CounterRequired, FaceNotMatched, FaceUnavailable, NotEnrolled
from kiosk.session.card_recovery import RecoveryError
from kiosk.session.controller import Controller
from kiosk.session.identity import FaceRefused, IdentityFlows
from kiosk.session.intents import DataKey
from kiosk.session.machine import (
    CancelLoss,
    CardFailed,
    CardInserted,
    CardProblem,
    CardRead,
    CardRemoved,
    CheckFace,
    FaceBack,
    FaceFailed,
    FacePassed,
    FacePurpose,
    FaceStep,
    Forget,
    Load,
    Loaded,
    LoadFailed,
    LossCancelled,
    LossCancelSubmitted,
    Navigate,
    Page,
    PinBlocked,
    PinOk,
    PinResetDone,
    PinResetSubmitted,
    ReadCard,
    RecoveryRefused,
    ResetPin,
    ResumeWithCard,
    Session,
    StartFace,
    StartLossCancel,
    Tick,
)
from tests.helpers.fakes import FakeCard, SlowData, wait_for

HOLDER = CardHolder(
    id_number="110101195803071234",
    name="李四",
    card_number="X00000027",
    card_identifier="110100D15600000500112233445566AA",
    region="110100",
)
T = TimeoutConfig(page=45, pin=40, payment=300, warning=20)
PROOF = SimpleNamespace(
    verification_id="vf-1"
)  # the verifier's FaceVerified, as the session sees it
CERTIFY = FacePurpose.CERTIFICATION
RESET = FacePurpose.PIN_RESET


@pytest.fixture
def s() -> Session:
    return Session(T)


def to_menu(s: Session) -> list:
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0.1)
    return s.handle(PinOk(initial_pin=False), 0.2)


def to_certify(s: Session) -> None:
    to_menu(s)
    s.handle(Loaded(DataKey.CERTIFICATION, SimpleNamespace(suspended=True)), 0.3)
    s.handle(Navigate(Page.CERTIFY), 1)
    assert s.state.page is Page.CERTIFY


# -- certification ---------------------------------------------------------------------------


def test_menu_asks_for_the_certification_status_once(s):
    effects = to_menu(s)
    assert [e.key for e in effects if isinstance(e, Load)] == ["certification"]
    s.handle(Loaded("certification", None), 1)  # None: not a retiree
    assert "certification" in s.state.data and s.state.data.certification is None
    # no second load, neither on the menu again nor after any other event
    assert not [e for e in s.handle(Navigate(Page.MENU), 2) if isinstance(e, Load)]
    assert not [e for e in s.handle(Tick(), 3) if isinstance(e, Load)]


def test_menu_status_failure_is_not_retried_for_ever(s):
    to_menu(s)
    s.handle(LoadFailed("certification", "error.backoffice"), 1)
    assert not [e for e in s.handle(Tick(), 2) if isinstance(e, Load)]


def test_certify_face_then_record(s):
    to_certify(s)
    effects = s.handle(StartFace(CERTIFY), 2)
    assert s.state.page is Page.FACE and s.state.face.step == "starting"
    assert s.state.face.back_to is Page.CERTIFY
    check = next(e for e in effects if isinstance(e, CheckFace))
    assert (check.id_number, check.purpose, check.card_identifier) == (
        HOLDER.id_number,
        "certification",
        None,
    )
    s.handle(FaceStep("prompt", "turn_left"), 3)
    assert (s.state.face.step, s.state.face.action) == ("prompt", "turn_left")
    s.handle(FaceStep("checking"), 4)
    assert s.state.face.step == "checking"
    effects = s.handle(FacePassed(PROOF), 5)
    assert s.state.page is Page.CERTIFY and s.state.face is None
    load = next(e for e in effects if isinstance(e, Load))
    assert load.key == "certify"
    # the suspended pension resumes: the slip says so
    assert load.params == {"verification_id": "vf-1", "suspended": True}
    assert "certify" in s.state.loading
    after = SimpleNamespace(status="certified")
    s.handle(Loaded("certify", SimpleNamespace(attempt=SimpleNamespace(certification=after))), 6)
    # the status shown is the one after the attempt
    assert s.state.data.certification is after and "certify" in s.state.data


def test_failed_face_shows_reason_then_retry_then_counter(s):
    to_certify(s)
    s.handle(StartFace(CERTIFY), 2)
    effects = s.handle(FaceFailed("face.no_match", attempts_left=2), 3)
    assert s.state.page is Page.FACE
    assert (s.state.face.step, s.state.face.reason, s.state.face.attempts_left) == (
        "failed",
        "face.no_match",
        2,
    )
    # the day's attempts changed at the back office: the status is asked for again
    assert [e.key for e in effects if isinstance(e, Load)] == ["certification"]
    effects = s.handle(StartFace(CERTIFY), 4)  # "try again"
    assert s.state.face.step == "starting" and any(isinstance(e, CheckFace) for e in effects)
    s.handle(FaceFailed("face.counter_required", attempts_left=0, final=True), 5)
    assert s.handle(StartFace(CERTIFY), 6) == [] and s.state.face.final
    s.handle(FaceBack(), 7)
    assert s.state.page is Page.CERTIFY and s.state.face is None


def test_certification_face_only_from_the_certify_page_after_the_pin(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 0)
    assert s.handle(StartFace(CERTIFY), 1) == [] and s.state.page is Page.PIN
    s2 = Session(T)
    to_menu(s2)
    assert s2.handle(StartFace(CERTIFY), 1) == [] and s2.state.page is Page.MENU


def test_a_late_face_answer_after_back_is_ignored(s):
    to_certify(s)
    s.handle(StartFace(CERTIFY), 2)
    s.handle(Navigate(Page.MENU), 3)  # the member left the face page
    assert s.handle(FacePassed(PROOF), 4) == [] and s.state.page is Page.MENU


def test_card_pulled_on_the_face_page_ends_with_nothing_kept(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.BLOCKED, HOLDER), 1)
    s.handle(StartFace(RESET), 2)
    s.handle(FacePassed(PROOF), 3)
    assert s.state.face_proof is PROOF
    s.handle(CardRemoved(), 4)
    assert s.state.page is Page.GOODBYE and not s.state.has_personal_data


# -- PIN reset --------------------------------------------------------------------------------


def test_blocked_card_keeps_its_holder_for_the_reset_only(s):
    s.handle(CardInserted(), 0)
    effects = s.handle(CardFailed(CardProblem.BLOCKED, HOLDER), 1)
    assert s.state.page is Page.CARD_PROBLEM and s.state.holder is None
    assert s.state.recovery_holder == HOLDER and s.state.has_personal_data
    assert any(isinstance(e, Forget) for e in effects)
    # not a member's session: no menu, no data
    assert s.handle(Navigate(Page.HISTORY), 2) == [] and s.state.page is Page.CARD_PROBLEM


def test_unrecoverable_problem_keeps_nothing(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.NOT_GENUINE, HOLDER), 1)
    assert s.state.recovery_holder is None and not s.state.has_personal_data
    assert s.handle(StartFace(RESET), 2) == []
    assert s.handle(StartLossCancel(), 2) == []


def test_pin_reset_of_a_blocked_card_then_the_card_is_read_again(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.BLOCKED, HOLDER), 1)
    effects = s.handle(StartFace(RESET), 2)
    check = next(e for e in effects if isinstance(e, CheckFace))
    assert (check.purpose, check.card_identifier) == ("pin_reset", HOLDER.card_identifier)
    s.handle(FacePassed(PROOF), 3)
    assert s.state.page is Page.PIN_RESET and s.state.deadline == 3 + T.pin
    new, again = bytearray(b"246801"), bytearray(b"246801")
    effects = s.handle(PinResetSubmitted(new, again), 4)
    reset = next(e for e in effects if isinstance(e, ResetPin))
    assert reset.holder == HOLDER and reset.proof is PROOF and reset.new is new
    assert "246801" not in repr(effects) and "246801" not in repr(s.state)
    s.handle(PinResetDone(), 5)
    assert s.state.recovered and s.state.face_proof is None
    assert s.state.pin_message == "pin_reset.done"
    # a second submit after success sends nothing
    assert s.handle(PinResetSubmitted(bytearray(6), bytearray(6)), 6) == []
    effects = s.handle(ResumeWithCard(), 7)
    assert s.state.page is Page.READING and s.state.card_present
    assert [type(e) for e in effects][:2] == [Forget, ReadCard]
    assert not s.state.has_personal_data
    s.handle(CardRead(HOLDER), 8)
    assert s.state.page is Page.PIN


def test_forgot_pin_from_the_pin_page(s):
    s.handle(CardInserted(), 0)
    s.handle(CardRead(HOLDER), 1)
    effects = s.handle(StartFace(RESET), 2)
    assert s.state.page is Page.FACE and s.state.face.back_to is Page.PIN
    assert any(isinstance(e, CheckFace) for e in effects)
    s.handle(FaceFailed("face.not_live", attempts_left=1), 3)
    s.handle(FaceBack(), 4)
    assert s.state.page is Page.PIN


def test_stale_proof_sends_the_member_back_to_the_face(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.BLOCKED, HOLDER), 1)
    s.handle(StartFace(RESET), 2)
    s.handle(FacePassed(PROOF), 3)
    s.handle(PinResetSubmitted(bytearray(b"246801"), bytearray(b"246801")), 4)
    s.handle(RecoveryRefused("pin_reset.identity_required"), 5)
    # the face page says why, with "try again" (the proof is gone)
    assert s.state.page is Page.FACE and s.state.face_proof is None
    face = s.state.face
    assert (face.step, face.reason, face.final) == ("failed", "pin_reset.identity_required", False)
    assert s.handle(ResumeWithCard(), 6) == [] and s.state.page is Page.FACE
    effects = s.handle(StartFace(RESET), 7)
    assert any(isinstance(e, CheckFace) for e in effects) and s.state.face.step == "starting"


# -- loss cancellation -----------------------------------------------------------------------


def test_loss_cancel_wrong_pin_then_cancelled(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.REPORTED_LOST, HOLDER), 1)
    assert s.handle(StartFace(RESET), 2) == []  # a lost card is not a blocked one
    s.handle(StartLossCancel(), 2)
    assert s.state.page is Page.LOSS_CANCEL
    effects = s.handle(LossCancelSubmitted(bytearray(b"000000")), 3)
    assert [type(e) for e in effects] == [CancelLoss]
    s.handle(RecoveryRefused("pin.wrong", tries_left=2), 4)
    assert (s.state.pin_message, s.state.pin_tries_left) == ("pin.wrong", 2)
    s.handle(LossCancelSubmitted(bytearray(b"135790")), 5)
    s.handle(LossCancelled(), 6)
    assert s.state.recovered and s.state.pin_message == "loss.cancelled"
    effects = s.handle(ResumeWithCard(), 7)
    assert s.state.page is Page.READING and any(isinstance(e, ReadCard) for e in effects)


def test_loss_cancel_pin_blocked_offers_the_reset(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.REPORTED_LOST, HOLDER), 1)
    s.handle(StartLossCancel(), 2)
    s.handle(PinBlocked(), 3)
    assert s.state.page is Page.CARD_PROBLEM and s.state.problem is CardProblem.BLOCKED
    assert s.state.recovery_holder == HOLDER
    assert any(isinstance(e, CheckFace) for e in s.handle(StartFace(RESET), 4))


def test_recovery_pages_time_out(s):
    s.handle(CardInserted(), 0)
    s.handle(CardFailed(CardProblem.REPORTED_LOST, HOLDER), 1)
    s.handle(StartLossCancel(), 2)
    s.handle(Tick(), 2 + T.pin + 0.1)
    assert s.state.page is Page.GOODBYE and not s.state.has_personal_data


# -- the controller runs the identity effects -------------------------------------------------


class FakeIdentity:
    def __init__(self, refuse: Exception | None = None) -> None:
        self.refuse = refuse
        self.reset_with: list = []
        self.seen_pins: list[bytearray] = []

    def check_face(self, id_number, purpose, card_identifier, on_step):
        on_step("prompt", "turn_right")
        on_step("checking", None)
        if self.refuse is not None:
            raise self.refuse
        return SimpleNamespace(verification_id="vf-9", id_number=id_number)

    def reset_pin(self, holder, proof, new, confirm):
        self.reset_with.append((holder, proof))
        self.seen_pins += [new, confirm]

    def cancel_loss(self, holder, pin):
        self.seen_pins.append(pin)
        raise RecoveryError("pin.wrong", tries_left=1)


class BlockedCard(FakeCard):
    def read(self):
        from kiosk.ports import CardAccessError

        raise CardAccessError(CardProblem.BLOCKED, holder=HOLDER)


def make(card, identity):
    c = Controller(
        Session(TimeoutConfig()), card, SlowData(), tick_interval=0.05, identity=identity
    )
    c.start()
    return c


def test_controller_blocked_card_face_reset_and_buffers_wiped():
    identity = FakeIdentity()
    c = make(BlockedCard(), identity)
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.CARD_PROBLEM)
        assert c.session.state.recovery_holder == HOLDER
        c.post(StartFace(RESET))
        assert wait_for(lambda: c.session.state.page is Page.PIN_RESET)
        proof = c.session.state.face_proof
        assert proof.verification_id == "vf-9" and proof.id_number == HOLDER.id_number
        c.post(PinResetSubmitted(bytearray(b"246801"), bytearray(b"246801")))
        assert wait_for(lambda: c.session.state.recovered)
        assert identity.reset_with == [(HOLDER, proof)]
        assert all(p == bytearray(6) for p in identity.seen_pins), "PIN buffers not wiped"
    finally:
        c.stop()


def test_controller_face_refusal_and_loss_refusal_reach_the_page():
    identity = FakeIdentity(refuse=FaceRefused("face.not_live", 1))
    card = FakeCard()
    c = make(card, identity)
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        c.post(StartFace(RESET))
        assert wait_for(lambda: c.session.state.face and c.session.state.face.step == "failed")
        assert (c.session.state.face.reason, c.session.state.face.attempts_left) == (
            "face.not_live",
            1,
        )
    finally:
        c.stop()
    c = make(FakeCard(problem=CardProblem.REPORTED_LOST), identity)
    try:
        c.session.handle(CardInserted(), 0)
        c.session.handle(CardFailed(CardProblem.REPORTED_LOST, HOLDER), 0)
        c.post(StartLossCancel())
        assert wait_for(lambda: c.session.state.page is Page.LOSS_CANCEL)
        pin = bytearray(b"000000")
        c.post(LossCancelSubmitted(pin))
        assert wait_for(lambda: c.session.state.pin_tries_left == 1)
        assert c.session.state.pin_message == "pin.wrong" and pin == bytearray(6)
    finally:
        c.stop()


def test_controller_without_identity_port_says_unavailable():
    c = make(FakeCard(), None)
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.PIN)
        c.post(StartFace(RESET))
        assert wait_for(lambda: c.session.state.face and c.session.state.face.step == "failed")
        assert c.session.state.face.reason == "face.unavailable" and c.session.state.face.final
    finally:
        c.stop()


# -- IdentityFlows: the face verifier's refusals and the card reader, in the session's terms ----


class StubVerifier:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple] = []

    def verify(self, id_number, purpose, on_step=None, *, card_identifier=None):
        self.calls.append((id_number, purpose, card_identifier))
        if self.error is not None:
            raise self.error
        return SimpleNamespace(verification_id="vf-2")


class StubReader:
    def __init__(self, card_identifier: str) -> None:
        self.card = card_identifier
        self.reloads = 0

    @property
    def card_identifier(self):
        return self.card

    def read_card(self, *, require_genuine=True):
        return SimpleNamespace(card_identifier=self.card)

    def reload_pin(self, new, confirm):
        self.reloads += 1

    def verify_pin(self, pin):
        return None


@pytest.mark.parametrize(
    ("error", "key", "left", "final"),
    [
        (FaceNotMatched("no_match", 2), "face.no_match", 2, False),
        (FaceNotMatched("not_live", 1), "face.not_live", 1, False),
        (CounterRequired("no_match"), "face.counter_required", 0, True),
        (NotEnrolled(), "face.not_enrolled", None, True),
        (FaceUnavailable("camera: CameraGone"), "face.unavailable", None, False),
    ],
)
def test_identity_flows_maps_the_verifier_refusals(error, key, left, final):
    flows = IdentityFlows(StubVerifier(error), StubReader(HOLDER.card_identifier), None)
    with pytest.raises(FaceRefused) as e:
        flows.check_face(HOLDER.id_number, "certification", None, lambda *_a: None)
    assert (e.value.message_key, e.value.attempts_left, e.value.final) == (key, left, final)


def test_identity_flows_without_a_camera_and_with_one():
    flows = IdentityFlows(None, StubReader(HOLDER.card_identifier), None)
    with pytest.raises(FaceRefused) as e:
        flows.check_face(HOLDER.id_number, "pin_reset", None, lambda *_a: None)
    assert e.value.message_key == "face.unavailable" and e.value.final
    verifier = StubVerifier()
    flows = IdentityFlows(verifier, StubReader(HOLDER.card_identifier), None)
    proof = flows.check_face(HOLDER.id_number, "pin_reset", HOLDER.card_identifier, print)
    assert proof.verification_id == "vf-2"
    assert verifier.calls == [(HOLDER.id_number, "pin_reset", HOLDER.card_identifier)]


def test_identity_flows_refuses_a_reset_of_another_card_and_wipes_the_pins():
    reader = StubReader("110100D156000005FFFFFFFFFFFFFFFF")  # swapped in meanwhile
    flows = IdentityFlows(StubVerifier(), reader, None)
    new, again = bytearray(b"246801"), bytearray(b"246801")
    with pytest.raises(RecoveryError) as e:
        flows.reset_pin(HOLDER, PROOF, new, again)
    assert e.value.message_key == "problem.unreadable.title"
    assert reader.reloads == 0 and new == bytearray(6) and again == bytearray(6)


# -- the audit trail of a face check and a PIN reset ------------------------------------------


def test_face_check_and_pin_reset_leave_their_trail_without_pin_or_id(tmp_path):
    import json

    from kiosk.audit import AuditLog, month_files
    from kiosk.session.auditor import SessionAuditor

    identity = FakeIdentity()
    c = make(BlockedCard(), identity)
    log = AuditLog(tmp_path / "audit", terminal_id="KIOSK-0001", key_file=tmp_path / "audit.key")
    c.listen(SessionAuditor(log))
    try:
        c.post(CardInserted())
        assert wait_for(lambda: c.session.state.page is Page.CARD_PROBLEM)
        c.post(StartFace(RESET))
        assert wait_for(lambda: c.session.state.page is Page.PIN_RESET)
        c.post(PinResetSubmitted(bytearray(b"246801"), bytearray(b"246801")))
        assert wait_for(lambda: c.session.state.recovered)
    finally:
        c.stop()
    (path,) = month_files(tmp_path / "audit")
    text = path.read_text()
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["event"] for e in events] == [
        "session.start",
        "card.refused",
        "face.passed",
        "pin.reset",
    ]
    assert events[2]["purpose"] == "pin_reset"
    for secret in ("246801", HOLDER.id_number, HOLDER.card_number, "vf-9"):
        assert secret not in text
