"""The reference back office: the kiosk API on an embedded database, and a payment gateway
simulator. A separate process; it shares no code with the kiosk but kiosk.domain (the domain
model) and common (signing's canonical form, the card cryptogram scheme, log redaction):
docs/architecture.md, checked by tests/test_import_boundaries.py."""
