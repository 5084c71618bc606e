"""The projected reservoir plot, checked through its data (getData, marker values, texts), not its pixels.

Worked numbers: a PX-20 with morphine 10 mg/mL at 1.5 mg/day delivers 0.15 mL/day, so from
20 mL it reaches the 2 mL alarm after 18 / 0.15 = 120 days and runs empty after 133 days 8 h.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta

import msgspec.structs
import numpy as np
import pytest
from PySide6.QtCore import QDate, QEvent, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.plot_data import PlotInputs, from_seconds, plot_data, to_seconds
from programmer.session.programming import ProgrammingSession
from programmer.session.status import reservoir_projection
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Bolus, BolusKind, Prescription
from programmer.therapy.projection import project
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from programmer.ui.plot import ReservoirPlot

NOW = datetime(2025, 3, 3, 9, 0)  # a Monday
MORPHINE = Concentration(10, DrugUnit.MG)
BACLOFEN = Concentration(500, DrugUnit.MCG)
DAY = timedelta(days=1)


def mg(per_day: float) -> DoseRate:
    return DoseRate(per_day, DrugUnit.MG)


def mcg(per_day: float) -> DoseRate:
    return DoseRate(per_day, DrugUnit.MCG)


def morphine(per_day: float) -> Prescription:
    return Prescription.simple_continuous("morphine", MORPHINE, mg(per_day))


# Baclofen 500 mcg/mL: 200, 400, 300, 250 mcg/day from 00:00, 06:00, 12:00, 18:00 (0.575 mL/day).
BACLOFEN_DAY = DaySchedule.from_intervals(
    [(0, 360, mcg(200)), (360, 720, mcg(400)), (720, 1080, mcg(300)), (1080, 1440, mcg(250))]
)


@pytest.fixture
def open_session(tmp_path):
    sessions = []

    def make(memory) -> ProgrammingSession:
        path = tmp_path / f"pump{len(sessions)}.json"
        save_pump(path, memory)
        session = ProgrammingSession(path)
        session.connect()
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close(confirm=True)


def morphine_pump(model: str = "PX-20", per_day: float = 1.5, **changes):
    memory = new_pump(model, "morphine", 10, mg(per_day), NOW, patient_id="P-1")
    return msgspec.structs.replace(memory, **changes)


def baclofen_flex_pump():
    memory = new_pump("PX-40", "baclofen", 500, mcg(300), NOW, patient_id="P-2")
    flex = Prescription.flex("baclofen", BACLOFEN, FlexSchedule.every_day(BACLOFEN_DAY))
    return msgspec.structs.replace(memory, prescription=flex)


PTM = PtmSettings(Dose(0.2, DrugUnit.MG), timedelta(minutes=10), 4, timedelta(hours=3))  # 4 × 0.02 mL a day


@pytest.fixture
def plot(qtbot):
    widget = ReservoirPlot()
    qtbot.addWidget(widget)
    widget.resize(1000, 640)
    return widget


def curve_at(item, moment: datetime) -> float:
    x, y = item.getData()
    assert x[0] <= to_seconds(moment) <= x[-1], f"{moment} is not on the curve"
    return float(np.interp(to_seconds(moment), x, y))


def shown(widget) -> bool:
    return not widget.isHidden()


# --- the curves follow the therapy projection ----------------------------------------------------------------
def test_current_curve_matches_the_projection(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    plot.set_horizon_days(180)
    projection = session.current_projection()
    assert curve_at(plot.current_curve, NOW) == pytest.approx(20.0)
    assert curve_at(plot.current_curve, NOW + 10 * DAY) == pytest.approx(18.5)
    assert curve_at(plot.current_curve, NOW + 30 * DAY) == pytest.approx(15.5)
    for days in (1, 45.5, 119, 133):
        moment = NOW + timedelta(days=days)
        assert curve_at(plot.current_curve, moment) == pytest.approx(projection.volume_at(moment))
    assert "alarm at 2 mL on Tue 2025-07-01 09:00 (in 120.0 days)" in plot.summary.text()


def test_markers_sit_at_the_alarm_and_empty_dates(plot, open_session):
    plot.bind(open_session(morphine_pump()))
    plot.set_horizon_days(180)
    alarm, empty = NOW + 120 * DAY, NOW + timedelta(days=133, hours=8)
    assert plot.markers["current_alarm"].value() == pytest.approx(to_seconds(alarm))
    assert plot.markers["current_empty"].value() == pytest.approx(to_seconds(empty))
    assert plot.markers["current_alarm"].label.format == "Alarm (current)\nTue 01 Jul 09:00"
    assert plot.markers["current_empty"].label.format == "Empty (current)\nMon 14 Jul 17:00"
    assert plot.alarm_line.value() == 2.0
    assert plot.alarm_line.label.format == "Low-reservoir alarm 2 mL"
    assert plot.now_marker.value() == to_seconds(NOW)
    assert not plot.markers["pending_alarm"].isVisible()
    # The curve reaches the alarm volume exactly at the marker, and 0 at the empty marker.
    assert curve_at(plot.current_curve, alarm) == pytest.approx(2.0)
    assert curve_at(plot.current_curve, empty) == pytest.approx(0.0, abs=1e-9)


def test_pending_curve_appears_with_edits_and_disappears_when_discarded(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    assert not plot.pending_curve.isVisible()
    assert plot.legend.titles()[0] == "Current program"
    assert not any("Pending" in title for title in plot.legend.titles())

    session.edit(prescription=morphine(2.0))  # 0.2 mL/day: alarm after 90 days
    assert plot.pending_curve.isVisible()
    assert curve_at(plot.pending_curve, NOW + 30 * DAY) == pytest.approx(14.0)
    assert curve_at(plot.current_curve, NOW + 30 * DAY) == pytest.approx(15.5)  # the pump's own program stays
    assert plot.markers["pending_alarm"].value() == pytest.approx(to_seconds(NOW + 90 * DAY))
    assert plot.markers["pending_empty"].value() == pytest.approx(to_seconds(NOW + 100 * DAY))
    assert "Pending program (not programmed yet)" in plot.legend.titles()
    assert "Pending program (not programmed yet): alarm at 2 mL on Sun 2025-06-01 09:00" in plot.summary.text()

    session.discard_changes()
    assert not plot.pending_curve.isVisible()
    assert len(plot.pending_curve.getData()[0] or ()) == 0
    assert not plot.markers["pending_alarm"].isVisible()
    assert "Pending program (not programmed yet)" not in plot.legend.titles()


def test_pending_low_alarm_gets_its_own_line(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    session.edit(low_alarm_ml=4.0)
    assert plot.pending_alarm_line.isVisible()
    assert plot.pending_alarm_line.value() == 4.0
    assert plot.pending_alarm_line.label.format == "Low-reservoir alarm 4 mL (pending)"
    assert plot.markers["pending_alarm"].value() == pytest.approx(to_seconds(NOW + timedelta(days=16 / 0.15)))


def test_flex_steps_are_exact_breakpoints_visible_when_zoomed_to_two_days(plot, open_session):
    session = open_session(baclofen_flex_pump())
    plot.bind(session)
    plot.show()
    plot.zoom_to(NOW, NOW + 2 * DAY)
    QApplication.processEvents()
    x, y = plot.current_curve.getData()
    moments = [from_seconds(value) for value in x]
    tomorrow = datetime(2025, 3, 4)
    for hour in (0, 6, 12, 18):  # every step boundary is a point of the curve
        assert tomorrow + timedelta(hours=hour) in moments
    # Slopes between boundaries are the step rates: 400 mcg/day = 0.8 mL/day from 06:00 to 12:00.
    v06, v12, v18 = (curve_at(plot.current_curve, tomorrow + timedelta(hours=h)) for h in (6, 12, 18))
    assert v06 - v12 == pytest.approx(0.8 / 4)
    assert v12 - v18 == pytest.approx(0.6 / 4)
    projection = session.current_projection()
    six = tomorrow.replace(hour=6)
    assert y[moments.index(six)] == pytest.approx(projection.volume_at(six))
    # The view shows the two days, its volume axis fitted to them (about 1.15 mL), not 0–40 mL.
    (left, right), (bottom, top) = plot.view.viewRange()
    assert (right - left) == pytest.approx(2 * 86400)
    assert top - bottom < 2.0
    assert bottom > 38.0


def test_a_pending_bolus_shows_as_a_step_drop(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    start = NOW + timedelta(hours=3)
    bolus = Bolus(BolusKind.CLINICIAN, start, timedelta(hours=1), 0.1, Dose(1, DrugUnit.MG))
    session.edit(prescription=morphine(1.5).with_bolus(bolus))
    x, _ = plot.pending_curve.getData()
    assert to_seconds(start) in x and to_seconds(start + timedelta(hours=1)) in x
    drop = curve_at(plot.pending_curve, start) - curve_at(plot.pending_curve, start + timedelta(hours=1))
    assert drop == pytest.approx(0.1)  # the bolus volume in its hour, against 0.00625 mL at the base rate
    assert curve_at(plot.current_curve, start) - curve_at(plot.current_curve, start + timedelta(hours=1)) == (
        pytest.approx(0.15 / 24)
    )


# --- patient boluses ---------------------------------------------------------------------------------------------
def test_valve_gated_band_edges_match_both_projections(plot, open_session):
    session = open_session(morphine_pump("VG-20", per_day=2.0, ptm=PTM))  # 0.2 mL/day + 0.08 mL/day of boluses
    plot.bind(session)
    memory = session.current
    none_used = reservoir_projection(memory, with_patient_boluses=False)
    every_used = reservoir_projection(memory, with_patient_boluses=True)
    assert plot.band_fill.isVisible()
    for days in (10, 30, 60):
        moment = NOW + days * DAY
        assert curve_at(plot.band_upper, moment) == pytest.approx(none_used.volume_at(moment))
        assert curve_at(plot.band_lower, moment) == pytest.approx(every_used.volume_at(moment))
    assert curve_at(plot.band_upper, NOW + 10 * DAY) == pytest.approx(18.0)
    assert curve_at(plot.band_lower, NOW + 10 * DAY) == pytest.approx(17.2)
    # The valve-gated model projects its refill date to 3 mL with every bolus used: 17 / 0.28 days.
    worst = NOW + timedelta(days=17 / 0.28)
    assert plot.data.band.worst_case_refill_date == every_used.alarm_date
    assert plot.markers["current_alarm"].value() == pytest.approx(to_seconds(worst))
    assert not plot.worst_case_marker.isVisible()  # the alarm marker already is the worst case
    assert plot.alarm_line.value() == 3.0
    assert "Every allowed patient bolus used: refill by Sat 2025-05-03 02:09 (in 60.7 days)" in plot.summary.text()
    assert "Patient boluses: none to every allowed" in plot.legend.titles()


def test_peristaltic_pump_with_ptm_marks_the_worst_case_refill_date(plot, open_session):
    plot.bind(open_session(morphine_pump(ptm=PTM)))  # 0.15 mL/day, 0.23 mL/day with every bolus
    assert plot.markers["current_alarm"].value() == pytest.approx(to_seconds(NOW + 120 * DAY))
    assert plot.worst_case_marker.isVisible()
    assert plot.worst_case_marker.value() == pytest.approx(to_seconds(NOW + timedelta(days=18 / 0.23)))
    assert plot.worst_case_marker.label.format.startswith("Refill by, every bolus used")


def test_no_band_without_patient_boluses(plot, open_session):
    plot.bind(open_session(morphine_pump()))
    assert not plot.band_fill.isVisible()
    assert plot.data.band is None


# --- the refill appointment ------------------------------------------------------------------------------------
def test_appointment_picked_after_the_alarm_date_warns_in_words(qtbot, plot, open_session):
    plot.bind(open_session(morphine_pump()))  # alarm Tue 2025-07-01 09:00
    with qtbot.waitSignal(plot.appointment_changed) as booked:
        plot.booked.setChecked(True)
    assert booked.args == [datetime(2025, 6, 24, 9, 0)]  # suggested: a week before the alarm
    assert not shown(plot.warning)
    assert plot.appointment_line.isVisible()

    with qtbot.waitSignal(plot.appointment_changed) as moved:
        plot.appointment_edit.setDate(QDate(2025, 7, 3))
    assert moved.args == [datetime(2025, 7, 3, 9, 0)]
    assert shown(plot.warning)
    assert plot.warning.text() == (
        "Warning: Refill appointment Thu 2025-07-03 09:00 is 2.0 days after the low-reservoir alarm date "
        "Tue 2025-07-01 09:00 (current program). Book the refill before the alarm date."
    )
    assert plot.appointment_line.value() == to_seconds(datetime(2025, 7, 3, 9, 0))

    plot.appointment_edit.setDate(QDate(2025, 6, 30))
    assert not shown(plot.warning)


def test_appointment_warning_follows_the_pending_program(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    plot.set_appointment(datetime(2025, 6, 20, 9, 0))
    assert not shown(plot.warning)
    session.edit(prescription=morphine(2.0))  # alarm moves to 2025-06-01
    assert shown(plot.warning)
    assert "19.0 days after the low-reservoir alarm date Sun 2025-06-01 09:00 (pending program)" in plot.warning.text()


def drag(widget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """A left-button drag in the plot's viewport, with the button held on every move as a real mouse does."""
    viewport = widget.viewport()
    left, held, none = Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    modifiers = Qt.KeyboardModifier.NoModifier

    def send(kind, point: QPointF, button, buttons) -> None:
        QTest.qWait(15)  # pyqtgraph drops mouse moves that come faster than 100 a second
        global_point = QPointF(viewport.mapToGlobal(point.toPoint()))
        QApplication.sendEvent(viewport, QMouseEvent(kind, point, global_point, button, buttons, modifiers))

    send(QEvent.Type.MouseMove, start, none, none)
    send(QEvent.Type.MouseButtonPress, start, left, held)
    for step in range(1, steps + 1):
        point = start + (end - start) * (step / steps)
        send(QEvent.Type.MouseMove, point, none, held)
    send(QEvent.Type.MouseButtonRelease, end, left, none)


