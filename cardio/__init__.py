"""The social security card over PC/SC, and the card + PSAM emulator.

A hardware library: it imports nothing from kiosk or screens.
"""
