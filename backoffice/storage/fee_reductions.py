"""A member's fee-reduction category (代缴: 低保, 重度残疾 ...), as the civil affairs or disabled
persons' federation's records give it; the policy's [fee_reductions] says what it is worth."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.storage.base import Base


class FeeCategoryRow(Base):
    __tablename__ = "fee_reduction_category"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(24))  # a [fee_reductions] category code