def test_dragging_the_appointment_line_after_the_alarm_warns(qtbot, plot, open_session):
    plot.bind(open_session(morphine_pump()))
    plot.set_horizon_days(180)
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_appointment(datetime(2025, 6, 24, 9, 0))
    view = plot.view

    def on_screen(moment: datetime) -> QPointF:
        scene = view.mapViewToScene(QPointF(to_seconds(moment), 10.0))
        return QPointF(plot.plot_widget.mapFromScene(scene))

    with qtbot.waitSignal(plot.appointment_changed) as dropped:
        drag(plot.plot_widget, on_screen(datetime(2025, 6, 24, 9, 0)), on_screen(datetime(2025, 7, 10, 9, 0)))
    moment = dropped.args[0]
    assert abs(moment - datetime(2025, 7, 10, 9, 0)) < 2 * DAY  # a pixel is about 5 hours at this zoom
    assert moment.minute % 15 == 0 and moment.second == 0  # snapped to a quarter hour
    assert plot.appointment_edit.date() == QDate(moment.year, moment.month, moment.day)
    assert shown(plot.warning)
    assert "after the low-reservoir alarm date Tue 2025-07-01 09:00" in plot.warning.text()
    assert plot.view.viewRange()[0][0] < to_seconds(NOW)  # the drag moved the line, not the view


