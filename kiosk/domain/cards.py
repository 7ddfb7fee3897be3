"""A card's standing in the back office (卡状态): valid, temporarily lost or void."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.domain.identity import mask_card_number


class CardStatus(enum.StrEnum):
    VALID = "valid"  # 正常
    LOST = "lost"  # 临时挂失
    VOID = "void"  # 注销 / 作废

    @property
    def zh(self) -> str:
        return {"valid": "正常", "lost": "临时挂失", "void": "已注销"}[self.value]

    @property
    def en(self) -> str:
        return {"valid": "Valid", "lost": "Reported lost", "void": "Void"}[self.value]


@dataclass(frozen=True)
class CardRecord:
    """What the back office says about one card, and whose it is (the member number)."""

    card_identifier: str
    card_number: str
    status: CardStatus
    member_no: str  # 个人编号: the back office's key for the member; never the ID number
    role: str = "member"  # "admin": a hall administrator's card (opens admin mode)

    @property
    def admin(self) -> bool:
        return self.role == "admin"

    @property
    def usable(self) -> bool:
        return self.status is CardStatus.VALID

    def __repr__(self) -> str:
        return (
            f"CardRecord(card={mask_card_number(self.card_number)}, status={self.status.value}, "
            f"member_no={self.member_no})"
        )
