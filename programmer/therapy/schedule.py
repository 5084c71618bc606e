"""Flexible (time-of-day) dosing: steps that cover the whole day, optionally per weekday.

A day is a ring of steps. Each step starts at a minute after midnight and runs
until the next step starts; the last step runs past midnight into the first.
So a day is always covered exactly, with no gap and no overlap, by construction:
the operations below can only move, add or remove boundaries.

Rates are always a DoseRate per day in the drug's unit; per-hour entries are
converted on the way in (`DoseRate.from_per_hour`) and shown both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from programmer.therapy.units import MINUTES_PER_DAY, Concentration, Dose, DoseRate, DrugUnit, UnitError

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class ScheduleError(ValueError):
    """An edit or a schedule that cannot be: gap, overlap, empty day, bad time."""


def format_minute(minute: int) -> str:
    """840 -> '14:00'; 1440 (end of day) -> '24:00'."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_minute(text: str) -> int:
    """'06:30' -> 390. '24:00' is accepted as the end of the day."""
    try:
        hours, minutes = text.strip().split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise ScheduleError(f"time {text!r} must be HH:MM, e.g. 06:00") from None
    if not (0 <= int(minutes) < 60 and 0 <= value <= MINUTES_PER_DAY):
        raise ScheduleError(f"time {text!r} is not a time of day (00:00–24:00)")
    return value


@dataclass(frozen=True)
class FlexStep:
    start_minute: int
    rate: DoseRate


@dataclass(frozen=True)
class StepInterval:
    """One step seen on the clock: end_minute may exceed 1440 when it runs past midnight."""

    index: int
    start_minute: int
    end_minute: int
    rate: DoseRate

    @property
    def duration_minutes(self) -> int:
        return self.end_minute - self.start_minute

    @property
    def dose(self) -> Dose:
        return self.rate.over_minutes(self.duration_minutes)

    def volume_ml(self, concentration: Concentration) -> float:
        return concentration.volume_ml(self.dose)

    def label(self) -> str:
        return f"{format_minute(self.start_minute)}–{format_minute(self.end_minute % MINUTES_PER_DAY)}"


