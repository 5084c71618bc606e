"""Thinning a reservoir curve for drawing: about one point per pixel column, the extremes and the alarm exact.

The curve: baclofen 2000 mcg/mL on a 13-step day alternating 260 and 180 mcg/day (about 0.11 mL/day)
from 40 mL on Mon 2025-03-03 09:00, so the 2 mL alarm comes after about 340 days: over a year of plot
it has about 4,600 breakpoints, five or so in each pixel column of a plot 900 pixels wide.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from programmer.session.plot_data import to_seconds
from programmer.session.plot_thinning import thin
from programmer.therapy.prescription import Bolus, BolusKind, Prescription
from programmer.therapy.projection import project
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2025, 3, 3, 9, 0)
YEAR = timedelta(days=365)
COLUMN = YEAR.total_seconds() / 900  # a year across 900 pixel columns: about 9.7 hours a column
MCG = DrugUnit.MCG


def thirteen_steps() -> Prescription:
    starts = [round(index * 1440 / 13) for index in range(13)]
    intervals = [
        (start, end, DoseRate(180 if index % 2 else 260, MCG))
        for index, (start, end) in enumerate(zip(starts, [*starts[1:], 1440], strict=True))
    ]
    day = DaySchedule.from_intervals(intervals)
    return Prescription.flex("baclofen", Concentration(2000, MCG), FlexSchedule.every_day(day))


@pytest.fixture(scope="module")
def curve():
    projection = project(thirteen_steps(), NOW, 40.0, 2.0)
    seconds, volumes = projection.series_arrays(NOW + YEAR)
    return projection, seconds, volumes


def test_a_year_of_thirteen_steps_thins_to_about_one_point_a_pixel_column(curve):
    _, seconds, volumes = curve
    x, y = thin(seconds, volumes, COLUMN)
    assert len(seconds) > 4000  # 13 breakpoints a day until the reservoir is empty
    assert 850 <= len(x) <= 920  # about one a column (900 of them), where the full curve has five
    # Every point drawn is a point of the curve, in order.
    index = np.searchsorted(seconds, x)
    assert np.array_equal(seconds[index], x) and np.array_equal(volumes[index], y)
    assert np.all(np.diff(x) > 0)


def test_the_extremes_are_drawn_exactly(curve):
    _, seconds, volumes = curve
    x, y = thin(seconds, volumes, COLUMN)
    assert (x[0], y[0]) == (seconds[0], 40.0)  # full at the start
    assert (x[-1], y[-1]) == (seconds[-1], 0.0)  # empty at the end of the year
    assert y.max() == volumes.max() and y.min() == volumes.min()


def test_the_drawn_curve_crosses_the_alarm_volume_exactly_at_the_alarm(curve):
    projection, seconds, volumes = curve
    alarm = to_seconds(projection.alarm_date)
    x, y = thin(seconds, volumes, COLUMN, keep=[alarm, to_seconds(projection.empty_date)])
    assert float(np.interp(alarm, x, y)) == pytest.approx(2.0, abs=1e-9)
    assert float(np.interp(to_seconds(projection.empty_date), x, y)) == 0.0
    # Without being asked to, the alarm instant would be dropped like any breakpoint inside a column.
    plain_x, _ = thin(seconds, volumes, COLUMN)
    assert np.min(np.abs(plain_x - alarm)) > 0


def test_between_the_points_kept_the_drawn_curve_stays_within_two_columns_of_the_curve(curve):
    _, seconds, volumes = curve
    x, y = thin(seconds, volumes, COLUMN)
    drawn = np.interp(seconds, x, y)
    # No further off than the volume falls in two columns: at 260 mcg/day (0.13 mL/day), 2 × 9.7 h is 0.105 mL,
    # under half a pixel of a 40 mL axis 480 pixels high.
    assert np.max(np.abs(drawn - volumes)) < 2 * COLUMN / 86400 * 0.13


def test_a_bolus_drop_then_a_steady_rate_keeps_its_corner():
    # Morphine 10 mg/mL at 1.5 mg/day with a 1 mg bolus over an hour (0.1 mL) at 12:00: the drop falls in
    # one column, then the steady rate runs for weeks as one long segment that must start where it does.
    morphine = Prescription.simple_continuous("morphine", Concentration(10, DrugUnit.MG), DoseRate(1.5, DrugUnit.MG))
    bolus = Bolus(BolusKind.CLINICIAN, NOW + timedelta(hours=3), timedelta(hours=1), 0.1, Dose(1, DrugUnit.MG))
    projection = project(morphine.with_bolus(bolus), NOW, 20.0, 2.0)
    seconds, volumes = projection.series_arrays(NOW + timedelta(days=90))
    x, y = thin(seconds, volumes, timedelta(days=90).total_seconds() / 900)
    corner = to_seconds(NOW + timedelta(hours=4))  # the bolus has ended
    assert corner in x
    month = NOW + timedelta(days=30)
    assert float(np.interp(to_seconds(month), x, y)) == pytest.approx(projection.volume_at(month))


def test_a_curve_that_also_rises_keeps_each_columns_lowest_and_highest():
    seconds = np.arange(40, dtype=float)  # ten columns of four points
    volumes = np.array([5.0, 9.0, 1.0, 4.0] * 10)
    x, y = thin(seconds, volumes, 4.0)
    columns = np.floor(x / 4.0)
    for column in range(10):
        shown = y[columns == column]
        assert shown.max() == 9.0 and shown.min() == 1.0


def test_before_the_plot_has_a_width_every_point_is_drawn(curve):
    _, seconds, volumes = curve
    for column in (None, 0.0):
        x, y = thin(seconds, volumes, column)
        assert x is seconds and y is volumes
