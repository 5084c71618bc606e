"""The week at a glance: seven small rows, Monday to Sunday, each day's steps on one scale and its totals.

A click (or the up and down keys) shows that day in the editor. With a schedule per weekday a
note under it says what midnight means: each weekday runs from 00:00 to 24:00 on its own steps.
The rows come from programmer.session.schedule_edit (ScheduleEdit.week_rows).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGroupBox, QSizePolicy, QVBoxLayout, QWidget

from programmer.session.schedule_figures import WeekRow
from programmer.therapy.schedule import DaySchedule
from programmer.therapy.units import MINUTES_PER_DAY
from programmer.ui.schedule.timeline_drawing import (
    AXIS,
    BACKGROUND,
    HINT,
    PROBLEM,
    PROBLEM_TEXT,
    RATE,
    SELECTED_FILL,
    STEP_FILL,
    TEXT,
    bold_font,
    segments,
    small_font,
)
from programmer.ui.style import hint_label, name
from programmer.ui.theme import ScheduleColours
from programmer.wording import unbroken

SELECTED_DAY = QColor(ScheduleColours.SELECTED_DAY)
OTHER_DAY = QColor(ScheduleColours.OTHER_DAY)  # every other weekday's row


class WeekOverview(QWidget):
    """Seven small rows, Monday to Sunday: each day's steps on one scale and its totals. A click shows that day."""

    day_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "weekOverview", "Week overview: each weekday's steps and daily dose; click a day to show it")
        self._rows: list[WeekRow] = []
        self._selected: int | None = None
        self._ceiling = 1.0
        self._block_cache: dict[int, tuple[DaySchedule, QSizeF, list[QRectF]]] = {}
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_week(self, rows: Sequence[WeekRow], selected: int | None) -> None:
        rows = list(rows)
        if rows == self._rows and selected == self._selected:
            return  # a boundary dragged back where it was: the same week
        self._rows = rows
        self._selected = selected
        self._ceiling = max((step.rate.per_day for row in rows for step in row.day.steps), default=1.0) or 1.0
        self._block_cache = {}  # the scale may have changed
        self.setAccessibleDescription("; ".join(row.described for row in self._rows))
        # No updateGeometry: the size depends on the font only, and Qt asks again when the font changes.
        self.update()

    def _row_height(self) -> float:
        return QFontMetricsF(self.font()).height() * 2 + 6

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setHeight(int(self._row_height() * 7 + 4))
        hint.setWidth(340)
        return hint

    def minimumSizeHint(self):
        return self.sizeHint()

    def row_rect(self, weekday: int) -> QRectF:
        height = self._row_height()
        return QRectF(0, 2 + weekday * height, self.width(), height)

    @property
    def rows(self) -> list[WeekRow]:
        return list(self._rows)

    @property
    def ceiling(self) -> float:
        """The rate per day at the top of every row's chart: one scale for the week."""
        return self._ceiling

    def _widths(self) -> tuple[float, float]:
        """The day names' column and the figures' column, as wide as their widest text."""
        bold, small = bold_font(self.font()), small_font(self.font())
        metrics, small_metrics = QFontMetricsF(bold), QFontMetricsF(small)
        texts = [metrics.horizontalAdvance(row.dose_text) for row in self._rows]
        texts += [
            small_metrics.horizontalAdvance(("⚠ " if row.refused else "") + row.detail_text) for row in self._rows
        ]
        return metrics.horizontalAdvance("Wed") + 10, max([*texts, 60]) + 8

    def chart_rect(self, weekday: int, widths: tuple[float, float] | None = None) -> QRectF:
        """Where `weekday`'s steps are drawn: 00:00 to 24:00 across, 0 to the ceiling up."""
        name_width, text_width = widths or self._widths()
        rect = self.row_rect(weekday)
        return QRectF(name_width + 6, rect.top() + 4, rect.width() - name_width - text_width - 16, rect.height() - 8)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        for weekday in range(len(self._rows)):
            if self.row_rect(weekday).contains(event.position()):
                self.day_clicked.emit(weekday)
                event.accept()
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._rows and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            step = -1 if event.key() == Qt.Key.Key_Up else 1
            self.day_clicked.emit(((self._selected or 0) + step) % len(self._rows))
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)  # upright rectangles only: no antialiasing needed
        font, bold, small = self.font(), bold_font(self.font()), small_font(self.font())
        widths = name_width, text_width = self._widths()
        for weekday, row in enumerate(self._rows):
            rect = self.row_rect(weekday)
            selected = weekday == self._selected
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(SELECTED_DAY if selected else (OTHER_DAY if weekday % 2 else BACKGROUND))
            painter.drawRect(rect)
            if selected:
                painter.setPen(QPen(RATE, 2))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setFont(bold if selected else font)
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(6, rect.top(), name_width, rect.height()), Qt.AlignmentFlag.AlignVCenter, row.name[:3]
            )
            chart = self.chart_rect(weekday, widths)
            painter.setPen(QPen(AXIS, 1))
            painter.setBrush(BACKGROUND)
            painter.drawRect(chart)
            # One call for the day's blocks: they share a pen and a fill (per-block calls cost more than drawing).
            painter.setPen(QPen(RATE, 1))
            painter.setBrush(SELECTED_FILL if selected else STEP_FILL)
            painter.translate(chart.topLeft())
            painter.drawRects(self._blocks(row.day, chart.size()))
            painter.translate(-chart.topLeft())
            if row.refused:
                painter.setPen(QPen(PROBLEM, 2, Qt.PenStyle.DashLine))
                painter.setBrush(QBrush(PROBLEM, Qt.BrushStyle.BDiagPattern))
                painter.drawRect(chart)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            texts = QRectF(chart.right() + 8, rect.top() + 2, text_width, rect.height() - 4)
            painter.setFont(bold)
            painter.setPen(TEXT)
            painter.drawText(texts, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft, row.dose_text)
            painter.setFont(small)
            painter.setPen(PROBLEM_TEXT if row.refused else HINT)
            detail = ("⚠ " if row.refused else "") + row.detail_text
            painter.drawText(texts, Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignLeft, detail)

    def _blocks(self, day: DaySchedule, size: QSizeF) -> list[QRectF]:
        """Each step of `day` as a block in a chart of `size` at (0, 0), as high as its rate on the week's scale.

        Worked out once per day shown: with one schedule for every day the seven rows share one list.
        """
        cached = self._block_cache.get(id(day))
        if cached is not None and cached[0] is day and cached[1] == size:
            return cached[2]
        width, height = size.width(), size.height()
        blocks = [
            QRectF(
                QPointF(start / MINUTES_PER_DAY * width, height - rate / self._ceiling * height),
                QPointF(end / MINUTES_PER_DAY * width, height),
            )
            for _, start, end, rate in segments(day)
        ]
        self._block_cache[id(day)] = (day, size, blocks)  # the day is kept, so its id cannot be reused while cached
        return blocks


class WeekBox(QGroupBox):
    """The week overview with, for a schedule per weekday, what midnight means said under it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Week", parent)
        self.setObjectName("weekBox")
        self.overview = WeekOverview()
        self.note = hint_label(object_name="weekNote")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.overview)
        layout.addWidget(self.note)

    def show_week(self, rows: Sequence[WeekRow], selected: int | None, note: str) -> None:
        """`rows` Monday to Sunday, `selected` the weekday shown (None: one schedule for every day)."""
        self.overview.show_week(rows, selected)
        self.note.setText(unbroken(note))
        self.note.setVisible(bool(note))
