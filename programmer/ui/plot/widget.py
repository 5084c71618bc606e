"""The projected reservoir level: volume against the pump's calendar, current and pending program.

The widget only draws what programmer.session.plot_data computes (curves, markers and
their labels, the summary, the readout, the appointment's warning and suggestion). The
date axis shows the pump's own clock: naive datetimes are plotted as UTC and the axis
never applies the computer's time zone. Each curve is drawn from about one of its points per
pixel column (programmer.session.plot_thinning), again when the view is zoomed or resized;
the plot's data keeps every breakpoint.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from programmer.session.events import ProgrammerEvents
from programmer.session.plot_data import (
    DEFAULT_HORIZON_DAYS,
    HORIZON_PRESETS_DAYS,
    MAX_AHEAD,
    AlarmLine,
    Marker,
    PlotInputs,
    ReservoirPlotData,
    appointment_on,
    appointment_text,
    axis_title,
    data_end,
    from_seconds,
    plot_data,
    session_inputs,
    snap_appointment,
    to_seconds,
)
from programmer.session.programming import ProgrammingSession
from programmer.therapy.projection import Projection
from programmer.ui.binding import bind
from programmer.ui.plot.appointment import AppointmentControls
from programmer.ui.plot.axis import GridAxis, PumpClockAxis
from programmer.ui.plot.curves import ThinnedLines, column_seconds
from programmer.ui.plot.items import PlotItems
from programmer.ui.plot.legend import PlotLegend
from programmer.ui.plot.lines import (
    ALARM_VOLUME_PEN,
    APPOINTMENT_LABEL_HEIGHT,
    APPOINTMENT_PEN,
    BAND_BRUSH,
    BAND_EDGE_PEN,
    CURRENT_STYLE,
    PENDING_STYLE,
    add_label,
    pen,
    place,
    set_text,
)
from programmer.ui.plot.selectable import SelectableLabel
from programmer.ui.style import ROLE, SEVERITY, name, set_flag
from programmer.ui.theme import PlotColours, Sizes

_DAY = timedelta(days=1)


class ReservoirPlot(PlotItems, QWidget):
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
        self._extend_pending = False
        self._placing = False  # the appointment line is being put where the booking says
        self._refill_shown: tuple[datetime, float] | None = None
        self._range_set: tuple | None = None  # the preset range last asked for, and the view range it gave
        self._limits: tuple[float, float] | None = None  # the pan limits last set
        self._marked: dict[str, Marker | AlarmLine | None] = {}  # what each marker and alarm line shows now
        self._lines = ThinnedLines()

        self.horizon = QComboBox()
        name(self.horizon, "horizonPreset", "Plot horizon")
        for days in HORIZON_PRESETS_DAYS:
            self.horizon.addItem(f"Next {days} days", days)
        self.horizon.setCurrentIndex(HORIZON_PRESETS_DAYS.index(DEFAULT_HORIZON_DAYS))
        self.horizon.setToolTip("Show the projection this many days ahead; drag or scroll the plot to pan and zoom")
        self.horizon.activated.connect(self._horizon_picked)

        self.appointment_controls = AppointmentControls()
        self.booked = self.appointment_controls.booked
        self.appointment_edit = self.appointment_controls.day
        self.appointment_controls.booked_toggled.connect(self._booked_toggled)
        self.appointment_controls.day_picked.connect(self._day_picked)

        # Their pens as they are made: each pen set afterwards lays out the axis's title again.
        pens = {"pen": pg.mkPen(PlotColours.AXIS), "textPen": pg.mkPen(PlotColours.TEXT)}
        self.axis = PumpClockAxis("bottom", **pens)
        self.plot_widget = pg.PlotWidget(
            axisItems={"bottom": self.axis, "left": GridAxis("left", **pens)}, background="w", enableMenu=False
        )
        name(self.plot_widget, "reservoirPlot", "Projected reservoir volume plot")
        self.plot_widget.setMinimumSize(480, 300)
        self.plot_item = self.plot_widget.getPlotItem()
        self.view = self.plot_item.getViewBox()
        self._setup_axes()
        self.start_items()  # each made when first shown (programmer.ui.plot.items)
        self.plot_widget.scene().sigMouseMoved.connect(self._mouse_moved)
        self.legend = PlotLegend()

        self.warning = QLabel()
        name(self.warning, "appointmentWarning", "Refill appointment warning")
        self.warning.setWordWrap(True)
        self.warning.setProperty(ROLE, "problem")
        set_flag(self.warning, SEVERITY, "warning")
        self.warning.hide()
        self.readout = SelectableLabel("Point at the plot to read the date, volume and days until the alarm.")
        name(self.readout, "plotReadout", "Plot readout")
        self.readout.setProperty(ROLE, "hint")
        self.summary = SelectableLabel()
        name(self.summary, "plotSummary", "Alarm and empty dates")

        controls = QHBoxLayout()
        show_label = QLabel("Show:")
        show_label.setBuddy(self.horizon)
        controls.addWidget(show_label)
        controls.addWidget(self.horizon)
        controls.addStretch(1)
        controls.addWidget(self.appointment_controls)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        # The legend and the plot together: what export_png saves.
        self.figure = QWidget()
        self.figure.setObjectName("reservoirFigure")
        self.figure.setAutoFillBackground(True)
        self.figure.setStyleSheet(
            f"QWidget#reservoirFigure, QWidget#plotLegend {{ background: {PlotColours.BACKGROUND}; }}"
        )
        figure_layout = QVBoxLayout(self.figure)
        figure_layout.setContentsMargins(0, 0, 0, 0)
        figure_layout.setSpacing(0)
        figure_layout.addWidget(self.legend)
        figure_layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.figure, 1)
        layout.addWidget(self.warning)
        layout.addWidget(self.summary)
        layout.addWidget(self.readout)

    # --- construction --------------------------------------------------------------------------
    def _setup_axes(self) -> None:
        plot = self.plot_item
        font = QFont()
        font.setPointSizeF(Sizes.PLOT_TICKS_PT)
        for side in ("left", "bottom"):
            plot.getAxis(side).setTickFont(font)
        for side in ("left", "bottom", "top", "right"):
            # No unit prefixes: with them, each axis lays out its title again at every change of the view,
            # the hidden top and right axes too.
            plot.getAxis(side).enableAutoSIPrefix(False)
        plot.setLabel("left", "Reservoir volume (mL)", color=PlotColours.TEXT)
        self._axis_title = "Date (pump clock)"
        plot.setLabel("bottom", self._axis_title, color=PlotColours.TEXT)
        plot.getAxis("left").setWidth(52)
        # Volume grid only: a date grid costs a third of every redraw, and the markers carry their dates.
        plot.showGrid(x=False, y=True, alpha=0.15)
        plot.hideButtons()
        self.view.setMouseEnabled(x=True, y=False)
        self.view.disableAutoRange()
        self.view.sigRangeChangedManually.connect(self._zoomed_by_hand)
        self.view.sigXRangeChanged.connect(self._x_range_changed)
        self.view.sigResized.connect(lambda *_: self._rethin())

    @cached_property
    def appointment_line(self) -> pg.InfiniteLine:
        """The booked refill appointment, which the nurse can drag."""
        line = pg.InfiniteLine(
            angle=90,
            movable=True,
            pen=APPOINTMENT_PEN,
            hoverPen=pen(PlotColours.APPOINTMENT, 4, Qt.PenStyle.DashDotDotLine),
        )
        add_label(line, APPOINTMENT_LABEL_HEIGHT, PlotColours.APPOINTMENT_LABEL)
        line.setToolTip("Next refill appointment: drag to move it")
        line.sigPositionChanged.connect(self._appointment_moving)
        line.sigPositionChangeFinished.connect(self._appointment_dropped)
        return self._add("appointment_line", line)

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
        self.show_inputs(PlotInputs(current, pending, now, capacity_ml, band, last_refill))

    def show_inputs(self, inputs: PlotInputs) -> None:
        """Draw `inputs` (the pump's active alarms included: a fired alarm is dated when it fired)."""
        self._inputs = inputs
        self._redraw()

    def clear(self) -> None:
        """No pump: an empty plot."""
        self._inputs = None
        self._data = None
        for item in self._items:
            item.setVisible(False)
        for curve in ("current_curve", "pending_curve"):
            if self._made(curve):
                getattr(self, curve).setData([], [])
        self._lines.forget()
        self._marked.clear()
        self.legend.set_entries([])
        self.summary.setText("No pump interrogated: nothing to project.")
        self._show_appointment()

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
        self._show_appointment()
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
        inputs = session_inputs(session, previous=self._inputs)
        if inputs is None:
            self.clear()
            return
        self.show_inputs(inputs)

    def _redraw(self) -> None:
        inputs = self._inputs
        if inputs is None:
            return
        shown_end = None if self._follow_preset else from_seconds(self.view.viewRange()[0][1])
        # The curves of a projection that has not changed (the pump's own, while the nurse edits) are reused.
        previous = self._data
        data = plot_data(inputs, data_end(inputs.now, self._horizon_days, shown_end), previous=previous)
        self._data = data
        left, right = self._preset_range(data) if self._follow_preset else self.view.viewRange()[0]
        self._draw_curves(column_seconds(self.view, left, right))
        self._draw_markers(data)
        self._draw_refill(data)
        boluses = data.patient_boluses
        changed = previous is None or boluses != previous.patient_boluses  # they change with the pump only
        if changed and (boluses or self._made("patient_bolus_points")):
            self.patient_bolus_points.show_points(boluses)
        self.summary.setText("\n".join(data.summary()))
        self._show_appointment()
        left, right = self._preset_range(data)
        limits = (min(left, to_seconds(data.start - 7 * _DAY)), max(right, to_seconds(inputs.now + MAX_AHEAD)))
        if limits != self._limits:  # they move with the clock and the horizon, not with an edit
            self._limits = limits
            self.view.setLimits(xMin=limits[0], xMax=limits[1], minXRange=3600.0)
        if self._follow_preset:
            self._show_range(left, right, data.capacity_ml)

    def _show_range(self, left: float, right: float, capacity_ml: float) -> None:
        """The preset's view; setting the range the view already shows is skipped (it costs as much as a change)."""
        shown = self.view.viewRange()
        if self._range_set is not None and self._range_set == ((left, right, capacity_ml), shown):
            return
        self.view.setXRange(left, right, padding=0)
        self.view.setYRange(0, capacity_ml, padding=0.03)
        self._range_set = ((left, right, capacity_ml), self.view.viewRange())

    def _draw_curves(self, column: float | None) -> None:
        """The curves and the band's edges, thinned for `column` seconds a pixel column (programmer.ui.plot.curves)."""
        data = self._data
        band = data.band
        lines = [(self.current_curve, data.current)]
        if data.pending is not None or self._made("pending_curve"):
            lines.append((self.pending_curve, data.pending))
        if band is not None or self._made("_band"):
            lines += [
                (self.band_upper, band.no_boluses if band is not None else None),
                (self.band_lower, band.every_bolus if band is not None else None),
            ]
        self._lines.draw(lines, column)
        if band is not None or self._made("_band"):
            self.band_fill.setVisible(band is not None)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._rethin()

    def _rethin(self) -> None:
        """Zoomed or resized (or shown): thin the curves again for the new scale."""
        if self._data is not None:
            column = column_seconds(self.view, *self.view.viewRange()[0])
            if self._lines.stale(column):
                self._draw_curves(column)

    def _draw_markers(self, data: ReservoirPlotData) -> None:
        """Each marker and alarm line that changed; while the nurse edits, the pump's own stay as they are."""
        for key, marker in data.markers().items():
            if self._marked.get(key) == marker:
                continue
            self._marked[key] = marker
            if marker.moment is not None:
                line = self.markers[key]
                line.setVisible(True)  # first: a hidden line's label does not follow its value
                place(line, to_seconds(marker.moment), marker.text)
            elif key in self.markers:
                self.markers[key].setVisible(False)
        alarm_lines = {line.key: line for line in data.alarm_lines()}
        for key, item_name in (("current", "alarm_line"), ("pending", "pending_alarm_line")):
            line = alarm_lines.get(key)
            mark = f"{key}_alarm_volume"
            if mark in self._marked and self._marked[mark] == line:
                continue
            self._marked[mark] = line
            if line is not None:
                item = getattr(self, item_name)
                item.setVisible(True)
                place(item, line.volume_ml, line.text)
            elif self._made(item_name):
                getattr(self, item_name).setVisible(False)

    def _draw_refill(self, data: ReservoirPlotData) -> None:
        text = data.refill_text()
        if text is None:
            if self._made("refill_point"):
                self.refill_point.setVisible(False)
                self.refill_label.setVisible(False)
            if self._refill_shown is not None:
                self._refill_shown = None
                self.refill_point.setData([], [])
            return
        self.refill_point.setVisible(True)
        self.refill_label.setVisible(True)
        if data.last_refill == self._refill_shown:
            return
        self._refill_shown = when, volume = data.last_refill
        self.refill_point.setData([to_seconds(when)], [volume])
        self.refill_label.setText(text)
        self.refill_label.setPos(to_seconds(when), volume)

    def _update_legend(self, data: ReservoirPlotData) -> None:
        samples = {
            "current": (CURRENT_STYLE.pen, None),
            "pending": (PENDING_STYLE.pen, None),
            "band": (BAND_EDGE_PEN, BAND_BRUSH),
            "alarm": (ALARM_VOLUME_PEN, None),
            "appointment": (APPOINTMENT_PEN, None),
        }
        entries = data.legend(appointment=self._appointment is not None)
        self.legend.set_entries([(key, *samples[key], title) for key, title in entries])

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
        self._rethin()
        left, right = self.view.viewRange()[0]
        title = axis_title(left, right)
        if title != self._axis_title:
            self._axis_title = title
            self.plot_item.setLabel("bottom", title, color=PlotColours.TEXT)
        # Panned or zoomed beyond what is computed: extend the curves once the event loop is free.
        data = self._data
        if data is None or self._follow_preset or self._extend_pending:
            return
        if right > to_seconds(data.end) and data.end < data.now + MAX_AHEAD:
            self._extend_pending = True
            QTimer.singleShot(0, self._extend)

    def _extend(self) -> None:
        self._extend_pending = False
        self._redraw()

    # --- hover ------------------------------------------------------------------------------------------
    def _mouse_moved(self, position: QPointF) -> None:
        data = self._data
        if data is None or not self.view.sceneBoundingRect().contains(position):
            if self._made("crosshair_x"):
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
    def _show_appointment(self, moment: datetime | None = None) -> None:
        """The appointment's controls, line, legend entry and warning; `moment` while the line is dragged."""
        data = self._data
        booked = self._appointment
        dragging = moment is not None
        moment = moment or booked
        if not dragging:
            suggested = data.suggested_appointment() if data is not None else None
            self.appointment_controls.show_appointment(booked, suggested)
            if booked is not None or self._made("appointment_line"):
                self.appointment_line.setVisible(booked is not None and data is not None)
            if booked is not None:
                self._placing = True  # placing the line is not the nurse dragging it
                try:
                    self.appointment_line.setValue(to_seconds(booked))
                finally:
                    self._placing = False
            if data is not None:
                self._update_legend(data)
        if moment is not None:
            set_text(self.appointment_line, appointment_text(moment))
        text = data.appointment_warning(moment) if data is not None else None
        self.warning.setText(f"Warning: {text}" if text else "")
        self.warning.setVisible(bool(text))

    def _booked_toggled(self, checked: bool) -> None:
        if not checked:
            self.set_appointment(None)
        elif self._data is not None:
            self.set_appointment(self._data.suggested_appointment())

    def _day_picked(self, day: date) -> None:
        if self._appointment is not None:
            self.set_appointment(appointment_on(day, self._appointment))

    def _appointment_moving(self) -> None:
        if self._placing:
            return
        self._show_appointment(snap_appointment(from_seconds(self.appointment_line.value())))

    def _appointment_dropped(self) -> None:
        self.set_appointment(snap_appointment(from_seconds(self.appointment_line.value())))
