"""Who a card holder and a member are."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from kiosk.domain.identity import mask_card_number, mask_id, mask_name
from kiosk.domain.records import Enrolment


class Sex(enum.StrEnum):
    MALE = "1"
    FEMALE = "2"


@dataclass(frozen=True)
class CardHolder:
    """Who the card says its holder is (EF05 + EF06 of the social security card)."""

    id_number: str  # 社会保障号码 (= citizen ID number)
    name: str
    card_number: str  # 社会保障卡卡号
    card_identifier: str  # 卡识别码, hex
    region: str  # 6-digit region code of the issuer
    sex: Sex | None = None
    birth_date: dt.date | None = None
    spec_version: str = ""
    issue_date: dt.date | None = None
    expiry_date: dt.date | None = None

    def __repr__(self) -> str:
        # Never let a log or a traceback carry the full ID or card number.
        return (
            f"CardHolder(id={mask_id(self.id_number)}, name={mask_name(self.name)}, "
            f"card={mask_card_number(self.card_number)}, spec={self.spec_version})"
        )


@dataclass(frozen=True)
class Member:
    """A member as the back office knows them."""

    id_number: str
    name: str
    enrolments: tuple[Enrolment, ...] = ()
    retired: bool = False

    def __repr__(self) -> str:
        return f"Member(id={mask_id(self.id_number)}, enrolments={len(self.enrolments)})"
