"""Flexible (time-of-day) dosing: steps that cover the whole day, optionally per weekday.

A day is a ring of steps. Each step starts at a minute after midnight and runs
until the next step starts; the last step runs past midnight into the first.
So a day is always covered exactly, with no gap and no overlap, by construction:
the operations below can only move, add or remove boundaries.

Rates are always a DoseRate per day in the drug's unit; per-hour entries are
converted on the way in (`DoseRate.from_per_hour`) and shown both ways.

With a separate schedule per weekday, each weekday's ring governs that calendar
day from 00:00 to 24:00: its last step covers the end of the day *and* the time
before its first step. So a weekday's daily dose is exactly what the pump
delivers on that calendar day, and at midnight the next weekday's ring takes over.
Every screen therefore shows a weekday's step past midnight as its pieces of that same
day (`StepInterval.calendar_label`: Friday's 22:00–06:00 is "00:00–06:00 and 22:00–24:00"),
so what is shown is exactly what is delivered; with one schedule for every day the ring
label ("22:00–06:00") is right, as every night is the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from msgspec import Struct
from msgspec.structs import force_setattr, replace

from programmer.errors import ProgrammerError
from programmer.therapy.units import (
    MINUTES_PER_DAY,
    Concentration,
    Dose,
    DoseRate,
    DrugUnit,
    UnitError,
    parse_dose_rate,
)
from programmer.wording import WEEKDAYS

if TYPE_CHECKING:
    from programmer.therapy.pump_models import PumpModel


class ScheduleError(ProgrammerError, ValueError):
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


def parse_step(text: str, unit: DrugUnit | None = None) -> tuple[int, int, DoseRate]:
    """'06:00-22:00=0.7mg/day' -> (start minute, end minute, rate): a flex step as scripts and commands type it."""
    try:
        times, rate = text.split("=", 1)
        start, end = times.split("-", 1)
    except ValueError:
        raise ScheduleError(f"step {text!r} must look like 06:00-22:00=2mg/day") from None
    return parse_minute(start), parse_minute(end), parse_dose_rate(rate, unit)


class FlexStep(Struct, frozen=True):
    """A step of a flexible schedule: from `start_minute` of the day, this dose rate."""

    start_minute: int
    rate: DoseRate

    def __post_init__(self) -> None:
        if isinstance(self.start_minute, bool) or not isinstance(self.start_minute, int):
            raise TypeError(f"a step starts at a whole minute after midnight, not {self.start_minute!r}")
        if not isinstance(self.rate, DoseRate):
            raise TypeError(f"a step's rate must be a DoseRate (mg/day or mcg/day), not {self.rate!r}")


class StepInterval(Struct, frozen=True):
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

    @property
    def runs_past_midnight(self) -> bool:
        return self.end_minute > MINUTES_PER_DAY

    def label(self) -> str:
        """'22:00–06:00': the step on the ring of a day, as a schedule for every day reads (every night alike).

        A step of the whole day reads '00:00–24:00' (or '06:00–06:00 next day'), never as if it lasted no time.
        """
        start, end = format_minute(self.start_minute), format_minute(self.end_minute % MINUTES_PER_DAY)
        if self.end_minute - self.start_minute == MINUTES_PER_DAY:
            return f"{start}–{format_minute(MINUTES_PER_DAY)}" if self.start_minute == 0 else f"{start}–{end} next day"
        return f"{start}–{end}"

    def clock_pieces(self) -> list[tuple[int, int]]:
        """The step on the 00:00–24:00 clock of its own calendar day, early piece first.

        A step past midnight is two pieces of the *same* day: with a schedule per weekday, Friday's
        22:00–06:00 step covers Friday 00:00–06:00 and Friday 22:00–24:00 (see the module docstring).
        """
        if not self.runs_past_midnight:
            return [(self.start_minute, self.end_minute)]
        return [(0, self.end_minute - MINUTES_PER_DAY), (self.start_minute, MINUTES_PER_DAY)]

    def calendar_label(self) -> str:
        """'00:00–06:00 and 22:00–24:00': the pieces of `clock_pieces`, as a per-weekday schedule reads."""
        return " and ".join(f"{format_minute(start)}–{format_minute(end)}" for start, end in self.clock_pieces())

    def day_label(self, per_weekday: bool) -> str:
        """The label a finding names the step by: its calendar pieces for a schedule per weekday, else its ring."""
        return self.calendar_label() if per_weekday else self.label()

    def rate_text(self) -> str:
        """'2 mg/day (0.08333 mg/h)': per day as programmed, per hour to check a per-hour order against."""
        return self.rate.day_and_hour_text()


class DaySchedule(Struct, frozen=True):
    """One day of a flexible schedule: its steps, each from its start minute to the next."""

    steps: tuple[FlexStep, ...]

    def __post_init__(self) -> None:
        force_setattr(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ScheduleError("a day needs at least one step")
        if not all(isinstance(step, FlexStep) for step in self.steps):
            raise TypeError("a day is made of FlexStep values")
        starts = [step.start_minute for step in self.steps]
        for start in starts:
            if not 0 <= start < MINUTES_PER_DAY:
                raise ScheduleError(f"a step cannot start at minute {start}: steps start between 00:00 and 23:59")
        if starts != sorted(set(starts)):
            raise ScheduleError("steps must start at distinct times, in order")
        units = sorted({step.rate.unit.value for step in self.steps})
        if len(units) > 1:
            raise UnitError(f"all steps of a schedule must be in the same unit, not {' and '.join(units)}")
        for interval in self.intervals():
            if interval.rate.per_day < 0:
                raise ScheduleError(f"step {interval.label()}: a rate cannot be negative ({interval.rate})")

    # --- construction ---------------------------------------------------------------
    @classmethod
    def constant(cls, rate: DoseRate) -> DaySchedule:
        return cls((FlexStep(0, rate),))

    @classmethod
    def from_intervals(cls, intervals: Iterable[tuple[int, int, DoseRate]]) -> DaySchedule:
        """Steps given as (start, end, rate), in any order; they must tile the day exactly.

        An end before the start, or beyond 24:00, runs past midnight: (1320, 360) and (1320, 1800) are both 22:00–06:00.
        """
        given = sorted(intervals, key=lambda item: item[0])
        if not given:
            raise ScheduleError("no steps given")
        durations = []
        for start, end, _ in given:
            label = f"{format_minute(start % MINUTES_PER_DAY)}–{format_minute(end % MINUTES_PER_DAY)}"
            if not 0 <= start < MINUTES_PER_DAY or not 0 <= end <= 2 * MINUTES_PER_DAY:
                raise ScheduleError(f"step from minute {start} to minute {end} is not within a day")
            if end - start > MINUTES_PER_DAY:
                raise ScheduleError(f"step {label} runs for more than a day")
            if end == start and len(given) > 1:
                raise ScheduleError(f"step {label} has no duration")
            durations.append((end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY)
        # Walk round the clock: each step must end exactly where the next one (by start time) begins.
        for index, (start, _, _) in enumerate(given):
            next_start = given[(index + 1) % len(given)][0]
            room = (next_start - start) % MINUTES_PER_DAY or (MINUTES_PER_DAY if len(given) == 1 else 0)
            ends = format_minute((start + durations[index]) % MINUTES_PER_DAY)
            if durations[index] < room:
                problem = f"steps leave a gap between {ends} and {format_minute(next_start)}"
                raise ScheduleError(f"{problem}: steps must cover the day exactly")
            if durations[index] > room:
                problem = f"steps overlap between {format_minute(next_start)} and {ends}"
                raise ScheduleError(f"{problem}: steps must cover the day exactly")
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
        """Insert a step from start to end with `rate`, cutting into the steps it covers.

        The end may be before the start (22:00–06:00 runs past midnight); start to start + 24:00 is the whole day.
        """
        start = _in_day(start_minute)
        if not 0 <= end_minute <= 2 * MINUTES_PER_DAY:
            raise ScheduleError(f"minute {end_minute} is not within a day")
        if end_minute - start_minute == MINUTES_PER_DAY:
            return DaySchedule((FlexStep(start, rate),))
        end = end_minute % MINUTES_PER_DAY
        if start == end:
            raise ScheduleError(f"a new step needs a duration: it starts and ends at {format_minute(start)}")
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

    def with_rate_per_hour(self, index: int, per_hour: float) -> DaySchedule:
        """Change a rate ordered per hour: stored per day (× 24), in this schedule's unit."""
        return self.with_rate(index, DoseRate.from_per_hour(per_hour, self.unit))

    def _check_index(self, index: int) -> None:
        if not 0 <= index < len(self.steps):
            raise ScheduleError(f"there is no step {index + 1}; the day has {len(self.steps)}")

    @staticmethod
    def _with_steps(steps: Sequence[FlexStep]) -> DaySchedule:
        return DaySchedule(tuple(sorted(steps, key=lambda step: step.start_minute)))


