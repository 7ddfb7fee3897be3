"""How an ID number, a card number and a name are masked wherever they are shown or logged:
receipts, pages, paper, the audit log and log redaction all use these."""

from __future__ import annotations


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
