"""ID numbers (GB 11643); the masking of ID numbers, card numbers and names is common.masking's
(re-exported here), shared with the log redaction."""

from __future__ import annotations

import datetime as dt

# Re-exported (the "as" form): the domain's callers take the masks from here.
from common.masking import mask_card_number as mask_card_number
from common.masking import mask_id as mask_id
from common.masking import mask_name as mask_name
from kiosk.domain.errors import DomainError

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of a citizen ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise DomainError("an ID number's first 17 characters must be digits")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_id_number(id_number: str) -> bool:
    """True when the 18-character ID number has the right check character and a real date."""
    s = id_number.upper() if id_number else ""
    if len(s) != 18 or not s[:17].isdigit():
        return False
    if id_check_digit(s[:17]) != s[17]:
        return False
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return True
