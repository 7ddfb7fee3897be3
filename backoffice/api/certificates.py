"""POST /v1/members/{member_no}/certificates: issue a rights record (个人权益记录单) or a
participation certificate (参保证明). With an Idempotency-Key header, a repeated request (a
retry after a lost answer) returns the certificate issued the first time."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backoffice import records
from backoffice.api.common import MEMBER_ERRORS, problem
from backoffice.api.deps import Ctx, Db, Terminal
from backoffice.api.encode import instant
from backoffice.api.members import MemberNo
from backoffice.api.models import (
    CertificateOut,
    CertificateRequest,
    OptionalIdempotencyKey,
)
from backoffice.errors import BadRequestProblem
from backoffice.idempotency import key_conflict, request_hash
from backoffice.rules import certificates as rules
from backoffice.storage.certificates import CertificateRow
from kiosk.domain import Period

router = APIRouter(prefix="/v1/members", tags=["certificates"], responses=MEMBER_ERRORS)


def _range(req: CertificateRequest, today: dt.date) -> tuple[Period, Period]:
    last_month = Period.of(today).previous()
    if req.kind == "participation":
        if req.first_year is not None or req.last_year is not None:
            raise BadRequestProblem(
                "参保证明按月数开具", "participation takes months, not years", code="BAD_RANGE"
            )
        months = req.months or 12
        first = last_month
        for _ in range(months - 1):
            first = first.previous()
        return first, last_month
    if req.months is not None:
        raise BadRequestProblem(
            "权益记录单按年度开具", "rights_record takes years", code="BAD_RANGE"
        )
    first_year = req.first_year or today.year
    last_year = req.last_year or first_year
    if first_year > last_year or last_year > today.year:
        raise BadRequestProblem(
            "年度范围无效", "first_year..last_year is not a valid range", code="BAD_RANGE"
        )
    last = Period(last_year, 12) if last_year < today.year else Period.of(today)
    return Period(first_year, 1), last


def _fingerprint(member_no: str, req: CertificateRequest) -> str:
    """What a key is bound to: the member and the request as sent (as a list, as before)."""
    return request_hash(*[member_no, req.kind, req.months, req.first_year, req.last_year])


def _replay(row: CertificateRow, wanted: str, public_url: str) -> dict[str, Any]:
    if row.request_hash != wanted:
        raise key_conflict()
    return certificate_json(row, public_url)


def certificate_json(row: CertificateRow, public_url: str) -> dict[str, Any]:
    """The issued certificate: its attested content (the name and birth date in full: the
    paper is the member's own; the ID number masked, the kiosk prints the card's) and how
    to verify it."""
    content = rules.upgraded(json.loads(row.content_json))
    content = {k: v for k, v in content.items() if k not in ("issued_at", "expires_at")}
    return {
        **content,
        "certificate_id": row.certificate_id,
        "verification_code": rules.grouped(row.code),
        "verify_url": f"{public_url.rstrip('/')}/verify/{row.code}",
        "digest": row.digest,
        "issued_at": instant(row.issued_at),
        "expires_at": instant(row.expires_at),
    }


@router.post(
    "/{member_no}/certificates",
    response_model=CertificateOut,
    status_code=201,
    responses={
        201: {"description": "the certificate; the same again for a retry with the same key"},
        400: problem("BAD_RANGE"),
        409: problem("IDEMPOTENCY_CONFLICT: this key with another request"),
    },
)
def issue_certificate(
    member_no: MemberNo,
    req: CertificateRequest,
    db: Db,
    ctx: Ctx,
    terminal_id: Terminal,
    idempotency_key: OptionalIdempotencyKey = None,
) -> dict[str, Any]:
    public_url = ctx.settings.public_url
    wanted = _fingerprint(member_no, req)
    if idempotency_key:
        again = db.scalars(
            select(CertificateRow).where(
                CertificateRow.terminal_id == terminal_id,
                CertificateRow.idempotency_key == idempotency_key,
            )
        ).first()
        if again is not None:
            return _replay(again, wanted, public_url)
    today = ctx.settings.current_date()
    member = records.find_member(db, member_no)
    first, last = _range(req, today)
    summary = records.summary(db, member, today)
    # Every row up to the range's end: the range's months, and the cumulative months as at
    # its end (not today's).
    rows = records.contribution_rows(db, member.id, last=records.yyyymm(last))
    accounts = records.accounts(db, member)
    issued = ctx.settings.now()
    expires = issued + dt.timedelta(days=ctx.policy.certificate_valid_days)
    certificate_id = secrets.token_hex(8)
    content = rules.attest(
        certificate_id=certificate_id,
        kind=req.kind,
        member=member,
        enrolments=summary.enrolments,
        rows=rows,
        first=first,
        last=last,
        today=today,
        pension_years=accounts.pension_years,
        medical_years=accounts.medical_years,
        rate_of=ctx.policy.crediting_rate,
        issuer=ctx.policy.city_name,
        issued_at=issued.isoformat(),
        expires_at=expires.isoformat(),
    )
    row = CertificateRow(
        certificate_id=certificate_id,
        code=rules.new_code(),
        member_id=member.id,
        kind=req.kind,
        first_period=records.yyyymm(first),
        last_period=records.yyyymm(last),
        issued_at=issued,
        expires_at=expires,
        digest=rules.digest(content),
        content_json=rules.canonical_json(content),
        terminal_id=terminal_id,
        # Without a key each request is a new certificate: a unique placeholder keeps the
        # (terminal, key) constraint for the keyed ones.
        idempotency_key=idempotency_key or f"none:{secrets.token_hex(12)}",
        request_hash=wanted,
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:
        # The same key raced in from a parallel retry: answer with the one that won.
        db.rollback()
        again = db.scalars(
            select(CertificateRow).where(
                CertificateRow.terminal_id == terminal_id,
                CertificateRow.idempotency_key == idempotency_key,
            )
        ).first()
        if again is None:
            raise
        return _replay(again, wanted, public_url)
    return certificate_json(row, public_url)
