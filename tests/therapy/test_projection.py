"""Reservoir projection: worked numbers a nurse would check by hand, and properties of the volume curve."""

from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy import delivery
from programmer.therapy.bolus import PtmSettings, worst_case_patient_bolus_ml_per_day
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.projection import ProjectionError, project
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)
MONDAY = datetime(2025, 3, 3)  # a Monday
MINUTE = timedelta(minutes=1)


def morphine(mg_per_day: float) -> Prescription:
    return Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(mg_per_day, MG))


def day_night() -> Prescription:
    """06:00–22:00 2 mg/day, 22:00–06:00 1 mg/day at 10 mg/mL: 0.2 and 0.1 mL/day, 1/6 mL a day."""
    day = DaySchedule.from_intervals([(360, 1320, DoseRate(2, MG)), (1320, 360, DoseRate(1, MG))])
    return Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(day))


def weekend_heavier() -> Prescription:
    """1 mg/day Monday to Friday, 3 mg/day on Saturday and Sunday, at 10 mg/mL: 1.1 mL a week."""
    weekday, weekend = DaySchedule.constant(DoseRate(1, MG)), DaySchedule.constant(DoseRate(3, MG))
    return Prescription.flex("morphine", MORPHINE_10, FlexSchedule((weekday,) * 5 + (weekend,) * 2))


def bridge_bolus(start: datetime, volume_ml: float, minutes: int) -> Bolus:
    return Bolus(BolusKind.BRIDGE, start, timedelta(minutes=minutes), volume_ml, MORPHINE_10.dose_in(volume_ml))


# --- worked numbers --------------------------------------------------------------------


def test_simple_continuous_morphine_alarm_after_120_days_empty_after_133_and_a_third():
    prescription = morphine(1.5)
    assert prescription.nominal_daily_volume_ml == pytest.approx(0.15)
    start = datetime(2025, 3, 3, 9, 30)
    projection = project(prescription, start, 20.0, 2.0)
    assert abs(projection.alarm_date - (start + timedelta(days=120))) < MINUTE
    assert abs(projection.empty_date - (start + timedelta(days=133, hours=8))) < MINUTE
    assert projection.volume_at(start + timedelta(days=60)) == pytest.approx(11.0)
    assert projection.delivered_ml(start + timedelta(days=60)) == pytest.approx(9.0)
    assert projection.volume_at(start + timedelta(days=200)) == 0.0
    assert projection.delivered_ml(start + timedelta(days=200)) == 20.0
    assert projection.days_until_alarm(start + timedelta(days=20)) == pytest.approx(100.0)
    assert projection.days_until_alarm(start + timedelta(days=121)) == pytest.approx(-1.0)


def test_flex_day_and_night_rates_checked_by_hand():
    start = MONDAY.replace(hour=6)
    projection = project(day_night(), start, 10.1, 2.0)
    assert projection.volume_at(start.replace(hour=22)) == pytest.approx(10.1 - 0.2 * 16 / 24)
    assert projection.volume_at(start + timedelta(days=1)) == pytest.approx(10.1 - 1 / 6)
    # 8 mL take 48 whole days; the last 0.1 mL runs at 0.2 mL/day: 12 h after 06:00.
    assert abs(projection.alarm_date - datetime(2025, 4, 20, 18, 0)) < MINUTE
    # 10 mL take 60 days; again 0.1 mL more by 18:00.
    assert abs(projection.empty_date - datetime(2025, 5, 2, 18, 0)) < MINUTE


def test_flex_series_has_a_point_at_each_rate_change_and_none_at_midnight():
    start = MONDAY.replace(hour=6)
    points = project(day_night(), start, 10.1, 2.0).series(start + timedelta(days=1))
    assert [moment for moment, _ in points] == [start, start.replace(hour=22), start + timedelta(days=1)]
    assert [volume for _, volume in points] == pytest.approx([10.1, 10.1 - 0.4 / 3, 10.1 - 1 / 6])


def test_per_weekday_schedule_drains_faster_at_the_weekend():
    projection = project(weekend_heavier(), MONDAY, 6.05, 1.0)
    wednesday = MONDAY + timedelta(days=2)
    saturday = MONDAY + timedelta(days=5)
    one_day = timedelta(days=1)
    assert projection.volume_at(wednesday) - projection.volume_at(wednesday + one_day) == pytest.approx(0.1)
    assert projection.volume_at(saturday) - projection.volume_at(saturday + one_day) == pytest.approx(0.3)
    # Four weeks deliver 4.4 mL, Monday to Friday 0.5 mL more, then 0.15 mL at 0.3 mL/day: Saturday noon.
    assert abs(projection.alarm_date - datetime(2025, 4, 5, 12, 0)) < MINUTE
    assert projection.alarm_date.strftime("%A") == "Saturday"
    # Five weeks deliver 5.5 mL, the next weekdays 0.5 mL, the last 0.05 mL take 4 h on Saturday.
    assert abs(projection.empty_date - datetime(2025, 4, 12, 4, 0)) < MINUTE


