"""Flow over time: the prescription as piecewise-constant segments of mL/day.

Both the reservoir projection and the pump firmware's simulated time walk these
segments, so what the pump delivers and what the programmer projects agree.
Segments change only at step boundaries, midnight (weekday schedules) and the
start and end of a bolus: event-driven, never a per-minute loop.

Segments tile [start, end) exactly, in order, with no gap and no overlap. Each
calendar day follows its weekday's schedule from 00:00 to 24:00 (see schedule.py):
a step that runs past midnight is cut there, and the early hours follow the new
weekday's own last step (the same step when every day has the same schedule).
A bolus replaces the base flow while it runs; after a single bolus the pump is stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from msgspec import Struct

from programmer.therapy.prescription import InfusionMode, Prescription

SECONDS_PER_DAY = 86400.0


class Segment(Struct, frozen=True):
    """A stretch of time during which the pump delivers at one volume rate."""

    start: datetime
    end: datetime
    ml_per_day: float

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / SECONDS_PER_DAY

    @property
    def volume_ml(self) -> float:
        return self.ml_per_day * self.days


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def day_profile(prescription: Prescription, weekday: int) -> list[tuple[int, int, float]]:
    """The base flow over calendar day `weekday` as (start minute, end minute, mL/day)."""
    if prescription.mode is InfusionMode.FLEX:
        day = prescription.schedule.day(weekday)
        concentration = prescription.concentration
        return [(start, end, concentration.ml_per_day(rate)) for start, end, rate in day.clock_segments()]
    return [(0, 1440, prescription.base_ml_per_day_at(datetime(2000, 1, 3)))]


def base_segments(prescription: Prescription, start: datetime, end: datetime) -> Iterator[Segment]:
    """Segments of the base mode only (no bolus) from start to end."""
    if end <= start:
        return
    if prescription.mode is not InfusionMode.FLEX:
        yield Segment(start, end, day_profile(prescription, 0)[0][2])
        return
    profiles = [day_profile(prescription, weekday) for weekday in range(7)]
    day = _midnight(start)
    while day < end:
        for start_minute, end_minute, ml_per_day in profiles[day.weekday()]:
            piece_start = max(start, day + timedelta(minutes=start_minute))
            piece_end = min(end, day + timedelta(minutes=end_minute))
            if piece_start < piece_end:
                yield Segment(piece_start, piece_end, ml_per_day)
        day += timedelta(days=1)


def segments(prescription: Prescription, start: datetime, end: datetime) -> Iterator[Segment]:
    """Segments from start to end, a pending bolus replacing the base flow while it runs."""
    if end <= start:
        return
    bolus = prescription.bolus
    if bolus is None or bolus.end <= start or bolus.start >= end:
        after = prescription.after_bolus() if bolus is not None and bolus.end <= start else prescription
        yield from base_segments(after, start, end)
        return
    yield from base_segments(prescription, start, bolus.start)
    yield Segment(max(start, bolus.start), min(end, bolus.end), bolus.ml_per_day)
    yield from base_segments(prescription.after_bolus(), bolus.end, end)


def delivered_ml(prescription: Prescription, start: datetime, end: datetime) -> float:
    """Volume the prescription delivers between two instants (ignoring an empty reservoir)."""
    return sum(segment.volume_ml for segment in segments(prescription, start, end))
