"""The kiosk's core: config, domain, session, back office client, payment journal, i18n.

Imports no Kivy: the whole member flow runs and is tested without a window.
"""

__version__ = "0.1.0"
