"""The projected reservoir level: volume against the pump's calendar, current and pending program.

The widget only draws what programmer.session.plot_data computes. Every line has a
style as well as a colour (Okabe-Ito palette) and every marker a text label, so the
plot reads in greyscale and for colour-blind users. The date axis shows the pump's
own clock: naive datetimes are plotted as UTC and the axis never applies the
computer's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MINUTE_SPACING,
    MONTH_SPACING,
    YEAR_SPACING,
    TickSpec,
    ZoomLevel,
    makeMStepper,
    makeSStepper,
    makeYStepper,
)
from pyqtgraph.graphicsItems.InfiniteLine import InfLineLabel
from PySide6.QtCore import QDate, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from programmer.session.events import ProgrammerEvents
from programmer.session.plot_data import (
    DEFAULT_HORIZON_DAYS,
    HORIZON_PRESETS_DAYS,
    PlotInputs,
    ReservoirPlotData,
    from_seconds,
    plot_data,
    session_inputs,
    to_seconds,
)
from programmer.session.programming import ProgrammingSession
from programmer.therapy.projection import Projection
from programmer.therapy.units import format_number
from programmer.ui.binding import bind
from programmer.ui.style import ROLE, SEVERITY, name, set_flag

# Okabe-Ito palette; each colour also has its own line style.
BLUE = "#0072B2"  # current program: solid
ORANGE = "#E69F00"  # pending program: dashed
SKY_BLUE = "#56B4E9"  # patient-bolus band
VERMILLION = "#D55E00"  # low-reservoir alarm volume
GREEN = "#009E73"  # refill appointment
BLACK = "#000000"  # now
GREY = "#666666"
BAND_BRUSH = QBrush(QColor(86, 180, 233, 80))

_DAY = timedelta(days=1)
# Furthest the plot will compute ahead, whatever the zoom: a pump's program is rarely left longer.
_MAX_AHEAD = timedelta(days=3 * 365)
_APPOINTMENT_SNAP = timedelta(minutes=15)
_LABEL_FILL = (255, 255, 255, 215)


class _PumpClockZoomLevel(ZoomLevel):
    """Ticks on the pump's clock: no shift to the computer's local hours or daylight saving."""

    def extendTimeRangeForSpacing(self, spacing, minVal, maxVal):  # pyqtgraph's names
        return minVal, maxVal

    def moveTicksToLocalTimeCoords(self, ticks, spacing, skipFactor):
        return ticks

    def tickValues(self, minVal, maxVal, minSpc):
        # Finer ticks too close to a coarser one would print over it ("Apr" and "02"): drop them.
        levels = super().tickValues(minVal, maxVal, minSpc)
        taken = np.array([])
        kept = []
        for spacing, ticks in levels:
            values = np.array(ticks)
            if len(taken) and len(values):
                values = values[np.min(np.abs(values[:, None] - taken[None, :]), axis=1) >= minSpc]
            kept.append((spacing, values.tolist()))
            taken = np.concatenate([taken, values])
        return kept


class PumpClockAxis(pg.DateAxisItem):
    """A date axis for naive pump-clock datetimes plotted as UTC seconds."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, utcOffset=0, **kwargs)
        day = TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%a %d %b")
        self.zoomLevels = {
            float("inf"): _PumpClockZoomLevel(
                [
                    TickSpec(YEAR_SPACING, makeYStepper(1), "%Y", autoSkip=[1, 5, 10, 25]),
                    TickSpec(MONTH_SPACING, makeMStepper(1), "%b"),
                ],
                "YYYY",
            ),
            5 * DAY_SPACING: _PumpClockZoomLevel(
                [
                    TickSpec(MONTH_SPACING, makeMStepper(1), "%b"),
                    TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%d", autoSkip=[1, 2, 5, 7]),
                ],
                "MMM",
            ),
            6 * HOUR_SPACING: _PumpClockZoomLevel(
                [day, TickSpec(HOUR_SPACING, makeSStepper(HOUR_SPACING), "%H:%M", autoSkip=[1, 3, 6])],
                "MMM 00",
            ),
            15 * MINUTE_SPACING: _PumpClockZoomLevel(
                [day, TickSpec(MINUTE_SPACING, makeSStepper(MINUTE_SPACING), "%H:%M", autoSkip=[1, 5, 15, 30])],
                "MMM 00",
            ),
        }


