"""The week at a glance: seven small rows, Monday to Sunday, each day's steps on one scale and its totals.

A click (or the up and down keys) shows that day in the editor. With a schedule per weekday a
note under it says what midnight means: each weekday runs from 00:00 to 24:00 on its own steps.
The rows come from programmer.session.schedule_edit (ScheduleEdit.week_rows).
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QGroupBox, QSizePolicy, QVBoxLayout, QWidget

from programmer.session.schedule_figures import WeekRow
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
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_week(self, rows: Sequence[WeekRow], selected: int | None) -> None:
        self._rows = list(rows)
        self._selected = selected
        self._ceiling = max((step.rate.per_day for row in rows for step in row.day.steps), default=1.0) or 1.0
        self.setAccessibleDescription("; ".join(row.described for row in self._rows))
        self.updateGeometry()
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
        metrics, small_metrics = QFontMetricsF(bold), QFontMetricsF(small)
        name_width = metrics.horizontalAdvance("Wed") + 10
        text_width = (
            max(
                [metrics.horizontalAdvance(row.dose_text) for row in self._rows]
                + [
                    small_metrics.horizontalAdvance(("⚠ " if row.refused else "") + row.detail_text)
                    for row in self._rows
                ]
                + [60]
            )
            + 8
        )
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
            chart = QRectF(
                name_width + 6, rect.top() + 4, rect.width() - name_width - text_width - 16, rect.height() - 8
            )
            painter.setPen(QPen(AXIS, 1))
            painter.setBrush(BACKGROUND)
            painter.drawRect(chart)
            for _, start, end, rate in segments(row.day):
                left = chart.left() + start / MINUTES_PER_DAY * chart.width()
                right = chart.left() + end / MINUTES_PER_DAY * chart.width()
                top = chart.bottom() - rate / self._ceiling * chart.height()
                painter.setPen(QPen(RATE, 1))
                painter.setBrush(SELECTED_FILL if selected else STEP_FILL)
                painter.drawRect(QRectF(QPointF(left, top), QPointF(right, chart.bottom())))
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
