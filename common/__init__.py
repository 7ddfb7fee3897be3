"""The shared leaf: what the kiosk, the card library and the back office must agree on byte for
byte, in one place each side imports.

- common.signing: the signed request's canonical form, its headers and the key file format
  (the kiosk signs, the back office checks).
- common.card_crypto: the card cryptogram scheme (key diversification, the two cryptograms;
  the card library talks to cards with it, the back office checks a card's answer with it).
- common.redaction: what a log line may not carry (ID and card numbers, PIN-like digits,
  tokens), applied by the kiosk's and the back office's log handlers.
- common.masking: how ID numbers, card numbers and names are masked (kiosk.domain re-exports
  them for pages and paper; redaction masks with them).

- common.errors: CommonError, the root of what this package raises.

A leaf: it imports nothing of ours (tests/test_import_boundaries.py checks it).
"""
