"""Editing a flexible (time-of-day) schedule: the day shown, the selected step, the figures and the limits.

Qt-free, so every number the schedule editor shows is computed (and tested) here:
each step's start, end, duration, rate per day *and* per hour, dose and volume;
each day's totals and its change from what the pump delivers now; every step the
pump model or the drug library would refuse, with the reason. The editing
operations return the whole new Prescription, which the session keeps as pending,
or raise ScheduleError with a message that names the limit. The rows and totals
themselves, and their wording, are in programmer.session.schedule_figures.

Rates are per day everywhere; a rate typed per hour goes through `rate_entry`,
which says what it is per day before it is accepted, because per-hour entries read
as per-day doses have overdosed patients.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cached_property

from msgspec import Struct
from msgspec.structs import force_setattr, replace

from programmer.session.schedule_figures import (
    DayTotals,
    RateEntry,
    StepProblem,
    StepRow,
    WeekRow,
    calendar_day_text,
    day_of,
    end_text,
    week_note,
)
from programmer.therapy.drugs import Drug
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.safety import PER_DAY_AS_PER_HOUR, entry_slip
from programmer.therapy.schedule import (
    WEEKDAYS,
    DaySchedule,
    FlexSchedule,
    ScheduleError,
    StepInterval,
    format_minute,
    schedule_problems,
    step_problems,
)
from programmer.therapy.units import MINUTES_PER_DAY, DoseRate, format_number
from programmer.wording import ml_per_day_text

SNAP_MINUTES = 15  # boundaries dragged on the timeline land on the quarter hour
_EPSILON = 1e-9


def snap_minute(minute: float, step: int = SNAP_MINUTES) -> int:
    """The nearest multiple of `step` minutes within the day (0–1440)."""
    return max(0, min(MINUTES_PER_DAY, round(minute / step) * step))


class BoundaryDrag(Struct, dict=True):  # dict: room for its cached landings
    """A boundary between two steps held by the pointer: where it may land, and the day it previews.

    It lands on the quarter hour, never onto or past a neighbouring boundary. `origin`, `low` and
    `high` are on the unwrapped axis the pointer moves on, so the boundary at 00:00 grabbed at the
    right edge of the timeline (24:00) moves through the evening.
    """

    day: DaySchedule
    index: int  # the step whose start is moving
    origin: float  # its start when grabbed (1440 when grabbed at the right edge)
    low: float  # the previous step's start: the boundary stays after it…
    high: float  # …and before the next step's start
    minute: int  # where it is now (0–1439)
    preview: DaySchedule | None = None  # the day with the boundary there (None while it is where it started)

    @classmethod
    def grab(cls, day: DaySchedule, index: int, right_edge: bool = False) -> BoundaryDrag:
        steps = day.steps
        start = steps[index].start_minute
        origin = MINUTES_PER_DAY if right_edge else start
        before = (start - steps[index - 1].start_minute) % MINUTES_PER_DAY
        after = (steps[(index + 1) % len(steps)].start_minute - start) % MINUTES_PER_DAY or MINUTES_PER_DAY
        return cls(day, index, origin, origin - before, origin + after, start)

    @cached_property
    def _previews(self) -> dict[int, DaySchedule]:
        # Each landing's day, built once: dragged back and forth, the boundary shows the same day objects again,
        # so their figures (cached by day in ScheduleEdit) are worked out once per landing, not once per move.
        return {}

    @property
    def original(self) -> int:
        return self.day.steps[self.index].start_minute

    @property
    def moved(self) -> bool:
        return self.minute != self.original

    @property
    def readout(self) -> str:
        """What the timeline says while the boundary moves: 'Step 3 starts 12:15 (was 12:00)'."""
        return f"Step {self.index + 1} starts {format_minute(self.minute)} (was {format_minute(self.original)})"

    def move_to(self, pointer: float) -> bool:
        """Move under `pointer` (minutes on the 00:00–24:00 axis); True when it lands somewhere new."""
        # The boundary may have crossed midnight: take the turn of the clock nearest where it started.
        turns = (pointer - MINUTES_PER_DAY, pointer, pointer + MINUTES_PER_DAY)
        unwrapped = min(turns, key=lambda minute: abs(minute - self.origin))
        snapped = round(unwrapped / SNAP_MINUTES) * SNAP_MINUTES
        if snapped <= self.low:
            snapped = (math.floor(self.low / SNAP_MINUTES) + 1) * SNAP_MINUTES
        if snapped >= self.high:
            snapped = (math.ceil(self.high / SNAP_MINUTES) - 1) * SNAP_MINUTES
        if not self.low < snapped < self.high:
            snapped = self.origin  # no quarter hour fits between the neighbours
        minute = int(snapped) % MINUTES_PER_DAY
        if minute == self.minute:
            return False
        try:
            self.preview = self._preview(minute) if minute != self.original else None
            self.minute = minute
        except ScheduleError:
            self.preview, self.minute = None, self.original
        return True

    def _preview(self, minute: int) -> DaySchedule:
        preview = self._previews.get(minute)
        if preview is None:
            preview = self._previews[minute] = self.day.move_start(self.index, minute)
        return preview


class ScheduleEdit(Struct, frozen=True, dict=True):  # dict: room for its cache of figures
    """The schedule editor's state: the pump's prescription, the pending one, the weekday shown, the step selected."""

    current: Prescription  # what the pump runs now
    edited: Prescription  # the pending prescription being edited
    model: PumpModel
    drug: Drug | None  # the library entry of the edited drug (None when the library does not know it)
    weekday: int = 0  # 0 = Monday; with one schedule for every day, any weekday shows that schedule
    selected: int | None = 0

    def __post_init__(self) -> None:
        if self.is_flex:
            steps = len(self.day.steps)
            if self.selected is not None and not 0 <= self.selected < steps:
                force_setattr(self, "selected", steps - 1)
        else:
            force_setattr(self, "selected", None)

    @cached_property
    def _cache(self) -> dict:  # figures by day, worked out once per edit state
        return {}

    # --- state changes -------------------------------------------------------------------------
    def with_edited(self, edited: Prescription, selected: int | None = None) -> ScheduleEdit:
        keep = self.selected if selected is None else selected
        return replace(self, edited=edited, selected=keep if keep is not None else 0)

    def with_selected(self, index: int | None) -> ScheduleEdit:
        return replace(self, selected=index)

    def with_weekday(self, weekday: int) -> ScheduleEdit:
        if not 0 <= weekday < 7:
            raise ScheduleError(f"weekday {weekday} is not 0 (Monday) to 6 (Sunday)")
        return replace(self, weekday=weekday)

    # --- reading -----------------------------------------------------------------------------------
    @property
    def is_flex(self) -> bool:
        return self.edited.mode is InfusionMode.FLEX

    @property
    def schedule(self) -> FlexSchedule:
        if not self.is_flex:
            raise ScheduleError(
                f"the pending program is {self.edited.mode.title.lower()}, not a flexible schedule: "
                "convert it to a flexible schedule first"
            )
        return self.edited.schedule

    @property
    def per_weekday(self) -> bool:
        return self.is_flex and self.schedule.per_weekday

    @property
    def day(self) -> DaySchedule:
        """The day shown: the schedule's (or, before conversion, the steady rate it would start from)."""
        return day_of(self.edited, self.weekday)

    @property
    def day_name(self) -> str:
        return self.schedule.day_name(self.weekday) if self.is_flex else "Every day"

    @property
    def pump_day(self) -> DaySchedule | None:
        """What the pump delivers now through the shown day; None when it holds a drug in another unit."""
        if self.current.unit is not self.edited.unit:
            return None
        return day_of(self.current, self.weekday)

    @property
    def flow_range(self) -> tuple[DoseRate, DoseRate]:
        """The model's lowest and highest flow as rates of this drug at this concentration."""
        concentration = self.edited.concentration
        return (
            concentration.rate_for(self.model.flow_min_ml_per_day),
            concentration.rate_for(self.model.flow_max_ml_per_day),
        )

    @property
    def hard_limit(self) -> DoseRate | None:
        if self.drug is None or self.drug.unit is not self.edited.unit:
            return None
        return self.drug.rate(self.drug.daily_dose.hard_max)

    def flow_limits_text(self) -> str:
        low, high = self.flow_range
        return (
            f"{self.model.name} flow {format_number(self.model.flow_min_ml_per_day)}–"
            f"{ml_per_day_text(self.model.flow_max_ml_per_day)} = "
            f"{format_number(low.per_day)}–{high} at {self.edited.concentration}"
        )

    def drug_limits_text(self) -> str:
        if self.drug is None or self.drug.unit is not self.edited.unit:
            return f"{self.edited.drug}: no library limits"
        limits, unit = self.drug.daily_dose, self.edited.unit.value
        return (
            f"{self.drug.name}: usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}/day, "
            f"hard limit {format_number(limits.hard_max)} {unit}/day"
        )

    def day_problems(self, day: DaySchedule, day_name: str | None = None) -> tuple[tuple[StepProblem, ...], ...]:
        """Each step's problems; worked out once per day shown (a redraw asks for them many times)."""
        day_name = self.day_name if day_name is None else day_name
        key = (id(day), day_name)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is day:
            return cached[1]
        found = []
        for interval in day.intervals():
            messages = step_problems(day, interval.index, self.model, self.edited.concentration, day_name)
            # step_problems names the step count first (when it is over), then the flow: the short words follow
            # from the facts, never from reading the sentences back.
            shorts = self._step_shorts(interval)
            problems = tuple(StepProblem(short, message) for short, message in zip(shorts, messages, strict=True))
            hard = self._hard_limit_problem(interval, day_name)
            found.append((*problems, hard) if hard else problems)
        result = tuple(found)
        self._cache[key] = (day, result)  # the day is kept, so its id cannot be reused while cached
        return result

    def _step_shorts(self, interval: StepInterval) -> list[str]:
        """The few words for each problem step_problems finds with `interval`, in its order."""
        model = self.model
        shorts = []
        if interval.index >= model.max_flex_steps:
            shorts.append(f"step {interval.index + 1} beyond the {model.name} maximum of {model.max_flex_steps}")
        ml_per_day = self.edited.concentration.ml_per_day(interval.rate)
        if model.flow_problem(ml_per_day):
            if ml_per_day > model.flow_max_ml_per_day:
                shorts.append(f"above {model.name} max flow {ml_per_day_text(model.flow_max_ml_per_day)}")
            else:
                shorts.append(f"below {model.name} min flow {ml_per_day_text(model.flow_min_ml_per_day)}")
        return shorts

    def _hard_limit_problem(self, interval: StepInterval, day_name: str) -> StepProblem | None:
        hard = self.hard_limit
        if hard is None or interval.rate.per_day <= hard.per_day + _EPSILON:
            return None
        where = f"{day_name} {interval.day_label(day_name in WEEKDAYS)}"
        return StepProblem(
            f"above hard limit {hard}",
            f"{where}: {interval.rate} ({interval.rate.per_hour_text()}) is above the {self.drug.name} hard limit "
            f"of {hard} — {PER_DAY_AS_PER_HOUR}",
        )

    def rows(self, day: DaySchedule | None = None) -> list[StepRow]:
        """Every step of `day` (default: the day shown), with its figures and problems."""
        day = day or self.day
        problems = self.day_problems(day)
        return [self._row(interval, problems[interval.index]) for interval in day.intervals()]

    @property
    def weekday_name(self) -> str | None:
        """The weekday shown when the schedule is per weekday (its steps read as pieces of that day), else None."""
        return WEEKDAYS[self.weekday] if self.per_weekday else None

    @property
    def week_note(self) -> str:
        """'Each weekday runs from 00:00 to 24:00: …' for a schedule per weekday; '' with one for every day."""
        return week_note(self.weekday) if self.per_weekday else ""

    def _row(self, interval: StepInterval, problems: tuple[StepProblem, ...]) -> StepRow:
        return StepRow(
            index=interval.index,
            start_minute=interval.start_minute,
            end_minute=interval.end_minute,
            rate=interval.rate,
            dose=interval.dose,
            volume_ml=interval.volume_ml(self.edited.concentration),
            problems=problems,
            weekday_name=self.weekday_name,
        )

    def totals(self, day: DaySchedule | None = None, weekday: int | None = None) -> DayTotals:
        """Totals of `day` (default: the day shown) as the pump would deliver it on `weekday`."""
        weekday = self.weekday if weekday is None else weekday
        day = day or day_of(self.edited, weekday)
        pump = None if self.current.unit is not self.edited.unit else self.current.daily_dose_on(weekday)
        name = self.schedule.day_name(weekday) if self.is_flex else "Every day"
        key = ("totals", id(day), name)
        cached = self._cache.get(key)
        if cached is None or cached[0] is not day:
            # The same day runs on several weekdays: its sums are worked out once.
            problems = sum(len(found) for found in self.day_problems(day, name))
            volume = day.daily_volume_ml(self.edited.concentration)
            cached = (day, (day.daily_dose, volume, day.min_rate, day.max_rate, len(day.steps), problems))
            self._cache[key] = cached
        dose, volume, lowest, highest, steps, problems = cached[1]
        return DayTotals(
            weekday=weekday,
            name=name,
            daily_dose=dose,
            daily_volume_ml=volume,
            min_rate=lowest,
            max_rate=highest,
            steps=steps,
            pump_daily_dose=pump,
            problem_count=problems,
            max_steps=self.model.max_flex_steps,
            model_name=self.model.name,
        )

    def week_rows(self, preview: DaySchedule | None = None) -> list[WeekRow]:
        """Monday to Sunday for the week overview; `preview` (a boundary held) stands for the day shown."""
        key = ("week", id(preview))
        cached = self._cache.get(key)
        if cached is not None and cached[0] is preview:
            return list(cached[1])
        rows = []
        for weekday in range(7):
            day = day_of(self.edited, weekday)
            if preview is not None and (weekday == self.weekday or not self.per_weekday):
                day = preview
            totals = self.totals(day, weekday)
            dose, detail, refused = str(totals.daily_dose), totals.week_detail_text, totals.problem_count > 0
            pieces = calendar_day_text(day) if self.per_weekday else ""  # each weekday 00:00–24:00, piece by piece
            rows.append(WeekRow(WEEKDAYS[weekday], day, dose, detail, refused, pieces))
        self._cache[key] = (preview, tuple(rows))  # the preview is kept, so its id cannot be reused while cached
        return rows

    def weekly_mean_text(self) -> str:
        mean = self.edited.nominal_daily_dose
        return f"{mean} ({ml_per_day_text(self.edited.concentration.ml_per_day(mean))})"

    def pump_problems(self) -> list[str]:
        """Everything the pump model refuses in the whole schedule, per weekday and step.

        The drug library's limits come from the session's safety findings; each step still shows its own.
        """
        if not self.is_flex:
            return []
        return schedule_problems(self.schedule, self.model, self.edited.concentration)

    def default_split_minute(self, index: int) -> int:
        """The middle of step `index`, on the quarter hour where the step is long enough."""
        interval = self.day.intervals()[index]
        middle = (interval.start_minute + interval.end_minute) / 2
        snapped = snap_minute(middle % MINUTES_PER_DAY) if interval.duration_minutes >= 2 * SNAP_MINUTES else None
        if snapped is None or snapped % MINUTES_PER_DAY == interval.start_minute % MINUTES_PER_DAY:
            return int(middle) % MINUTES_PER_DAY
        return snapped % MINUTES_PER_DAY

    def rate_entry(self, text: str, per_hour: bool, index: int | None = None) -> RateEntry:
        """A rate as typed in the entry row, per hour or per day, checked before it is accepted."""
        unit = self.edited.unit
        period = f"{unit.value}/h" if per_hour else f"{unit.value}/day"
        typed = text.strip()
        if not typed:
            return RateEntry(None, per_hour, error=f"type the rate in {period}")
        try:
            value = float(typed)
        except ValueError:
            return RateEntry(None, per_hour, error=f"{typed!r} is not a number: type the rate in {period}, e.g. 150")
        if not math.isfinite(value) or value < 0:
            return RateEntry(None, per_hour, error=f"{typed} {period}: a rate is a number from 0 up")
        rate = DoseRate.from_per_hour(value, unit) if per_hour else DoseRate(value, unit)
        # The typed figure with its unit, and per day when it was typed per hour: '1.8 mg/h = 43.2 mg/day'.
        shown = f"{format_number(value)} {period} = {rate}" if per_hour else str(rate)
        return RateEntry(rate, per_hour, warning=self._entry_warning(rate, shown, index))

    def _entry_warning(self, rate: DoseRate, typed: str, index: int | None) -> str:
        """A slip the ratio to the step's rate suggests (the same rule as the review's finding), then any limit."""
        warnings = []
        if index is not None and self.is_flex and 0 <= index < len(self.day.steps):
            before = self.day.steps[index].rate
            slip = entry_slip(before, rate)
            if slip is not None:
                warnings.append(slip.describe(typed, before, "this step's rate now"))
        hard = self.hard_limit
        if hard is not None and rate.per_day > hard.per_day + _EPSILON:
            warnings.append(f"above the {self.drug.name} hard limit of {hard}: it cannot be programmed")
        else:
            concentration = self.edited.concentration
            flow = self.model.flow_problem(concentration.ml_per_day(rate), concentration)
            if flow:
                warnings.append(flow)
        return "; ".join(warnings)

    # --- operations: each returns the new pending prescription -------------------------------------------
    def _with_day(self, day: DaySchedule) -> Prescription:
        return self._with_schedule(self.schedule.with_day(self.weekday, day))

    def _with_schedule(self, schedule: FlexSchedule) -> Prescription:
        # replace keeps a bolus already pending (a clinician bolus before the schedule resumes).
        return replace(self.edited, schedule=schedule)

    def converted(self) -> Prescription:
        """A flexible schedule of one step, 00:00–24:00, at the current daily dose."""
        if self.is_flex:
            raise ScheduleError("the pending program is already a flexible schedule")
        dose = self.edited.nominal_daily_dose
        if dose.per_day <= 0:
            raise ScheduleError(
                f"{self.edited.mode.title} has no daily dose to start a schedule from: "
                "set Simple continuous with a daily dose first, then convert"
            )
        bolus = self.edited.bolus if self.edited.mode is not InfusionMode.SINGLE_BOLUS else None
        schedule = FlexSchedule.every_day(DaySchedule.constant(dose))
        return Prescription.flex(self.edited.drug, self.edited.concentration, schedule).with_bolus(bolus)

    def split(self, index: int, at_minute: int) -> Prescription:
        day = self.day
        self._check_index(index)
        limit = self.model.max_flex_steps
        if len(day.steps) >= limit:
            which = self.day_name if self.per_weekday else "this schedule"
            raise ScheduleError(
                f"cannot split: the {self.model.name} allows at most {limit} steps per day and {which} "
                f"has {len(day.steps)}; merge or delete a step first"
            )
        interval = day.intervals()[index]
        times = f"{format_minute(interval.start_minute)}–{end_text(interval.end_minute)}"
        if interval.duration_minutes < 2:
            raise ScheduleError(f"cannot split step {index + 1}: it runs one minute only ({times})")
        offset = (at_minute - interval.start_minute) % MINUTES_PER_DAY
        if not 0 < offset < interval.duration_minutes:
            raise ScheduleError(
                f"cannot split step {index + 1} at {format_minute(at_minute % MINUTES_PER_DAY)}: it runs {times}; "
                "choose a time inside it"
            )
        return self._with_day(day.split(at_minute % MINUTES_PER_DAY))

    def merge(self, index: int, with_next: bool) -> Prescription:
        self._check_index(index)
        return self._with_day(self.day.merge(index, with_next))

    def delete(self, index: int) -> Prescription:
        self._check_index(index)
        return self._with_day(self.day.delete(index))

    def move_start(self, index: int, minute: int) -> Prescription:
        self._check_index(index)
        if len(self.day.steps) == 1:
            raise ScheduleError("there is only one step: it runs all day, so its start cannot move")
        return self._with_day(self.day.move_start(index, minute))

    def move_end(self, index: int, minute: int) -> Prescription:
        self._check_index(index)
        return self.move_start((index + 1) % len(self.day.steps), minute)

    def set_rate(self, index: int, rate: DoseRate) -> Prescription:
        self._check_index(index)
        edited = self.edited
        if rate.unit is not edited.unit:
            raise ScheduleError(f"{rate} is in {rate.unit.value}, but {edited.drug} is dosed in {edited.unit.value}")
        return self._with_day(self.day.with_rate(index, rate))

    def copy_day(self, to_weekdays: Iterable[int]) -> Prescription:
        """The shown weekday's steps onto `to_weekdays` (the schedule becomes one per weekday)."""
        targets = sorted(set(to_weekdays) - {self.weekday})
        if not targets:
            raise ScheduleError("choose at least one other day to copy to")
        self._check_per_weekday()
        return self._with_schedule(self.schedule.copy_day(self.weekday, targets))

    def per_weekday_schedule(self, separate: bool) -> Prescription:
        """Seven separate days (copies of the shown one), or the shown day for every day of the week."""
        if separate:
            self._check_per_weekday()
            return self._with_schedule(self.schedule.by_weekday())
        return self._with_schedule(self.schedule.same_every_day(self.weekday))

    def _check_per_weekday(self) -> None:
        if not self.model.per_weekday_schedules:
            raise ScheduleError(
                f"the {self.model.name} holds one schedule for every day: it cannot run a schedule per weekday"
            )

    def _check_index(self, index: int | None) -> None:
        steps = len(self.schedule.day(self.weekday).steps)
        if index is None or not 0 <= index < steps:
            raise ScheduleError(f"select a step first ({self.day_name} has {steps})")
