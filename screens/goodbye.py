"""Goodbye: "please take your card and receipt", until the card is out."""

from screens.base import KioskScreen


class GoodbyeScreen(KioskScreen):
    pass
