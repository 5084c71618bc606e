"""How the reservoir plot draws: about one point per pixel column, painted where the projection says; only what changed.

The pump: a PX-40 with 40 mL of baclofen 2000 mcg/mL on Mon 2025-03-03 09:00, 13 steps a day alternating 260 and
180 mcg/day (about 0.11 mL/day): the 2 mL alarm comes after about 340 days, and a year of plot holds about 4,300
breakpoints, four or five in each pixel column of a plot 1000 pixels wide.
"""

from __future__ import annotations

from datetime import timedelta

import msgspec.structs
import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from programmer.pump.factory import new_pump
from programmer.session.plot_data import marker_text, to_seconds
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.theme import PlotColours
from tests.ui.test_reservoir_plot import NOW, PTM, curve_at, morphine_pump, open_session  # noqa: F401 (fixture)

DAY = timedelta(days=1)
MCG = DrugUnit.MCG


def thirteen_steps(low: float = 180, high: float = 260) -> Prescription:
    starts = [round(index * 1440 / 13) for index in range(13)]
    intervals = [
        (start, end, DoseRate(low if index % 2 else high, MCG))
        for index, (start, end) in enumerate(zip(starts, [*starts[1:], 1440], strict=True))
    ]
    day = DaySchedule.from_intervals(intervals)
    return Prescription.flex("baclofen", Concentration(2000, MCG), FlexSchedule.every_day(day))


def baclofen_year_pump():
    memory = new_pump("PX-40", "baclofen", 2000, DoseRate(220, MCG), NOW, patient_id="P-3")
    return msgspec.structs.replace(memory, prescription=thirteen_steps())


@pytest.fixture
def year(qtbot, open_session):  # noqa: F811
    from programmer.ui.plot import ReservoirPlot

    widget = ReservoirPlot()
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    session = open_session(baclofen_year_pump())
    widget.bind(session)
    widget.show()
    qtbot.waitExposed(widget)
    widget.set_horizon_days(365)
    return widget, session


def painted_at(plot, moment, volume_ml: float) -> tuple[QColor, ...]:
    """The colours painted at (`moment`, `volume_ml`) on the plot and a pixel above and below."""
    image = plot.plot_widget.grab().toImage()
    scene = plot.view.mapViewToScene(QPointF(to_seconds(moment), volume_ml))
    pixel = plot.plot_widget.mapFromScene(scene)
    return tuple(image.pixelColor(pixel.x(), pixel.y() + dy) for dy in (-1, 0, 1))


def test_a_year_is_drawn_with_about_one_point_a_pixel_column_and_crosses_the_alarm_exactly(year):
    plot, _ = year
    curve = plot.data.current  # every breakpoint, as computed
    x, y = plot.current_curve.getData()
    assert len(curve.seconds) > 4000
    assert len(x) <= plot.view.width() * 1.1  # about one point a pixel column
    index = np.searchsorted(curve.seconds, x)
    assert np.array_equal(curve.seconds[index], x) and np.array_equal(curve.volumes_ml[index], y)  # curve points
    alarm = curve.projection.alarm_date
    assert NOW + 330 * DAY < alarm < NOW + 350 * DAY
    assert curve_at(plot.current_curve, alarm) == pytest.approx(2.0, abs=1e-9)  # where the alarm marker is
    assert plot.markers["current_alarm"].value() == pytest.approx(to_seconds(alarm))
    assert (y[0], y.min()) == (40.0, curve.volumes_ml.min())  # the extremes as computed


def test_the_curve_is_painted_where_the_projection_says(year):
    plot, _ = year
    projection = plot.data.current.projection
    for days in (30, 120.3, 250.7):
        moment = NOW + days * DAY
        assert QColor(PlotColours.CURRENT) in painted_at(plot, moment, projection.volume_at(moment)), days


def test_zoomed_to_two_days_every_breakpoint_is_drawn_again(qtbot, year):
    plot, _ = year
    start, end = NOW + 100 * DAY, NOW + 102 * DAY
    plot.zoom_to(start, end)
    curve = plot.data.current
    inside = curve.seconds[(curve.seconds >= to_seconds(start)) & (curve.seconds <= to_seconds(end))]
    assert len(inside) == 24  # 13 steps a day, the last running into the first (both 260 mcg/day) at midnight
    qtbot.waitUntil(lambda: set(inside) <= set(plot.current_curve.getData()[0]))


