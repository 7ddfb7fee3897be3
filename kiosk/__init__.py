"""The kiosk's core: config, domain, session, back office client, payment journal, i18n.

Sub-packages: `domain` (the shared leaf model), `session` (state machine, controller, card port),
`payments` (service, journal, pay flow), `backoffice` (the back office's client, signing, card
session, heartbeat). Flat modules: `config`, `i18n`, `ports`, `errors`, `audit`, `printing`,
`voice`, `admin`, `assembly`, `logging_setup`, `private_files`.

Imports no Kivy: the whole member flow runs and is tested without a window.
"""

__version__ = "0.1.0"
