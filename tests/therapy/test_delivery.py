"""Delivery segments: exact boundaries at steps, midnight and weekdays, boluses around the window, additivity."""

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy.delivery import Segment, day_profile, delivered_ml, segments
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)
MONDAY = datetime(2026, 3, 2)  # 00:00 on a Monday
DAY = DaySchedule.from_intervals([(360, 1320, DoseRate(2, MG)), (1320, 360, DoseRate(1, MG))])
CONTINUOUS = Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(1.5, MG))
FLEX = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(DAY))


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """`day` days after Monday 00:00, at hour:minute."""
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


def pieces(prescription: Prescription, start: datetime, end: datetime) -> list[tuple[datetime, datetime, float]]:
    return [(s.start, s.end, pytest.approx(s.ml_per_day)) for s in segments(prescription, start, end)]


def clinician_bolus(start: datetime, hours: float = 1, volume_ml: float = 0.5) -> Bolus:
    return Bolus(BolusKind.CLINICIAN, start, timedelta(hours=hours), volume_ml, MORPHINE_10.dose_in(volume_ml))


# --- base modes -------------------------------------------------------------------------------
def test_simple_continuous_is_one_segment():
    assert pieces(CONTINUOUS, at(0, 9), at(30, 9)) == [(at(0, 9), at(30, 9), 0.15)]
    assert delivered_ml(CONTINUOUS, at(0, 9), at(30, 9)) == pytest.approx(4.5)


def test_flex_over_one_calendar_day():
    assert pieces(FLEX, at(0, 0), at(1, 0)) == [
        (at(0, 0), at(0, 6), 0.1),
        (at(0, 6), at(0, 22), 0.2),
        (at(0, 22), at(1, 0), 0.1),
    ]
    assert delivered_ml(FLEX, at(0, 0), at(1, 0)) == pytest.approx(0.16667, abs=1e-5)


def test_the_night_step_runs_across_midnight():
    assert pieces(FLEX, at(0, 21), at(1, 7)) == [
        (at(0, 21), at(0, 22), 0.2),
        (at(0, 22), at(1, 0), 0.1),
        (at(1, 0), at(1, 6), 0.1),
        (at(1, 6), at(1, 7), 0.2),
    ]
    assert delivered_ml(FLEX, at(0, 21), at(1, 7)) == pytest.approx((2 * 0.2 + 8 * 0.1) / 24)


def test_a_window_inside_one_step_is_one_exact_segment():
    start, end = at(2, 9, 17) + timedelta(seconds=30), at(2, 9, 18)
    assert pieces(FLEX, start, end) == [(start, end, 0.2)]
    assert delivered_ml(FLEX, start, end) == pytest.approx(0.2 * 30 / 86400)


def test_at_midnight_the_next_weekdays_schedule_takes_over():
    tuesday = DaySchedule.from_intervals([(480, 1200, DoseRate(3, MG)), (1200, 480, DoseRate(0.5, MG))])
    weekly = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(DAY).by_weekday().with_day(1, tuesday))
    assert pieces(weekly, at(0, 20), at(1, 9)) == [
        (at(0, 20), at(0, 22), 0.2),
        (at(0, 22), at(1, 0), 0.1),  # Monday's night step, up to midnight
        (at(1, 0), at(1, 8), 0.05),  # Tuesday's own night step covers Tuesday's early hours
        (at(1, 8), at(1, 9), 0.3),
    ]
    assert pieces(weekly, at(1, 19), at(2, 7)) == [
        (at(1, 19), at(1, 20), 0.3),
        (at(1, 20), at(2, 0), 0.05),
        (at(2, 0), at(2, 6), 0.1),  # Wednesday is back to Monday's pattern
        (at(2, 6), at(2, 7), 0.2),
    ]
    # Each calendar day delivers exactly its weekday's daily volume.
    assert delivered_ml(weekly, at(1, 0), at(2, 0)) == pytest.approx(weekly.schedule.daily_volume_ml(1, MORPHINE_10))
    assert delivered_ml(weekly, at(0, 0), at(7, 0)) == pytest.approx(
        sum(weekly.schedule.daily_volume_ml(weekday, MORPHINE_10) for weekday in range(7))
    )


