"""The kiosk's domain model: plain dataclasses shared by the core, the printer and the back office.

A leaf package: it imports nothing else from the project, so `printer` and `backoffice` may use
it. One module per kind of thing; later areas add their own module here (e.g. payments,
documents) and import it by its own name.
"""

from kiosk.domain.errors import DomainError
from kiosk.domain.identity import (
    id_check_digit,
    is_valid_id_number,
    mask_card_number,
    mask_id,
    mask_name,
)
from kiosk.domain.money import FEN, Money, money_sum
from kiosk.domain.people import CardHolder, Member, Sex
from kiosk.domain.period import Period, period_range
from kiosk.domain.records import (
    PENSION_MINIMUM_MONTHS,
    AccountYear,
    ContributionMonth,
    Enrolment,
    EnrolmentStatus,
    MedicalAccountYear,
    MonthStatus,
    PersonalAccounts,
    Scheme,
    months_covered,
)

__all__ = [
    "FEN",
    "PENSION_MINIMUM_MONTHS",
    "AccountYear",
    "CardHolder",
    "ContributionMonth",
    "DomainError",
    "Enrolment",
    "EnrolmentStatus",
    "MedicalAccountYear",
    "Member",
    "Money",
    "MonthStatus",
    "Period",
    "PersonalAccounts",
    "Scheme",
    "Sex",
    "id_check_digit",
    "is_valid_id_number",
    "mask_card_number",
    "mask_id",
    "mask_name",
    "money_sum",
    "months_covered",
    "period_range",
]