@dataclass(frozen=True)
class DaySchedule:
    steps: tuple[FlexStep, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise ScheduleError("a day needs at least one step")
        starts = [step.start_minute for step in self.steps]
        if any(not 0 <= start < MINUTES_PER_DAY for start in starts):
            raise ScheduleError("every step must start between 00:00 and 23:59")
        if starts != sorted(set(starts)):
            raise ScheduleError("steps must start at distinct times, in order")
        units = {step.rate.unit for step in self.steps}
        if len(units) > 1:
            raise UnitError("all steps of a schedule must be in the same unit")
        if any(step.rate.per_day < 0 for step in self.steps):
            raise ScheduleError("a rate cannot be negative")

    # --- construction ---------------------------------------------------------------
    @classmethod
    def constant(cls, rate: DoseRate) -> DaySchedule:
        return cls((FlexStep(0, rate),))

    @classmethod
    def from_intervals(cls, intervals: Iterable[tuple[int, int, DoseRate]]) -> DaySchedule:
        """Steps given as (start, end, rate), in any order; they must tile the day exactly."""
        given = sorted(intervals, key=lambda item: item[0])
        if not given:
            raise ScheduleError("no steps given")
        for start, end, _ in given:
            if start == end % MINUTES_PER_DAY and len(given) > 1:
                raise ScheduleError(f"step {format_minute(start)}–{format_minute(end)} has no duration")
        for (_, end, _), (next_start, _, _) in zip(given, given[1:] + given[:1], strict=True):
            if end % MINUTES_PER_DAY != next_start:
                problem = "gap" if _clock_distance(end, next_start) < _clock_distance(next_start, end) else "overlap"
                raise ScheduleError(
                    f"steps leave a {problem} between {format_minute(end % MINUTES_PER_DAY)} "
                    f"and {format_minute(next_start)}: steps must cover the day exactly"
                )
        return cls(tuple(FlexStep(start % MINUTES_PER_DAY, rate) for start, _, rate in given))

    # --- reading ------------------------------------------------------------------
    @property
    def unit(self) -> DrugUnit:
        return self.steps[0].rate.unit

    def intervals(self) -> list[StepInterval]:
        result = []
        for index, step in enumerate(self.steps):
            if index + 1 < len(self.steps):
                end = self.steps[index + 1].start_minute
            else:
                end = self.steps[0].start_minute + MINUTES_PER_DAY
            result.append(StepInterval(index, step.start_minute, end, step.rate))
        return result

    def clock_segments(self) -> list[tuple[int, int, DoseRate]]:
        """The day from 00:00 to 24:00 as (start, end, rate), splitting the step that runs past midnight."""
        segments: list[tuple[int, int, DoseRate]] = []
        last = self.steps[-1]
        if self.steps[0].start_minute > 0:
            segments.append((0, self.steps[0].start_minute, last.rate))
        for interval in self.intervals():
            segments.append((interval.start_minute, min(interval.end_minute, MINUTES_PER_DAY), interval.rate))
        return segments

    def index_at(self, minute: float) -> int:
        """Index of the step running at `minute` after midnight."""
        minute %= MINUTES_PER_DAY
        found = len(self.steps) - 1
        for index, step in enumerate(self.steps):
            if step.start_minute <= minute:
                found = index
        return found

    def rate_at(self, minute: float) -> DoseRate:
        return self.steps[self.index_at(minute)].rate

    @property
    def daily_dose(self) -> DoseRate:
        total = sum(interval.rate.per_day * interval.duration_minutes for interval in self.intervals())
        return DoseRate(total / MINUTES_PER_DAY, self.unit)

    def daily_volume_ml(self, concentration: Concentration) -> float:
        return concentration.ml_per_day(self.daily_dose)

    @property
    def min_rate(self) -> DoseRate:
        return min((step.rate for step in self.steps), key=lambda rate: rate.per_day)

    @property
    def max_rate(self) -> DoseRate:
        return max((step.rate for step in self.steps), key=lambda rate: rate.per_day)

    # --- operations a nurse performs (each returns a new day) -----------------------
    def split(self, at_minute: int) -> DaySchedule:
        """Cut the step running at `at_minute` in two with the same rate."""
        at_minute = _in_day(at_minute)
        if any(step.start_minute == at_minute for step in self.steps):
            raise ScheduleError(f"a step already starts at {format_minute(at_minute)}")
        rate = self.rate_at(at_minute)
        return self._with_steps([*self.steps, FlexStep(at_minute, rate)])

    def add(self, start_minute: int, end_minute: int, rate: DoseRate) -> DaySchedule:
        """Insert a step from start to end with `rate`, cutting into the steps it covers."""
        start, end = _in_day(start_minute), end_minute % MINUTES_PER_DAY
        if start == end:
            raise ScheduleError("a new step needs a duration")
        length = (end - start) % MINUTES_PER_DAY
        kept = [s for s in self.steps if not 0 < (s.start_minute - start) % MINUTES_PER_DAY <= length]
        if not any(s.start_minute == end for s in kept):
            kept.append(FlexStep(end, self.rate_at(end)))
        kept = [s for s in kept if s.start_minute != start]
        return self._with_steps([*kept, FlexStep(start, rate)])

    def merge(self, index: int, with_next: bool = True) -> DaySchedule:
        """Join step `index` with its neighbour; the joined step keeps step `index`'s rate."""
        self._check_index(index)
        if len(self.steps) == 1:
            raise ScheduleError("there is only one step: nothing to merge with")
        neighbour = (index + 1) % len(self.steps) if with_next else (index - 1) % len(self.steps)
        steps = list(self.steps)
        rate = steps[index].rate
        if with_next:
            del steps[neighbour]
            steps = [replace(s, rate=rate) if s.start_minute == self.steps[index].start_minute else s for s in steps]
        else:
            keep_start = steps[neighbour].start_minute
            del steps[index]
            steps = [replace(s, rate=rate) if s.start_minute == keep_start else s for s in steps]
        return self._with_steps(steps)

    def delete(self, index: int) -> DaySchedule:
        """Remove step `index`; the step before it extends over its time."""
        self._check_index(index)
        if len(self.steps) == 1:
            raise ScheduleError("cannot delete the only step: a day must be covered")
        return self._with_steps([s for i, s in enumerate(self.steps) if i != index])

    def move_start(self, index: int, new_start_minute: int) -> DaySchedule:
        """Move the boundary where step `index` starts (the previous step ends)."""
        self._check_index(index)
        new_start = _in_day(new_start_minute)
        if len(self.steps) > 1:
            previous = self.steps[index - 1].start_minute
            following = self.steps[(index + 1) % len(self.steps)].start_minute
            # The boundary may move anywhere strictly between its neighbours' starts, around the clock.
            span = (following - previous) % MINUTES_PER_DAY or MINUTES_PER_DAY
            offset = (new_start - previous) % MINUTES_PER_DAY
            if not 0 < offset < span:
                raise ScheduleError(
                    f"{format_minute(new_start)} is outside {format_minute(previous)}–{format_minute(following)}: "
                    "a boundary cannot pass its neighbours"
                )
        steps = list(self.steps)
        steps[index] = replace(steps[index], start_minute=new_start)
        return self._with_steps(steps)

    def move_end(self, index: int, new_end_minute: int) -> DaySchedule:
        self._check_index(index)
        return self.move_start((index + 1) % len(self.steps), new_end_minute)

    def with_rate(self, index: int, rate: DoseRate) -> DaySchedule:
        self._check_index(index)
        steps = list(self.steps)
        steps[index] = replace(steps[index], rate=rate)
        return self._with_steps(steps)

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self.steps):
            raise ScheduleError(f"there is no step {index + 1}; the day has {len(self.steps)}")

    @staticmethod
    def _with_steps(steps: Sequence[FlexStep]) -> DaySchedule:
        return DaySchedule(tuple(sorted(steps, key=lambda step: step.start_minute)))


