"""Lines of text in a narrow panel, each its own label wrapped to the panel's width.

A list widget's rows keep the height they had when added: once its scroll bar appears they do not wrap
again, and the last row is cut off. Labels in a layout take the height their lines need at any width.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from programmer.ui.style import name, see_through
from programmer.wording import unbroken


class Lines(QScrollArea):
    """Lines of text, one label each, wrapped to the panel's width; scrolls when they outgrow their room."""

    def __init__(self, object_name: str, accessible_name: str, most_lines: int | None = None) -> None:
        super().__init__()
        name(self, object_name, accessible_name)
        self._most_lines = most_lines  # asks for no more height than this many lines of text: then it scrolls
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)  # its lines' height, no more
        self.setWidget(QWidget())
        self._box = QVBoxLayout(self.widget())
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.addStretch(1)
        see_through(self)
        self._labels: list[QLabel] = []
        self._texts: list[str] = []  # as said, before `unbroken` joined the numbers to their units
        self._to_end = False  # a line was added: show the end once the scroll range has grown for it
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)

    def sizeHint(self) -> QSize:
        """As tall as its lines at its width: the panel gives each section what it needs while there is room."""
        height = self._box.totalHeightForWidth(max(self.viewport().width(), 1))
        if self._most_lines is not None:
            height = min(height, self._most_lines * self.fontMetrics().lineSpacing())
        return QSize(super().sizeHint().width(), height + 2 * self.frameWidth())

    def minimumSizeHint(self) -> QSize:
        return QSize(super().minimumSizeHint().width(), 2 * self.fontMetrics().lineSpacing())  # then it scrolls

    def clear(self) -> None:
        for label in self._labels:
            label.deleteLater()
        self._labels, self._texts = [], []
        self.updateGeometry()

    def add(self, text: str, spoken: str = "") -> QLabel:
        """A line at the end; `spoken`: what a screen reader says for it, when the text's marks are not words."""
        label = QLabel(unbroken(text))  # wraps between words, never inside "0 mcg/day"
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(spoken or text)
        label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # the panel's width wraps it
        self._box.insertWidget(len(self._labels), label)
        self._labels.append(label)
        self._texts.append(text)
        self.updateGeometry()
        return label

    def scroll_to_end(self) -> None:
        self._to_end = True
        self._range_changed(0, self.verticalScrollBar().maximum())

    def _range_changed(self, _low: int, high: int) -> None:
        if self._to_end:
            self.verticalScrollBar().setValue(high)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # its lines wrap anew: another height

    def texts(self) -> list[str]:
        return list(self._texts)

    def spoken(self) -> list[str]:
        return [label.accessibleName() for label in self._labels]
