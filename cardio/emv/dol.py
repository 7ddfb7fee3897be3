"""Data object lists (PDOL, CDOL1/2, DDOL): parse a DOL, fill it from the terminal's values.

pyemv decodes and encodes TLV but has no DOL handling, hence this module (EMV Book 3, 5.4).
"""

from __future__ import annotations

from collections.abc import Mapping

#: tags of numeric format ('n'): a too-short value is padded with leading zeros, not trailing
_NUMERIC = {"9F02", "9F03", "9F1A", "5F2A", "9A", "9C", "9F21", "9F35", "5F36", "9F41"}


def parse_dol(dol: bytes) -> list[tuple[str, int]]:
    """[(tag as upper hex, length)] in order."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(dol):
        start = i
        if dol[i] & 0x1F == 0x1F:
            i += 1
            while i < len(dol) and dol[i] & 0x80:
                i += 1
        i += 1
        if i >= len(dol):
            raise ValueError("DOL ends inside an entry")
        out.append((dol[start:i].hex().upper(), dol[i]))
        i += 1
    return out


def build_dol_data(dol: bytes, values: Mapping[str, bytes]) -> bytes:
    """The concatenated values a DOL asks for; unknown tags are zeros, lengths adjusted."""
    out = bytearray()
    for tag, length in parse_dol(dol):
        value = values.get(tag, b"")
        if len(value) > length:
            value = value[-length:] if tag in _NUMERIC else value[:length]
        elif len(value) < length:
            pad = bytes(length - len(value))
            value = pad + value if tag in _NUMERIC else value + pad
        out += value
    return bytes(out)
