"""The data the transfer voucher and the unemployment acknowledgement are built from, without
reportlab: the kiosk's process makes them (and checks the voucher is the holder's) and a
document worker process draws them (they go there pickled)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kiosk.domain.identity import mask_id
from kiosk.domain.transfer import TransferVoucher
from kiosk.domain.unemployment import UnemploymentStatus


class NotTheHoldersVoucher(ValueError):
    """The ID number given is not the one the voucher attests: never printed."""


@dataclass(frozen=True)
class VoucherData:
    voucher: TransferVoucher
    id_number: str  # in full: the member's own, from the card or ID card read at the kiosk
    printed_at: dt.datetime  # the city's time
    hall_name: str
    terminal_id: str

    def __post_init__(self) -> None:
        if mask_id(self.id_number) != self.voucher.id_number_masked:
            raise NotTheHoldersVoucher("the voucher is not the holder's: not printed")


@dataclass(frozen=True)
class AcknowledgementData:
    status: UnemploymentStatus  # the answer to the claim: its application is set
    name: str
    id_number_masked: str
    printed_at: dt.datetime  # the city's time
    hall_name: str
    terminal_id: str