def test_editing_the_pending_program_leaves_the_pumps_own_curve_as_drawn(year):
    plot, session = year
    drawn = plot.current_curve.getData()
    current = plot.data.current
    for low in (190, 200, 210):
        session.edit(prescription=thirteen_steps(low=low))
        assert plot.data.current is current  # not projected again
        assert plot.current_curve.getData()[0] is drawn[0]  # not thinned or set again
    assert plot.pending_curve.isVisible()
    pending = plot.data.pending.projection
    moment = NOW + 90 * DAY
    assert curve_at(plot.pending_curve, moment) == pytest.approx(pending.volume_at(moment), abs=0.01)


def test_an_edit_sets_again_only_what_the_pending_program_changes(monkeypatch, year):
    """The pump's own markers and alarm line, the booked day and the refill point stay as they are drawn."""
    import pyqtgraph as pg

    import programmer.ui.plot.widget as plot_widget

    plot, session = year
    plot.set_appointment(NOW + 300 * DAY)  # booked: the day shown stays whatever the edits
    session.edit(prescription=thirteen_steps(low=190))
    placed, points, days = [], [], []
    place = plot_widget.place
    monkeypatch.setattr(plot_widget, "place", lambda line, *words: (placed.append(line), place(line, *words)))
    monkeypatch.setattr(pg.ScatterPlotItem, "setData", lambda *args, **kwargs: points.append(args))
    monkeypatch.setattr(plot.appointment_edit, "setDate", days.append)
    for low in (200, 210):
        session.edit(prescription=thirteen_steps(low=low))
    assert {key for key, line in plot.markers.items() if line in placed} == {"pending_alarm", "pending_empty"}
    assert len(placed) == 4  # the two pending markers, at each of the two edits
    assert points == [] and days == []
    assert plot.markers["pending_alarm"].value() == pytest.approx(to_seconds(plot.data.pending.alarm_date))


def test_the_plot_makes_only_the_items_the_pump_shows_and_stacks_them_as_ever(qtbot, open_session):  # noqa: F811
    """A pump without a handheld, unedited: no band, pending curve, appointment or crosshair is made at all.

    Made later, in whatever order the nurse needs them, the items stack as they did when all were made at once.
    """
    from programmer.ui.plot import ReservoirPlot

    plot = ReservoirPlot()
    qtbot.addWidget(plot)
    plot.resize(1000, 640)
    plot.show()
    qtbot.waitExposed(plot)
    assert plot.view.childGroup.childItems() == []
    session = open_session(baclofen_year_pump())
    plot.bind(session)
    made = {id(item) for item in plot.view.childGroup.childItems()}
    shown = [plot.current_curve, plot.alarm_line, plot.markers["current_alarm"], plot.markers["current_empty"]]
    assert made == {id(item) for item in (*shown, plot.now_marker)}

    session.edit(low_alarm_ml=4.0, prescription=thirteen_steps(low=200))
    plot.hover_at(NOW + 40 * DAY)
    plot.booked.setChecked(True)
    session.advance_days(3)  # the refill is behind the clock now: its point and label
    stacked = sorted(plot.view.childGroup.childItems(), key=lambda item: item.zValue())
    expected = [
        plot.refill_point,
        plot.refill_label,
        plot.current_curve,
        plot.pending_curve,
        plot.alarm_line,
        plot.pending_alarm_line,
        *(plot.markers[key] for key in ("current_alarm", "current_empty", "pending_alarm", "pending_empty")),
        plot.now_marker,
        plot.appointment_line,
        plot.crosshair_x,
        plot.crosshair_y,
    ]
    assert [id(item) for item in stacked] == [id(item) for item in expected]


def test_the_words_under_the_plot_are_selectable_and_drawn_the_same_before_and_after(qtbot, year):
    """The summary is laid out as a plain label until the pointer comes; then it can be selected and copied."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    plot, _ = year
    summary = plot.summary
    selectable = Qt.TextInteractionFlag.TextSelectableByMouse
    assert not summary.textInteractionFlags() & selectable and not plot.readout.textInteractionFlags() & selectable
    plain = summary.grab().toImage()
    start, end = QPoint(2, summary.height() // 4), QPoint(summary.width() - 2, summary.height() // 4)
    QTest.mouseMove(summary, start)
    qtbot.waitUntil(lambda: bool(summary.textInteractionFlags() & selectable))
    assert summary.grab().toImage() == plain
    QTest.mousePress(summary, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(summary, end)
    QTest.mouseRelease(summary, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert summary.selectedText().startswith("Current program: alarm at 2 mL on")


def test_the_date_axis_is_painted_again_for_a_new_horizon(year):
    plot, _ = year
    axis = plot.plot_item.getAxis("bottom")

    def axis_image():
        rect = axis.mapRectToScene(axis.boundingRect()).toRect()
        return plot.plot_widget.grab(plot.plot_widget.mapFromScene(rect).boundingRect()).toImage()

    year_ticks = axis_image()
    plot.set_horizon_days(30)
    assert axis_image() != year_ticks  # month ticks became day ticks: the cached axis was drawn again
    plot.set_horizon_days(365)
    assert axis_image() == year_ticks


def legend_labels(plot) -> list[str]:
    """The texts of the legend's labels as they stand now, before a deferred deletion could run."""
    return [label.text() for label in plot.legend.findChildren(QLabel) if label.text()]


