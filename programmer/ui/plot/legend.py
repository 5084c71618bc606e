"""The plot's legend as Qt labels above the plot: it never hides a curve, and screen readers read it."""

from __future__ import annotations

from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from programmer.ui.theme import PlotColours


class PlotLegend(QWidget):
    """A sample of each line (and fill) beside its title, in rows of three."""

    COLUMNS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plotLegend")
        self.setAccessibleName("Plot legend")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(56, 2, 8, 2)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self._keys: tuple[str, ...] = ()
        self._titles: list[str] = []

    def set_entries(self, entries: list[tuple[str, QPen, QBrush | None, str]]) -> None:
        """(key, line pen, fill or None, title) for every entry, in order."""
        keys = tuple(key for key, _, _, _ in entries)
        if keys == self._keys:
            return
        while self._grid.count():
            widget = self._grid.takeAt(0).widget()
            widget.setParent(None)  # gone at once: never drawn over the new entries until a deferred delete
            widget.deleteLater()
        for index, (_, pen, brush, title) in enumerate(entries):
            row, column = divmod(index, self.COLUMNS)
            sample = QLabel()
            sample.setPixmap(_sample_pixmap(pen, brush))
            text = QLabel(title)
            text.setAccessibleName(f"Legend: {title}")
            self._grid.addWidget(sample, row, 2 * column)
            self._grid.addWidget(text, row, 2 * column + 1)
        for column in range(self.COLUMNS):
            self._grid.setColumnStretch(2 * column + 1, 1)
        self._keys = keys
        self._titles = [title for _, _, _, title in entries]

    def titles(self) -> list[str]:
        return list(self._titles)


def _sample_pixmap(pen: QPen, brush: QBrush | None) -> QPixmap:
    pixmap = QPixmap(40, 16)
    pixmap.fill(QColor(PlotColours.BACKGROUND))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if brush is not None:
        painter.fillRect(2, 3, 36, 10, brush)
    painter.setPen(pen)
    painter.drawLine(2, 8, 38, 8)
    painter.end()
    return pixmap
