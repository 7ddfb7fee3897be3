"""The kiosk's side of the back office: the API client (`client`) and its errors (`errors`),
signed requests (`signing`), the card session that proves the card is present (`card_session`),
and the heartbeat that reports the kiosk's devices (`heartbeat`)."""