def test_bridge_bolus_at_the_start_drops_the_volume_in_a_visible_step():
    start = datetime(2025, 3, 3, 9, 30)
    prescription = morphine(1.5).with_bolus(bridge_bolus(start, 0.5, 30))
    projection = project(prescription, start, 20.0, 2.0)
    bolus_end = start + timedelta(minutes=30)
    assert projection.volume_at(bolus_end) == pytest.approx(19.5)
    assert (bolus_end, pytest.approx(19.5)) in projection.series(start + timedelta(days=1))
    # The remaining 17.5 mL down to the alarm take 17.5 / 0.15 = 116 2/3 days after the bolus.
    assert abs(projection.alarm_date - (bolus_end + timedelta(days=116, hours=16))) < MINUTE
    without = project(morphine(1.5), start, 20.0, 2.0)
    assert without.alarm_date - projection.alarm_date > timedelta(days=3)


def test_bolus_later_in_the_projection_runs_when_it_is_due():
    start = datetime(2025, 3, 3, 9, 30)
    due = start + timedelta(days=10)
    projection = project(morphine(1.5).with_bolus(bridge_bolus(due, 1.0, 60)), start, 20.0, 2.0)
    assert projection.volume_at(due) == pytest.approx(18.5)
    assert projection.volume_at(due + timedelta(hours=1)) == pytest.approx(17.5)
    assert abs(projection.alarm_date - (start + timedelta(days=120 - 1 / 0.15, hours=1))) < MINUTE


def test_single_bolus_then_the_pump_stops():
    start = datetime(2025, 3, 3, 9, 30)
    bolus = Bolus(BolusKind.SINGLE, start, timedelta(hours=1), 0.2, Dose(2, MG))
    prescription = Prescription("morphine", MORPHINE_10, InfusionMode.SINGLE_BOLUS, bolus=bolus)
    projection = project(prescription, start, 5.0, 2.0)
    assert projection.alarm_date is None and projection.empty_date is None
    assert projection.volume_at(start + timedelta(days=300)) == pytest.approx(4.8)
    end = start + timedelta(days=300)
    assert projection.series(end) == [(start, 5.0), (start + timedelta(hours=1), pytest.approx(4.8)), (end, 4.8)]


def test_extra_flow_for_patient_boluses_brings_the_alarm_forward():
    start = datetime(2025, 3, 3, 9, 30)
    plain = project(morphine(1.5), start, 20.0, 2.0)
    worst_case = project(morphine(1.5), start, 20.0, 2.0, extra_ml_per_day=0.05)
    # 18 mL at 0.2 mL/day instead of 0.15 mL/day: 90 days instead of 120.
    assert abs(worst_case.alarm_date - (start + timedelta(days=90))) < MINUTE
    assert abs((plain.alarm_date - worst_case.alarm_date) - timedelta(days=30)) < MINUTE
    assert abs(worst_case.empty_date - (start + timedelta(days=100))) < MINUTE


def test_every_allowed_patient_bolus_as_extra_flow():
    # 0.1 mg boluses of 10 min, 4 a day at most: 0.04 mL/day more, 0.19 mL/day in all.
    ptm = PtmSettings(Dose(0.1, MG), timedelta(minutes=10), max_per_24h=4, lockout=timedelta(hours=3))
    extra = worst_case_patient_bolus_ml_per_day(ptm, MORPHINE_10)
    projection = project(morphine(1.5), MONDAY, 20.0, 2.0, extra_ml_per_day=extra)
    assert abs(projection.alarm_date - (MONDAY + timedelta(days=18 / 0.19))) < MINUTE


def test_minimum_rate_keep_open_flow():
    prescription = Prescription.minimum_rate("morphine", MORPHINE_10, 0.048)
    projection = project(prescription, MONDAY, 20.0, 2.0)
    assert abs(projection.alarm_date - (MONDAY + timedelta(days=375))) < MINUTE


def test_stopped_pump_never_alarms_nor_empties():
    projection = project(Prescription.stopped("morphine", MORPHINE_10), MONDAY, 12.0, 2.0)
    assert projection.alarm_date is None and projection.empty_date is None
    assert projection.days_until_alarm(MONDAY) is None
    assert projection.volume_at(MONDAY + timedelta(days=365)) == 12.0


def test_zero_flow_schedule_never_alarms():
    zero = FlexSchedule.every_day(DaySchedule.constant(DoseRate(0, MG)))
    projection = project(Prescription.flex("morphine", MORPHINE_10, zero), MONDAY, 12.0, 2.0)
    assert projection.alarm_date is None and projection.empty_date is None