def test_sunday_night_into_monday():
    sunday = DaySchedule.constant(DoseRate(4, MG))
    weekly = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(DAY).by_weekday().with_day(6, sunday))
    assert pieces(weekly, at(6, 23), at(7, 7)) == [
        (at(6, 23), at(7, 0), 0.4),
        (at(7, 0), at(7, 6), 0.1),
        (at(7, 6), at(7, 7), 0.2),
    ]


def test_stopped_delivers_nothing():
    stopped = Prescription.stopped("morphine", MORPHINE_10)
    assert pieces(stopped, at(0, 0), at(3, 0)) == [(at(0, 0), at(3, 0), 0)]
    assert delivered_ml(stopped, at(0, 0), at(3, 0)) == 0


def test_an_empty_or_reversed_window_has_no_segments():
    with_bolus = CONTINUOUS.with_bolus(clinician_bolus(at(0, 8)))
    for prescription in (CONTINUOUS, FLEX, with_bolus):
        assert list(segments(prescription, at(0, 9), at(0, 9))) == []
        assert list(segments(prescription, at(0, 10), at(0, 7))) == []
        assert delivered_ml(prescription, at(0, 10), at(0, 7)) == 0


def test_day_profile():
    flows = [pytest.approx(0.1), pytest.approx(0.2), pytest.approx(0.1)]
    assert day_profile(FLEX, 3) == [(0, 360, flows[0]), (360, 1320, flows[1]), (1320, 1440, flows[2])]
    assert day_profile(CONTINUOUS, 3) == [(0, 1440, pytest.approx(0.15))]


def test_segment_arithmetic():
    segment = Segment(at(0, 0), at(0, 12), 0.2)
    assert segment.days == 0.5
    assert segment.volume_ml == pytest.approx(0.1)


# --- boluses around the window ----------------------------------------------------------------
def test_a_bolus_that_ended_before_the_window_leaves_the_base_mode():
    prescription = CONTINUOUS.with_bolus(clinician_bolus(at(0, 6)))
    assert pieces(prescription, at(0, 9), at(0, 12)) == [(at(0, 9), at(0, 12), 0.15)]


def test_a_bolus_that_started_before_the_window_runs_on_into_it():
    prescription = CONTINUOUS.with_bolus(clinician_bolus(at(0, 8), hours=2, volume_ml=0.5))
    assert pieces(prescription, at(0, 9), at(0, 12)) == [(at(0, 9), at(0, 10), 6), (at(0, 10), at(0, 12), 0.15)]
    assert delivered_ml(prescription, at(0, 9), at(0, 12)) == pytest.approx(0.25 + 0.15 / 12)


def test_a_bolus_inside_the_window_replaces_the_base_flow_meanwhile():
    prescription = FLEX.with_bolus(clinician_bolus(at(0, 5), hours=2, volume_ml=0.5))
    assert pieces(prescription, at(0, 4), at(0, 8)) == [
        (at(0, 4), at(0, 5), 0.1),
        (at(0, 5), at(0, 7), 6),
        (at(0, 7), at(0, 8), 0.2),  # the flex schedule carries on by the clock
    ]
    assert delivered_ml(prescription, at(0, 4), at(0, 8)) == pytest.approx(0.1 / 24 + 0.5 + 0.2 / 24)


def test_a_bolus_that_ends_after_the_window():
    prescription = CONTINUOUS.with_bolus(clinician_bolus(at(0, 11), hours=2, volume_ml=0.5))
    assert pieces(prescription, at(0, 9), at(0, 12)) == [(at(0, 9), at(0, 11), 0.15), (at(0, 11), at(0, 12), 6)]


def test_a_bolus_after_the_window_changes_nothing_yet():
    prescription = CONTINUOUS.with_bolus(clinician_bolus(at(1, 9)))
    assert pieces(prescription, at(0, 9), at(0, 12)) == [(at(0, 9), at(0, 12), 0.15)]


def test_a_bolus_exactly_filling_the_window():
    prescription = CONTINUOUS.with_bolus(clinician_bolus(at(0, 9), hours=3, volume_ml=0.3))
    assert pieces(prescription, at(0, 9), at(0, 12)) == [(at(0, 9), at(0, 12), 2.4)]
    assert delivered_ml(prescription, at(0, 9), at(0, 12)) == pytest.approx(0.3)


