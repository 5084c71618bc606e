"""The plot's legend as Qt labels above the plot: it never hides a curve, and screen readers read it."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

from programmer.ui.theme import PlotColours


class PlotLegend(QWidget):
    """A sample of each line (and fill) beside its title, in rows of three.

    Fewer columns where three do not fit (a narrow plot, a large font): the legend takes more rows
    rather than making the window wider than the screen. Its minimum width is one entry's.
    """

    COLUMNS = 3

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plotLegend")
        self.setAccessibleName("Plot legend")
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(56, 2, 8, 2)
        self._grid.setHorizontalSpacing(6)
        self._grid.setVerticalSpacing(2)
        self._shown: tuple[tuple[str, str], ...] = ()  # (key, title) of each entry shown
        self._titles: list[str] = []
        self._entries: list[tuple[QLabel, QLabel]] = []  # (sample, title) of each entry, in order
        self._columns = 0  # the columns the entries stand in now

    def set_entries(self, entries: list[tuple[str, QPen, QBrush | None, str]]) -> None:
        """(key, line pen, fill or None, title) for every entry, in order."""
        shown = tuple((key, title) for key, _, _, title in entries)  # a title can change under the same key
        if shown == self._shown:
            return
        while self._grid.count():
            self._grid.takeAt(0)
        for sample, text in self._entries:
            for widget in (sample, text):
                widget.setParent(None)  # gone at once: never drawn over the new entries until a deferred delete
                widget.deleteLater()
        self._entries = []
        for _, pen, brush, title in entries:
            sample = QLabel(self)
            sample.setPixmap(_sample_pixmap(pen, brush))
            text = QLabel(title, self)
            text.setAccessibleName(f"Legend: {title}")
            self._entries.append((sample, text))
        self._shown = shown
        self._titles = [title for _, _, _, title in entries]
        self._arrange(self.columns_for(self.width()), again=True)

    def titles(self) -> list[str]:
        return list(self._titles)

    @property
    def columns(self) -> int:
        return self._columns

    def _entry_width(self) -> int:
        """The widest entry: its sample, the spacing and its title."""
        spacing = self._grid.horizontalSpacing()
        return max((s.sizeHint().width() + spacing + t.sizeHint().width() for s, t in self._entries), default=0)

    def columns_for(self, width: int) -> int:
        """How many columns of entries fit in `width` pixels: up to three, at least one."""
        margins, spacing = self._grid.contentsMargins(), self._grid.horizontalSpacing()
        room = width - margins.left() - margins.right() + spacing
        return max(1, min(self.COLUMNS, room // (self._entry_width() + spacing)))

    def _arrange(self, columns: int, again: bool = False) -> None:
        if columns == self._columns and not again:
            return
        while self._grid.count():
            self._grid.takeAt(0)  # the labels stay; only their places change
        for index, (sample, text) in enumerate(self._entries):
            row, column = divmod(index, columns)
            self._grid.addWidget(sample, row, 2 * column)
            self._grid.addWidget(text, row, 2 * column + 1)
        for column in range(self.COLUMNS):
            self._grid.setColumnStretch(2 * column + 1, 1 if column < columns else 0)
        self._columns = columns

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange(self.columns_for(event.size().width()))

    def minimumSizeHint(self) -> QSize:
        """One entry wide: narrower than the entries in a row, the legend takes more rows."""
        margins = self._grid.contentsMargins()
        width = margins.left() + margins.right() + self._entry_width()
        return QSize(width, super().minimumSizeHint().height())


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