class _SideLabel(InfLineLabel):
    """A vertical line's label, right of its line unless the line is near the right edge of the view.

    pyqtgraph picks the side by the half of the view the line is in, which can put a
    label next to another marker's line and make it read as that marker's.
    """

    def updatePosition(self) -> None:  # pyqtgraph's name
        super().updatePosition()
        view = self.line.getViewBox()
        if view is None or self.line.angle % 180 == 0:
            return
        left, right = view.viewRange()[0]
        fraction = (self.line.value() - left) / ((right - left) or 1.0)
        self.setAnchor((0, 0.5) if fraction < 0.8 else (1, 0.5))
        # A line beyond the view would leave its label pinned, cut off, at the edge.
        self.setOpacity(1.0 if 0.0 <= fraction <= 1.0 else 0.0)  # not setVisible: it re-enters this method


def _label(line: pg.InfiniteLine, position: float, color: QColor | str) -> InfLineLabel:
    line.label = _SideLabel(line, text="", position=position, color=color, fill=_LABEL_FILL)
    return line.label


def _set_text(line: pg.InfiniteLine, text: str) -> None:
    # Re-laying out a label costs more than a curve: only when its words change.
    if line.label.format != text:
        line.label.setFormat(text)


def _pen(color: str, width: float, style: Qt.PenStyle) -> pg.QtGui.QPen:
    pen = pg.mkPen(color, width=width, style=style)
    pen.setCosmetic(True)
    return pen


class _CurveStyle:
    """How one program is drawn: its curve and its alarm and empty markers share colour and line style."""

    def __init__(self, title: str, color: str, style: Qt.PenStyle, label_heights: tuple[float, float]) -> None:
        self.title = title
        self.color = color
        self.pen = _pen(color, 2.5, style)
        self.marker_pen = _pen(color, 1.5, style)
        self.label_heights = dict(zip(("alarm", "empty"), label_heights, strict=True))


# Marker labels sit at staggered heights (fractions of the view, from the bottom) so they never overlap.
CURRENT_STYLE = _CurveStyle("current", BLUE, Qt.PenStyle.SolidLine, (0.95, 0.84))
PENDING_STYLE = _CurveStyle("pending", ORANGE, Qt.PenStyle.DashLine, (0.73, 0.62))
WORST_CASE_LABEL_HEIGHT = 0.51
APPOINTMENT_LABEL_HEIGHT = 0.40
NOW_LABEL_HEIGHT = 0.05


class PlotLegend(QWidget):
    """The legend as Qt labels above the plot: it never hides a curve, and screen readers read it."""

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
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if brush is not None:
        painter.fillRect(2, 3, 36, 10, brush)
    painter.setPen(pen)
    painter.drawLine(2, 8, 38, 8)
    painter.end()
    return pixmap


