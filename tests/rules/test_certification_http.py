"""The retiree's annual certification through the real back office (the importer loads the
members with their last certification; today fixed at 2026-06-20; default policy: 12 months from
the last certification, reminder 30 days, grace 60 days, 3 failed face checks a day). Dates are
worked by hand beside each expectation (backoffice/rules/certification.py, docs/rules.md)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from backoffice.certifications import Attempt, CertificationView, check_attempt
from backoffice.errors import ConflictProblem
from backoffice.harness import RunningService
from backoffice.policy import load_policy
from backoffice.rules.certification import CertificationStatus, certification_state
from kiosk.backoffice.errors import Rejected
from kiosk.domain.certification import CertificationMethod
from kiosk.domain.certification import CertificationStatus as KioskStatus
from tests.helpers.backoffice import client_for
from tests.helpers.builders import imported, member

TODAY = dt.date(2026, 6, 20)
CERTIFIED = "11010000000101"  # certified 2025-09-01
DUE = "11010000000102"  # certified 2025-07-05
OVERDUE = "11010000000103"  # certified 2025-03-01
NEW = "11010000000104"  # retired 2025-09-15, never certified
WORKING = "11010000000105"  # not retired


def _retiree(no: str, born: str, last: str | None) -> dict[str, Any]:
    return member(no, birth_date=born, retired=True, retirement_age=60, last_certified=last)


@pytest.fixture(scope="module")
def svc() -> Iterator[RunningService]:
    members = [
        _retiree(CERTIFIED, "1960-05-10", "2025-09-01"),
        _retiree(DUE, "1960-05-10", "2025-07-05"),
        _retiree(OVERDUE, "1960-05-10", "2025-03-01"),
        _retiree(NEW, "1965-09-15", None),
        member(WORKING, birth_date="1980-01-01"),
    ]
    with imported(members, today=TODAY) as s:
        yield s


def _headers(svc: RunningService, key: str | None = None) -> dict[str, str]:
    h = {"X-Terminal-Id": svc.terminal_id, "Authorization": f"Bearer {svc.api_key}"}
    return h | ({"Idempotency-Key": key} if key else {})


def _get(svc: RunningService, no: str) -> requests.Response:
    return requests.get(
        f"{svc.url}/v1/members/{no}/certification", headers=_headers(svc), timeout=30
    )


def _post(
    svc: RunningService, no: str, body: dict[str, Any], key: str | None = None
) -> requests.Response:
    return requests.post(
        f"{svc.url}/v1/members/{no}/certifications",
        json=body,
        headers=_headers(svc, key or f"t-{uuid.uuid4().hex}"),
        timeout=30,
    )


def _face(result: str = "success", score: str = "0.912") -> dict[str, Any]:
    return {"method": "face/kiosk", "result": result, "score": score, "evidence_ref": "cap-1"}


def test_certified(svc: RunningService) -> None:
    # 2025-09-01 + 12 months = 2026-09-01; reminder from 2026-09-01 - 30 days = 2026-08-02
    # (1 day back to 08-31, 29 more -> 08-02); grace until 2026-09-01 + 60 = 2026-10-31
    # (29 days to 09-30, 31 in October -> 60). 2026-06-20 is before the reminder.
    body = _get(svc, CERTIFIED).json()
    assert body["status"] == "certified"
    assert body["last_certified"] == "2025-09-01"
    assert body["due_by"] == "2026-09-01"
    assert body["remind_from"] == "2026-08-02"
    assert body["grace_until"] == "2026-10-31"
    assert body["suspended"] is False and body["suspended_from"] is None
    assert body["attempts_left"] == 3 and body["attempts_per_day"] == 3


def test_due_soon(svc: RunningService) -> None:
    # 2025-07-05 + 12 months = 2026-07-05; reminder from 2026-06-05 (30 days back: 5 to 06-30,
    # 25 more -> 06-05); 2026-06-20 is inside it: due, not suspended
    body = _get(svc, DUE).json()
    assert body["status"] == "due"
    assert body["due_by"] == "2026-07-05"
    assert body["remind_from"] == "2026-06-05"
    assert body["suspended"] is False


def test_overdue_is_suspended(svc: RunningService) -> None:
    # 2025-03-01 + 12 months = 2026-03-01; + 60 days: 30 to 03-31, 30 in April -> 2026-04-30.
    # 2026-06-20 is past it: suspended from the month after April, 2026-05
    body = _get(svc, OVERDUE).json()
    assert body["status"] == "overdue"
    assert body["grace_until"] == "2026-04-30"
    assert body["suspended"] is True
    assert body["suspended_from"] == "2026-05"


def test_never_certified_counts_from_retirement(svc: RunningService) -> None:
    # born 1965-09-15, retires at 60 on 2025-09-15; due 2026-09-15, reminder from 2026-08-16
    # (15 days back to 08-31, 15 more -> 08-16)
    body = _get(svc, NEW).json()
    assert body["status"] == "never_certified"
    assert body["last_certified"] is None
    assert body["due_by"] == "2026-09-15"
    assert body["remind_from"] == "2026-08-16"


def test_not_a_retiree(svc: RunningService) -> None:
    r = _get(svc, WORKING)
    assert r.status_code == 409 and r.json()["code"] == "NOT_A_RETIREE"
    r = _post(svc, WORKING, _face())
    assert r.status_code == 409 and r.json()["code"] == "NOT_A_RETIREE"


def test_certifying_resumes_the_suspended_pension_once(svc: RunningService) -> None:
    key = f"t-{uuid.uuid4().hex}"
    r = _post(svc, OVERDUE, _face(score="0.87"), key)
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["result"] == "success" and first["score"] == "0.870"
    # certified today: due 2026-06-20 + 12 months = 2027-06-20; no longer suspended
    cert = first["certification"]
    assert cert["status"] == "certified"
    assert cert["last_certified"] == "2026-06-20"
    assert cert["due_by"] == "2027-06-20"
    assert cert["suspended"] is False
    assert _get(svc, OVERDUE).json()["suspended"] is False
    # a retry with the same key is the same attempt, not a second one
    again = _post(svc, OVERDUE, _face(score="0.87"), key)
    assert again.status_code == 201 and again.json()["attempt_id"] == first["attempt_id"]
    other = _post(svc, OVERDUE, _face(score="0.99"), key)
    assert other.status_code == 409 and other.json()["code"] == "IDEMPOTENCY_CONFLICT"


def test_three_failures_send_the_retiree_to_the_counter(svc: RunningService) -> None:
    # someone else in front of the camera: each failure is counted; 3 - 1 = 2, 3 - 2 = 1 left
    for left in (2, 1):
        r = _post(svc, DUE, _face("failure", "0.31"))
        assert r.status_code == 201, r.text
        assert r.json()["certification"]["attempts_left"] == left
        assert r.json()["certification"]["status"] == "due"  # a failure certifies nothing
    key = f"t-{uuid.uuid4().hex}"
    third = _post(svc, DUE, _face("failure", "0.28"), key)
    assert third.status_code == 409
    assert third.json()["code"] == "COUNTER_REQUIRED"
    assert "柜台" in third.json()["message_zh"] and "counter" in third.json()["message_en"]
    # the third failure was recorded: its retry hears the same, and nothing is left today
    assert _post(svc, DUE, _face("failure", "0.28"), key).json()["code"] == "COUNTER_REQUIRED"
    assert _get(svc, DUE).json()["attempts_left"] == 0
    # even a matching face is refused today; the counter certifies
    assert _post(svc, DUE, _face()).json()["code"] == "COUNTER_REQUIRED"
    r = _post(svc, DUE, {"method": "counter", "result": "success"})
    assert r.status_code == 201, r.text
    assert r.json()["score"] is None
    # certified on 2026-06-20: due 2027-06-20
    assert r.json()["certification"]["due_by"] == "2027-06-20"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"method": "counter", "result": "success", "score": "0.9"}, 400, "BAD_CERTIFICATION"),
        ({"method": "counter", "result": "failure"}, 400, "BAD_CERTIFICATION"),
        ({"method": "face/app", "result": "success"}, 400, "BAD_CERTIFICATION"),
        ({"method": "face/kiosk", "result": "success", "score": "1.5"}, 422, "INVALID_REQUEST"),
        ({"method": "palm", "result": "success"}, 422, "INVALID_REQUEST"),
        # a verification gives its own score: none may be asserted beside it
        (_face() | {"verification_id": "fv-1"}, 400, "BAD_CERTIFICATION"),
        # no such face verification in the back office (tests/backoffice/test_face_*.py: real)
        (
            {"method": "face/kiosk", "result": "success", "verification_id": "fv-1"},
            409,
            "FACE_VERIFICATION_REQUIRED",
        ),
    ],
)
def test_refused_attempts(
    svc: RunningService, body: dict[str, Any], status: int, code: str
) -> None:
    r = _post(svc, NEW, body)
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert _get(svc, NEW).json()["status"] == "never_certified"  # nothing recorded


def test_the_key_is_required(svc: RunningService) -> None:
    r = requests.post(
        f"{svc.url}/v1/members/{NEW}/certifications",
        json=_face(),
        headers=_headers(svc),
        timeout=30,
    )
    assert r.status_code == 422


def test_outside_the_lab_an_asserted_face_score_is_refused() -> None:
    # outside the lab a face method must name the back office's face verification
    rules = load_policy().certification
    state = certification_state(TODAY, rules, last_certified=None, retired_on=dt.date(2025, 9, 15))
    assert state.status is CertificationStatus.NEVER_CERTIFIED
    view = CertificationView(state, failures_today=0, attempts_left=3)
    face = Attempt("face/kiosk", "success", 912, None, None)
    with pytest.raises(ConflictProblem) as e:
        check_attempt(face, view, rules, asserted_scores=False)
    assert e.value.code == "FACE_VERIFICATION_REQUIRED"
    check_attempt(face, view, rules, asserted_scores=True)  # the lab: recorded
    counter = Attempt("counter", "success", None, None, None)
    check_attempt(counter, view, rules, asserted_scores=False)  # the counter needs no face


def test_the_kiosk_client(svc: RunningService) -> None:
    # the kiosk's client over the real service: the due retiree (certified 2025-07-05, due
    # 2026-07-05, reminder from 2026-06-05) sees the reminder; a success by the app's face check
    # on 2026-06-20 makes it due 2027-06-20
    with client_for(svc) as c:
        before = c.certification(CERTIFIED)
        assert before.status is KioskStatus.CERTIFIED and not before.reminder
        assert before.last_certified == dt.date(2025, 9, 1)
        assert before.due_by == dt.date(2026, 9, 1)
        new = c.certification(NEW)
        assert new.status is KioskStatus.NEVER_CERTIFIED and new.last_certified is None
        done = c.record_certification(
            CERTIFIED, CertificationMethod.FACE_APP, success=True, score="0.905"
        )
        assert done.success and done.method is CertificationMethod.FACE_APP
        assert done.score == "0.905"
        assert done.certification.last_certified == TODAY
        assert done.certification.due_by == dt.date(2027, 6, 20)
        with pytest.raises(Rejected) as e:
            c.certification(WORKING)
        assert e.value.code == "NOT_A_RETIREE"
