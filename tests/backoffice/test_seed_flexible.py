"""The seeded flexible workers who stopped and the members with a fee-reduction category
(backoffice/seed/flexible.py) through the real back office: seed 3, 150 members, today
2026-06-20, the default policy; on SQLite and (marked postgres) on PostgreSQL. A stopped member is offered nothing and, resumed, never the
months stopped; a member on 低保 sees the government's part of the residents' fees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from sqlalchemy import select

from backoffice.harness import RunningService, postgres_server, running_service
from backoffice.storage import Database
from backoffice.storage.fee_reductions import FeeCategoryRow
from backoffice.storage.flexible import FlexiblePauseRow
from backoffice.storage.members import EnrolmentRow, MemberRow
from kiosk.domain import Period, Scheme
from kiosk.domain.flexible import FlexibleStanding
from tests.helpers.backoffice import client_for

TODAY = dt.date(2026, 6, 20)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def svc(request: pytest.FixtureRequest) -> Iterator[RunningService]:
    with ExitStack() as stack:
        # PostgreSQL: a server of its own (the session's is seeded for other tests)
        database = stack.enter_context(postgres_server()) if request.param == "postgres" else None
        yield stack.enter_context(
            running_service(members=150, seed=3, today=TODAY, database=database)
        )


def _rows(svc: RunningService) -> tuple[list[tuple[str, int]], list[tuple[str, str]], set[str]]:
    db = Database(svc.database)
    try:
        with db.session() as s:
            pauses = [
                (no, first)
                for no, first in s.execute(
                    select(MemberRow.member_no, FlexiblePauseRow.first).join(
                        MemberRow, MemberRow.id == FlexiblePauseRow.member_id
                    )
                )
            ]
            categories = [
                (no, c)
                for no, c in s.execute(
                    select(MemberRow.member_no, FeeCategoryRow.category).join(
                        MemberRow, MemberRow.id == FeeCategoryRow.member_id
                    )
                )
            ]
            residents = set(
                s.scalars(
                    select(MemberRow.member_no)
                    .join(EnrolmentRow, EnrolmentRow.member_id == MemberRow.id)
                    .where(EnrolmentRow.scheme.in_(["resident_pension", "resident_medical"]))
                )
            )
    finally:
        db.dispose()
    return pauses, categories, residents


def test_stopped_flexible_workers_are_seeded_and_resume(svc: RunningService) -> None:
    pauses, _, _ = _rows(svc)
    assert pauses, "no seeded flexible worker stopped"
    no, first = pauses[0]
    stopped_from = Period(first // 100, first % 100)
    # stopped 1-4 months before June 2026: from 2026-02 to 2026-05
    assert Period(2026, 2) <= stopped_from <= Period(2026, 5)
    with client_for(svc) as c:
        s = c.flexible(no)
        assert s.standing is FlexibleStanding.STOPPED
        assert [(p.first, p.last) for p in s.pauses] == [(stopped_from, None)]
        assert not [d for d in c.dues(no) if d.scheme is Scheme.PENSION]
        c.resume_flexible(no)
        due = next(d for d in c.dues(no) if d.scheme is Scheme.PENSION)
        # never a month from the stop through May (resumed in June)
        assert not [p for p in due.periods if stopped_from <= p <= Period(2026, 5)]
        assert Period(2026, 12) in due.periods


def test_fee_categories_are_seeded_for_residents(svc: RunningService) -> None:
    _, categories, residents = _rows(svc)
    assert categories, "no seeded member with a fee-reduction category"
    assert {no for no, _ in categories} <= residents
    assert {c for _, c in categories} <= {"dibao", "disability"}
    with client_for(svc) as c:
        for no, code in categories:
            due = next(
                (d for d in c.dues(no) if d.scheme is Scheme.RESIDENT_MEDICAL and d.lines), None
            )
            if due is None:
                continue  # this year's fee already paid
            assert due.fee_category is not None and due.fee_category.code == code
            # 380.00 x 50% = 190.00 (低保); x 100% = 380.00 (重度残疾)
            expected = {"dibao": "190.00", "disability": "380.00"}[code]
            assert f"{due.paid_by_government.yuan:.2f}" == expected
            break
        else:
            pytest.fail("no categorized member with this year's residents' medical fee due")