def _check_weekday(weekday: int) -> None:
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday < 7:
        raise ScheduleError(f"weekday {weekday!r} is not 0 (Monday) to 6 (Sunday)")


def _in_day(minute: int) -> int:
    if not 0 <= minute <= MINUTES_PER_DAY:
        raise ScheduleError(f"minute {minute} is not within a day")
    return minute % MINUTES_PER_DAY


class FlexSchedule(Struct, frozen=True):
    """One day used every day, or seven days Monday..Sunday."""

    days: tuple[DaySchedule, ...]

    def __post_init__(self) -> None:
        force_setattr(self, "days", tuple(self.days))
        if len(self.days) not in (1, 7):
            raise ScheduleError("a flex schedule has one day for every day, or seven (Monday to Sunday)")
        if not all(isinstance(day, DaySchedule) for day in self.days):
            raise TypeError("a flex schedule is made of DaySchedule values")
        units = sorted({day.unit.value for day in self.days})
        if len(units) > 1:
            raise UnitError(f"all days of a schedule must be in the same unit, not {' and '.join(units)}")

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
        _check_weekday(weekday)
        return self.days[weekday] if self.per_weekday else self.days[0]

    def day_name(self, weekday: int) -> str:
        """'Monday' for a per-weekday schedule, 'Every day' when one day is used all week."""
        _check_weekday(weekday)
        return WEEKDAYS[weekday] if self.per_weekday else "Every day"

    def with_day(self, weekday: int, day: DaySchedule) -> FlexSchedule:
        """Replace `weekday`'s schedule; with one schedule for every day, that one is replaced."""
        _check_weekday(weekday)
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
        """Copy one weekday's steps onto other weekdays (the result has a schedule per weekday)."""
        _check_weekday(from_weekday)
        days = list(self.by_weekday().days)
        for weekday in to_weekdays:
            _check_weekday(weekday)
            days[weekday] = days[from_weekday]
        return FlexSchedule(tuple(days))

    def daily_dose(self, weekday: int) -> DoseRate:
        return self.day(weekday).daily_dose

    def daily_volume_ml(self, weekday: int, concentration: Concentration) -> float:
        return self.day(weekday).daily_volume_ml(concentration)

    @property
    def average_daily_dose(self) -> DoseRate:
        """Mean over the week; equal to the daily dose when every day is the same."""
        total = sum(self.day(weekday).daily_dose.per_day for weekday in range(7))
        return DoseRate(total / 7, self.unit)

    @property
    def max_steps_per_day(self) -> int:
        return max(len(day.steps) for day in self.days)


