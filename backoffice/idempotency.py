"""One Idempotency-Key, one answer: the fingerprint of what a keyed request asked, and the
refusal when the key comes back asking for something else (409 IDEMPOTENCY_CONFLICT)."""

from __future__ import annotations

import hashlib
import json

from backoffice.errors import ApiError, ConflictProblem


def request_hash(*fields: object) -> str:
    """SHA-256 of the request's fields as JSON (a retry asks the same, byte for byte)."""
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def key_conflict() -> ApiError:
    return ConflictProblem(
        "同一请求号的参数不同",
        "This idempotency key was used with other parameters",
        code="IDEMPOTENCY_CONFLICT",
    )
