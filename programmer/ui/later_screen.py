"""A tab's page built when it is first shown, or first asked for (issue 16, start-up)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QScrollArea, QWidget

from programmer.ui.style import see_through


class LaterScreen(QScrollArea):
    """A tab's page whose screen is built when the page is first shown, or first asked for: the window opens
    without importing and building screens most visits never see (issue 16, start-up)."""

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.setWidgetResizable(True)
        see_through(self)
        self._build = build

    @property
    def built(self) -> bool:
        return self.widget() is not None

    def screen(self) -> QWidget:
        if not self.built:
            self.setWidget(self._build())
            see_through(self)
        return self.widget()

    def showEvent(self, event) -> None:
        self.screen()  # built before it is painted
        super().showEvent(event)


def build_every_later_screen(window: QWidget) -> None:
    """Build the later screens under `window` now: for what must reach every control (the guided tour)."""
    for page in window.findChildren(LaterScreen):
        page.screen()
