"""Application selection (EMV Book 1, 12.3): the PSE's directory, else SELECT by AID list.

The candidates come sorted by the card's priority (tag 87); with more than one the member
chooses (the kiosk has no cardholder confirmation other than that).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cardio import errors
from cardio.apdu import ApduChannel
from cardio.emv import commands
from cardio.emv.errors import EmvDataError, NoPaymentApplication
from common import emv_profile


@dataclass(frozen=True)
class Candidate:
    """One application the member may choose."""

    aid: bytes
    label: str  # the card's label (tag 50), ASCII
    priority: int  # 1 is the card's first choice; 0 = none given (last)

    @property
    def label_zh(self) -> str:
        """The name the kiosk shows in Chinese (from the AID), else the card's label."""
        known = emv_profile.LABELS.get(self.aid)
        return known[1] if known else self.label


def _decode(data: bytes, what: str) -> dict[str, bytes]:
    # pyemv is imported at the first bank card read, not with the kiosk: importing any of it
    # loads all of it (its cryptograms too), which a session without a card payment never uses.
    from pyemv import tlv

    try:
        return tlv.decode(data, flatten=True)
    except tlv.DecodeError:
        raise EmvDataError(what) from None


def _accepted(aid: bytes, supported: Iterable[bytes]) -> bool:
    # partial selection: a terminal AID matches every card AID it is a prefix of
    return any(aid.startswith(s) for s in supported)


def _sort(found: list[Candidate]) -> list[Candidate]:
    return sorted(found, key=lambda c: (c.priority == 0, c.priority))


def from_pse(channel: ApduChannel, supported: tuple[bytes, ...]) -> list[Candidate] | None:
    """Candidates from the PSE's directory; None when the card has no PSE."""
    resp = channel.send(commands.select(emv_profile.PSE_NAME), check=False)
    if resp.sw in (0x6A82, 0x6A81):
        return None
    if not resp.ok:
        return None  # a PSE that answers oddly: fall back to the list (EMV Book 1, 12.3.2)
    fci = _decode(resp.data, "PSE FCI")
    sfi_raw = fci.get("88")
    if not sfi_raw:
        return None
    sfi = sfi_raw[0]
    found: list[Candidate] = []
    for record in range(1, 32):
        rr = channel.send(commands.read_record(sfi, record), check=False)
        if rr.sw == 0x6A83:
            break
        if not rr.ok:
            return None
        for entry in _entries(rr.data):
            aid = entry.get("4F")
            if aid and _accepted(aid, supported):
                label = entry.get("50", b"").decode("ascii", "replace")
                prio = entry.get("87", b"\x00")[0] & 0x0F
                found.append(Candidate(aid, label, prio))
    return _sort(found)


def _entries(record: bytes) -> list[dict[str, bytes]]:
    """Every 61 entry of a directory record, in order: pyemv's decoder keeps one value per
    tag, so the record's top level is walked here and each entry decoded by pyemv."""
    _decode(record, "PSE record")  # well-formed as a whole, so the walk below stays inside
    if record[:1] != b"\x70":
        return []
    inner_start = 2 if record[1] < 0x80 else 2 + (record[1] & 0x7F)
    out: list[dict[str, bytes]] = []
    i = inner_start
    while i < len(record):
        tag = record[i]
        length = record[i + 1]
        head = 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(record[i + 2 : i + 2 + n], "big")
            head = 2 + n
        value = record[i + head : i + head + length]
        if tag == 0x61:
            out.append(_decode(value, "PSE entry"))
        i += head + length
    return out


def by_aid_list(channel: ApduChannel, supported: tuple[bytes, ...]) -> list[Candidate]:
    """Direct SELECT of each AID the kiosk accepts (and the next occurrences of each)."""
    found: list[Candidate] = []
    for aid in supported:
        nxt = False
        for _ in range(8):
            resp = channel.send(commands.select(aid, next_occurrence=nxt), check=False)
            if resp.sw in (0x6A82, 0x6A81) or not (resp.ok or resp.sw == 0x6283):
                break
            fci = _decode(resp.data, "application FCI")
            got = fci.get("84", aid)
            if resp.ok and _accepted(got, supported) and all(c.aid != got for c in found):
                label = fci.get("50", b"").decode("ascii", "replace")
                found.append(Candidate(got, label, fci.get("87", b"\x00")[0] & 0x0F))
            if got == aid:
                break  # an exact match: no other occurrence to look for
            nxt = True
    return _sort(found)


def candidates(channel: ApduChannel, supported: tuple[bytes, ...]) -> list[Candidate]:
    """The applications to offer: from the PSE, else by AID list; none -> NoPaymentApplication."""
    try:
        found = from_pse(channel, supported)
        if not found:
            found = by_aid_list(channel, supported)
    except errors.CardStatusError:
        raise NoPaymentApplication() from None
    if not found:
        raise NoPaymentApplication()
    return found