def test_unbooking_hides_the_line_and_the_warning(qtbot, plot, open_session):
    plot.bind(open_session(morphine_pump()))
    plot.set_appointment(datetime(2025, 8, 1, 9, 0))
    assert shown(plot.warning)
    with qtbot.waitSignal(plot.appointment_changed) as unbooked:
        plot.booked.setChecked(False)
    assert unbooked.args == [None]
    assert not plot.appointment_line.isVisible()
    assert not shown(plot.warning)
    assert not plot.appointment_edit.isEnabled()


# --- live: the clock and the view --------------------------------------------------------------------------------
def test_now_moves_with_the_simulated_clock(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    session.advance_days(30)
    assert plot.now_marker.value() == to_seconds(NOW + 30 * DAY)
    assert plot.now_marker.label.format == "Now\nWed 02 Apr 09:00"
    x, y = plot.current_curve.getData()
    assert from_seconds(x[0]) == NOW + 30 * DAY
    assert y[0] == pytest.approx(15.5)
    # The refill stays where it was, 30 days back, at 20 mL.
    assert plot.refill_point.getData()[0][0] == to_seconds(NOW)
    assert plot.refill_point.getData()[1][0] == 20.0


def test_after_the_alarm_fired_the_plot_says_when_not_in_0_days(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    session.advance_days(123)  # the 2 mL alarm fired on Tue 2025-07-01 09:00, 3 days ago
    alarm = plot.markers["current_alarm"]
    assert alarm.value() == to_seconds(datetime(2025, 7, 1, 9, 0))
    assert alarm.label.format == "Alarm fired (current)\nTue 01 Jul 09:00"
    assert plot.summary.text() == (
        "Current program: alarm at 2 mL fired on Tue 2025-07-01 09:00 (3 d ago), "
        "empty on Mon 2025-07-14 17:00 (in 10.3 days)"
    )
    assert "0.0 days" not in plot.summary.text()
    plot.booked.setChecked(True)
    assert plot.appointment == datetime(2025, 7, 5, 9, 0)
    assert plot.warning.text().startswith("Warning: Refill appointment Sat 2025-07-05 09:00 comes after the")


def test_horizon_presets_show_from_the_last_refill_to_the_horizon(plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    session.advance_days(10)
    for index, days in enumerate((30, 90, 180, 365)):
        plot.horizon.setCurrentIndex(index)
        plot.horizon.activated.emit(index)
        (left, right), (bottom, top) = plot.view.viewRange()
        assert left <= to_seconds(NOW) < to_seconds(NOW + 10 * DAY)  # the last refill is on the plot
        assert right >= to_seconds(NOW + timedelta(days=10 + days))
        assert bottom <= 0 and 20 <= top <= 21
        assert plot.data.end == NOW + timedelta(days=10 + days)


def test_zooming_out_by_hand_extends_the_curves(qtbot, plot, open_session):
    plot.bind(open_session(morphine_pump(per_day=0.5)))  # 0.05 mL/day: empty after 400 days
    plot.show()
    plot.zoom_to(NOW, NOW + 500 * DAY)
    qtbot.waitUntil(lambda: from_seconds(plot.current_curve.getData()[0][-1]) >= NOW + 500 * DAY)
    assert curve_at(plot.current_curve, NOW + 400 * DAY) == pytest.approx(0.0, abs=1e-9)


def test_hover_reads_date_volume_and_days_until_alarm(qtbot, plot, open_session):
    session = open_session(morphine_pump())
    plot.bind(session)
    plot.show()
    qtbot.waitExposed(plot)
    session.edit(prescription=morphine(2.0))
    moment = datetime(2025, 3, 23, 9, 0, 30)  # 20 days on
    plot.plot_widget.scene().sigMouseMoved.emit(plot.view.mapViewToScene(QPointF(to_seconds(moment), 12.0)))
    assert plot.readout.text() == (
        "Sun 2025-03-23 09:01 · Current program: 17 mL, 100.0 days until alarm · "
        "Pending program (not programmed yet): 16 mL, 70.0 days until alarm"
    )
    assert plot.crosshair_x.isVisible()
    assert plot.crosshair_y.value() == pytest.approx(16.0, abs=1e-3)  # on the program that will run


# --- axis, export, names -----------------------------------------------------------------------------------------
AXIS_SCRIPT = """
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from datetime import datetime
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication
app = QApplication([])
from programmer.session.plot_data import to_seconds
from programmer.ui.plot import PumpClockAxis
axis = PumpClockAxis()
axis.fontMetrics = QFontMetrics(QFont())
low, high = to_seconds(datetime(2025, 3, 4, 0, 0)), to_seconds(datetime(2025, 3, 4, 8, 0))
for spacing, ticks in axis.tickValues(low, high, 800):
    if ticks:
        print(spacing, "|".join(axis.tickStrings(ticks, 1, spacing)), "|".join(str(t % 3600) for t in ticks))
"""


def test_axis_shows_the_pump_clock_whatever_the_computers_time_zone():
    # A fresh process, because Qt reads the time zone once. India is UTC+5:30: pyqtgraph's own date
    # axis, even with utcOffset=0, puts its hour ticks there at 00:30, 01:30 … of the pump's clock.
    environment = {**os.environ, "TZ": "Asia/Kolkata"}
    result = subprocess.run(
        [sys.executable, "-c", AXIS_SCRIPT], capture_output=True, text=True, env=environment, timeout=60, check=True
    )
    spacing, labels, offsets = result.stdout.split()
    assert spacing == "3600"
    assert labels.split("|")[:3] == ["01:00", "02:00", "03:00"]
    assert set(offsets.split("|")) == {"0.0"}


def test_axis_labels_carry_units(plot, open_session):
    plot.bind(open_session(morphine_pump()))
    assert plot.plot_item.getAxis("left").labelText == "Reservoir volume (mL)"
    assert plot.plot_item.getAxis("bottom").labelText == "Date (pump clock), 2025"


def test_export_png(plot, open_session, tmp_path):
    plot.bind(open_session(morphine_pump()))
    target = tmp_path / "reservoir.png"
    plot.export_png(target)
    image = QImage(str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert image.width() >= 480 and image.height() >= 300
    with pytest.raises(OSError, match="could not save the reservoir plot"):
        plot.export_png(tmp_path / "no such folder" / "reservoir.png")


def test_before_interrogation_the_plot_is_empty(plot, tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, morphine_pump())
    session = ProgrammingSession(path)
    plot.bind(session)
    assert plot.summary.text() == "No pump interrogated: nothing to project."
    assert not plot.booked.isEnabled()
    session.connect()
    try:
        assert plot.booked.isEnabled()
        assert curve_at(plot.current_curve, NOW + 10 * DAY) == pytest.approx(18.5)
    finally:
        session.close(confirm=True)


def test_interactive_widgets_have_names(plot):
    for widget in (plot.horizon, plot.booked, plot.appointment_edit, plot.plot_widget, plot.warning, plot.readout):
        assert widget.objectName()
        assert widget.accessibleName()


# --- the Qt-free plot data -------------------------------------------------------------------------------------
def test_show_projections_without_a_session(plot):
    current = project(morphine(1.5), NOW, 20.0, 2.0)
    pending = project(morphine(3.0), NOW, 20.0, 2.0)
    plot.show_projections(current, pending, now=NOW, capacity_ml=20.0)
    assert plot.markers["pending_alarm"].value() == pytest.approx(to_seconds(NOW + 60 * DAY))
    assert curve_at(plot.pending_curve, NOW + 20 * DAY) == pytest.approx(14.0)
    plot.show_projections(current, None, now=NOW, capacity_ml=20.0)
    assert not plot.pending_curve.isVisible()


def test_readout_before_the_projection_and_after_the_alarm():
    inputs = PlotInputs(project(morphine(1.5), NOW, 20.0, 2.0), None, NOW, 20.0)
    data = plot_data(inputs, NOW + 200 * DAY)
    assert data.readout(NOW - DAY) == "Sun 2025-03-02 09:00 · Current program: before the projection starts"
    assert data.readout(NOW + 125 * DAY) == "Sun 2025-07-06 09:00 · Current program: 1.25 mL, alarm 5.0 days ago"


def test_stopped_pump_has_no_alarm_marker(plot):
    stopped = project(Prescription.stopped("morphine", MORPHINE), NOW, 20.0, 2.0)
    plot.show_projections(stopped, None, now=NOW, capacity_ml=20.0)
    assert not plot.markers["current_alarm"].isVisible()
    assert curve_at(plot.current_curve, NOW + 50 * DAY) == 20.0
    assert plot.summary.text() == "Current program: no delivery, so no alarm date"
    assert plot.data.appointment_warning(NOW + 300 * DAY) is None


def test_a_closed_window_ignores_later_session_changes(qtbot, open_session):
    session = open_session(morphine_pump())
    widget = ReservoirPlot()
    widget.bind(session)
    widget.deleteLater()
    qtbot.waitUntil(lambda: not isValid(widget))
    session.edit(prescription=morphine(2.0))  # no error: the plot is gone, the session goes on
    assert session.has_pending_changes
