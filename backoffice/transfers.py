"""Transfers between cities (转移接续): issuing a voucher (a certificate of its own kind) and the
member's transfer-in requests. The rules: backoffice/rules/transfer.py."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import records
from backoffice.errors import BadRequestProblem, ConflictProblem
from backoffice.policy import Policy
from backoffice.rules import certificates as certs
from backoffice.rules import transfer as rules
from backoffice.storage.certificates import CertificateRow
from backoffice.storage.transfer import TransferRequestRow

MAX_REQUESTS = 20  # the latest requests listed (a member has one or two in a working life)


def here(policy: Policy) -> rules.City:
    return rules.City(policy.region, policy.city_name, policy.city_name_en)


def requests_of(db: Session, member_id: int, limit: int = MAX_REQUESTS) -> list[TransferRequestRow]:
    """The member's requests, the latest first."""
    return list(
        db.scalars(
            select(TransferRequestRow)
            .where(TransferRequestRow.member_id == member_id)
            .order_by(TransferRequestRow.submitted_on.desc(), TransferRequestRow.id.desc())
            .limit(limit)
        )
    )


def came_from(db: Session, member_id: int) -> rules.City | None:
    """The city of the member's latest finished transfer-in request (the origin of months
    transferred in whose employer names no city)."""
    done = [r for r in requests_of(db, member_id) if r.done_on is not None]
    return rules.CITIES.get(done[0].from_city) if done else None


def issue_voucher(
    db: Session,
    policy: Policy,
    member: records.Member,
    kind: rules.VoucherKind,
    *,
    today: dt.date,
    issued: dt.datetime,
    terminal_id: str,
    idempotency_key: str | None,
    request_hash: str,
) -> CertificateRow:
    """A new voucher, added to the session (the caller commits). 409 NO_TRANSFER_RECORD when
    the member has no counted month of the scheme."""
    rows = records.contribution_rows(db, member.id, scheme=kind.scheme.value)
    if kind is rules.VoucherKind.PENSION:
        years = records.accounts(db, member).pension_years
        account_fen = years[-1].balance.fen if years else 0
        account_year = years[-1].year if years else None
    else:
        account_fen, account_year = member.medical_balance_fen, today.year
    expires = issued + dt.timedelta(days=policy.certificate_valid_days)
    certificate_id = secrets.token_hex(8)
    content = rules.voucher(
        certificate_id=certificate_id,
        kind=kind,
        member=member,
        rows=rows,
        here=here(policy),
        came_from=came_from(db, member.id),
        account_fen=account_fen,
        account_year=account_year,
        today=today,
        issuer=policy.city_name,
        issued_at=issued.isoformat(),
        expires_at=expires.isoformat(),
    )
    if not content["periods"]:
        raise ConflictProblem(
            f"没有可转移的{kind.scheme.zh}缴费记录",
            f"No {kind.scheme.en.lower()} months on record to transfer",
            code="NO_TRANSFER_RECORD",
        )
    row = CertificateRow(
        certificate_id=certificate_id,
        code=certs.new_code(),
        member_id=member.id,
        kind=kind.value,
        first_period=_yyyymm(content["first"]),
        last_period=_yyyymm(content["last"]),
        issued_at=issued,
        expires_at=expires,
        digest=certs.digest(content),
        content_json=certs.canonical_json(content),
        terminal_id=terminal_id,
        idempotency_key=idempotency_key or f"none:{secrets.token_hex(12)}",
        request_hash=request_hash,
    )
    db.add(row)
    return row


def check_new_request(
    policy: Policy, from_city: str, existing: Sequence[TransferRequestRow]
) -> rules.City:
    """The city of a new request, or why not (nothing recorded)."""
    city = rules.CITIES.get(from_city)
    if city is None:
        raise BadRequestProblem(
            "未知的转出城市", f"{from_city} is not a city we transfer from", code="UNKNOWN_CITY"
        )
    if from_city == policy.region:
        raise ConflictProblem(
            "转出地与本市相同，无需办理转移",
            "The city you came from is this city: there is nothing to transfer",
            code="TRANSFER_SAME_CITY",
        )
    open_ = next((r for r in existing if r.done_on is None), None)
    if open_ is not None:
        was = rules.CITIES.get(open_.from_city, rules.UNKNOWN_CITY)
        raise ConflictProblem(
            f"已有未办结的转入申请（自{was.zh}，{open_.submitted_on.isoformat()} 受理）",
            f"A transfer-in request is already open (from {was.en},"
            f" submitted {open_.submitted_on.isoformat()})",
            code="TRANSFER_ALREADY_OPEN",
        )
    return city


def request_by_key(db: Session, terminal_id: str, key: str) -> TransferRequestRow | None:
    return db.scalars(
        select(TransferRequestRow).where(
            TransferRequestRow.terminal_id == terminal_id,
            TransferRequestRow.idempotency_key == key,
        )
    ).first()


def _yyyymm(month: str) -> int:
    return int(month[:4]) * 100 + int(month[5:7])
