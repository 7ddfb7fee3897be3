"""Reading the card: nothing to do but wait (and not pull the card)."""

from screens.base import KioskScreen


class ReadingScreen(KioskScreen):
    pass
