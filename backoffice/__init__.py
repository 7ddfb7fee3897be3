"""The reference back office: the kiosk API on an embedded database, and a payment gateway
simulator. A separate process; it shares no code with the kiosk but kiosk.domain."""
