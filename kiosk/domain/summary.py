"""A member as the back office summarises them (参保基本情况): identity (masked), whether
retired, and one enrolment per scheme."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.domain.people import Sex
from kiosk.domain.records import PENSION_MINIMUM_MONTHS, Enrolment, Scheme


@dataclass(frozen=True)
class MemberSummary:
    member_no: str  # 个人编号
    name: str
    id_number_masked: str  # the API never sends a full ID number
    sex: Sex
    birth_date: dt.date
    retired: bool
    retirement_age: int
    enrolments: tuple[Enrolment, ...]
    as_of: dt.date

    def enrolment(self, scheme: Scheme) -> Enrolment | None:
        for e in self.enrolments:
            if e.scheme is scheme:
                return e
        return None

    @property
    def pension_months(self) -> int:
        e = self.enrolment(Scheme.PENSION)
        return e.cumulative_months if e else 0

    @property
    def pension_months_missing(self) -> int:
        return max(0, PENSION_MINIMUM_MONTHS - self.pension_months)