def _in_day(minute: int) -> int:
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ScheduleError(f"minute {minute} is not within a day")
    return minute % MINUTES_PER_DAY


def _clock_distance(a: int, b: int) -> int:
    return (b - a) % MINUTES_PER_DAY


@dataclass(frozen=True)
class FlexSchedule:
    """One day used every day, or seven days Monday..Sunday."""

    days: tuple[DaySchedule, ...]

    def __post_init__(self) -> None:
        if len(self.days) not in (1, 7):
            raise ScheduleError("a flex schedule has one day for every day, or seven (Monday to Sunday)")
        if len({day.unit for day in self.days}) > 1:
            raise UnitError("all days of a schedule must be in the same unit")

    @classmethod
    def every_day(cls, day: DaySchedule) -> FlexSchedule:
        return cls((day,))

    @property
    def per_weekday(self) -> bool:
        return len(self.days) == 7

    @property
    def unit(self) -> DrugUnit:
        return self.days[0].unit

    def day(self, weekday: int) -> DaySchedule:
        """The schedule for `weekday` (0 = Monday)."""
        return self.days[weekday] if self.per_weekday else self.days[0]

    def with_day(self, weekday: int, day: DaySchedule) -> FlexSchedule:
        if not self.per_weekday:
            return FlexSchedule((day,))
        days = list(self.days)
        days[weekday] = day
        return FlexSchedule(tuple(days))

    def by_weekday(self) -> FlexSchedule:
        """Seven separate days, each a copy of the current ones."""
        return FlexSchedule(tuple(self.day(weekday) for weekday in range(7)))

    def same_every_day(self, weekday: int = 0) -> FlexSchedule:
        return FlexSchedule((self.day(weekday),))

    def copy_day(self, from_weekday: int, to_weekdays: Iterable[int]) -> FlexSchedule:
        days = list(self.by_weekday().days)
        for weekday in to_weekdays:
            days[weekday] = days[from_weekday]
        return FlexSchedule(tuple(days))

    def daily_dose(self, weekday: int) -> DoseRate:
        return self.day(weekday).daily_dose

    @property
    def average_daily_dose(self) -> DoseRate:
        """Mean over the week; equal to the daily dose when every day is the same."""
        total = sum(self.day(weekday).daily_dose.per_day for weekday in range(7))
        return DoseRate(total / 7, self.unit)

    @property
    def max_steps_per_day(self) -> int:
        return max(len(day.steps) for day in self.days)

    @property
    def min_rate(self) -> DoseRate:
        return min((day.min_rate for day in self.days), key=lambda rate: rate.per_day)

    @property
    def max_rate(self) -> DoseRate:
        return max((day.max_rate for day in self.days), key=lambda rate: rate.per_day)
