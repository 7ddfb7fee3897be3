"""The kiosk's EMV kernel: the card's bank application as an unattended online-only POS uses
it (docs/card-emv.md). `EmvKernel` over cardio's transport; `CardPaymentPort` for the flow."""

from cardio.emv.errors import (
    CardDeclinedOffline,
    EmvDataError,
    EmvError,
    EmvSequenceError,
    NoPaymentApplication,
    OfflineAuthenticationFailed,
)
from cardio.emv.kernel import (
    Authorization,
    CardAccount,
    CardPaymentPort,
    Completion,
    EmvKernel,
)
from cardio.emv.selection import Candidate

__all__ = [
    "Authorization",
    "Candidate",
    "CardAccount",
    "CardDeclinedOffline",
    "CardPaymentPort",
    "Completion",
    "EmvDataError",
    "EmvError",
    "EmvKernel",
    "EmvSequenceError",
    "NoPaymentApplication",
    "OfflineAuthenticationFailed",
]
