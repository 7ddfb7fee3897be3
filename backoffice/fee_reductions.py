"""A member's fee-reduction category (代缴) as the back office holds it: read for the dues, and
written from the city's other records (civil affairs' 低保 list, the disabled persons'
federation): `record_category` is their way in (the seeder and tests use it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.errors import member_not_found
from backoffice.storage.fee_reductions import FeeCategoryRow
from backoffice.storage.members import MemberRow


def member_category(session: Session, member_id: int) -> str | None:
    """The member's category code, None for none."""
    return session.scalar(
        select(FeeCategoryRow.category).where(FeeCategoryRow.member_id == member_id)
    )


def record_category(session: Session, member_no: str, category: str | None) -> None:
    """Set (or with None clear) the member's category."""
    member_id = session.scalar(select(MemberRow.id).where(MemberRow.member_no == member_no))
    if member_id is None:
        raise member_not_found()
    row = session.get(FeeCategoryRow, member_id)
    if category is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(FeeCategoryRow(member_id=member_id, category=category))
    else:
        row.category = category
    session.flush()
