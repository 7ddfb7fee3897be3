"""The reference acquirer host: an ISO 8583 (UnionPay POS style) server on its own TCP port,
started with the lab app (`python -m backoffice serve --lab --acquirer-port N`) or alone
(`python -m backoffice.acquirer`). See docs/payments.md, "The acquirer".

`host.AcquirerHost` answers messages (sign-on, sale, reversal, settlement) against the card
accounts of backoffice.storage.acquirer; `server.AcquirerServer` frames them over TCP and
suffers the faults of `switches.AcquirerSwitches`; `api.router` is the lab's /sim/acquirer
controls."""

from backoffice.acquirer.host import AcquirerHost
from backoffice.acquirer.server import AcquirerServer
from backoffice.acquirer.switches import AcquirerSwitches

__all__ = ["AcquirerHost", "AcquirerServer", "AcquirerSwitches"]
