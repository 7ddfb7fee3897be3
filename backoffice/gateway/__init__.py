"""The payment gateway simulator (bank card debit and QR) of the reference back office.

`switches.Switches` holds the faults tests turn on; `simulator.GatewaySimulator` is the bank;
`api.router` exposes the control endpoints (/sim/...), the phone's QR payment page and the
daily bill. See docs/payments.md."""

from backoffice.gateway.simulator import (
    GatewayDeclined,
    GatewayError,
    GatewaySimulator,
    GatewayTimeout,
    GatewayTxn,
)
from backoffice.gateway.switches import Switches

__all__ = [
    "GatewayDeclined",
    "GatewayError",
    "GatewaySimulator",
    "GatewayTimeout",
    "GatewayTxn",
    "Switches",
]
