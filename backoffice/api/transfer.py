"""Transfers between cities (转移接续):

- POST /v1/members/{no}/transfer/vouchers: the pension or medical 参保缴费凭证 a member takes to
  another city, issued like the other certificates (verification code, digest, /verify page);
- GET /v1/members/{no}/transfer: the member's transfer-in requests and their progress (a path
  of its own, as GET .../unemployment and POST .../unemployment/registration: a 405's Allow
  names one route's methods);
- POST /v1/members/{no}/transfer/requests: start one, naming the city the member came from
  (Idempotency-Key required);
- GET /v1/transfer/cities: the cities a request may name.

The rules: backoffice/rules/transfer.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice import records
from backoffice import transfers as svc
from backoffice.api.common import AUTH_ERRORS, MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.encode import instant
from backoffice.api.members import MemberNo
from backoffice.api.models import (
    Amount,
    Month,
    OptionalIdempotencyKey,
    RequiredIdempotencyKey,
)
from backoffice.api.models import StrictOut as _Out
from backoffice.idempotency import key_conflict, request_hash
from backoffice.rules import certificates as certs
from backoffice.rules import transfer as rules
from backoffice.storage.certificates import CertificateRow
from backoffice.storage.transfer import TransferRequestRow

router = APIRouter(tags=["transfer"])

CityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$"), Field(examples=["310100"])]


class VoucherIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["pension_transfer", "medical_transfer"]


class VoucherPeriodOut(_Out):
    city: str = Field(description="region code; empty: a city not known")
    city_zh: str
    city_en: str
    first: Month
    last: Month
    months: int
    transferred_in: bool = Field(description="months transferred in from that city")
    personal_total: Amount
    employer_total: Amount


class VoucherOut(_Out):
    format: Literal["transfer/1"]
    certificate_id: str
    kind: Literal["pension_transfer", "medical_transfer"]
    scheme: Literal["pension", "medical"]
    issuer: str
    issuer_region: str
    as_of: dt.date
    member_no: str
    name: str
    id_number_masked: str
    sex: Literal["1", "2", ""]
    birth_date: dt.date
    first: Month
    last: Month
    periods: list[VoucherPeriodOut] = Field(description="insured periods by city, oldest first")
    months_paid: int
    months_transferred_in: int
    months_here: int = Field(description="of months_paid, in this city")
    account_balance: Amount = Field(
        description="pension: the pension account (个人账户储存额) at the end of account_year;"
        " medical: the medical account today"
    )
    account_year: int | None
    verification_code: str = Field(examples=["ABCD-EFGH-IJKL-MNOP"])
    verify_url: str
    digest: str = Field(description="SHA-256 (hex) of the attested content's canonical JSON")
    issued_at: dt.datetime
    expires_at: dt.datetime


class TransferRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    from_city: CityCode


class StepOut(_Out):
    step: Literal["submitted", "contacted", "funds_received", "done"]
    zh: str
    en: str
    reached_on: dt.date | None = Field(description="null: not yet")


class TransferRequestOut(_Out):
    request_id: int
    from_city: str
    from_city_zh: str
    from_city_en: str
    state: Literal["submitted", "contacted", "funds_received", "done"]
    state_zh: str
    state_en: str
    submitted_on: dt.date
    steps: list[StepOut]


class TransferRequestsOut(_Out):
    member_no: str
    as_of: dt.date
    open: TransferRequestOut | None = Field(description="the request not yet done, if any")
    requests: list[TransferRequestOut] = Field(
        description=f"the latest first, at most {svc.MAX_REQUESTS}"
    )


class CityOut(_Out):
    code: str
    zh: str
    en: str


class CitiesOut(_Out):
    here: CityOut
    cities: list[CityOut] = Field(description="the cities a request may name (not this one)")


def voucher_json(row: CertificateRow, public_url: str) -> dict[str, Any]:
    content = {
        k: v
        for k, v in json.loads(row.content_json).items()
        if k not in ("issued_at", "expires_at")
    }
    return {
        **content,
        "verification_code": certs.grouped(row.code),
        "verify_url": f"{public_url.rstrip('/')}/verify/{row.code}",
        "digest": row.digest,
        "issued_at": instant(row.issued_at),
        "expires_at": instant(row.expires_at),
    }


def _by_key(db: Db, terminal_id: str, key: str) -> CertificateRow | None:
    return db.scalars(
        select(CertificateRow).where(
            CertificateRow.terminal_id == terminal_id, CertificateRow.idempotency_key == key
        )
    ).first()


@router.post(
    "/v1/members/{member_no}/transfer/vouchers",
    response_model=VoucherOut,
    status_code=201,
    responses={
        **MEMBER_ERRORS,
        201: {"description": "the voucher; the same again for a retry with the same key"},
        409: problem(
            "NO_TRANSFER_RECORD: no counted month of the scheme; IDEMPOTENCY_CONFLICT: this"
            " key with another request"
        ),
    },
)
def issue_voucher(
    member_no: MemberNo,
    req: VoucherIn,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: OptionalIdempotencyKey = None,
) -> dict[str, Any]:
    public_url = ctx.settings.public_url
    wanted = request_hash("transfer/voucher", member_no, req.kind)
    if idempotency_key:
        again = _by_key(db, terminal_id, idempotency_key)
        if again is not None:
            if again.request_hash != wanted:
                raise key_conflict()
            return voucher_json(again, public_url)
    member = records.find_member(db, member_no)
    row = svc.issue_voucher(
        db,
        ctx.policy,
        member,
        rules.VoucherKind(req.kind),
        today=ctx.settings.current_date(),
        issued=ctx.settings.now(),
        terminal_id=terminal_id,
        idempotency_key=idempotency_key,
        request_hash=wanted,
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()  # the same key raced in from a parallel retry: answer with the winner
        again = _by_key(db, terminal_id, idempotency_key or "")
        if again is None:
            raise
        if again.request_hash != wanted:
            raise key_conflict() from None
        return voucher_json(again, public_url)
    return voucher_json(row, public_url)


def _request(r: TransferRequestRow) -> dict[str, Any]:
    city = rules.CITIES.get(r.from_city, rules.UNKNOWN_CITY)
    state = rules.state_of(r.contacted_on, r.funds_on, r.done_on)
    reached: dict[rules.Step, dt.date | None] = {
        rules.Step.SUBMITTED: r.submitted_on,
        rules.Step.CONTACTED: r.contacted_on,
        rules.Step.FUNDS_RECEIVED: r.funds_on,
        rules.Step.DONE: r.done_on,
    }
    return {
        "request_id": r.id,
        "from_city": r.from_city,
        "from_city_zh": city.zh,
        "from_city_en": city.en,
        "state": state.value,
        "state_zh": state.zh,
        "state_en": state.en,
        "submitted_on": r.submitted_on.isoformat(),
        "steps": [
            {
                "step": s.value,
                "zh": s.zh,
                "en": s.en,
                "reached_on": _iso(reached[s]),
            }
            for s in rules.Step
        ],
    }


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def _requests(db: Db, member: records.Member, today: dt.date) -> dict[str, Any]:
    found = svc.requests_of(db, member.id)
    open_ = next((r for r in found if r.done_on is None), None)
    return {
        "member_no": member.member_no,
        "as_of": today.isoformat(),
        "open": None if open_ is None else _request(open_),
        "requests": [_request(r) for r in found],
    }


@router.get(
    "/v1/members/{member_no}/transfer",
    response_model=TransferRequestsOut,
    responses=MEMBER_ERRORS,
)
def transfer_requests(member_no: MemberNo, ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    with ctx.db.sessions() as db:
        member = records.find_member(db, member_no)
        return _requests(db, member, ctx.settings.current_date())


@router.post(
    "/v1/members/{member_no}/transfer/requests",
    response_model=TransferRequestsOut,
    status_code=201,
    responses={
        **MEMBER_ERRORS,
        201: {"description": "the request made (submitted); the same answer for a retry"},
        400: problem("UNKNOWN_CITY: not a city of GET /v1/transfer/cities"),
        409: problem(
            "TRANSFER_SAME_CITY: the city is this one; TRANSFER_ALREADY_OPEN: another request"
            " is not done yet; IDEMPOTENCY_CONFLICT. Nothing is recorded"
        ),
    },
)
def start_transfer(
    member_no: MemberNo,
    req: TransferRequestIn,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: RequiredIdempotencyKey,
) -> dict[str, Any]:
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    wanted = request_hash("transfer/request", member_no, req.from_city)
    again = svc.request_by_key(db, terminal_id, idempotency_key)
    if again is None:
        svc.check_new_request(ctx.policy, req.from_city, svc.requests_of(db, member.id))
        db.add(
            TransferRequestRow(
                member_id=member.id,
                from_city=req.from_city,
                submitted_on=today,
                terminal_id=terminal_id,
                idempotency_key=idempotency_key,
                request_hash=wanted,
            )
        )
        try:
            db.commit()
        except IntegrityError:
            db.rollback()  # the same key raced in: answer as the winner did
            again = svc.request_by_key(db, terminal_id, idempotency_key)
            if again is None:
                # Another key's request won (one open request a member): refuse as open
                svc.check_new_request(ctx.policy, req.from_city, svc.requests_of(db, member.id))
                raise
    if again is not None and (again.request_hash != wanted or again.member_id != member.id):
        raise key_conflict()
    return _requests(db, member, today)


@router.get("/v1/transfer/cities", response_model=CitiesOut, responses=AUTH_ERRORS)
def cities(ctx: Ctx, _t: Terminal) -> dict[str, Any]:
    here = svc.here(ctx.policy)
    return {
        "here": {"code": here.code, "zh": here.zh, "en": here.en},
        "cities": [
            {"code": c.code, "zh": c.zh, "en": c.en}
            for c in rules.CITIES.values()
            if c.code != here.code
        ],
    }