class ReservoirPlot(QWidget):
    """Projected reservoir volume (mL) against the pump's calendar."""

    appointment_changed = Signal(object)  # the refill appointment as a datetime; None once it is unbooked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "reservoirPlotPanel", "Projected reservoir level")
        self._session: ProgrammingSession | None = None
        self._seen: tuple[object, object] | None = None  # (pump memory, pending program) last drawn from the session
        self._inputs: PlotInputs | None = None
        self._data: ReservoirPlotData | None = None
        self._horizon_days = DEFAULT_HORIZON_DAYS
        self._follow_preset = True  # False once the user zooms or pans by hand
        self._appointment: datetime | None = None
        self._syncing = False
        self._extend_pending = False
        self._refill_shown: tuple[datetime, float] | None = None

        self.horizon = QComboBox()
        name(self.horizon, "horizonPreset", "Plot horizon")
        for days in HORIZON_PRESETS_DAYS:
            self.horizon.addItem(f"Next {days} days", days)
        self.horizon.setCurrentIndex(HORIZON_PRESETS_DAYS.index(DEFAULT_HORIZON_DAYS))
        self.horizon.setToolTip("Show the projection this many days ahead; drag or scroll the plot to pan and zoom")
        self.horizon.activated.connect(self._horizon_picked)

        self.booked = QCheckBox("Next refill booked:")
        name(self.booked, "refillBooked", "Next refill appointment booked")
        self.booked.toggled.connect(self._booked_toggled)
        self.appointment_edit = QDateEdit()
        name(self.appointment_edit, "refillDate", "Next refill appointment date")
        self.appointment_edit.setCalendarPopup(True)
        self.appointment_edit.setDisplayFormat("ddd yyyy-MM-dd")
        self.appointment_edit.setEnabled(False)
        self.appointment_edit.dateChanged.connect(self._date_picked)

        self.axis = PumpClockAxis("bottom")
        self.plot_widget = pg.PlotWidget(axisItems={"bottom": self.axis}, background="w")
        name(self.plot_widget, "reservoirPlot", "Projected reservoir volume plot")
        self.plot_widget.setMinimumSize(480, 300)
        self.plot_item = self.plot_widget.getPlotItem()
        self.view = self.plot_item.getViewBox()
        self._setup_axes()
        self._setup_items()
        self.legend = PlotLegend()

        self.warning = QLabel()
        name(self.warning, "appointmentWarning", "Refill appointment warning")
        self.warning.setWordWrap(True)
        self.warning.setProperty(ROLE, "problem")
        set_flag(self.warning, SEVERITY, "warning")
        self.warning.hide()
        self.readout = QLabel("Point at the plot to read the date, volume and days until the alarm.")
        name(self.readout, "plotReadout", "Plot readout")
        self.readout.setProperty(ROLE, "hint")
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary = QLabel()
        name(self.summary, "plotSummary", "Alarm and empty dates")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        controls = QHBoxLayout()
        show_label = QLabel("Show:")
        show_label.setBuddy(self.horizon)
        controls.addWidget(show_label)
        controls.addWidget(self.horizon)
        controls.addStretch(1)
        controls.addWidget(self.booked)
        controls.addWidget(self.appointment_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        # The legend and the plot together: what export_png saves.
        self.figure = QWidget()
        self.figure.setObjectName("reservoirFigure")
        self.figure.setAutoFillBackground(True)
        self.figure.setStyleSheet("QWidget#reservoirFigure, QWidget#plotLegend { background: white; }")
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.setContentsMargins(0, 0, 0, 0)
        figure_layout.setSpacing(0)
        figure_layout.addWidget(self.legend)
        figure_layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.figure, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.summary)
        layout.addWidget(self.readout)
        self._set_appointment_controls_enabled(False)

    # --- construction --------------------------------------------------------------------------
    def _setup_axes(self) -> None:
        plot = self.plot_item
        font = QFont()
        font.setPointSizeF(9.5)
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(GREY))
            axis.setTextPen(pg.mkPen(BLACK))
            axis.setTickFont(font)
            axis.enableAutoSIPrefix(False)
        plot.setLabel("left", "Reservoir volume (mL)", color=BLACK)
        self._axis_title = "Date (pump clock)"
        plot.setLabel("bottom", self._axis_title, color=BLACK)
        plot.getAxis("left").setWidth(52)
        # Volume grid only: a date grid costs a third of every redraw, and the markers carry their dates.
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.view.setMouseEnabled(x=True, y=False)
        self.view.disableAutoRange()
        self.view.sigRangeChangedManually.connect(self._zoomed_by_hand)
        self.view.sigXRangeChanged.connect(self._x_range_changed)

    def _setup_items(self) -> None:
        plot = self.plot_item
        self.band_upper = pg.PlotDataItem(pen=_pen(SKY_BLUE, 1, Qt.PenStyle.DotLine))
        self.band_lower = pg.PlotDataItem(pen=_pen(SKY_BLUE, 1, Qt.PenStyle.DotLine))
        self.band_fill = pg.FillBetweenItem(self.band_upper, self.band_lower, brush=BAND_BRUSH)
        for item in (self.band_fill, self.band_upper, self.band_lower):
            plot.addItem(item, ignoreBounds=item is self.band_fill)
            item.setVisible(False)
        self.band_fill.setZValue(-10)

        self.current_curve = pg.PlotDataItem(pen=CURRENT_STYLE.pen)
        self.pending_curve = pg.PlotDataItem(pen=PENDING_STYLE.pen)
        self.current_curve.setZValue(5)
        self.pending_curve.setZValue(6)
        plot.addItem(self.current_curve)
        plot.addItem(self.pending_curve)
        self.pending_curve.setVisible(False)

        self.alarm_line = self._line(0, VERMILLION, Qt.PenStyle.DashDotLine, 0.99)
        self.pending_alarm_line = self._line(0, ORANGE, Qt.PenStyle.DashDotLine, 0.75)
        for line in (self.alarm_line, self.pending_alarm_line):
            line.label.anchors = [(1, 1), (1, 1)]  # above the line, ending at the label's position
        self.markers: dict[str, pg.InfiniteLine] = {}
        for style in (CURRENT_STYLE, PENDING_STYLE):
            for event in ("alarm", "empty"):
                line = self._line(90, style.color, style.marker_pen.style(), style.label_heights[event])
                line.setPen(style.marker_pen)
                self.markers[f"{style.title}_{event}"] = line
        self.worst_case_marker = self._line(90, SKY_BLUE, Qt.PenStyle.DashDotDotLine, WORST_CASE_LABEL_HEIGHT)
        self.worst_case_marker.setPen(_pen("#2B7FB0", 1.5, Qt.PenStyle.DashDotDotLine))
        self.now_marker = self._line(90, BLACK, Qt.PenStyle.SolidLine, NOW_LABEL_HEIGHT)

        self.appointment_line = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=_pen(GREEN, 2.5, Qt.PenStyle.DashDotDotLine),
            hoverPen=_pen(GREEN, 4, Qt.PenStyle.DashDotDotLine),
        )
        _label(self.appointment_line, APPOINTMENT_LABEL_HEIGHT, "#00573F")
        self.appointment_line.setToolTip("Next refill appointment: drag to move it")
        self.appointment_line.setZValue(20)
        plot.addItem(self.appointment_line, ignoreBounds=True)
        self.appointment_line.setVisible(False)
        self.appointment_line.sigPositionChanged.connect(self._appointment_moving)
        self.appointment_line.sigPositionChangeFinished.connect(self._appointment_dropped)

        self.refill_point = pg.ScatterPlotItem(size=9, symbol="o", pen=pg.mkPen(BLACK), brush=pg.mkBrush("w"))
        plot.addItem(self.refill_point, ignoreBounds=True)
        self.refill_label = pg.TextItem(color=BLACK, anchor=(0, 0), fill=_LABEL_FILL)
        plot.addItem(self.refill_label, ignoreBounds=True)

        crosshair_pen = _pen(GREY, 1, Qt.PenStyle.DotLine)
        self.crosshair_x = pg.InfiniteLine(angle=90, pen=crosshair_pen, movable=False)
        self.crosshair_y = pg.InfiniteLine(angle=0, pen=crosshair_pen, movable=False)
        for line in (self.crosshair_x, self.crosshair_y):
            line.setZValue(30)
            plot.addItem(line, ignoreBounds=True)
            line.setVisible(False)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)


    def _line(self, angle: int, color: str, style: Qt.PenStyle, label_position: float) -> pg.InfiniteLine:
        line = pg.InfiniteLine(angle=angle, movable=False, pen=_pen(color, 1.5, style))
        _label(line, label_position, QColor(color).darker(160))  # dark enough to read in greyscale
        line.setZValue(10)
        self.plot_item.addItem(line, ignoreBounds=True)
        line.setVisible(False)
        return line

    # --- public API ---------------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Draw the session of each visit `events` announces; redraw on each new snapshot or pending program."""
        self._events = events
        bind(self, events.visit, lambda visit: self.bind(visit.session if visit is not None else None))
        for signal in (events.snapshot, events.pending):
            bind(self, signal, lambda _change: self._session_changed())

    def bind(self, session: ProgrammingSession | None) -> None:
        """Draw `session`'s pump and pending program (None: no pump); its events must reach `follow`."""
        if session is not None and session.events is not getattr(self, "_events", None):
            self.follow(session.events)  # a session on its own (not the window's): follow its events too
        self._session = session
        self._seen = None
        self.set_appointment(None)  # an appointment belongs to the visit it was booked in
        self._session_changed()

    def show_projections(
        self,
        current: Projection,
        pending: Projection | None,
        *,
        now: datetime,
        capacity_ml: float,
        band: tuple[Projection, Projection] | None = None,
        last_refill: tuple[datetime, float] | None = None,
    ) -> None:
        """Draw these projections. `band` is (no patient boluses, every allowed bolus used)."""
        self._inputs = PlotInputs(current, pending, now, capacity_ml, band, last_refill)
        self._redraw()

    def clear(self) -> None:
        """No pump: an empty plot."""
        self._inputs = None
        self._data = None
        for item in self._data_items():
            item.setVisible(False)
        self.current_curve.setData([], [])
        self.pending_curve.setData([], [])
        self.legend.set_entries([])
        self.summary.setText("No pump interrogated: nothing to project.")
        self._set_appointment_controls_enabled(False)
        self._show_warning()

    def export_png(self, path: Path | str) -> None:
        """Save the plot as it is shown (curves, markers, legend, axes) as a PNG image."""
        path = Path(path)
        pixmap = self.figure.grab()
        if pixmap.isNull() or not pixmap.save(str(path), "PNG"):
            raise OSError(f"could not save the reservoir plot to {path}: check the folder exists and can be written")

    @property
    def data(self) -> ReservoirPlotData | None:
        """What is drawn now (None before anything is shown)."""
        return self._data

    @property
    def horizon_days(self) -> int:
        return self._horizon_days

    def set_horizon_days(self, days: int) -> None:
        """Show from the last refill (or now) to `days` ahead of now, volume from 0 to the reservoir's capacity."""
        self._horizon_days = days
        index = self.horizon.findData(days)
        if index >= 0:
            self.horizon.setCurrentIndex(index)
        self._follow_preset = True
        self._redraw()

    def zoom_to(self, start: datetime, end: datetime) -> None:
        """Show `start`..`end`, the volume axis fitted to what is visible (flex steps show at this scale)."""
        self._follow_preset = False
        self.view.setXRange(to_seconds(start), to_seconds(end), padding=0)
        self._fit_volume_to_view()

    @property
    def appointment(self) -> datetime | None:
        return self._appointment

    def set_appointment(self, moment: datetime | None) -> None:
        """Book (or with None, unbook) the next refill; emits appointment_changed when it changes."""
        changed = moment != self._appointment
        self._appointment = moment
        self._syncing = True
        try:
            self.booked.setChecked(moment is not None)
            self.appointment_edit.setEnabled(moment is not None and self._data is not None)
            if moment is not None:
                self.appointment_edit.setDate(QDate(moment.year, moment.month, moment.day))
                self.appointment_line.setValue(to_seconds(moment))
        finally:
            self._syncing = False
        self._update_appointment_line()
        self._show_warning()
        if changed:
            self.appointment_changed.emit(moment)

    # --- drawing -------------------------------------------------------------------------------------
    def _session_changed(self) -> None:
        session = self._session
        if session is None:
            self.clear()
            return
        seen = (session.current, session.pending)
        if self._seen is not None and seen[0] is self._seen[0] and seen[1] is self._seen[1]:
            return  # only the link state changed: nothing on the plot moves
        self._seen = seen
        inputs = session_inputs(session)
        if inputs is None:
            self.clear()
            return
        self._inputs = inputs
        self._redraw()

    def _data_items(self) -> list:
        return [
            self.current_curve,
            self.pending_curve,
            self.band_fill,
            self.band_upper,
            self.band_lower,
            self.alarm_line,
            self.pending_alarm_line,
            self.worst_case_marker,
            self.now_marker,
            self.appointment_line,
            self.refill_point,
            self.refill_label,
            self.crosshair_x,
            self.crosshair_y,
            *self.markers.values(),
        ]

    def _horizon_end(self, inputs: PlotInputs) -> datetime:
        return inputs.now + timedelta(days=self._horizon_days)

    def _data_end(self, inputs: PlotInputs) -> datetime:
        end = self._horizon_end(inputs)
        if not self._follow_preset:
            shown_end = from_seconds(self.view.viewRange()[0][1])
            end = max(end, min(shown_end, inputs.now + _MAX_AHEAD))
        return end

    def _redraw(self) -> None:
        inputs = self._inputs
        if inputs is None:
            return
        data = plot_data(inputs, self._data_end(inputs))
        self._data = data
        self.current_curve.setData(data.current.seconds, data.current.volumes_ml)
        self.current_curve.setVisible(True)
        if data.pending is None:
            self.pending_curve.setData([], [])
            self.pending_curve.setVisible(False)
        else:
            self.pending_curve.setData(data.pending.seconds, data.pending.volumes_ml)
            self.pending_curve.setVisible(True)
        self._draw_band(data)
        self._draw_markers(data)
        self._draw_refill(data)
        self._update_legend(data)
        self.summary.setText("\n".join(data.summary()))
        self._set_appointment_controls_enabled(True)
        self._update_appointment_line()
        self._show_warning()
        left, right = self._preset_range(data)
        self.view.setLimits(
            xMin=min(left, to_seconds(data.start - 7 * _DAY)),
            xMax=max(right, to_seconds(inputs.now + _MAX_AHEAD)),
            minXRange=3600.0,
        )
        if self._follow_preset:
            self.view.setXRange(left, right, padding=0)
            self.view.setYRange(0, data.capacity_ml, padding=0.03)

    def _draw_band(self, data: ReservoirPlotData) -> None:
        band = data.band
        for item in (self.band_fill, self.band_upper, self.band_lower):
            item.setVisible(band is not None)
        if band is None:
            self.band_upper.setData([], [])
            self.band_lower.setData([], [])
            self.worst_case_marker.setVisible(False)
            return
        self.band_upper.setData(band.no_boluses.seconds, band.no_boluses.volumes_ml)
        self.band_lower.setData(band.every_bolus.seconds, band.every_bolus.volumes_ml)
        worst = band.worst_case_refill_date
        # The valve-gated rule already projects every bolus: its alarm marker is the worst case.
        shown = {curve.alarm_date for curve in data.curves}
        self._place(self.worst_case_marker, worst if worst not in shown else None, "Refill by, every bolus used")

    def _draw_markers(self, data: ReservoirPlotData) -> None:
        pending = data.pending
        for style, curve in ((CURRENT_STYLE, data.current), (PENDING_STYLE, pending)):
            alarm = curve.alarm_date if curve is not None else None
            empty = curve.empty_date if curve is not None else None
            self._place(self.markers[f"{style.title}_alarm"], alarm, f"Alarm ({style.title})")
            self._place(self.markers[f"{style.title}_empty"], empty, f"Empty ({style.title})")
        current_alarm = data.current.alarm_volume_ml
        self.alarm_line.setVisible(True)
        self.alarm_line.setValue(current_alarm)
        _set_text(self.alarm_line, f"Low-reservoir alarm {format_number(current_alarm)} mL")
        differs = pending is not None and pending.alarm_volume_ml != current_alarm
        self.pending_alarm_line.setVisible(differs)
        if differs:
            self.pending_alarm_line.setValue(pending.alarm_volume_ml)
            volume = format_number(pending.alarm_volume_ml)
            _set_text(self.pending_alarm_line, f"Low-reservoir alarm {volume} mL (pending)")
        self._place(self.now_marker, data.now, "Now")

    def _place(self, line: pg.InfiniteLine, moment: datetime | None, title: str) -> None:
        if moment is None:
            line.setVisible(False)
            return
        line.setVisible(True)  # first: a hidden line's label does not follow its value
        line.setValue(to_seconds(moment))
        _set_text(line, f"{title}\n{moment:%a %d %b %H:%M}")

    def _draw_refill(self, data: ReservoirPlotData) -> None:
        refill = data.last_refill
        visible = refill is not None and refill[0] < data.now
        self.refill_point.setVisible(visible)
        self.refill_label.setVisible(visible)
        if not visible:
            self._refill_shown = None
            self.refill_point.setData([], [])
            return
        if refill == self._refill_shown:
            return
        self._refill_shown = refill
        when, volume = refill
        self.refill_point.setData([to_seconds(when)], [volume])
        self.refill_label.setText(f"Refilled {when:%d %b}: {format_number(volume)} mL")
        self.refill_label.setPos(to_seconds(when), volume)

    def _update_legend(self, data: ReservoirPlotData) -> None:
        entries = [("current", CURRENT_STYLE.pen, None, data.current.title)]
        if data.pending is not None:
            entries.append(("pending", PENDING_STYLE.pen, None, data.pending.title))
        if data.band is not None:
            entries.append(("band", self.band_upper.opts["pen"], BAND_BRUSH, "Patient boluses: none to every allowed"))
        entries.append(("alarm", self.alarm_line.pen, None, "Low-reservoir alarm volume"))
        if self._appointment is not None:
            entries.append(("appointment", self.appointment_line.pen, None, "Next refill (drag to move)"))
        self.legend.set_entries(entries)

    def _preset_range(self, data: ReservoirPlotData) -> tuple[float, float]:
        """From the last refill (or now) to the horizon, with room for the refill point and edge labels."""
        start, end = to_seconds(data.start), to_seconds(data.now + timedelta(days=self._horizon_days))
        margin = (end - start) * 0.02
        return start - margin, end + margin

    def _fit_volume_to_view(self) -> None:
        self.view.setAutoVisible(y=True)
        self.view.enableAutoRange(axis=pg.ViewBox.YAxis)

    def _horizon_picked(self, index: int) -> None:
        self.view.disableAutoRange()
        self.set_horizon_days(int(self.horizon.itemData(index)))

    def _zoomed_by_hand(self, *args) -> None:
        self._follow_preset = False
        self._fit_volume_to_view()

    def _x_range_changed(self, *args) -> None:
        self._label_years()
        # Panned or zoomed beyond what is computed: extend the curves once the event loop is free.
        data = self._data
        if data is None or self._follow_preset or self._extend_pending:
            return
        if self.view.viewRange()[0][1] > to_seconds(data.end) and data.end < data.now + _MAX_AHEAD:
            self._extend_pending = True
            QTimer.singleShot(0, self._extend)

    def _label_years(self) -> None:
        """The tick labels leave the year out; the axis title says which year(s) are shown."""
        left, right = self.view.viewRange()[0]
        first, last = from_seconds(max(left, 0)).year, from_seconds(max(right, 0)).year
        years = str(first) if first == last else f"{first}–{last}"
        title = f"Date (pump clock), {years}"
        if title != self._axis_title:
            self._axis_title = title
            self.plot_item.setLabel("bottom", title, color=BLACK)

    def _extend(self) -> None:
        self._extend_pending = False
        self._redraw()

    # --- hover ------------------------------------------------------------------------------------------
    def _mouse_moved(self, position: QPointF) -> None:
        data = self._data
        if data is None or not self.view.sceneBoundingRect().contains(position):
            self.crosshair_x.setVisible(False)
            self.crosshair_y.setVisible(False)
            return
        point = self.view.mapSceneToView(position)
        self.hover_at(from_seconds(point.x()))

    def hover_at(self, moment: datetime) -> None:
        """Put the crosshair at `moment` on the program that will run and show the readout."""
        data = self._data
        if data is None:
            return
        self.crosshair_x.setValue(to_seconds(moment))
        self.crosshair_x.setVisible(True)
        projection = data.governing.projection
        on_curve = moment >= projection.start
        if on_curve:
            self.crosshair_y.setValue(projection.volume_at(moment))
        self.crosshair_y.setVisible(on_curve)
        self.readout.setText(data.readout(moment))

    # --- refill appointment -------------------------------------------------------------------------
    def _set_appointment_controls_enabled(self, enabled: bool) -> None:
        self.booked.setEnabled(enabled)
        self.appointment_edit.setEnabled(enabled and self._appointment is not None)
        if enabled and self._appointment is None:
            # Greyed out until booked, showing the date booking would suggest.
            suggested = self._data.suggested_appointment()
            self._syncing = True
            try:
                self.appointment_edit.setDate(QDate(suggested.year, suggested.month, suggested.day))
            finally:
                self._syncing = False

    def _booked_toggled(self, checked: bool) -> None:
        if self._syncing:
            return
        if not checked:
            self.set_appointment(None)
        elif self._data is not None:
            self.set_appointment(self._data.suggested_appointment())

    def _date_picked(self, picked: QDate) -> None:
        if self._syncing or self._appointment is None:
            return
        keep = self._appointment.time()
        self.set_appointment(datetime.combine(date(picked.year(), picked.month(), picked.day()), keep))

    def _appointment_moving(self) -> None:
        if self._syncing:
            return
        moment = self._snapped(self.appointment_line.value())
        self._set_appointment_label(moment)
        self._show_warning(moment)

    def _appointment_dropped(self) -> None:
        self.set_appointment(self._snapped(self.appointment_line.value()))

    @staticmethod
    def _snapped(seconds: float) -> datetime:
        moment = from_seconds(seconds)
        steps = round((moment - datetime.min) / _APPOINTMENT_SNAP)
        return datetime.min + steps * _APPOINTMENT_SNAP

    def _update_appointment_line(self) -> None:
        moment = self._appointment
        self.appointment_line.setVisible(moment is not None and self._data is not None)
        if moment is not None:
            self._set_appointment_label(moment)
        if self._data is not None:
            self._update_legend(self._data)

    def _set_appointment_label(self, moment: datetime) -> None:
        _set_text(self.appointment_line, f"Refill appointment\n{moment:%a %d %b %H:%M}")

    def _show_warning(self, moment: datetime | None = None) -> None:
        moment = moment or self._appointment
        text = self._data.appointment_warning(moment) if self._data is not None else None
        self.warning.setText(f"Warning: {text}" if text else "")
        self.warning.setVisible(bool(text))
