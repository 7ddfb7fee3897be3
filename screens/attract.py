"""The attract screen: "please insert your social security card"."""

from __future__ import annotations

from screens.base import KioskScreen


class AttractScreen(KioskScreen):
    def is_drawn(self) -> bool:
        """True once the title's text has been rendered to a texture."""
        title = self.ids.get("title")
        return bool(title is not None and title.texture is not None and title.texture.width > 0)