def test_already_at_or_below_the_alarm_volume_alarms_at_the_start():
    stopped = project(Prescription.stopped("morphine", MORPHINE_10), MONDAY, 1.5, 2.0)
    assert stopped.alarm_date == MONDAY and stopped.empty_date is None
    at_alarm = project(morphine(1.5), MONDAY, 2.0, 2.0)
    assert at_alarm.alarm_date == MONDAY
    empty = project(morphine(1.5), MONDAY, 0.0, 2.0)
    assert empty.alarm_date == MONDAY and empty.empty_date == MONDAY
    assert empty.series(MONDAY + timedelta(days=3)) == [(MONDAY, 0.0), (MONDAY + timedelta(days=3), 0.0)]


def test_refuses_moments_before_the_start_and_negative_volumes():
    projection = project(morphine(1.5), MONDAY, 20.0, 2.0)
    with pytest.raises(ValueError, match="before this projection starts"):
        projection.volume_at(MONDAY - MINUTE)
    with pytest.raises(ProjectionError, match=r"reservoir volume .* not -1"):
        project(morphine(1.5), MONDAY, -1.0, 2.0)
    with pytest.raises(ProjectionError, match="extra flow"):
        project(morphine(1.5), MONDAY, 20.0, 2.0, extra_ml_per_day=float("nan"))


def test_plot_series_in_posix_seconds_reads_naive_times_as_utc():
    start = MONDAY.replace(hour=6)
    times, volumes = project(day_night(), start, 10.1, 2.0).series_arrays(start + timedelta(days=1))
    assert times.tolist() == [1740981600.0, 1740981600.0 + 16 * 3600, 1740981600.0 + 86400]
    assert volumes == pytest.approx([10.1, 10.1 - 0.4 / 3, 10.1 - 1 / 6])


def test_year_long_series_stops_falling_when_empty():
    start = datetime(2025, 3, 3, 9, 30)
    projection = project(weekend_heavier(), start, 6.05, 1.0)
    end = start + timedelta(days=365)
    points = projection.series(end)
    assert points[-2] == (projection.empty_date, 0.0)
    assert points[-1] == (end, 0.0)
    assert (projection.alarm_date, pytest.approx(1.0)) in points


# --- properties ------------------------------------------------------------------------

CONCENTRATIONS = st.sampled_from(
    [Concentration(10, MG), Concentration(25, MG), Concentration(2, MG), Concentration(500, DrugUnit.MCG)]
)


@st.composite
def day_schedules(draw, unit: DrugUnit) -> DaySchedule:
    starts = sorted(draw(st.lists(st.integers(0, 1439), min_size=1, max_size=13, unique=True)))
    # Rates as a programmer takes them: tenths of the unit per day, zero allowed.
    rates = draw(st.lists(st.integers(0, 300), min_size=len(starts), max_size=len(starts)))
    steps = (FlexStep(start, DoseRate(tenths / 10, unit)) for start, tenths in zip(starts, rates, strict=True))
    return DaySchedule(tuple(steps))


@st.composite
def prescriptions(draw) -> Prescription:
    concentration = draw(CONCENTRATIONS)
    unit = concentration.unit
    kind = draw(st.sampled_from(["flex", "flex_weekday", "simple", "stopped"]))
    if kind == "simple":
        daily_dose = DoseRate(draw(st.integers(1, 300)) / 10, unit)
        prescription = Prescription.simple_continuous("drug", concentration, daily_dose)
    elif kind == "stopped":
        prescription = Prescription.stopped("drug", concentration)
    else:
        days = 7 if kind == "flex_weekday" else 1
        schedule = FlexSchedule(tuple(draw(day_schedules(unit)) for _ in range(days)))
        prescription = Prescription.flex("drug", concentration, schedule)
    return prescription


@st.composite
def situations(draw, with_bolus: bool = True):
    prescription = draw(prescriptions())
    start = MONDAY + timedelta(minutes=draw(st.integers(0, 14 * 1440)), seconds=draw(st.integers(0, 59)))
    if with_bolus and prescription.mode is not InfusionMode.STOPPED and draw(st.booleans()):
        volume_ml = draw(st.integers(1, 200)) / 100
        bolus = Bolus(
            draw(st.sampled_from(list(BolusKind))),
            start + timedelta(minutes=draw(st.integers(-120, 3 * 1440))),
            timedelta(minutes=draw(st.integers(1, 600))),
            volume_ml,
            prescription.concentration.dose_in(volume_ml),
        )
        if bolus.kind is BolusKind.SINGLE:
            prescription = Prescription("drug", prescription.concentration, InfusionMode.SINGLE_BOLUS, bolus=bolus)
        else:
            prescription = prescription.with_bolus(bolus)
    start_volume = draw(st.integers(0, 4000)) / 100
    alarm_volume = draw(st.integers(0, 500)) / 100
    extra = draw(st.sampled_from([0.0, 0.0, 0.01, 0.05]))
    return prescription, start, start_volume, alarm_volume, extra


