"""A day of a flexible schedule drawn against the clock: each step a block as high as its rate per day.

The vertical axis is the rate *per day* and says so on every tick ("200 mcg/day"),
and each block carries its rate per day and, smaller, per hour: a per-hour figure
read as a per-day one has overdosed patients. A step the pump or the drug library
refuses is hatched and outlined, with the reason written on it; a schedule to compare
with (the pump's, or the current one on the review screen) is drawn dashed. This is the
drawing and its geometry; programmer.ui.schedule.timeline adds the pointer and the keys.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from programmer.session.schedule_edit import BoundaryDrag
from programmer.session.schedule_figures import step_times_text
from programmer.therapy.schedule import DaySchedule, format_minute
from programmer.therapy.units import MINUTES_PER_DAY, Concentration, format_number
from programmer.ui.theme import ScheduleColours

# The theme's schedule colours, made QColors once (a paint uses them many times); meaning is always also in
# words or line style. Fills are opaque (the blue over white, worked out): translucent fills cost several times
# more to paint.
RATE = QColor(ScheduleColours.RATE)
STEP_FILL = QColor(ScheduleColours.STEP_FILL)
SELECTED_FILL = QColor(ScheduleColours.SELECTED_FILL)
SELECTED_EDGE = QColor(ScheduleColours.SELECTED_EDGE)
PROBLEM = QColor(ScheduleColours.PROBLEM)
PROBLEM_TEXT = QColor(ScheduleColours.PROBLEM_TEXT)
DRAG = QColor(ScheduleColours.DRAG)
DRAG_READOUT = QColor(ScheduleColours.DRAG_READOUT)
REFERENCE = QColor(ScheduleColours.REFERENCE)
GRID = QColor(ScheduleColours.GRID)
AXIS = QColor(ScheduleColours.AXIS)
TEXT = QColor(ScheduleColours.TEXT)
HINT = QColor(ScheduleColours.HINT)
BACKGROUND = QColor(ScheduleColours.BACKGROUND)
GRID_OVER_BLOCKS = QColor(ScheduleColours.BACKGROUND)  # the rate grid, faint, across the blocks
GRID_OVER_BLOCKS.setAlpha(110)


def nice_ceiling(value: float) -> tuple[float, float]:
    """A round top for the rate axis and its tick step: 230 -> (250, 50); 1.6 -> (2, 0.5)."""
    if not value > 0:
        return 1.0, 0.25
    rough = value / 4
    exponent = math.floor(math.log10(rough))
    for mantissa in (1, 2, 2.5, 5, 10):
        step = mantissa * 10**exponent
        if step >= rough:
            break
    return math.ceil(value / step - 1e-9) * step, step


def segments(day: DaySchedule) -> list[tuple[int, int, int, float]]:
    """(step index, start, end, rate per day) on the 00:00–24:00 axis; a step past midnight gives two pieces."""
    return [
        (interval.index, start, end, interval.rate.per_day)
        for interval in day.intervals()
        for start, end in reversed(interval.clock_pieces())  # the evening piece first, where its label goes
    ]


def small_font(font: QFont, by: float = 1.0) -> QFont:
    smaller = QFont(font)
    if font.pointSizeF() > by + 1:
        smaller.setPointSizeF(font.pointSizeF() - by)
    return smaller


def bold_font(font: QFont) -> QFont:
    bold = QFont(font)
    bold.setBold(True)
    return bold


class TimelineDrawing(QWidget):
    """One day's steps against the clock, read-only: what it shows, where things are, and the painting."""

    def __init__(self, parent: QWidget | None = None, *, interactive: bool = False) -> None:
        super().__init__(parent)
        self.interactive = interactive  # boundaries get handles to drag (programmer.ui.schedule.timeline)
        self._day: DaySchedule | None = None
        self._concentration: Concentration | None = None
        self._selected: int | None = None
        self._problems: tuple[tuple[str, ...], ...] = ()
        self._reference: DaySchedule | None = None
        self._reference_label = ""
        self._caption = ""
        self._weekday_name: str | None = None
        self._ceiling, self._tick_step = 1.0, 0.25
        self._tick_texts: list[tuple[float, str]] = []
        self._y_label_width = 40.0
        self._drag: BoundaryDrag | None = None  # a boundary held, and the day it previews
        self._hover: int | None = None  # the boundary under the pointer
        self._plot_cache: tuple | None = None
        self._label_every = 2  # hours between labelled (and gridded) hours, set by the width
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(420, 170)
        self.setObjectName("scheduleTimelineReadOnly")
        self.setAccessibleName("Schedule timeline, rate per day through the day")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    # --- what it shows ----------------------------------------------------------------------------
    def show_schedule(
        self,
        day: DaySchedule | None,
        concentration: Concentration | None = None,
        *,
        selected: int | None = None,
        problems: Sequence[Sequence[str]] = (),
        reference: DaySchedule | None = None,
        reference_label: str = "Pump now",
        ceiling: float | None = None,
        caption: str = "",
        weekday_name: str | None = None,
    ) -> None:
        """Show `day`; `problems[i]` are the reasons step i is refused, `reference` a schedule to draw dashed.

        `ceiling` (a rate per day) gives timelines shown together the same scale. `weekday_name` is given
        for a schedule per weekday: the day's steps are then read as pieces of that calendar day.
        """
        self._day = day
        self._concentration = concentration
        self._selected = selected
        self._problems = tuple(tuple(reasons) for reasons in problems)
        self._reference = reference if reference is None or day is None or reference.unit is day.unit else None
        self._reference_label = reference_label
        self._caption = caption
        self._weekday_name = weekday_name
        top = ceiling if ceiling is not None else self.rate_ceiling(day, self._reference)
        self._ceiling, self._tick_step = nice_ceiling(top)
        unit = f" {day.unit.value}/day" if day is not None else ""
        count = round(self._ceiling / self._tick_step)
        self._tick_texts = [
            (k * self._tick_step, f"{format_number(k * self._tick_step)}{unit}") for k in range(count + 1)
        ]
        metrics = QFontMetricsF(small_font(self.font()))
        self._y_label_width = max(metrics.horizontalAdvance(text) for _, text in self._tick_texts)
        self._describe()
        self.update()

    @staticmethod
    def rate_ceiling(*days: DaySchedule | None) -> float:
        """The highest rate per day of `days`, with headroom for the labels above the blocks."""
        rates = [step.rate.per_day for day in days if day is not None for step in day.steps]
        return max(rates, default=0.0) * 1.18 or 1.0

    @property
    def day(self) -> DaySchedule | None:
        """The day drawn now: the preview under a drag, else the day shown."""
        preview = self._drag.preview if self._drag is not None else None
        return preview if preview is not None else self._day

    def set_selected(self, index: int | None) -> None:
        if index != self._selected:
            self._selected = index
            self.update()

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    @property
    def drag_text(self) -> str:
        """The time read out while a boundary moves, e.g. 'Step 3 starts 12:15 (was 12:00)'."""
        return self._drag.readout if self._drag is not None else ""

    def _describe(self) -> None:
        day = self._day
        if day is None:
            self.setAccessibleDescription("no schedule")
            return
        steps = "; ".join(
            f"step {i.index + 1} {step_times_text(i, self._weekday_name)} {i.rate}" for i in day.intervals()
        )
        self.setAccessibleDescription(steps)

    # --- geometry (public so tests can press at computed pixels) ------------------------------------
    def plot_rect(self) -> QRectF:
        key = (self.width(), self.height(), self._y_label_width, self.font().key())
        if self._plot_cache is not None and self._plot_cache[0] == key:
            return self._plot_cache[1]
        self._plot_cache = (key, self._plot_rect())
        return self._plot_cache[1]

    def _plot_rect(self) -> QRectF:
        metrics = QFontMetricsF(self.font())
        left = self._y_label_width + metrics.height() + 16
        top = metrics.height() + 12
        bottom = metrics.height() + 14
        right = 18
        return QRectF(left, top, max(10.0, self.width() - left - right), max(10.0, self.height() - top - bottom))

    def x_for_minute(self, minute: float) -> float:
        plot = self.plot_rect()
        return plot.left() + minute / MINUTES_PER_DAY * plot.width()

    def minute_for_x(self, x: float) -> float:
        plot = self.plot_rect()
        return min(MINUTES_PER_DAY, max(0.0, (x - plot.left()) / plot.width() * MINUTES_PER_DAY))

    def y_for_rate(self, per_day: float) -> float:
        plot = self.plot_rect()
        return plot.bottom() - min(per_day, self._ceiling * 1.05) / self._ceiling * plot.height()

    def _boundaries(self, day: DaySchedule | None = None) -> list[tuple[int, float]]:
        """(step index, x) of every draggable boundary of `day` (default: the day shown); 00:00 is also 24:00."""
        day = day or self._day
        if day is None or len(day.steps) < 2:
            return []
        found = [(index, self.x_for_minute(step.start_minute)) for index, step in enumerate(day.steps)]
        if day.steps[0].start_minute == 0:
            found.append((0, self.x_for_minute(MINUTES_PER_DAY)))
        return found

    def reasons(self, index: int) -> tuple[str, ...]:
        """Why step `index` is marked refused (empty while a drag previews a new schedule)."""
        return self._problems[index] if index < len(self._problems) and self.day is self._day else ()

    # --- painting ----------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), BACKGROUND)
        plot = self.plot_rect()
        day = self.day
        self._paint_axes(painter, plot, day)
        if day is None:
            painter.setPen(HINT)
            painter.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No schedule to show")
            return
        painter.save()
        painter.setClipRect(plot.adjusted(-1, -30, 1, 1))
        self._paint_blocks(painter, plot, day)
        self._paint_reference(painter, plot)
        self._paint_boundaries(painter, plot, day)
        self._paint_labels(painter, plot, day)
        self._paint_problems(painter, plot, day)
        painter.restore()
        self._paint_header(painter, plot)
        self._paint_drag(painter, plot)

    def _paint_axes(self, painter: QPainter, plot: QRectF, day: DaySchedule | None) -> None:
        small = small_font(self.font())
        metrics = QFontMetricsF(small)
        painter.setFont(small)
        # Rate ticks, each with its unit: the figure can never be read per hour.
        for value, text in self._tick_texts:
            y = self.y_for_rate(value)
            painter.setPen(QPen(GRID, 1))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(TEXT)
            box = QRectF(
                plot.left() - self._y_label_width - 6, y - metrics.height() / 2, self._y_label_width, metrics.height()
            )
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)
        # Hours: a line every hour, a label every 2, 3 or 6 hours as the width allows.
        label_width = metrics.horizontalAdvance("24:00") + 14
        every = next((hours for hours in (1, 2, 3, 6) if plot.width() / (24 / hours) >= label_width), 12)
        self._label_every = every
        for hour in range(25):
            x = self.x_for_minute(hour * 60)
            major = hour % every == 0
            painter.setPen(QPen(AXIS if major else GRID, 1))
            painter.drawLine(
                QPointF(x, plot.top() if major else plot.bottom() - 4), QPointF(x, plot.bottom() + (4 if major else 0))
            )
            if major:
                painter.setPen(TEXT)
                box = QRectF(x - label_width / 2, plot.bottom() + 5, label_width, metrics.height())
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, f"{hour:02d}:00")
        painter.setPen(QPen(AXIS, 1))
        painter.drawLine(plot.bottomLeft(), plot.bottomRight())
        painter.drawLine(plot.bottomLeft(), plot.topLeft())
        # The axis title, turned up the axis.
        if day is not None:
            painter.save()
            painter.setFont(bold_font(small))
            painter.setPen(TEXT)
            painter.translate(4, plot.center().y())
            painter.rotate(-90)
            title = f"Rate per DAY ({day.unit.value}/day)"
            if QFontMetricsF(bold_font(small)).horizontalAdvance(title) > plot.height() + plot.top():
                title = f"per DAY ({day.unit.value}/day)"  # a short plot: the ticks carry the rest
            painter.drawText(
                QRectF(-self.height() / 2, 0, self.height(), metrics.height() + 2), Qt.AlignmentFlag.AlignCenter, title
            )
            painter.restore()

    def _paint_blocks(self, painter: QPainter, plot: QRectF, day: DaySchedule) -> None:
        # Upright rectangles need no antialiasing, and drawing them without it is several times faster.
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for index, start, end, rate in segments(day):
            rect = QRectF(
                QPointF(self.x_for_minute(start), self.y_for_rate(rate)), QPointF(self.x_for_minute(end), plot.bottom())
            )
            selected = index == self._selected
            painter.setPen(QPen(SELECTED_EDGE if selected else RATE, 2.5 if selected else 1.2))
            painter.setBrush(SELECTED_FILL if selected else STEP_FILL)
            painter.drawRect(rect)
            if self.reasons(index):
                painter.setBrush(QBrush(PROBLEM, Qt.BrushStyle.BDiagPattern))
                painter.setPen(QPen(PROBLEM, 2.5, Qt.PenStyle.DashLine))
                painter.drawRect(rect.adjusted(1, 1, -1, 0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(GRID_OVER_BLOCKS, 1))
        for value, _ in self._tick_texts[1:]:
            y = self.y_for_rate(value)
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        for hour in range(self._label_every, 24, self._label_every):
            x = self.x_for_minute(hour * 60)
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)

    def _paint_reference(self, painter: QPainter, plot: QRectF) -> None:
        reference = self._reference
        if reference is None:
            return
        path = QPainterPath()
        for number, (_, start, end, rate) in enumerate(sorted(segments(reference), key=lambda piece: piece[1])):
            y = self.y_for_rate(rate)
            if number == 0:
                path.moveTo(self.x_for_minute(start), y)
            else:
                path.lineTo(self.x_for_minute(start), y)
            path.lineTo(self.x_for_minute(end), y)
        painter.setPen(QPen(REFERENCE, 2, Qt.PenStyle.DashLine))
        painter.drawPath(path)

    def _paint_boundaries(self, painter: QPainter, plot: QRectF, day: DaySchedule) -> None:
        if not self.interactive:
            return
        # The held (or hovered) boundary, by its time: under a drag the previewed day is drawn, its steps renumbered.
        if self._drag is not None:
            active_minute = self._drag.minute
        elif self._hover is not None and self._hover < len(day.steps):
            active_minute = day.steps[self._hover].start_minute
        else:
            active_minute = None
        for index, x in self._boundaries(day):
            if x <= plot.left() + 0.5 or x >= plot.right() - 0.5:
                continue  # midnight is the plot's edge
            active = day.steps[index].start_minute == active_minute
            painter.setPen(QPen(DRAG if active else SELECTED_EDGE, 3 if active else 1.5))
            painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            handle = QRectF(x - 4, plot.center().y() - 12, 8, 24)
            painter.setBrush(DRAG if active else BACKGROUND)
            painter.drawRoundedRect(handle, 3, 3)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_labels(self, painter: QPainter, plot: QRectF, day: DaySchedule) -> None:
        bold, small = bold_font(self.font()), small_font(self.font())
        bold_metrics, small_metrics = QFontMetricsF(bold), QFontMetricsF(small)
        tiny = small_font(self.font(), 2.0)
        tiny_metrics = QFontMetricsF(tiny)
        fonts = {"bold": (bold, bold_metrics), "small": (small, small_metrics), "tiny": (tiny, tiny_metrics)}
        heights = {id(bold): bold_metrics.height(), id(small): small_metrics.height(), id(tiny): tiny_metrics.height()}
        pieces = segments(day)
        for interval in day.intervals():
            _, start, end, rate = max((p for p in pieces if p[0] == interval.index), key=lambda p: p[2] - p[1])
            left, right = self.x_for_minute(start), self.x_for_minute(end)
            width = right - left
            top = self.y_for_rate(rate)
            lines = self._label_lines(interval.rate, width, fonts)
            height = sum(heights[id(font)] for font, _ in lines)
            inside = plot.bottom() - top >= height + bold_metrics.height() + 8
            # Above a block too short to hold it, but never above the plot, where the caption and the legend are.
            y = top + 3 if inside else max(top - height - 2, plot.top() + 1)
            selected = interval.index == self._selected
            if lines:
                # A backing keeps the figures legible over the dashed line of the pump's schedule.
                measure = {id(bold): bold_metrics, id(small): small_metrics, id(tiny): tiny_metrics}
                text_width = max(measure[id(font)].horizontalAdvance(text) for font, text in lines) + 8
                backing = QRectF(left + (width - text_width) / 2, y - 1, text_width, height + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(SELECTED_EDGE if inside and selected else BACKGROUND)
                painter.drawRoundedRect(backing, 3, 3)
                painter.setBrush(Qt.BrushStyle.NoBrush)
            for font, text in lines:
                painter.setFont(font)
                painter.setPen(BACKGROUND if inside and selected else TEXT)
                line_height = heights[id(font)]
                painter.drawText(QRectF(left, y, width, line_height), Qt.AlignmentFlag.AlignCenter, text)
                y += line_height
            # The step number at the foot of its block, as in the table.
            painter.setFont(small)
            if width >= small_metrics.horizontalAdvance("13") + 4 and plot.bottom() - top >= small_metrics.height():
                painter.setPen(BACKGROUND if selected else SELECTED_EDGE)
                foot = QRectF(left, plot.bottom() - small_metrics.height() - 2, width, small_metrics.height())
                painter.drawText(foot, Qt.AlignmentFlag.AlignCenter, str(interval.index + 1))

    @staticmethod
    def _label_lines(rate, width: float, fonts: dict) -> list[tuple[QFont, str]]:
        """The rate per day (and per hour) in as many lines as the block's width needs; none if it cannot fit.

        `fonts` maps "bold"/"small" to (font, metrics), measured once per paint.
        """
        unit = rate.unit.value
        number, per_hour = format_number(rate.per_day), f"({rate.per_hour_text()})"
        bold, small, tiny = "bold", "small", "tiny"
        choices = (
            [(bold, f"{number} {unit}/day"), (small, per_hour)],
            [(bold, f"{number} {unit}/day")],
            [(bold, number), (small, f"{unit}/day"), (small, format_number(rate.per_hour)), (small, f"{unit}/h")],
            [(bold, number), (small, f"{unit}/day")],
            [(bold, number), (tiny, f"{unit}/day")],
        )
        for lines in choices:
            if all(fonts[kind][1].horizontalAdvance(text) + 3 <= width for kind, text in lines):
                return [(fonts[kind][0], text) for kind, text in lines]
        return []

    def _paint_problems(self, painter: QPainter, plot: QRectF, day: DaySchedule) -> None:
        small = bold_font(small_font(self.font()))
        metrics = QFontMetricsF(small)
        painter.setFont(small)
        row = 0
        for interval in day.intervals():
            reasons = self.reasons(interval.index)
            if not reasons:
                continue
            text = f"⚠ step {interval.index + 1}, {interval.rate}: " + "; ".join(reasons)
            width = metrics.horizontalAdvance(text) + 10
            x = min(max(plot.left() + 2, self.x_for_minute(interval.start_minute) + 2), plot.right() - width - 2)
            box = QRectF(
                max(plot.left() + 2, x), plot.top() + 2 + row * (metrics.height() + 4), width, metrics.height() + 2
            )
            painter.setPen(QPen(PROBLEM, 1.2))
            painter.setBrush(BACKGROUND)
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(PROBLEM_TEXT)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
            row += 1
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_header(self, painter: QPainter, plot: QRectF) -> None:
        small = small_font(self.font())
        metrics = QFontMetricsF(small)
        y = 2.0
        right = plot.right()
        painter.setFont(small)
        if self._reference is not None:
            text = self._reference_label
            width = metrics.horizontalAdvance(text)
            painter.setPen(TEXT)
            painter.drawText(QRectF(right - width, y, width, metrics.height()), Qt.AlignmentFlag.AlignVCenter, text)
            painter.setPen(QPen(REFERENCE, 2, Qt.PenStyle.DashLine))
            mid = y + metrics.height() / 2
            painter.drawLine(QPointF(right - width - 34, mid), QPointF(right - width - 6, mid))
            right -= width + 46
        if any(self._problems) and self.day is self._day:
            text = "refused"
            width = metrics.horizontalAdvance(text)
            painter.setPen(TEXT)
            painter.drawText(QRectF(right - width, y, width, metrics.height()), Qt.AlignmentFlag.AlignVCenter, text)
            swatch = QRectF(right - width - 26, y + 1, 18, metrics.height() - 2)
            painter.setPen(QPen(PROBLEM, 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(QBrush(PROBLEM, Qt.BrushStyle.BDiagPattern))
            painter.drawRect(swatch)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            right -= width + 40
        if self._caption:
            painter.setFont(bold_font(small))
            painter.setPen(TEXT)
            caption = QFontMetricsF(bold_font(small)).elidedText(
                self._caption, Qt.TextElideMode.ElideRight, right - plot.left()
            )
            painter.drawText(
                QRectF(plot.left(), y, right - plot.left(), metrics.height()), Qt.AlignmentFlag.AlignVCenter, caption
            )

    def _paint_drag(self, painter: QPainter, plot: QRectF) -> None:
        drag = self._drag
        if drag is None:
            return
        x = self.x_for_minute(drag.minute if drag.minute or drag.origin < MINUTES_PER_DAY / 2 else MINUTES_PER_DAY)
        bold = bold_font(self.font())
        metrics = QFontMetricsF(bold)
        # The exact time on the hour axis, under the boundary.
        time_text = format_minute(drag.minute)
        width = metrics.horizontalAdvance(time_text) + 10
        box = QRectF(x - width / 2, plot.bottom() + 3, width, metrics.height() + 2)
        painter.setFont(bold)
        painter.setPen(QPen(DRAG.darker(140), 1))
        painter.setBrush(DRAG)
        painter.drawRoundedRect(box, 3, 3)
        painter.setPen(REFERENCE)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, time_text)
        # And in words beside the boundary.
        text = self.drag_text
        width = metrics.horizontalAdvance(text) + 14
        left = x + 10 if x + 10 + width <= plot.right() else x - 10 - width
        box = QRectF(left, plot.top() + 6, width, metrics.height() + 6)
        painter.setPen(QPen(DRAG.darker(140), 1))
        painter.setBrush(DRAG_READOUT)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(REFERENCE)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        painter.setBrush(Qt.BrushStyle.NoBrush)
