"""ID numbers (GB 11643) and masking of ID numbers, card numbers and names."""

from __future__ import annotations

import datetime as dt

from kiosk.domain.errors import DomainError


def mask_id(id_number: str) -> str:
    """'110101199003071234' -> '110***********1234': first 3 and last 4 kept."""
    s = id_number or ""
    if len(s) <= 7:
        return "*" * len(s)
    return s[:3] + "*" * (len(s) - 7) + s[-4:]


def mask_card_number(card_number: str) -> str:
    """'X00000019' -> 'X0****019': first 2 and last 3 kept."""
    s = card_number or ""
    if len(s) <= 5:
        return "*" * len(s)
    return s[:2] + "*" * (len(s) - 5) + s[-3:]


def mask_name(name: str) -> str:
    """'张三丰' -> '*三丰' (the family name hidden), as receipts show names."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return "*" + name[1:]


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