def _moments(draw_offsets: list[int], start: datetime) -> list[datetime]:
    return [start + timedelta(minutes=offset) for offset in sorted(draw_offsets)]


@settings(max_examples=60, deadline=None)
@given(situations(), st.integers(0, 40))
def test_a_whole_day_delivers_the_daily_volume_of_that_day(situation, day):
    prescription, start, _, _, extra = situation
    bolus = prescription.bolus
    settled = max(start, bolus.end) if bolus is not None else start
    midnight = settled.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1 + day)
    after = prescription.after_bolus() if bolus is not None else prescription
    expected = prescription.concentration.ml_per_day(after.daily_dose_on(midnight.weekday())) + extra
    projection = project(prescription, start, 10_000.0, 2.0, extra_ml_per_day=extra)
    delivered = projection.volume_at(midnight) - projection.volume_at(midnight + timedelta(days=1))
    assert delivered == pytest.approx(expected, rel=1e-9, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(situations(), st.lists(st.integers(0, 400 * 1440), min_size=2, max_size=30))
def test_volume_never_rises_nor_goes_below_zero(situation, offsets):
    prescription, start, volume, alarm, extra = situation
    projection = project(prescription, start, volume, alarm, extra_ml_per_day=extra)
    volumes = [projection.volume_at(moment) for moment in _moments(offsets, start)]
    assert all(later <= earlier + 1e-12 for earlier, later in pairwise(volumes))
    assert all(0.0 <= value <= volume for value in volumes)


@settings(max_examples=100, deadline=None)
@given(situations())
def test_alarm_comes_no_later_than_empty_and_exactly_when_the_volume_gets_there(situation):
    prescription, start, volume, alarm, extra = situation
    projection = project(prescription, start, volume, alarm, extra_ml_per_day=extra)
    if projection.empty_date is not None:
        assert projection.alarm_date is not None
        assert projection.alarm_date <= projection.empty_date
        assert projection.volume_at(projection.empty_date) == 0.0
    for date, target in ((projection.alarm_date, alarm), (projection.empty_date, 0.0)):
        if date is not None and date > start:
            # Dates are whole microseconds: at most a microsecond's flow past the target, never short of it.
            assert target - 1e-6 <= projection.volume_at(date) <= target + 1e-11
            assert projection.volume_at(date - timedelta(seconds=1)) > target  # first instant, not a later one
        elif date is None:
            assert projection.volume_at(start + timedelta(days=3650)) > target


@settings(max_examples=60, deadline=None)
@given(situations(), st.lists(st.integers(0, 60 * 1440), min_size=1, max_size=5))
def test_volume_agrees_with_the_delivery_segments(situation, offsets):
    prescription, start, volume, alarm, _ = situation
    projection = project(prescription, start, volume, alarm)
    for moment in _moments(offsets, start):
        expected = max(0.0, volume - delivery.delivered_ml(prescription, start, moment))
        assert abs(projection.volume_at(moment) - expected) <= 1e-9


@settings(max_examples=60, deadline=None)
@given(situations(), st.integers(0, 120 * 1440))
def test_series_is_the_curve_itself(situation, minutes):
    prescription, start, volume, alarm, extra = situation
    projection = project(prescription, start, volume, alarm, extra_ml_per_day=extra)
    end = start + timedelta(minutes=minutes)
    points = projection.series(end)
    assert points[0][0] == start and points[-1][0] == end
    assert all(a[0] < b[0] for a, b in pairwise(points))
    for moment, value in points:
        assert abs(value - projection.volume_at(moment)) <= 1e-9
    # Straight between neighbouring points: nothing was left out. (Alarm and empty instants are whole
    # microseconds; a 2 mL-per-minute bolus moves 3e-8 mL in one, hence the tolerance.)
    for (t0, v0), (t1, v1) in pairwise(points):
        middle = t0 + (t1 - t0) / 2
        assert projection.volume_at(middle) == pytest.approx((v0 + v1) / 2, abs=1e-7)
    for date in (projection.alarm_date, projection.empty_date):
        if date is not None and start <= date <= end:
            assert date in [moment for moment, _ in points]
    times, volumes = projection.series_arrays(end)
    posix = [(moment - datetime(1970, 1, 1)).total_seconds() for moment, _ in points]
    assert np.allclose(times, posix, rtol=0, atol=1e-3)
    assert np.allclose(volumes, [value for _, value in points], rtol=0, atol=1e-9)
