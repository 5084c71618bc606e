"""Reservoir projection speed: alarm and empty dates, and a year-long plot series.

A 13-step schedule that differs on every weekday, projected over 365 days.
Baseline, measured in the same run: walking every delivery segment for the year
(programmer.therapy.delivery.segments), summing volumes until the alarm and empty
volumes are crossed, and collecting every segment's end point for the plot.
Prints medians (time.perf_counter, many repetitions) and the ratio. Asserts nothing.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

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


def median_ms(work: Callable[[], object], repetitions: int) -> float:
    work()  # warm up
    samples = []
    for _ in range(repetitions):
        began = time.perf_counter()
        work()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main() -> None:
    prescription = thirteen_steps_per_weekday()
    # Enough for 364 days: both dates fall near the end of the year, so the baseline walks almost all of it.
    start_ml = prescription.nominal_daily_volume_ml * 364
    projection = project(prescription, START, start_ml, ALARM_ML)
    alarm, empty = naive_dates(prescription, start_ml)
    print(f"schedule: {prescription.describe()}; {prescription.nominal_daily_volume_ml:.4f} mL/day")
    print(f"reservoir {start_ml:.2f} mL, alarm at {ALARM_ML} mL, start {START:%Y-%m-%d %H:%M}")
    print(f"alarm date {projection.alarm_date}, empty date {projection.empty_date}")
    alarm_gap = abs((projection.alarm_date - alarm).total_seconds())
    empty_gap = abs((projection.empty_date - empty).total_seconds())
    print(f"baseline: alarm {alarm}, empty {empty} (differ by {alarm_gap:.6f} s and {empty_gap:.6f} s)")
    print()

    dates_ms = median_ms(lambda: project(prescription, START, start_ml, ALARM_ML), 2000)
    naive_dates_ms = median_ms(lambda: naive_dates(prescription, start_ml), 50)
    end = START + YEAR
    arrays_ms = median_ms(lambda: projection.series_arrays(end), 2000)
    fresh_arrays_ms = median_ms(lambda: project(prescription, START, start_ml, ALARM_ML).series_arrays(end), 1000)
    list_ms = median_ms(lambda: projection.series(end), 100)
    naive_series_ms = median_ms(lambda: naive_series(prescription, start_ml), 50)
    points = len(projection.series_arrays(end)[0])

    print(f"{'measure (median)':58} {'time':>10} {'target':>8}")
    print(f"{'alarm + empty dates: project() (13 steps/weekday)':58} {dates_ms:8.3f} ms {'<= 2 ms':>8}")
    print(f"{'  baseline: walk every delivery segment for 365 days':58} {naive_dates_ms:8.3f} ms")
    print(f"{'  ratio (baseline / projection)':58} {naive_dates_ms / dates_ms:8.1f} x")
    print(f"{f'365-day plot series: series_arrays() ({points} points)':58} {arrays_ms:8.3f} ms {'<= 10 ms':>8}")
    print(f"{'  the same including project()':58} {fresh_arrays_ms:8.3f} ms")
    print(f"{'  baseline: every delivery segment to numpy':58} {naive_series_ms:8.3f} ms")
    print(f"{'  ratio (baseline / series_arrays incl. project)':58} {naive_series_ms / fresh_arrays_ms:8.1f} x")
    print(f"{'365-day series() as a list of (datetime, mL)':58} {list_ms:8.3f} ms")


if __name__ == "__main__":
    main()
