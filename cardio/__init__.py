"""The social security card over PC/SC, and the card + PSAM emulator.

A hardware library: of ours it imports only the shared leaf common (the card cryptogram scheme,
common.card_crypto); nothing from kiosk, screens or backoffice.
"""