# --- what a pump model can run ----------------------------------------------------------


def step_problems(
    day: DaySchedule, index: int, model: PumpModel, concentration: Concentration, day_name: str = "Every day"
) -> list[str]:
    """Why step `index` of `day` cannot run on `model` at `concentration`; empty when it can."""
    day._check_index(index)
    interval = day.intervals()[index]
    # A weekday's step past midnight is two pieces of that day; with one schedule every night is alike.
    where = f"{day_name} {interval.day_label(day_name in WEEKDAYS)}"
    problems = []
    if index >= model.max_flex_steps:
        problems.append(
            f"{where}: step {index + 1} of {len(day.steps)} is beyond the {model.name} maximum of "
            f"{model.max_flex_steps} steps per day"
        )
    flow = model.flow_problem(concentration.ml_per_day(interval.rate), concentration)
    if flow:
        problems.append(f"{where}, {interval.rate} at {concentration}: {flow}")
    return problems


def schedule_problems(schedule: FlexSchedule, model: PumpModel, concentration: Concentration) -> list[str]:
    """Everything that stops `model` from running `schedule` at `concentration`, per weekday and per step."""
    problems = []
    if schedule.per_weekday and not model.per_weekday_schedules:
        problems.append(
            f"the {model.name} cannot hold a separate schedule per weekday: use one schedule for every day"
        )
    for weekday in range(7 if schedule.per_weekday else 1):
        day = schedule.day(weekday)
        for index in range(len(day.steps)):
            problems += step_problems(day, index, model, concentration, schedule.day_name(weekday))
    return problems
