"""The kiosk's side of the back office: the one transport every HTTP call goes through
(`transport`: session, timeouts, TLS, signing, the retry policy, the errors of `errors`), the
member API client (`client`), signed requests (`signing`), the card session that proves the
card is present (`card_session`), and the heartbeat that reports the kiosk's devices
(`heartbeat`)."""
