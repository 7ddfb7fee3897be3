"""Seeded flexible workers who stopped (暂停缴费) and members with a fee-reduction category (代缴),
drawn after the lives are loaded, from a generator of their own per member (the lives' draws are
not disturbed, so member i of seed S is the same person as before):

- about a quarter of the members who pay as flexible workers now (an own active pension
  enrolment, not retired) stopped 1-4 months ago: their own pension and medical enrolments
  suspended and the stop kept (from that month, not resumed), as the counter would record it;
- about 8% of the members in a residents' scheme are on 低保 (`dibao`) and 4% severely disabled
  (`disability`), the categories of the default policy's [fee_reductions].

Written by SQL on the loading connection (SQLite and PostgreSQL alike), in `_finish`."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Connection, and_, insert, select, update

from backoffice.storage.fee_reductions import FeeCategoryRow
from backoffice.storage.flexible import FlexiblePauseRow
from backoffice.storage.members import EnrolmentRow, MemberRow

STOP_SHARE = 0.25
CATEGORIES = (("dibao", 0.08), ("disability", 0.04))


def _rng(kind: str, seed: int, member_id: int) -> random.Random:
    return random.Random(f"{kind}:{seed}:{member_id}")


def months_before(day: dt.date, n: int) -> int:
    """YYYYMM of the month n months before `day`'s."""
    index = day.year * 12 + day.month - 1 - n
    return (index // 12) * 100 + index % 12 + 1


def seed_flexible_and_reductions(conn: Connection, seed: int, as_of: dt.date) -> dict[str, int]:
    """The stops and categories; the rows written per table."""
    flexible = conn.execute(
        select(EnrolmentRow.member_id)
        .join(MemberRow, MemberRow.id == EnrolmentRow.member_id)
        .where(
            EnrolmentRow.scheme == "pension",
            EnrolmentRow.employer_id.is_(None),
            EnrolmentRow.status == "active",
            MemberRow.retired.is_(False),
        )
        .order_by(EnrolmentRow.member_id)
    ).scalars()
    pauses = []
    for member_id in flexible:
        rng = _rng("flexible-stop", seed, member_id)
        if rng.random() >= STOP_SHARE:
            continue
        first = months_before(as_of, rng.randint(1, 4))
        pauses.append(
            {
                "member_id": member_id,
                "first": first,
                "last": None,
                "stopped_on": dt.date(first // 100, first % 100, rng.randint(1, 28)),
                "resumed_on": None,
                "terminal_id": "counter",
            }
        )
    if pauses:
        conn.execute(insert(FlexiblePauseRow), pauses)
        ids = [p["member_id"] for p in pauses]
        for lo in range(0, len(ids), 500):
            conn.execute(
                update(EnrolmentRow)
                .where(
                    and_(
                        EnrolmentRow.member_id.in_(ids[lo : lo + 500]),
                        EnrolmentRow.scheme.in_(["pension", "medical"]),
                        EnrolmentRow.employer_id.is_(None),
                        EnrolmentRow.status == "active",
                    )
                )
                .values(status="suspended")
            )
    residents = conn.execute(
        select(EnrolmentRow.member_id)
        .where(
            EnrolmentRow.scheme.in_(["resident_pension", "resident_medical"]),
            EnrolmentRow.status == "active",
        )
        .distinct()
        .order_by(EnrolmentRow.member_id)
    ).scalars()
    categories = []
    for member_id in residents:
        draw = _rng("fee-category", seed, member_id).random()
        below = 0.0
        for code, share in CATEGORIES:
            below += share
            if draw < below:
                categories.append({"member_id": member_id, "category": code})
                break
    if categories:
        conn.execute(insert(FeeCategoryRow), categories)
    return {"flexible_pause": len(pauses), "fee_reduction_category": len(categories)}
