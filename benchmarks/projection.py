"""Reservoir projection speed: alarm and empty dates, and a year-long plot series.

Run: /work/venv/bin/python benchmarks/projection.py [SECTION ...] [--repeats N]
Sections (default: both):
  dates    the alarm and empty dates of project() (target 2 ms)
  series   the 365-day plot series: series_arrays(), alone and with project() (target 10 ms), and
           series() as a list of (datetime, mL)
--repeats N   runs of each, alternating (default 100)

A 13-step schedule that differs on every weekday, projected over 365 days. Baseline, in the same
run: walking every delivery segment for the year (programmer.therapy.delivery.segments), summing
volumes until the alarm and empty volumes are crossed, and collecting every segment's end point for
the plot. Medians on the clock and in processor time, and the ratios (benchmarks/timing.py): below
1x, faster than the walk. Nothing is asserted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from timing import Figure, Target, Timings, command_line, header

from programmer.therapy.delivery import segments
from programmer.therapy.prescription import Prescription
from programmer.therapy.projection import project
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

MCG = DrugUnit.MCG
START = datetime(2025, 3, 3, 9, 30)
YEAR = timedelta(days=365)
ALARM_ML = 2.0
EPOCH = datetime(1970, 1, 1)


def thirteen_steps_per_weekday() -> Prescription:
    """Baclofen 500 mcg/mL, 13 steps a day, a different schedule each weekday (about 0.1 mL/day)."""
    days = []
    for weekday in range(7):
        starts = [0, 90, 180, 300, 420, 540, 660, 780, 900, 1020, 1140, 1260, 1380]
        steps = tuple(
            FlexStep(start, DoseRate(30.0 + 5.0 * ((index + weekday) % 13) + 2.0 * weekday, MCG))
            for index, start in enumerate(starts)
        )
        days.append(DaySchedule(steps))
    return Prescription.flex("baclofen", Concentration(500, MCG), FlexSchedule(tuple(days)))


def naive_dates(prescription: Prescription, start_ml: float) -> tuple[datetime | None, datetime | None]:
    """Walk every segment of the year, solving inside the segment where each volume is crossed."""
    volume, alarm, empty = start_ml, None, None
    for segment in segments(prescription, START, START + YEAR):
        after = volume - segment.volume_ml
        if alarm is None and after <= ALARM_ML < volume:
            alarm = segment.start + timedelta(days=(volume - ALARM_ML) / segment.ml_per_day)
        if after <= 0:
            empty = segment.start + timedelta(days=volume / segment.ml_per_day)
            break
        volume = after
    return alarm, empty


def naive_series(prescription: Prescription, start_ml: float) -> tuple[np.ndarray, np.ndarray]:
    """One point per segment end for the year, then converted for plotting."""
    times, volumes, volume = [START], [start_ml], start_ml
    for segment in segments(prescription, START, START + YEAR):
        volume = max(0.0, volume - segment.volume_ml)
        times.append(segment.end)
        volumes.append(volume)
    seconds = np.array([(moment - EPOCH).total_seconds() for moment in times])
    return seconds, np.array(volumes)


def dates_section(prescription: Prescription, start_ml: float, repeats: int) -> None:
    projection = project(prescription, START, start_ml, ALARM_ML)
    alarm, empty = naive_dates(prescription, start_ml)
    alarm_gap = abs((projection.alarm_date - alarm).total_seconds())
    empty_gap = abs((projection.empty_date - empty).total_seconds())
    timings = Timings().alternate(
        repeats,
        {
            "project": lambda: project(prescription, START, start_ml, ALARM_ML),
            "walk": lambda: naive_dates(prescription, start_ml),
        },
    )
    header("Alarm and empty dates", repeats)
    print(f"  alarm date {projection.alarm_date}, empty date {projection.empty_date}")
    print(f"  the baseline's differ by {alarm_gap:.6f} s and {empty_gap:.6f} s")
    Figure(
        "project(), 13 steps a weekday",
        timings["project"],
        {"baseline, walk every delivery segment for 365 days": timings["walk"]},
        [Target(2, "ms")],
    ).print()


def series_section(prescription: Prescription, start_ml: float, repeats: int) -> None:
    projection = project(prescription, START, start_ml, ALARM_ML)
    end = START + YEAR
    timings = Timings().alternate(
        repeats,
        {
            "with project": lambda: project(prescription, START, start_ml, ALARM_ML).series_arrays(end),
            "walk": lambda: naive_series(prescription, start_ml),
            "arrays": lambda: projection.series_arrays(end),
            "list": lambda: projection.series(end),
        },
    )
    header(f"365-day plot series ({len(projection.series_arrays(end)[0])} points)", repeats)
    walk = {"baseline, every delivery segment to numpy": timings["walk"]}
    Figure("project() + series_arrays()", timings["with project"], walk, [Target(10, "ms")]).print()
    Figure("series_arrays() of a projection", timings["arrays"], walk).print()
    Figure("series() as a list of (datetime, mL)", timings["list"], walk).print()


SECTIONS = {"dates": dates_section, "series": series_section}


def main() -> None:
    options = command_line(__doc__, repeats=100, sections=SECTIONS).parse_args()
    prescription = thirteen_steps_per_weekday()
    # Enough for 364 days: both dates fall near the end of the year, so the baseline walks almost all of it.
    start_ml = prescription.nominal_daily_volume_ml * 364
    print(f"schedule: {prescription.describe()}; {prescription.nominal_daily_volume_ml:.4f} mL/day")
    print(f"reservoir {start_ml:.2f} mL, alarm at {ALARM_ML} mL, start {START:%Y-%m-%d %H:%M}")
    for name in options.sections:
        SECTIONS[name](prescription, start_ml, options.repeats)


if __name__ == "__main__":
    main()