def test_after_a_reset_the_legend_shows_only_the_new_titles(qtbot, open_session):  # noqa: F811
    from programmer.ui.plot import ReservoirPlot

    plot = ReservoirPlot()
    qtbot.addWidget(plot)
    plot.show()
    session = open_session(morphine_pump(ptm=PTM))
    plot.bind(session)
    assert legend_labels(plot) == [
        "Current program",
        "Patient boluses: none to every allowed",
        "Low-reservoir alarm volume",
    ]
    session.edit(
        prescription=Prescription.simple_continuous(
            "morphine", Concentration(10, DrugUnit.MG), DoseRate(2, DrugUnit.MG)
        )
    )
    assert "Pending program (not programmed yet)" in legend_labels(plot)
    session.discard_changes()
    assert "Pending program (not programmed yet)" not in legend_labels(plot)
    # Another pump with the same entries but another title: the valve-gated model projects every bolus.
    plot.bind(open_session(morphine_pump("VG-20", per_day=2.0, ptm=PTM)))
    titles = ["Current program, every allowed patient bolus used", "Patient boluses: none to every allowed"]
    assert legend_labels(plot) == [*titles, "Low-reservoir alarm volume"]
    assert plot.legend.titles() == legend_labels(plot)


def test_a_marker_beyond_the_view_shows_its_new_words_once_the_view_reaches_it(qtbot, year):
    plot, session = year
    plot.set_horizon_days(30)  # the alarm, about 340 days on, is beyond the view
    alarm = plot.markers["current_alarm"]
    qtbot.waitUntil(lambda: alarm.label.opacity() == 0.0)  # placed, its label hidden, not pinned at the edge
    assert alarm.isVisible()
    session.edit(prescription=thirteen_steps(low=200))  # the pending markers move, all beyond the view
    pending = plot.markers["pending_alarm"]
    moment = plot.data.pending.alarm_date
    assert NOW + 60 * DAY < moment < plot.data.current.alarm_date  # sooner than the pump's own alarm
    assert pending.value() == pytest.approx(to_seconds(moment))
    assert pending.label.format == marker_text("Alarm (pending)", moment)  # the moment rounded up to the minute
    plot.set_horizon_days(365)  # now in view: laid out with the words it missed
    qtbot.waitUntil(lambda: pending.label.opacity() == 1.0)
    assert pending.label.toPlainText() == pending.label.format


@pytest.mark.parametrize("size", [(600, 400), (611, 397)])
def test_the_volume_grid_is_painted_to_the_pixel_as_pyqtgraph_paints_it(qtbot, size):
    import pyqtgraph as pg

    from programmer.ui.plot.axis import GridAxis

    images, axes, widgets = [], [], []
    for axis in (pg.AxisItem("left"), GridAxis("left")):
        widget = pg.PlotWidget(axisItems={"left": axis}, background="w")
        qtbot.addWidget(widget)
        widget.resize(*size)
        widget.showGrid(x=False, y=True, alpha=0.15)
        widget.plot([0, 1, 2], [40.0, 12.5, 0.0])
        widget.setYRange(0, 40, padding=0.03)
        widget.show()
        qtbot.waitExposed(widget)
        images.append(widget.grab().toImage())
        axes.append(axis)
        widgets.append(widget)
    assert len(axes[1]._rows) > 20  # the grid's rows were filled, not stroked
    assert images[0] == images[1]
    filled = axes[1]._filled
    widgets[1].grab()
    assert axes[1]._filled is filled  # painted again at the same place: the rows' pixels are not worked out again
    for widget in widgets:  # other rows, another place: as pyqtgraph paints them still
        widget.setYRange(0, 20, padding=0.03)
        widget.resize(size[0] + 37, size[1] - 23)
    qtbot.waitUntil(lambda: widgets[1].width() == size[0] + 37)
    assert widgets[0].grab().toImage() == widgets[1].grab().toImage()
    assert axes[1]._filled is not filled
