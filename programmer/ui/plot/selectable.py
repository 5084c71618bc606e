"""Words under the plot that a nurse can select with the mouse and copy into her notes."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QLabel, QWidget

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


class SelectableLabel(QLabel):
    """A wrapped label whose words can be selected with the mouse, laid out as a plain label until the pointer comes.

    Qt lays out a selectable label's words in a text document, and again each time a layout asks its
    height: for the plot's summary, rewritten on every edit of the pending program, about a millisecond
    each time. The words are drawn the same either way (the same pixels); they become selectable as the
    pointer enters, before any press, and stay so while some are selected.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def enterEvent(self, event: QEnterEvent) -> None:
        self.setTextInteractionFlags(_SELECTABLE)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        if not self.hasSelectedText():
            self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