def test_single_bolus_mode_stops_after_the_bolus():
    single = Bolus(BolusKind.SINGLE, at(0, 10), timedelta(minutes=30), 0.1, Dose(1, MG))
    prescription = Prescription("morphine", MORPHINE_10, InfusionMode.SINGLE_BOLUS, bolus=single)
    assert pieces(prescription, at(0, 9), at(0, 12)) == [
        (at(0, 9), at(0, 10), 0),
        (at(0, 10), at(0, 10, 30), 4.8),
        (at(0, 10, 30), at(0, 12), 0),
    ]
    assert delivered_ml(prescription, at(0, 9), at(5, 0)) == pytest.approx(0.1)
    # Once the bolus is over, any later window is stopped.
    assert pieces(prescription, at(1, 0), at(2, 0)) == [(at(1, 0), at(2, 0), 0)]
    assert delivered_ml(prescription, at(0, 10, 15), at(0, 11)) == pytest.approx(0.05)


# --- properties ---------------------------------------------------------------------------
rates = st.floats(min_value=0.01, max_value=100).map(lambda value: DoseRate(round(value, 3), MG))


@st.composite
def days(draw) -> DaySchedule:
    starts = sorted(draw(st.sets(st.integers(0, 1439), min_size=1, max_size=6)))
    return DaySchedule(tuple(FlexStep(start, draw(rates)) for start in starts))


@st.composite
def prescriptions(draw) -> Prescription:
    kind = draw(st.sampled_from(["continuous", "every day", "per weekday", "single bolus"]))
    concentration = Concentration(draw(st.sampled_from([1, 10, 25])), MG)
    if kind == "continuous":
        prescription = Prescription.simple_continuous("morphine", concentration, draw(rates))
    elif kind == "every day":
        prescription = Prescription.flex("morphine", concentration, FlexSchedule.every_day(draw(days())))
    elif kind == "per weekday":
        week = FlexSchedule(tuple(draw(days()) for _ in range(7)))
        prescription = Prescription.flex("morphine", concentration, week)
    start = MONDAY + timedelta(minutes=draw(st.integers(0, 14 * 1440)))
    duration = timedelta(minutes=draw(st.integers(1, 3 * 1440)))
    volume_ml = draw(st.floats(min_value=0.01, max_value=2))
    if kind == "single bolus":
        single = Bolus(BolusKind.SINGLE, start, duration, volume_ml, concentration.dose_in(volume_ml))
        return Prescription("morphine", concentration, InfusionMode.SINGLE_BOLUS, bolus=single)
    if draw(st.booleans()):
        return prescription.with_bolus(
            Bolus(BolusKind.CLINICIAN, start, duration, volume_ml, concentration.dose_in(volume_ml))
        )
    return prescription


moments = st.integers(0, 21 * 86400).map(lambda seconds: MONDAY + timedelta(seconds=seconds))


@settings(max_examples=150, deadline=None)
@given(prescriptions(), moments, moments)
def test_segments_tile_the_window_exactly(prescription, a, b):
    start, end = min(a, b), max(a, b)
    found = list(segments(prescription, start, end))
    if start == end:
        assert found == []
        return
    assert found[0].start == start
    assert found[-1].end == end
    assert all(segment.start < segment.end for segment in found)
    assert all(earlier.end == later.start for earlier, later in pairwise(found))
    assert all(segment.ml_per_day >= 0 for segment in found)


@settings(max_examples=150, deadline=None)
@given(prescriptions(), moments, moments, moments)
def test_volume_over_a_to_c_is_a_to_b_plus_b_to_c(prescription, first, second, third):
    a, b, c = sorted((first, second, third))
    whole = delivered_ml(prescription, a, c)
    parts = delivered_ml(prescription, a, b) + delivered_ml(prescription, b, c)
    assert whole == pytest.approx(parts, rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(prescriptions(), st.integers(0, 13))
def test_a_calendar_day_without_a_bolus_delivers_that_weekdays_daily_volume(prescription, day):
    base = prescription.after_bolus()  # a single bolus leaves the pump stopped
    midnight = MONDAY + timedelta(days=day)
    expected = base.concentration.ml_per_day(base.daily_dose_on(midnight.weekday()))
    assert delivered_ml(base, midnight, midnight + timedelta(days=1)) == pytest.approx(expected)
