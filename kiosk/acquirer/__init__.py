"""The kiosk's ISO 8583 client of the acquirer (docs/payments.md, "The acquirer"): sign-on,
purchase, reversal, settlement; MACs by the PIN pad (kiosk.ports.EppPort)."""

from kiosk.acquirer.client import (
    AcquirerClient,
    HostAnswer,
    ReversalRequest,
    SaleRequest,
)
from kiosk.acquirer.errors import (
    AcquirerBadAnswer,
    AcquirerError,
    AcquirerNoAnswer,
    AcquirerUnreachable,
)

__all__ = [
    "AcquirerBadAnswer",
    "AcquirerClient",
    "AcquirerError",
    "AcquirerNoAnswer",
    "AcquirerUnreachable",
    "HostAnswer",
    "ReversalRequest",
    "SaleRequest",
]
