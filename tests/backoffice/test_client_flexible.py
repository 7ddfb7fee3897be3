"""Flexible employment (灵活就业) through the kiosk's client against the real back office over HTTP
(tests/helpers/flexible.py: today 2026-06-20; 2026's limits 6,205.50 .. 31,027.50; rates 20% /
8% pension, 9.5% / 2% medical; 0.05% a day late from the 15th). The dues follow each change at
once; worked figures beside each value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backoffice.harness import RunningService
from kiosk.backoffice.errors import Rejected
from kiosk.domain import Money, Period, Scheme
from kiosk.domain.flexible import FlexiblePlan, FlexibleStanding
from tests.helpers.backoffice import client_for
from tests.helpers.flexible import (
    E1,
    EMPLOYED,
    FLEXIBLE,
    LEFT_JOB,
    RETIRED,
    STOPPED,
    flexible_service,
)


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    with flexible_service() as s:
        yield s


def test_register_pension_and_medical_at_a_base_then_the_dues(svc: RunningService) -> None:
    with client_for(svc) as c:
        before = c.flexible(LEFT_JOB)
        assert before.standing is FlexibleStanding.NOT_REGISTERED and before.can_register
        assert (before.base_min, before.base_max) == (Money.of("6205.50"), Money.of("31027.50"))
        assert not [d for d in c.dues(LEFT_JOB) if d.scheme in (Scheme.PENSION, Scheme.MEDICAL)]
        # a fen over 31,027.50 or under 6,205.50: 400, nothing recorded
        for base in ("31027.51", "6205.49"):
            with pytest.raises(Rejected) as e:
                c.register_flexible(LEFT_JOB, FlexiblePlan.PENSION, base=Money.of(base))
            assert e.value.status == 400 and e.value.code == "BASE_OUT_OF_RANGE"
        assert c.flexible(LEFT_JOB).standing is FlexibleStanding.NOT_REGISTERED
        key = "flex-register-0001"
        s = c.register_flexible(
            LEFT_JOB, FlexiblePlan.PENSION_MEDICAL, base=Money.of("8000.00"), idempotency_key=key
        )
        # a retry with the key answers as the first time, registers nothing more
        assert s == c.register_flexible(
            LEFT_JOB, FlexiblePlan.PENSION_MEDICAL, base=Money.of("8000.00"), idempotency_key=key
        )
        assert s.standing is FlexibleStanding.ACTIVE and not s.can_register
        assert s.plan is FlexiblePlan.PENSION_MEDICAL and s.since == Period(2026, 6)
        assert s.base == Money.of("8000.00")
        # 8,000.00 x 20% = 1,600.00; 8,000.00 x 9.5% = 760.00; 1,600.00 + 760.00 = 2,360.00
        assert [(m.scheme, m.amount) for m in s.monthly] == [
            (Scheme.PENSION, Money.of("1600.00")),
            (Scheme.MEDICAL, Money.of("760.00")),
        ]
        assert s.monthly_total == Money.of("2360.00")
        dues = {d.scheme: d for d in c.dues(LEFT_JOB)}
        pension, medical = dues[Scheme.PENSION], dues[Scheme.MEDICAL]
        # from the month registered to December: 2026-06 .. 2026-12, 7 months
        assert pension.periods == tuple(Period(2026, m) for m in range(6, 13))
        assert pension.base_default == Money.of("8000.00")
        assert {line.amount for line in pension.lines} == {Money.of("1600.00")}
        assert {line.amount for line in medical.lines} == {Money.of("760.00")}
        # June is due on 06-15, today 06-20: 5 days; 1,600.00 x 0.0005 x 5 = 4.00; 760.00 -> 1.90
        assert pension.lines[0].late_fee == Money.of("4.00")
        assert medical.lines[0].late_fee == Money.of("1.90")
        # 7 x 1,600.00 = 11,200.00 + 4.00 = 11,204.00
        assert pension.total == Money.of("11204.00")
        summary = {e.scheme: e for e in c.summary(LEFT_JOB).enrolments}
        assert summary[Scheme.PENSION].employer is None


def test_stop_then_resume_the_dues_follow(svc: RunningService) -> None:
    with client_for(svc) as c:
        s = c.stop_flexible(FLEXIBLE, idempotency_key="flex-stop-0001")
        assert s.standing is FlexibleStanding.STOPPED
        assert [(p.first, p.last) for p in s.pauses] == [(Period(2026, 6), None)]
        # a retry of the same stop hears the first answer, not a refusal
        assert c.stop_flexible(FLEXIBLE, idempotency_key="flex-stop-0001") == s
        assert not [d for d in c.dues(FLEXIBLE) if d.scheme is Scheme.PENSION]
        with pytest.raises(Rejected) as e:
            c.stop_flexible(FLEXIBLE)
        assert e.value.status == 409 and e.value.code == "FLEXIBLE_ALREADY_STOPPED"
        assert "暂停" in e.value.message_zh and "stopped" in e.value.message_en
        s = c.resume_flexible(FLEXIBLE)
        assert s.standing is FlexibleStanding.ACTIVE
        assert s.pauses == ()  # stopped and resumed in June: no month was stopped
        due = next(d for d in c.dues(FLEXIBLE) if d.scheme is Scheme.PENSION)
        # paid to 2026-05: 2026-06 .. 2026-12 at the minimum 6,205.50 x 20% = 1,241.10
        assert due.periods == tuple(Period(2026, m) for m in range(6, 13))
        assert due.lines[0].amount == Money.of("1241.10")


def test_resume_leaves_the_stopped_months_out(svc: RunningService) -> None:
    with client_for(svc) as c:
        assert c.flexible(STOPPED).standing is FlexibleStanding.STOPPED
        assert not [d for d in c.dues(STOPPED) if d.scheme is Scheme.PENSION]
        with pytest.raises(Rejected) as e:
            c.register_flexible(STOPPED, FlexiblePlan.PENSION)
        assert e.value.code == "FLEXIBLE_ALREADY_REGISTERED" and "恢复" in e.value.message_zh
        s = c.resume_flexible(STOPPED)
        # stopped from 2026-03, resumed in June: 2026-03 .. 2026-05 never offered
        assert [(p.first, p.last) for p in s.pauses] == [(Period(2026, 3), Period(2026, 5))]
        due = next(d for d in c.dues(STOPPED) if d.scheme is Scheme.PENSION)
        assert due.periods == tuple(Period(2026, m) for m in range(6, 13))
        with pytest.raises(Rejected) as e:
            c.resume_flexible(STOPPED)
        assert e.value.code == "FLEXIBLE_NOT_STOPPED"


def test_refusals_record_nothing(svc: RunningService) -> None:
    with client_for(svc) as c:
        with pytest.raises(Rejected) as e:
            c.register_flexible(EMPLOYED, FlexiblePlan.PENSION)
        assert e.value.status == 409 and e.value.code == "FLEXIBLE_EMPLOYED"
        assert E1 in e.value.message_zh and E1 in e.value.message_en
        s = c.flexible(EMPLOYED)
        assert s.standing is FlexibleStanding.NOT_REGISTERED and s.employer == E1
        assert not s.can_register
        summary = {e.scheme: e for e in c.summary(EMPLOYED).enrolments}
        assert summary[Scheme.PENSION].employer == E1  # untouched
        with pytest.raises(Rejected) as e:
            c.register_flexible(FLEXIBLE, FlexiblePlan.PENSION)
        assert e.value.code == "FLEXIBLE_ALREADY_REGISTERED"
        with pytest.raises(Rejected) as e:
            c.stop_flexible(EMPLOYED)
        assert e.value.code == "FLEXIBLE_NOT_REGISTERED"
        with pytest.raises(Rejected) as e:
            c.register_flexible(RETIRED, FlexiblePlan.PENSION)
        assert e.value.code == "FLEXIBLE_RETIRED"
