"""The member's session: a plain state machine, driven by events, that asks for effects.

`Session.handle(event, now)` moves the session and returns the effects the controller must run
(read the card, verify the PIN, load the history...). Nothing here blocks, touches a device or
imports Kivy, so every path of the member's journey is testable with plain events and a clock
that the test sets.

Pages time out: each page has its timeout from config (PIN and payment pages their own); a
warning shows `warning` seconds before the end with one tap to continue. At every end (exit,
timeout, card removed, card problem acknowledged) all personal data leaves the session.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.config import TimeoutConfig
from kiosk.domain import CardHolder
from kiosk.domain.idcard import IdCard
from kiosk.session.data import MemberData
from kiosk.session.intents import ANSWER_UPDATES, PAYING, DataKey, Key, RequestName

# --- pages ---------------------------------------------------------------------------------


class Page(enum.StrEnum):
    ATTRACT = "attract"
    READING = "reading"
    CARD_PROBLEM = "card_problem"
    PIN = "pin"
    CHANGE_PIN = "change_pin"
    MENU = "menu"
    INSURANCE = "insurance"
    HISTORY = "history"
    ACCOUNTS = "accounts"
    BENEFITS = "benefits"
    PRINT = "print"
    PAY = "pay"
    CARD_SERVICES = "card_services"
    ESTIMATE = "estimate"
    GOODBYE = "goodbye"
    ADMIN = "admin"
    FACE = "face"  # the face check, for whichever flow asked (FaceState.purpose)
    CERTIFY = "certify"  # the retiree's annual certification
    PIN_RESET = "pin_reset"  # a new PIN after the face check (blocked or forgotten)
    LOSS_CANCEL = "loss_cancel"  # 解除临时挂失: the PIN on the card, then the back office
    TRANSFER = "transfer"  # 转移接续: the voucher printed, a transfer-in request (issue 17)
    MEDICAL = "medical"  # 医保: the medical account and the settlements (issue 17)
    SERVICES = "services"  # 更多服务: a tile per hall service (issue 17)
    UNEMPLOYMENT = "unemployment"  # 失业保险 (issue 17, kiosk.session.unemployment)
    FLEXIBLE = "flexible"  # 灵活就业: register, stop, resume (issue 17)
    MY_RECEIPTS = "my_receipts"  # 我的缴费凭证: past payments, a receipt reprinted (issue 17)


# Pages a member reaches from the menu, and the data each needs loaded.
MENU_PAGES: dict[Page, tuple[DataKey, ...]] = {
    Page.INSURANCE: (DataKey.SUMMARY,),
    Page.HISTORY: (DataKey.SUMMARY, DataKey.HISTORY),
    Page.ACCOUNTS: (DataKey.ACCOUNTS,),
    Page.BENEFITS: (DataKey.BENEFITS,),
    Page.PRINT: (DataKey.SUMMARY,),
    Page.PAY: (DataKey.DUES,),
    Page.CARD_SERVICES: (DataKey.CARD_STATUS,),
    Page.ESTIMATE: (DataKey.ESTIMATE,),
    Page.CERTIFY: (DataKey.CERTIFICATION,),
    Page.TRANSFER: (DataKey.TRANSFER, DataKey.TRANSFER_CITIES),
    Page.MEDICAL: (DataKey.MEDICAL_ACCOUNT, DataKey.MEDICAL_SETTLEMENTS),
    Page.SERVICES: (),
    Page.UNEMPLOYMENT: (DataKey.UNEMPLOYMENT, DataKey.SKILL_SUBSIDY),
    Page.FLEXIBLE: (DataKey.FLEXIBLE,),
    Page.MY_RECEIPTS: (DataKey.MY_RECEIPTS,),
}

# Pages on which the session holds a member (everything between PIN and goodbye).
MEMBER_PAGES = frozenset(MENU_PAGES) | {Page.MENU, Page.CHANGE_PIN, Page.ADMIN, Page.FACE}

# ID-card entry: what a session opened with the ID card alone ("limited") may open, and what
# one widened by a face check ("full") may; never the card's own pages (no card in the reader).
ID_LIMITED, ID_FULL = "limited", "full"
ID_LIMITED_PAGES = frozenset({Page.MENU, Page.PAY, Page.CERTIFY, Page.FACE})
ID_FULL_PAGES = ID_LIMITED_PAGES | {
    Page.INSURANCE,
    Page.HISTORY,
    Page.ACCOUNTS,
    Page.BENEFITS,
    Page.PRINT,
    Page.ESTIMATE,
    Page.TRANSFER,
    Page.MEDICAL,
    Page.SERVICES,
    Page.UNEMPLOYMENT,
    Page.FLEXIBLE,
    Page.MY_RECEIPTS,
    Page.CARD_SERVICES,  # the loss report only (REPORT_LOSS_ID): no card in the reader
}
ID_CARD_REFUSED = frozenset({RequestName.PAY_CARD, RequestName.REPORT_LOSS})
# Flexible employment's changes: each answers with the new standing (shown at once) and makes
# the dues held stale (the pay page loads what is payable now).
FLEXIBLE_CHANGES = frozenset(
    {RequestName.FLEXIBLE_REGISTER, RequestName.FLEXIBLE_STOP, RequestName.FLEXIBLE_RESUME}
)

GOODBYE_SECONDS = 5.0  # how long "please take your card" stays once the card is out
PAID_NOTICE_SECONDS = 20.0  # card pulled mid-payment: how long the outcome stays on screen
PAYING_KEYS = PAYING  # requests during which money moves
OUTCOME_FRESH = 5.0  # a removal this soon after a payment outcome still lets the member read it


class CardProblem(enum.StrEnum):
    """Why a card cannot be used; each has its own message and what to do."""

    NOT_GENUINE = "not_genuine"
    BLOCKED = "blocked"  # PIN blocked: unblock at the counter
    REPORTED_LOST = "reported_lost"
    VOID = "void"
    EXPIRED = "expired"
    UNREADABLE = "unreadable"
    NOT_A_SOCIAL_SECURITY_CARD = "not_ssc"
    BACKOFFICE_UNAVAILABLE = "backoffice_unavailable"
    # The resident ID card's (ID-card entry, kiosk.session.idcard_entry):
    ID_INVALID = "id_invalid"  # its text is no valid card (a misread or a forgery)
    ID_EXPIRED = "id_expired"
    ID_UNKNOWN = "id_unknown"  # no member with this ID number
    ID_NAME_MISMATCH = "id_name"  # the card's name is not the record's


# Problems the member can solve at the kiosk with the card still in the reader: a blocked PIN
# (face check, new PIN) and a temporary loss report (the PIN). The session keeps the card's
# holder data (read before any PIN) for them as `recovery_holder`.
RECOVERABLE = frozenset({CardProblem.BLOCKED, CardProblem.REPORTED_LOST})


class FacePurpose(enum.StrEnum):
    """Why the face is checked (the back office's challenge purpose): where the result goes."""

    CERTIFICATION = "certification"
    PIN_RESET = "pin_reset"
    ID_SESSION = "id_session"


@dataclass(frozen=True)
class FaceState:
    """The face page: which flow asked, where "back" leads, and how far the check is.
    step: "starting" (camera), "prompt" (the action shown), "checking" (the back office
    decides), "failed" (`reason` an i18n key; `final`: no retry, e.g. the counter)."""

    purpose: FacePurpose
    back_to: Page
    step: str = "starting"
    action: str | None = None  # "turn_left" | "turn_right" while prompting
    reason: str | None = None
    attempts_left: int | None = None
    final: bool = False


# --- events --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CardInserted:
    pass


@dataclass(frozen=True)
class CardRemoved:
    pass


@dataclass(frozen=True)
class CardRead:
    """The card was read, proved genuine and is valid at the back office."""

    holder: CardHolder
    admin: bool = False
    pinpad: bool = False  # the reader has its own PIN pad


@dataclass(frozen=True)
class CardFailed:
    problem: CardProblem
    holder: CardHolder | None = None  # kept for a RECOVERABLE problem only


@dataclass(frozen=True)
class PinSubmitted:
    """The member finished typing the PIN on screen. The digits travel in a bytearray that the
    controller wipes after VERIFY; the session never stores them."""

    digits: bytearray = field(repr=False)


@dataclass(frozen=True)
class PinOk:
    initial_pin: bool  # still the issuer's initial PIN: must change before paying


@dataclass(frozen=True)
class PinWrong:
    tries_left: int


@dataclass(frozen=True)
class PinBlocked:
    pass


@dataclass(frozen=True)
class PinChangeSubmitted:
    """Old and new PIN from the change-PIN page (already typed twice and matched)."""

    old: bytearray = field(repr=False)
    new: bytearray = field(repr=False)


@dataclass(frozen=True)
class PinChanged:
    pass


@dataclass(frozen=True)
class PinChangeRefused:
    reason: str  # i18n key: "pin.same_as_old", "pin.initial_not_allowed", "pin.mismatch", ...


@dataclass(frozen=True)
class Navigate:
    """A member's intent to open a page (from the menu, or "back" to the menu)."""

    page: Page
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """A member's request for an action with a result on the same page (report the card lost,
    issue a certificate...). Runs like a load: the result lands in `data[key]`."""

    key: RequestName
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A name the core does not know fails here, at the screen that sent it.
        object.__setattr__(self, "key", RequestName(self.key))


@dataclass(frozen=True)
class Loaded:
    key: Key
    value: Any  # the data port's answer; MemberData names its type per key


@dataclass(frozen=True)
class Said:
    """The back office's own words for a refusal (message_zh / message_en of its error body),
    shown to the member as they are: they name the month or the year the kiosk cannot."""

    zh: str
    en: str

    def in_language(self, language: str) -> str:
        return self.zh if language == "zh" else self.en


@dataclass(frozen=True)
class LoadFailed:
    key: Key
    message_key: str  # i18n key of what to tell the member
    said: Said | None = None  # the back office's own words, when it refused with some


@dataclass(frozen=True)
class StartFace:
    """A member's "verify my face" (certify, reset a PIN, open an ID-card session; "again"
    after a failed check)."""

    purpose: FacePurpose


@dataclass(frozen=True)
class FaceStep:
    """The check's progress (the controller, from the verifier's on_step)."""

    step: str  # "prompt" | "checking"
    action: str | None = None


@dataclass(frozen=True)
class FacePassed:
    """The face matched and was live: `proof` is the verifier's FaceVerified (its
    verification_id for the back office; the PIN reset spends it)."""

    proof: Any = field(repr=False)


@dataclass(frozen=True)
class FaceFailed:
    reason: str  # i18n key: face.no_match, face.not_live, face.counter_required, ...
    attempts_left: int | None = None
    final: bool = False  # no retry at the kiosk (the counter, not enrolled, no camera)


@dataclass(frozen=True)
class FaceBack:
    """Leave the face page ("back") to the page that asked."""


@dataclass(frozen=True)
class PinResetSubmitted:
    """The new PIN, typed twice on the PIN reset page (matched there)."""

    new: bytearray = field(repr=False)
    confirm: bytearray = field(repr=False)


@dataclass(frozen=True)
class PinResetDone:
    pass


@dataclass(frozen=True)
class RecoveryRefused:
    """A PIN reset or a loss cancellation refused: `reason` an i18n key."""

    reason: str
    tries_left: int | None = None


@dataclass(frozen=True)
class StartLossCancel:
    """解除临时挂失, from the reported-lost card's problem page."""


@dataclass(frozen=True)
class LossCancelSubmitted:
    digits: bytearray = field(repr=False)


@dataclass(frozen=True)
class LossCancelled:
    pass


@dataclass(frozen=True)
class ResumeWithCard:
    """After a PIN reset or a loss cancellation: read the card again, as if just inserted."""


@dataclass(frozen=True)
class IdCardPlaced:
    """A resident ID card was laid on the reader and read (ID-card entry)."""

    card: IdCard = field(repr=False)


@dataclass(frozen=True)
class IdCardRemoved:
    pass


@dataclass(frozen=True)
class IdCardFailed:
    """The ID card opens no session (unreadable, expired, unknown, the name differs...)."""

    problem: CardProblem


@dataclass(frozen=True)
class IdSessionOpened:
    """The back office's ID session: `scope` "limited" (dues, paying by QR, certifying) or
    "full" (after a face check: records and documents too)."""

    holder: CardHolder
    scope: str


@dataclass(frozen=True)
class Touched:
    """Any touch: resets the page timer and dismisses the timeout warning."""


@dataclass(frozen=True)
class ExitPressed:
    pass


@dataclass(frozen=True)
class Tick:
    """Time passes; the controller sends one at least twice a second."""


Event = (
    CardInserted
    | CardRemoved
    | CardRead
    | CardFailed
    | PinSubmitted
    | PinChangeSubmitted
    | PinOk
    | PinWrong
    | PinBlocked
    | PinChanged
    | PinChangeRefused
    | Navigate
    | Request
    | Loaded
    | LoadFailed
    | Touched
    | ExitPressed
    | Tick
    | StartFace
    | FaceStep
    | FacePassed
    | FaceFailed
    | FaceBack
    | PinResetSubmitted
    | PinResetDone
    | RecoveryRefused
    | StartLossCancel
    | LossCancelSubmitted
    | LossCancelled
    | ResumeWithCard
    | IdCardPlaced
    | IdCardRemoved
    | IdCardFailed
    | IdSessionOpened
)

# --- effects -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCard:
    pass


@dataclass(frozen=True)
class VerifyPin:
    digits: bytearray = field(repr=False)


@dataclass(frozen=True)
class ChangePin:
    old: bytearray = field(repr=False)
    new: bytearray = field(repr=False)


@dataclass(frozen=True)
class Load:
    key: Key
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Forget:
    """Drop every piece of personal data the controller or devices hold for the session."""


@dataclass(frozen=True)
class Say:
    """A voice prompt (i18n key)."""

    key: str


@dataclass(frozen=True)
class CheckFace:
    """Run the face check (camera + back office) on a worker thread. `card_identifier`: the
    card the proof is bound to (a PIN reset), None for a check not tied to a card."""

    id_number: str = field(repr=False)
    purpose: FacePurpose
    card_identifier: str | None = None


@dataclass(frozen=True)
class ResetPin:
    """RELOAD PIN on the card in the reader, opened by the face proof."""

    holder: CardHolder = field(repr=False)
    proof: Any = field(repr=False)
    new: bytearray = field(repr=False)
    confirm: bytearray = field(repr=False)


@dataclass(frozen=True)
class CancelLoss:
    holder: CardHolder = field(repr=False)
    digits: bytearray = field(repr=False)


@dataclass(frozen=True)
class OpenIdSession:
    """Ask the back office for the member of this ID card (kiosk.session.idcard_entry)."""

    card: IdCard = field(repr=False)


@dataclass(frozen=True)
class UpgradeIdSession:
    """The face matched: widen the ID session with the verification."""

    verification_id: str | None = field(repr=False)


Effect = (
    ReadCard
    | VerifyPin
    | ChangePin
    | Load
    | Forget
    | Say
    | CheckFace
    | ResetPin
    | CancelLoss
    | OpenIdSession
    | UpgradeIdSession
)

# --- state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionState:
    page: Page = Page.ATTRACT
    holder: CardHolder | None = None
    admin: bool = False
    pinpad: bool = False
    card_present: bool = False
    pin_verified: bool = False
    initial_pin: bool = False
    pin_tries_left: int | None = None
    pin_message: str | None = None  # i18n key
    problem: CardProblem | None = None
    data: MemberData = field(default_factory=MemberData)
    errors: dict[str, str] = field(default_factory=dict)  # key -> i18n message key
    said: dict[str, Said] = field(default_factory=dict)  # key -> the back office's words
    loading: frozenset[str] = frozenset()
    params: dict[str, Any] = field(default_factory=dict)
    deadline: float | None = None  # monotonic time the page times out
    warn_at: float | None = None
    warning: bool = False
    goodbye_until: float | None = None
    ended_by: str | None = None  # "exit", "timeout", "card_removed", "problem"
    pay_outcome_at: float | None = None  # when the last payment outcome arrived
    recovery_holder: CardHolder | None = None  # a RECOVERABLE card problem's holder
    face: FaceState | None = None  # the face page
    face_proof: Any = field(default=None, repr=False)  # a passed check, until a reset spends it
    recovered: bool = False  # the PIN reset or the loss cancellation succeeded
    # ID-card entry: the session began with the resident ID card (no social security card,
    # no PIN); its scope at the back office, "limited" or "full" (after a face check).
    id_entry: bool = False
    id_scope: str | None = None
    id_card_present: bool = False

    @property
    def signed_in(self) -> bool:
        """A member is in: the card's PIN verified, or the back office's ID session open."""
        return self.pin_verified or self.id_scope is not None

    @property
    def has_personal_data(self) -> bool:
        return (
            self.holder is not None
            or self.recovery_holder is not None
            or self.face_proof is not None
            or bool(self.data)
        )


class Session:
    """The state machine. Not thread-safe by itself: the controller feeds it from one thread."""

    def __init__(self, timeouts: TimeoutConfig) -> None:
        self.timeouts = timeouts
        self.state = SessionState()

    # -- timing ---------------------------------------------------------------------------

    def page_timeout(self, page: Page) -> float | None:
        if page in (Page.ATTRACT, Page.GOODBYE, Page.READING):
            return None
        if page in (Page.PIN, Page.CHANGE_PIN, Page.PIN_RESET, Page.LOSS_CANCEL):
            return float(self.timeouts.pin)
        if page is Page.PAY:
            return float(self.timeouts.payment)
        return float(self.timeouts.page)

    def _on_page(self, s: SessionState, page: Page, now: float, **changes: Any) -> SessionState:
        limit = self.page_timeout(page)
        deadline = now + limit if limit is not None else None
        warn_at = deadline - self.timeouts.warning if deadline is not None else None
        return replace(s, page=page, deadline=deadline, warn_at=warn_at, warning=False, **changes)

    def seconds_left(self, now: float) -> float | None:
        d = self.state.deadline
        return None if d is None else max(0.0, d - now)

    # -- the machine ----------------------------------------------------------------------

    def handle(self, event: Event, now: float) -> list[Effect]:
        """Apply one event at monotonic time `now`; return the effects to run, in order."""
        s = self.state
        effects: list[Effect] = []
        match event:
            case CardInserted():
                if s.page in (Page.ATTRACT, Page.GOODBYE):
                    s = self._on_page(SessionState(), Page.READING, now, card_present=True)
                    effects += [ReadCard(), Say("voice.reading")]
                else:
                    s = replace(s, card_present=True)
            case CardRemoved() if not s.card_present and s.page is Page.PAY:
                pass  # the same removal told twice (the reader may also report itself lost)
            case CardRemoved() if s.page is Page.PAY and (
                any(k in s.loading for k in PAYING_KEYS)
                or (s.pay_outcome_at is not None and now - s.pay_outcome_at < OUTCOME_FRESH)
            ):
                # Money is moving: the payment completes (or is reversed) and the member is
                # told, then the session ends on the page timer, shortened.
                s = replace(
                    s,
                    card_present=False,
                    deadline=now + PAID_NOTICE_SECONDS,
                    warn_at=None,
                    warning=False,
                )
            case CardRemoved():
                if s.page is Page.ATTRACT:
                    s = replace(s, card_present=False)
                elif s.page is Page.GOODBYE:
                    s = replace(s, card_present=False, goodbye_until=now + GOODBYE_SECONDS)
                else:
                    s, more = self._end(s, now, "card_removed", card_out=True)
                    effects += more
            case CardRead(holder=holder, admin=admin, pinpad=pinpad) if s.page is Page.READING:
                s = self._on_page(
                    s,
                    Page.PIN,
                    now,
                    holder=holder,
                    admin=admin,
                    pinpad=pinpad,
                    pin_tries_left=None,
                    pin_message=None,
                )
                effects.append(Say("voice.pin_pad" if pinpad else "voice.pin"))
            case CardFailed(problem=problem, holder=holder) if s.page in (
                Page.READING,
                Page.PIN,
                Page.LOSS_CANCEL,
            ):
                s = self._on_page(
                    replace(s, holder=None, data=MemberData(), face=None, face_proof=None),
                    Page.CARD_PROBLEM,
                    now,
                    problem=problem,
                    recovery_holder=holder if problem in RECOVERABLE else None,
                    recovered=False,
                )
                s = replace(s, deadline=now + self.timeouts.page, warn_at=None)
                effects += [Forget(), Say(f"problem.{problem.value}.title")]
            case PinSubmitted(digits=digits) if s.page is Page.PIN:
                s = replace(s, pin_message=None, deadline=self._refresh(s, now))
                effects.append(VerifyPin(digits))
            case PinOk(initial_pin=initial) if s.page is Page.PIN:
                s = replace(s, pin_verified=True, initial_pin=initial, pin_tries_left=None)
                if s.admin:
                    s = self._on_page(s, Page.ADMIN, now)
                elif initial:
                    s = self._on_page(s, Page.CHANGE_PIN, now)
                    effects.append(Say("voice.change_initial_pin"))
                else:
                    s = self._on_page(s, Page.MENU, now)
                    effects.append(Say("voice.menu"))
            case PinWrong(tries_left=tries) if s.page is Page.PIN:
                s = replace(
                    s,
                    pin_tries_left=tries,
                    pin_message="pin.wrong",
                    deadline=self._refresh(s, now),
                    warning=False,
                )
                effects.append(Say("voice.pin_wrong"))
            case PinBlocked() if s.page in (Page.PIN, Page.CHANGE_PIN, Page.LOSS_CANCEL):
                holder = s.holder or s.recovery_holder
                return self.handle(CardFailed(CardProblem.BLOCKED, holder), now)
            case PinChangeSubmitted(old=old, new=new) if s.page is Page.CHANGE_PIN:
                s = replace(s, pin_message=None, deadline=self._refresh(s, now))
                effects.append(ChangePin(old, new))
            case PinChanged() if s.page is Page.CHANGE_PIN:
                s = self._on_page(s, Page.MENU, now, initial_pin=False, pin_message="pin.changed")
            case PinChangeRefused(reason=reason) if s.page is Page.CHANGE_PIN:
                s = replace(s, pin_message=reason, deadline=self._refresh(s, now))
            case Navigate(page=page, params=params) if s.page in MEMBER_PAGES and s.signed_in:
                s, more = self._navigate(s, page, params, now)
                effects += more
            case Request(key=key) if key.startswith("admin_") and not s.admin:
                pass  # administrators' tools only for an administrator's card
            case Request(key=key) if s.id_scope is not None and key in ID_CARD_REFUSED:
                pass  # no social security card in the reader: no card payment, no card service
            case Request(key=key) if key == RequestName.REPORT_LOSS_ID and s.id_scope != ID_FULL:
                pass  # without the card only with identity proven: the ID card + face
            case Request(key=key, params=params) if s.page in MEMBER_PAGES and s.signed_in:
                if key.startswith("pay_"):
                    # The payment service checks these itself before any card-in payment.
                    params = {
                        **params,
                        "pin_verified": s.pin_verified,
                        "initial_pin": s.initial_pin,
                    }
                s = replace(
                    s,
                    loading=s.loading | {key},
                    deadline=self._refresh(s, now),
                    errors={k: v for k, v in s.errors.items() if k != key},
                    said={k: v for k, v in s.said.items() if k != key},
                )
                effects.append(Load(key, params))
            case Loaded(key=key, value=value) if s.page in MEMBER_PAGES:
                s = replace(
                    s,
                    data=s.data.with_answer(key, value),
                    loading=s.loading - {key},
                    errors={k: v for k, v in s.errors.items() if k != key},
                    said={k: v for k, v in s.said.items() if k != key},
                )
                if key == RequestName.TRANSFER_START and value is not None:
                    # The requests with the new one open: the progress shows it at once.
                    s = replace(s, data=s.data.with_answer(DataKey.TRANSFER, value))
                if key in FLEXIBLE_CHANGES and value is not None:
                    s = replace(
                        s,
                        data=s.data.with_answer(DataKey.FLEXIBLE, value).without((DataKey.DUES,)),
                    )
                follows = ANSWER_UPDATES.get(key) if isinstance(key, RequestName) else None
                if follows is not None and value is not None:
                    # The page's data is the answer now (the standing after a claim...).
                    s = replace(s, data=s.data.with_answer(follows, value))
                if key == RequestName.CERTIFY and value is not None:
                    # The status after the attempt (certified now, the next due date).
                    status = value.attempt.certification
                    s = replace(s, data=s.data.with_answer(DataKey.CERTIFICATION, status))
                if key in (RequestName.PAY_CARD, RequestName.PAY_QR_WAIT):
                    s = replace(s, pay_outcome_at=now)
                if key in PAYING_KEYS:
                    # The record changed (or may have): the next visit loads it afresh.
                    stale = (
                        DataKey.SUMMARY,
                        DataKey.HISTORY,
                        DataKey.ACCOUNTS,
                        DataKey.DUES,
                        DataKey.MY_RECEIPTS,
                    )
                    s = replace(s, data=s.data.without(stale))
                if key in PAYING_KEYS and not s.card_present:
                    s = replace(s, deadline=now + PAID_NOTICE_SECONDS, warn_at=None)
            case LoadFailed(key=key, message_key=msg, said=said) if s.page in MEMBER_PAGES:
                words = {k: v for k, v in s.said.items() if k != key}
                if said is not None:
                    words[key] = said
                s = replace(s, loading=s.loading - {key}, errors={**s.errors, key: msg}, said=words)
                if key in PAYING_KEYS and not s.card_present:
                    s = replace(s, deadline=now + PAID_NOTICE_SECONDS, warn_at=None)
            case (
                StartFace()
                | FaceStep()
                | FacePassed()
                | FaceFailed()
                | FaceBack()
                | PinResetSubmitted()
                | PinResetDone()
                | RecoveryRefused()
                | StartLossCancel()
                | LossCancelSubmitted()
                | LossCancelled()
                | ResumeWithCard()
            ):
                s, more = self._identity(s, event, now)
                effects += more
            case IdCardPlaced() | IdCardRemoved() | IdCardFailed() | IdSessionOpened():
                s, more = self._id_card(s, event, now)
                effects += more
            case Touched():
                if s.deadline is not None:
                    limit = self.page_timeout(s.page)  # as _refresh, s.deadline known to be set
                    deadline = now + limit if limit is not None else s.deadline
                    s = replace(
                        s,
                        deadline=deadline,
                        warning=False,
                        warn_at=deadline - self.timeouts.warning,
                    )
            case ExitPressed() if s.page not in (Page.ATTRACT, Page.GOODBYE):
                s, more = self._end(s, now, "exit", card_out=not s.card_present)
                effects += more
            case Tick():
                s, more = self._tick(s, now)
                effects += more
            case _:
                pass  # an event that does not apply to this page (a late answer, say): ignore
        s, more = self._menu_reminder(s)
        effects += more
        self.state = s
        return effects

    # -- face check, certification, PIN reset, loss cancellation (issue 20) ---------------

    def _menu_reminder(self, s: SessionState) -> tuple[SessionState, list[Effect]]:
        """On the menu, a retiree's certification status once a session (the reminder, and
        whether the menu offers the certification at all)."""
        key = DataKey.CERTIFICATION
        if (
            s.page is not Page.MENU
            or not s.signed_in
            or s.admin
            or s.holder is None
            or key in s.data
            or key in s.loading
            or key in s.errors
        ):
            return s, []
        return replace(s, loading=s.loading | {key}), [Load(key)]

    def _face_subject(self, s: SessionState, purpose: FacePurpose) -> CheckFace | None:
        """Whose face a check started on this page is for (None: not from here)."""
        if purpose is FacePurpose.CERTIFICATION:
            if s.page is Page.CERTIFY and s.signed_in and s.holder is not None:
                return CheckFace(s.holder.id_number, purpose)
        elif purpose is FacePurpose.PIN_RESET:
            holder = s.holder if s.page is Page.PIN else s.recovery_holder
            if holder is not None and (
                s.page is Page.PIN
                or (s.page is Page.CARD_PROBLEM and s.problem is CardProblem.BLOCKED)
            ):
                return CheckFace(holder.id_number, purpose, holder.card_identifier)
        elif (
            purpose is FacePurpose.ID_SESSION
            and s.page is Page.MENU
            and s.id_scope == ID_LIMITED
            and s.holder is not None
        ):
            return CheckFace(s.holder.id_number, purpose)
        return None

    def _identity(
        self, s: SessionState, event: Event, now: float
    ) -> tuple[SessionState, list[Effect]]:
        face = s.face
        match event:
            case StartFace(purpose=purpose) if (
                s.page is Page.FACE
                and face is not None
                and face.step == "failed"
                and not face.final
                and face.purpose is purpose
            ):
                # "Try again" on the face page: the same check once more.
                s = replace(s, page=face.back_to)
                return self._identity(s, event, now)
            case StartFace(purpose=purpose):
                check = self._face_subject(s, purpose)
                if check is None:
                    return s, []
                if purpose is FacePurpose.PIN_RESET and s.page is Page.PIN:
                    s = replace(s, recovery_holder=s.holder)  # "forgot my PIN"
                s = self._on_page(
                    s, Page.FACE, now, face=FaceState(purpose, back_to=s.page), face_proof=None
                )
                return s, [check, Say("face.look")]
            case FaceStep(step=step, action=action) if s.page is Page.FACE and face:
                if face.step == "failed":
                    return s, []
                s = replace(s, face=replace(face, step=step, action=action))
                return s, [Say(f"face.action.{action}")] if step == "prompt" and action else []
            case FacePassed(proof=proof) if s.page is Page.FACE and face:
                return self._face_passed(s, face, proof, now)
            case FaceFailed(reason=reason, attempts_left=left, final=final) if (
                s.page is Page.FACE and face
            ):
                failed = replace(
                    face, step="failed", action=None, reason=reason, attempts_left=left, final=final
                )
                s = replace(s, face=failed, deadline=self._refresh(s, now))
                effects: list[Effect] = [Say(reason)]
                if face.purpose is FacePurpose.CERTIFICATION:
                    # The day's attempts left changed at the back office.
                    key = DataKey.CERTIFICATION
                    s = replace(s, loading=s.loading | {key})
                    effects.append(Load(key))
                return s, effects
            case FaceBack() if s.page is Page.FACE and face and face.step == "failed":
                back = face.back_to
                s = self._on_page(s, back, now, face=None)
                if back is Page.CARD_PROBLEM:
                    s = replace(s, warn_at=None)
                return s, []
            case PinResetSubmitted(new=new, confirm=confirm) if (
                s.page is Page.PIN_RESET and not s.recovered and s.recovery_holder is not None
            ):
                s = replace(s, pin_message=None, deadline=self._refresh(s, now))
                assert s.recovery_holder is not None  # the guard's
                return s, [ResetPin(s.recovery_holder, s.face_proof, new, confirm)]
            case PinResetDone() if s.page is Page.PIN_RESET:
                s = replace(s, recovered=True, face_proof=None, pin_message="pin_reset.done")
                return s, [Say("pin_reset.done")]
            case RecoveryRefused(reason=reason) if s.page is Page.PIN_RESET:
                if reason == "pin_reset.identity_required":
                    # The proof is stale (the member took too long) or spent: the face page,
                    # saying so, with "try again" from where the reset began.
                    back = Page.CARD_PROBLEM if s.problem is CardProblem.BLOCKED else Page.PIN
                    face = FaceState(FacePurpose.PIN_RESET, back, step="failed", reason=reason)
                    s = self._on_page(s, Page.FACE, now, face=face, face_proof=None)
                    return s, [Say(reason)]
                return replace(s, pin_message=reason, deadline=self._refresh(s, now)), []
            case StartLossCancel() if (
                s.page is Page.CARD_PROBLEM
                and s.problem is CardProblem.REPORTED_LOST
                and s.recovery_holder is not None
            ):
                s = self._on_page(s, Page.LOSS_CANCEL, now, pin_message=None, pin_tries_left=None)
                return s, [Say("voice.pin")]
            case LossCancelSubmitted(digits=digits) if (
                s.page is Page.LOSS_CANCEL and not s.recovered and s.recovery_holder is not None
            ):
                s = replace(s, pin_message=None, deadline=self._refresh(s, now))
                assert s.recovery_holder is not None  # the guard's
                return s, [CancelLoss(s.recovery_holder, digits)]
            case LossCancelled() if s.page is Page.LOSS_CANCEL:
                s = replace(s, recovered=True, pin_message="loss.cancelled", pin_tries_left=None)
                return s, [Say("loss.cancelled")]
            case RecoveryRefused(reason=reason, tries_left=tries) if s.page is Page.LOSS_CANCEL:
                s = replace(
                    s, pin_message=reason, pin_tries_left=tries, deadline=self._refresh(s, now)
                )
                return s, []
            case ResumeWithCard() if (
                s.page in (Page.PIN_RESET, Page.LOSS_CANCEL) and s.recovered and s.card_present
            ):
                # The card works again: read it afresh (the back office's word, a new session),
                # then the PIN, as for a card just inserted.
                s = self._on_page(SessionState(), Page.READING, now, card_present=True)
                return s, [Forget(), ReadCard(), Say("voice.reading")]
        return s, []

    def _face_passed(
        self, s: SessionState, face: FaceState, proof: Any, now: float
    ) -> tuple[SessionState, list[Effect]]:
        """Hand a passed face check to the flow that asked for it."""
        if face.purpose is FacePurpose.CERTIFICATION:
            key = RequestName.CERTIFY
            status = s.data.certification
            params = {
                "verification_id": getattr(proof, "verification_id", None),
                "suspended": bool(status is not None and status.suspended),
            }
            s = self._on_page(s, Page.CERTIFY, now, face=None)
            s = replace(
                s,
                loading=s.loading | {key},
                errors={k: v for k, v in s.errors.items() if k != key},
                said={k: v for k, v in s.said.items() if k != key},
                data=s.data.without((key,)),
            )
            return s, [Load(key, params), Say("certify.checking")]
        if face.purpose is FacePurpose.PIN_RESET:
            s = self._on_page(
                s,
                Page.PIN_RESET,
                now,
                face=None,
                face_proof=proof,
                pin_message=None,
                recovered=False,
            )
            return s, [Say("pin_reset.voice")]
        if face.purpose is FacePurpose.ID_SESSION:
            # The back office widens the session (IdSessionOpened), or FaceFailed.
            s = replace(s, face=replace(face, step="checking", action=None))
            return s, [UpgradeIdSession(getattr(proof, "verification_id", None))]
        return s, []

    # -- ID-card entry (issue 20) ---------------------------------------------------------

    def _id_card(
        self, s: SessionState, event: Event, now: float
    ) -> tuple[SessionState, list[Effect]]:
        match event:
            case IdCardPlaced(card=card) if (
                s.page is Page.ATTRACT or (s.page is Page.GOODBYE and s.goodbye_until is not None)
            ) and not s.card_present:
                s = self._on_page(
                    SessionState(), Page.READING, now, id_entry=True, id_card_present=True
                )
                return s, [OpenIdSession(card), Say("voice.reading")]
            case IdCardPlaced():
                return replace(s, id_card_present=True), []
            case IdSessionOpened(holder=holder, scope=scope) if (
                s.id_entry and s.page is Page.READING
            ):
                s = self._on_page(s, Page.MENU, now, holder=holder, id_scope=scope, params={})
                return s, [Say("voice.menu")]
            case IdSessionOpened(scope=scope) if s.id_entry and s.page is Page.FACE:
                # The face widened the session: the whole menu, "records" included.
                s = self._on_page(
                    s, Page.MENU, now, id_scope=scope, face=None, pin_message="idcard.full_now"
                )
                return s, [Say("idcard.full_now")]
            case IdCardFailed(problem=problem) if s.id_entry and s.page is Page.READING:
                s = self._on_page(
                    replace(s, holder=None, data=MemberData()),
                    Page.CARD_PROBLEM,
                    now,
                    problem=problem,
                )
                s = replace(s, deadline=now + self.timeouts.page, warn_at=None)
                return s, [Forget(), Say(f"problem.{problem.value}.title")]
            case IdCardFailed(problem=problem) if s.page is Page.ATTRACT and not s.card_present:
                # Read, but no valid card: say so (the page ends when the card is taken away).
                s = self._on_page(
                    SessionState(),
                    Page.CARD_PROBLEM,
                    now,
                    problem=problem,
                    id_entry=True,
                    id_card_present=True,
                )
                s = replace(s, deadline=now + self.timeouts.page, warn_at=None)
                return s, [Say(f"problem.{problem.value}.title")]
            case IdCardRemoved() if not s.id_entry or s.page is Page.ATTRACT:
                return replace(s, id_card_present=False), []
            case IdCardRemoved() if s.page is Page.GOODBYE:
                return replace(s, id_card_present=False, goodbye_until=now + GOODBYE_SECONDS), []
            case IdCardRemoved() if s.page is Page.PAY and (
                any(k in s.loading for k in PAYING_KEYS)
                or (s.pay_outcome_at is not None and now - s.pay_outcome_at < OUTCOME_FRESH)
            ):
                # Money is moving: as for the social security card (CardRemoved).
                s = replace(
                    s,
                    id_card_present=False,
                    deadline=now + PAID_NOTICE_SECONDS,
                    warn_at=None,
                    warning=False,
                )
                return s, []
            case IdCardRemoved():
                s = replace(s, id_card_present=False)
                return self._end(s, now, "card_removed", card_out=not s.card_present)
        return s, []

    def _refresh(self, s: SessionState, now: float) -> float | None:
        limit = self.page_timeout(s.page)
        return now + limit if limit is not None else s.deadline

    def _navigate(
        self, s: SessionState, page: Page, params: dict[str, Any], now: float
    ) -> tuple[SessionState, list[Effect]]:
        if s.id_scope is not None and page not in (
            ID_FULL_PAGES if s.id_scope == ID_FULL else ID_LIMITED_PAGES
        ):
            # An ID card alone: records and documents after a face check (the menu says so).
            notice = "idcard.needs_face" if page in ID_FULL_PAGES else "idcard.needs_card"
            return self._on_page(s, Page.MENU, now, params={}, pin_message=notice), []
        if page is Page.MENU:
            return self._on_page(s, Page.MENU, now, params={}), []
        if page is Page.PAY and s.initial_pin:
            # The initial PIN must be changed before any payment.
            return self._on_page(s, Page.CHANGE_PIN, now, pin_message="pin.change_before_pay"), []
        if page is Page.CHANGE_PIN:
            return self._on_page(s, Page.CHANGE_PIN, now, pin_message=None), []
        needs = MENU_PAGES.get(page)
        if needs is None:
            return s, []
        if page is Page.CARD_SERVICES and s.id_scope is not None:
            needs = ()  # no card to ask about: the loss report without it (REPORT_LOSS_ID)
        effects: list[Effect] = [
            Load(k, params) for k in needs if k not in s.data or k in params.get("reload", ())
        ]
        loading = s.loading | {e.key for e in effects if isinstance(e, Load)}
        return self._on_page(s, page, now, params=params, loading=loading), effects

    def _tick(self, s: SessionState, now: float) -> tuple[SessionState, list[Effect]]:
        if s.page is Page.GOODBYE:
            if not s.card_present and s.goodbye_until is not None and now >= s.goodbye_until:
                return SessionState(), [Forget()]
            return s, []
        if s.deadline is None:
            return s, []
        if now >= s.deadline:
            return self._end(s, now, "timeout", card_out=not s.card_present)
        if s.warn_at is not None and now >= s.warn_at and not s.warning:
            return replace(s, warning=True), [Say("voice.timeout_warning")]
        return s, []

    def _end(
        self, s: SessionState, now: float, why: str, *, card_out: bool
    ) -> tuple[SessionState, list[Effect]]:
        """End the session: personal data gone at once, then 'please take your card' (the ID
        card too, when it opened the session and still lies on the reader)."""
        id_waiting = s.id_entry and s.id_card_present
        ended = SessionState(
            page=Page.GOODBYE,
            card_present=not card_out,
            ended_by=why,
            goodbye_until=now + GOODBYE_SECONDS if card_out and not id_waiting else None,
            id_entry=s.id_entry,
            id_card_present=s.id_card_present,
        )
        return ended, [Forget(), Say("voice.goodbye")]
