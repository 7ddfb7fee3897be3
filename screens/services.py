"""更多服务 / More services (issue 17): a tile per hall service, each to its own page.

A tile shows only once its page exists: the page's owner sets the entry's `<page>_ready`
property to True (the class default below) when they add the page. The page is reached from
the menu with the card + PIN or a full ID session (ID card + face), never the ID card's
limited menu (kiosk.session.machine.ID_FULL_PAGES).
"""

from __future__ import annotations

from dataclasses import dataclass

from kivy.properties import BooleanProperty

from kiosk.session.machine import Navigate, Page
from screens.base import KioskScreen
from screens.widgets import IconButton


@dataclass(frozen=True)
class Service:
    page: str  # a kiosk.session.machine.Page value
    icon: str  # a screens.icons.ICONS name
    label: str  # i18n key


SERVICES = (
    Service("unemployment", "unemployment", "services.unemployment"),
    Service("transfer", "transfer", "services.transfer"),
    Service("medical", "medical", "services.medical"),
    Service("flexible", "work", "services.flexible"),
    Service("my_receipts", "receipt", "services.my_receipts"),
)


class ServicesScreen(KioskScreen):
    # One per entry of SERVICES: its page exists (set True by the page's owner).
    unemployment_ready = BooleanProperty(True)  # screens/unemployment.py (H9)
    transfer_ready = BooleanProperty(True)  # screens/transfer.py (H10)
    medical_ready = BooleanProperty(True)  # screens/medical.py (H10)
    flexible_ready = BooleanProperty(True)  # screens/flexible.py (H11)
    my_receipts_ready = BooleanProperty(True)  # screens/my_receipts.py (H11)

    def on_kv_post(self, base_widget) -> None:
        self.tiles: dict[str, IconButton] = {}
        for service in SERVICES:
            tile = IconButton(icon=service.icon, vertical=True, kind="primary", size_hint_y=1)
            tile.bind(
                on_release=lambda _b, page=service.page: self.kiosk.post(Navigate(Page(page)))
            )
            self.tiles[service.page] = tile
            self.bind(**{f"{service.page}_ready": self._place})
        self.watch_language(self._label)
        self._label()
        self._place()

    def shown(self) -> list[str]:
        """The pages whose tiles are on the page, in order."""
        return [s.page for s in SERVICES if getattr(self, f"{s.page}_ready")]

    def _place(self, *_a: object) -> None:
        grid = self.ids.grid
        grid.clear_widgets()
        for page in self.shown():
            grid.add_widget(self.tiles[page])
        self.ids.empty.text = "" if self.shown() else self.kiosk.tr("services.none")

    def _label(self) -> None:
        for service in SERVICES:
            self.tiles[service.page].text = self.kiosk.tr(service.label)
        self.ids.empty.text = "" if self.shown() else self.kiosk.tr("services.none")
