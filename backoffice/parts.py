"""What a back office app is made of: the parts `backoffice.app.create_app` assembles.

Two named variants, built by the same factory:

- `AppParts.lab()` — `python -m backoffice serve --lab` / `demo --lab` (tests, benchmarks, the
  demo): plain HTTP, the gateway simulator as the payment gateway *and* its control routes
  (/sim: fault switches, the phone's QR payment, the bill, the clock), the public test card keys.
- `AppParts.production(...)` — `python -m backoffice.tls`: mutual TLS with per-request
  revocation and roles, signed requests, card sessions required by default, and no simulator
  controls at all; the payment gateway is `none` (card and QR payments refused with 503
  PAYMENT_GATEWAY_MISSING) unless the operator explicitly asks for the simulated bank's payment
  side (`--simulated-payments`, which still has no /sim routes).

`AppParts.plain()` is `python -m backoffice serve` without --lab: plain HTTP, no simulator, no
gateway (development against the API without fake money).
"""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.security import SecurityOptions
from common import card_crypto

GATEWAY_SIMULATOR = "simulator"  # the lab's simulated bank (backoffice.gateway.simulator)
GATEWAY_NONE = "none"  # no gateway connected: card and QR payments are refused


@dataclass(frozen=True)
class AppParts:
    variant: str  # "lab", "plain", "production"
    gateway: str = GATEWAY_NONE
    simulator_controls: bool = False  # the /sim routes (lab only)
    require_card_session: bool = False
    card_keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS
    security: SecurityOptions | None = None  # None: no guards (plain HTTP)
    tls: bool = False

    def __post_init__(self) -> None:
        if self.simulator_controls and self.gateway != GATEWAY_SIMULATOR:
            raise ValueError("the simulator's controls need the simulator as gateway")
        if self.simulator_controls and self.security is not None:
            # The controls mark orders paid and move the clock: never on a guarded service.
            raise ValueError("the simulator's controls exist only in the lab app")

    @classmethod
    def lab(
        cls,
        *,
        require_card_session: bool = False,
        card_keys: card_crypto.MasterKeys = card_crypto.TEST_KEYS,
    ) -> AppParts:
        return cls(
            "lab",
            gateway=GATEWAY_SIMULATOR,
            simulator_controls=True,
            require_card_session=require_card_session,
            card_keys=card_keys,
        )

    @classmethod
    def plain(cls) -> AppParts:
        return cls("plain")

    @classmethod
    def production(
        cls,
        security: SecurityOptions,
        *,
        card_keys: card_crypto.MasterKeys,
        require_card_session: bool = True,
        simulated_payments: bool = False,
        tls: bool = True,
    ) -> AppParts:
        return cls(
            "production",
            gateway=GATEWAY_SIMULATOR if simulated_payments else GATEWAY_NONE,
            simulator_controls=False,
            require_card_session=require_card_session,
            card_keys=card_keys,
            security=security,
            tls=tls,
        )
