"""The retiree's annual certification (养老金领取资格认证) as the kiosk sees it: the status the
back office answers (GET /v1/members/{no}/certification) and one recorded attempt."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from kiosk.domain.period import Period


class CertificationStatus(StrEnum):
    CERTIFIED = "certified"
    NEVER_CERTIFIED = "never_certified"  # a new retiree, inside the first cycle
    DUE = "due"  # the menu shows a reminder
    OVERDUE = "overdue"  # the pension is suspended until certified


class CertificationMethod(StrEnum):
    FACE_KIOSK = "face/kiosk"
    FACE_APP = "face/app"
    ID_CARD_FACE = "id_card+face"
    COUNTER = "counter"


@dataclass(frozen=True)
class Certification:
    member_no: str
    as_of: dt.date
    status: CertificationStatus
    last_certified: dt.date | None  # None: never certified
    due_by: dt.date
    remind_from: dt.date
    grace_until: dt.date
    suspended: bool
    suspended_from: Period | None
    attempts_left: int  # face checks left today; 0: the counter
    attempts_per_day: int

    @property
    def reminder(self) -> bool:
        """Whether the menu reminds the retiree to certify."""
        return self.status in (CertificationStatus.DUE, CertificationStatus.OVERDUE)


@dataclass(frozen=True)
class CertificationAttempt:
    attempt_id: int
    method: CertificationMethod
    success: bool
    at: dt.datetime
    score: str | None  # the face match's similarity as sent, "0.912"
    certification: Certification  # the status after the attempt
