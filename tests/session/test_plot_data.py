"""What the reservoir plot shows and checks, without Qt: summary, markers, labels, legend, appointment.

The pump: PX-20, morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day), 20 mL on Mon 2025-03-03 09:00, so the
2 mL alarm comes after 18 / 0.15 = 120 days (Tue 2025-07-01 09:00) and empty after 133 days 8 h.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec.structs
import pytest

from programmer.session.plot_data import (
    APPOINTMENT_SNAP,
    appointment_on,
    axis_title,
    data_end,
    memory_inputs,
    plot_data,
    session_inputs,
    snap_appointment,
    to_seconds,
)
from programmer.session.status import reservoir_projection
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from tests.helpers import connected, morphine_pump

NOW = datetime(2025, 3, 3, 9, 0)
DAY = timedelta(days=1)
ALARM = datetime(2025, 7, 1, 9, 0)
EMPTY = datetime(2025, 7, 14, 17, 0)
PTM = PtmSettings(Dose(0.2, DrugUnit.MG), timedelta(minutes=10), 4, timedelta(hours=3))  # 4 × 0.02 mL a day
MORPHINE = Concentration(10, DrugUnit.MG)


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", NOW)


def data_of(session, days: int = 90):
    return plot_data(session_inputs(session), session.now + days * DAY)


def test_ahead_of_the_alarm_the_plot_says_when_it_comes(pump_path):
    with connected(pump_path) as session:
        data = data_of(session)
    assert data.summary() == [
        "Current program: alarm at 2 mL on Tue 2025-07-01 09:00 (in 120.0 days), empty on Mon 2025-07-14 17:00"
    ]
    markers = data.markers()
    assert markers["current_alarm"].moment == ALARM
    assert markers["current_alarm"].text == "Alarm (current)\nTue 01 Jul 09:00"
    assert markers["current_empty"].text == "Empty (current)\nMon 14 Jul 17:00"
    assert markers["now"].text == "Now\nMon 03 Mar 09:00"
    assert markers["pending_alarm"].moment is None and markers["worst_case"].moment is None


def test_once_the_alarm_fired_the_plot_says_when_and_how_long_ago(pump_path):
    # Walk-through finding: 3 days after the alarm the plot said "alarm at 2 mL on <now> (in 0.0 days)".
    with connected(pump_path, days_later=123) as session:  # Fri 2025-07-04 09:00, 1.55 mL left
        data = data_of(session)
    assert data.summary() == [
        "Current program: alarm at 2 mL fired on Tue 2025-07-01 09:00 (3 d ago), "
        "empty on Mon 2025-07-14 17:00 (in 10.3 days)"
    ]
    marker = data.markers()["current_alarm"]
    assert marker.moment == ALARM
    assert marker.text == "Alarm fired (current)\nTue 01 Jul 09:00"
    assert data.readout(data.now) == "Fri 2025-07-04 09:00 · Current program: 1.55 mL, alarm 3.0 days ago"
    # Any appointment is after the alarm now: say it fired, and to book as soon as possible.
    appointment = data.suggested_appointment()
    assert appointment == datetime(2025, 7, 5, 9, 0)  # tomorrow morning, not "a week before" a past alarm
    assert data.appointment_warning(appointment) == (
        "Refill appointment Sat 2025-07-05 09:00 comes after the low-reservoir alarm, which fired on "
        "Tue 2025-07-01 09:00 (3 d ago, current program). Book the refill as soon as possible."
    )
    assert data.appointment_warning(datetime(2025, 7, 15, 9, 0)).endswith(
        "(3 d ago, current program); the reservoir runs empty on Mon 2025-07-14 17:00. "
        "Book the refill as soon as possible."
    )


def test_a_pending_program_keeps_the_fired_alarm_on_the_current_marker(pump_path):
    with connected(pump_path, days_later=123) as session:
        session.edit(prescription=Prescription.simple_continuous("morphine", Concentration(10, DrugUnit.MG),
                                                                 DoseRate(3, DrugUnit.MG)))
        data = data_of(session)
        session.discard_changes()
    assert data.pending.alarm.fired and data.pending.alarm_date == ALARM
    assert data.markers()["pending_alarm"].moment is None  # one marker for one alarm
    assert data.summary()[1] == (
        "Pending program (not programmed yet): alarm at 2 mL fired on Tue 2025-07-01 09:00 (3 d ago), "
        "empty on Wed 2025-07-09 13:00 (in 5.2 days)"  # 1.55 mL at 0.3 mL/day
    )


def test_a_pending_alarm_volume_above_the_reservoir_is_reached_not_fired(pump_path):
    with connected(pump_path, days_later=110) as session:  # 3.5 mL left, the 2 mL alarm 10 days ahead
        session.edit(low_alarm_ml=4.0)
        data = data_of(session)
        session.discard_changes()
    assert data.summary()[1] == (
        "Pending program (not programmed yet): alarm volume reached: 3.5 mL left, at or below 4 mL, "
        "empty on Mon 2025-07-14 17:00 (in 23.3 days)"
    )
    assert [line.text for line in data.alarm_lines()] == [
        "Low-reservoir alarm 2 mL",
        "Low-reservoir alarm 4 mL (pending)",
    ]


def test_every_bolus_used_refill_date_once_passed_says_refill_now(tmp_path):
    path = morphine_pump(tmp_path / "pump.json", NOW)
    with connected(path) as session:
        memory = msgspec.structs.replace(session.current, ptm=PTM, reservoir_ml=1.9)  # below the 2 mL alarm
    data = plot_data(memory_inputs(memory), NOW + 90 * DAY)
    assert data.summary()[-1] == "Every allowed patient bolus used: refill now: 1.9 mL left, at or below 2 mL"
    assert data.markers()["worst_case"].moment is None  # not a marker on top of "Now"


def test_legend_refill_label_and_band_titles(tmp_path):
    path = morphine_pump(tmp_path / "pump.json", NOW)
    with connected(path, days_later=30) as session:
        memory = msgspec.structs.replace(session.current, ptm=PTM)
    data = plot_data(memory_inputs(memory), memory.clock + 90 * DAY)
    assert data.legend(appointment=True) == [
        ("current", "Current program"),
        ("band", "Patient boluses: none to every allowed"),
        ("alarm", "Low-reservoir alarm volume"),
        ("appointment", "Next refill (drag to move)"),
    ]
    assert data.refill_text() == "Refilled 03 Mar: 20 mL"
    worst = data.markers()["worst_case"]
    assert worst.moment == reservoir_projection(memory, with_patient_boluses=True).alarm_date
    assert worst.text.startswith("Refill by, every bolus used\n")


def test_appointments_snap_to_the_quarter_hour_and_keep_their_time_on_another_day():
    assert snap_appointment(datetime(2025, 7, 3, 9, 7, 31)) == datetime(2025, 7, 3, 9, 15)
    assert snap_appointment(datetime(2025, 7, 3, 9, 7)) == datetime(2025, 7, 3, 9, 0)
    assert timedelta(minutes=15) == APPOINTMENT_SNAP
    assert appointment_on(date(2025, 7, 8), datetime(2025, 7, 3, 14, 30)) == datetime(2025, 7, 8, 14, 30)


def test_the_axis_title_names_the_years_the_ticks_leave_out():
    assert axis_title(to_seconds(datetime(2025, 3, 3)), to_seconds(datetime(2025, 6, 1))) == "Date (pump clock), 2025"
    assert axis_title(to_seconds(datetime(2025, 11, 3)), to_seconds(datetime(2026, 2, 1))) == (
        "Date (pump clock), 2025–2026"
    )


def test_the_curves_reach_as_far_as_the_view_within_three_years():
    assert data_end(NOW, 90) == NOW + 90 * DAY
    assert data_end(NOW, 90, NOW + 500 * DAY) == NOW + 500 * DAY
    assert data_end(NOW, 90, NOW + 5000 * DAY) == NOW + 3 * 365 * DAY


def test_an_edit_of_the_pending_program_reuses_the_pumps_own_curve(pump_path):
    with connected(pump_path) as session:
        first = session_inputs(session)
        data = plot_data(first, NOW + 90 * DAY)
        session.edit(prescription=Prescription.simple_continuous("morphine", MORPHINE, DoseRate(2, DrugUnit.MG)))
        edited = session_inputs(session, previous=first)
        assert edited.current is first.current  # the same memory: its projection is not worked out again
        assert edited.pending.alarm_date == NOW + 90 * DAY  # 18 mL at 0.2 mL/day
        again = plot_data(edited, NOW + 90 * DAY, previous=data)
        assert again.current is data.current and again.pending is not None
        assert plot_data(edited, NOW + 180 * DAY, previous=data).current is not data.current  # further: computed
        session.advance_days(1)  # a new memory (the clock moved): everything from it again
        later = session_inputs(session, previous=edited)
        assert later.current is not first.current
        assert later.current.start == NOW + DAY
