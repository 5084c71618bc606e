"""Editing a flexible (time-of-day) schedule: the day shown, the selected step, the figures and the limits.

Qt-free, so every number the schedule editor shows is computed (and tested) here:
each step's start, end, duration, rate per day *and* per hour, dose and volume;
each day's totals and its change from what the pump delivers now; every step the
pump model or the drug library would refuse, with the reason. The editing
operations return the whole new Prescription, which the session keeps as pending,
or raise ScheduleError with a message that names the limit.

Rates are per day everywhere; a rate typed per hour goes through `rate_entry`,
which says what it is per day before it is accepted, because per-hour entries read
as per-day doses have overdosed patients.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from programmer import wording
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
from programmer.therapy.units import MINUTES_PER_DAY, Concentration, Dose, DoseRate, DrugUnit, format_number

SNAP_MINUTES = 15  # boundaries dragged on the timeline land on the quarter hour
_EPSILON = 1e-9


def snap_minute(minute: float, step: int = SNAP_MINUTES) -> int:
    """The nearest multiple of `step` minutes within the day (0–1440)."""
    return max(0, min(MINUTES_PER_DAY, round(minute / step) * step))


def duration_text(minutes: int) -> str:
    """90 -> '1 h 30 min'; a whole day -> '24 h': a step's length, worded as every duration is."""
    return wording.duration_text(timedelta(minutes=minutes), days=False)


def end_text(end_minute: int) -> str:
    """The end of a step on the clock: '24:00' at midnight, '(next day)' when it runs past midnight."""
    if end_minute == MINUTES_PER_DAY:
        return "24:00"
    if end_minute > MINUTES_PER_DAY:
        return f"{format_minute(end_minute - MINUTES_PER_DAY)} (next day)"
    return format_minute(end_minute)


def step_times_text(interval: StepInterval, weekday_name: str | None = None) -> str:
    """When a step runs, read the way its schedule means it.

    One schedule for every day: '22:00–06:00 (next day)' (every night is alike). A schedule per weekday
    (`weekday_name` given): each weekday runs from 00:00 to 24:00 on its own steps, so a step past
    midnight is two pieces of that same calendar day: '00:00–06:00 (Friday early morning) and 22:00–24:00'.
    """
    if weekday_name is None or not interval.runs_past_midnight:
        return f"{format_minute(interval.start_minute)}–{end_text(interval.end_minute)}"
    (_, early_end), (late_start, _) = interval.clock_pieces()
    return f"00:00–{format_minute(early_end)} ({weekday_name} early morning) and {format_minute(late_start)}–24:00"


def calendar_day_text(day: DaySchedule) -> str:
    """One calendar day from 00:00 to 24:00, piece by piece: '00:00–06:00 1 mg/day, 06:00–22:00 2 mg/day, …'."""
    return ", ".join(f"{format_minute(start)}–{format_minute(end)} {rate}" for start, end, rate in day.clock_segments())


def week_note(weekday: int) -> str:
    """What a schedule per weekday means at midnight, said where the week is shown."""
    day, before = WEEKDAYS[weekday], WEEKDAYS[(weekday - 1) % 7]
    return (
        f"Each weekday runs from 00:00 to 24:00: {day}'s early morning follows {day}'s schedule, "
        f"not {before} night's."
    )


def percent_text(percent: float | None) -> str:
    if percent is None:
        return "no % (no dose on the pump now)"
    if abs(percent) < 0.05:
        return "no change (0 %)"
    return f"{percent:+.1f} %"


@dataclass(frozen=True)
class StepProblem:
    """Why the pump or the drug library refuses a step: a few words for the timeline, a sentence for the table."""

    short: str
    message: str


@dataclass(frozen=True)
class StepRow:
    """One step as the table shows it."""

    index: int
    start_minute: int
    end_minute: int  # above 1440 when the step runs past midnight
    rate: DoseRate
    dose: Dose
    volume_ml: float
    flow_ml_per_day: float
    problems: tuple[StepProblem, ...]
    weekday_name: str | None = None  # with a schedule per weekday: the day whose 00:00–24:00 the step lies in

    @property
    def duration_minutes(self) -> int:
        return self.end_minute - self.start_minute

    @property
    def _interval(self) -> StepInterval:
        return StepInterval(self.index, self.start_minute, self.end_minute, self.rate)

    @property
    def times_text(self) -> str:
        """'22:00–06:00 (next day)', or for a weekday '00:00–06:00 (Friday early morning) and 22:00–24:00'."""
        return step_times_text(self._interval, self.weekday_name)

    @property
    def label(self) -> str:
        return f"step {self.index + 1}, {self.times_text}"

    @property
    def start_text(self) -> str:
        return format_minute(self.start_minute)

    @property
    def end_text(self) -> str:
        """The end column: '06:00 (next day)'; for a weekday, '24:00, and 00:00–06:00 (Friday early morning)'."""
        if self.weekday_name is None or self.end_minute <= MINUTES_PER_DAY:
            return end_text(self.end_minute)
        early = format_minute(self.end_minute - MINUTES_PER_DAY)
        return f"24:00, and 00:00–{early} ({self.weekday_name} early morning)"

    @property
    def end_edit_text(self) -> str:
        """The boundary an end edit moves: where the next step starts ('24:00' at midnight)."""
        return "24:00" if self.end_minute == MINUTES_PER_DAY else format_minute(self.end_minute % MINUTES_PER_DAY)

    @property
    def duration_text(self) -> str:
        return duration_text(self.duration_minutes)

    @property
    def per_day_text(self) -> str:
        return str(self.rate)

    @property
    def per_hour_text(self) -> str:
        return self.rate.per_hour_text()

    @property
    def dose_text(self) -> str:
        return str(self.dose)

    @property
    def volume_text(self) -> str:
        return f"{format_number(self.volume_ml)} mL"

    @property
    def check_text(self) -> str:
        return "; ".join(problem.short for problem in self.problems) if self.problems else "OK"


@dataclass(frozen=True)
class DayTotals:
    """One day's totals, and how they compare with what the pump delivers on that day now."""

    weekday: int
    name: str  # "Monday", or "Every day" when one schedule runs all week
    daily_dose: DoseRate
    daily_volume_ml: float
    min_rate: DoseRate
    max_rate: DoseRate
    steps: int
    pump_daily_dose: DoseRate | None  # None when the pump's drug is dosed in another unit
    problem_count: int

    @property
    def change_percent(self) -> float | None:
        if self.pump_daily_dose is None:
            return None
        return self.daily_dose.percent_change_from(self.pump_daily_dose)

    @property
    def dose_text(self) -> str:
        return self.daily_dose.day_and_hour_text()

    @property
    def volume_text(self) -> str:
        return f"{format_number(self.daily_volume_ml)} mL/day"

    @property
    def rates_text(self) -> str:
        return f"lowest {self.min_rate}, highest {self.max_rate}"

    @property
    def change_text(self) -> str:
        if self.pump_daily_dose is None:
            return "no % (the pump holds another drug unit)"
        return f"{percent_text(self.change_percent)} (now {self.pump_daily_dose})"


@dataclass(frozen=True)
class RateEntry:
    """A rate as typed, before it is accepted: its value per day, the other-unit figure, and any doubt."""

    rate: DoseRate | None
    equivalent: str  # "= 240 mcg/day" for a per-hour entry, "= 10 mcg/h" for a per-day one
    warning: str  # a slip the numbers suggest, or a limit it breaks; "" when none
    error: str  # why it cannot be used; "" when it can

    @property
    def usable(self) -> bool:
        return self.rate is not None


def constant_day(prescription: Prescription) -> DaySchedule:
    """What a prescription delivers through any day, as steps: its schedule's first day, or one even rate."""
    if prescription.mode is InfusionMode.FLEX:
        return prescription.schedule.day(0)
    return DaySchedule.constant(prescription.daily_dose_on(0))


def day_of(prescription: Prescription, weekday: int) -> DaySchedule:
    """What `prescription` delivers on `weekday` through the day, as steps (stopped: one step at zero)."""
    if prescription.mode is InfusionMode.FLEX:
        return prescription.schedule.day(weekday)
    return DaySchedule.constant(prescription.daily_dose_on(weekday))


@dataclass(frozen=True)
class ScheduleEdit:
    """The schedule editor's state: the pump's prescription, the pending one, the weekday shown, the step selected."""

    current: Prescription  # what the pump runs now
    edited: Prescription  # the pending prescription being edited
    model: PumpModel
    drug: Drug | None  # the library entry of the edited drug (None when the library does not know it)
    weekday: int = 0  # 0 = Monday; with one schedule for every day, any weekday shows that schedule
    selected: int | None = 0
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.is_flex:
            steps = len(self.day.steps)
            if self.selected is not None and not 0 <= self.selected < steps:
                object.__setattr__(self, "selected", steps - 1)
        else:
            object.__setattr__(self, "selected", None)

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
    def concentration(self) -> Concentration:
        return self.edited.concentration

    @property
    def unit(self) -> DrugUnit:
        return self.edited.unit

    @property
    def pump_day(self) -> DaySchedule | None:
        """What the pump delivers now through the shown day; None when it holds a drug in another unit."""
        if self.current.unit is not self.unit:
            return None
        return day_of(self.current, self.weekday)

    @property
    def flow_range(self) -> tuple[DoseRate, DoseRate]:
        """The model's lowest and highest flow as rates of this drug at this concentration."""
        return (
            self.concentration.rate_for(self.model.flow_min_ml_per_day),
            self.concentration.rate_for(self.model.flow_max_ml_per_day),
        )

    @property
    def hard_limit(self) -> DoseRate | None:
        if self.drug is None or self.drug.unit is not self.unit:
            return None
        return self.drug.rate(self.drug.daily_dose.hard_max)

    def flow_limits_text(self) -> str:
        low, high = self.flow_range
        return (
            f"{self.model.name} flow {format_number(self.model.flow_min_ml_per_day)}–"
            f"{format_number(self.model.flow_max_ml_per_day)} mL/day = "
            f"{format_number(low.per_day)}–{high} at {self.concentration}"
        )

    def drug_limits_text(self) -> str:
        if self.drug is None or self.drug.unit is not self.unit:
            return f"{self.edited.drug}: no library limits"
        limits, unit = self.drug.daily_dose, self.unit.value
        return (
            f"{self.drug.name}: usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}/day, "
            f"hard limit {format_number(limits.hard_max)} {unit}/day"
        )

    def steps_limit_text(self) -> str:
        return f"{len(self.day.steps)} of at most {self.model.max_flex_steps} steps ({self.model.name})"

    def step_problem_list(self, day: DaySchedule, index: int) -> tuple[StepProblem, ...]:
        """What the pump model and the drug library say about step `index` of `day`."""
        return self.day_problems(day)[index]

    def day_problems(self, day: DaySchedule, day_name: str | None = None) -> tuple[tuple[StepProblem, ...], ...]:
        """Each step's problems; worked out once per day shown (a redraw asks for them many times)."""
        day_name = self.day_name if day_name is None else day_name
        key = (id(day), day_name)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is day:
            return cached[1]
        model = self.model
        found = []
        for interval in day.intervals():
            problems = []
            for message in step_problems(day, interval.index, model, self.concentration, day_name):
                if "beyond" in message:
                    short = f"step {interval.index + 1} beyond the {model.name} maximum of {model.max_flex_steps}"
                elif "maximum flow" in message:  # the wording of PumpModel.flow_problem
                    short = f"above {model.name} max flow {format_number(model.flow_max_ml_per_day)} mL/day"
                else:
                    short = f"below {model.name} min flow {format_number(model.flow_min_ml_per_day)} mL/day"
                problems.append(StepProblem(short, message))
            hard = self._hard_limit_problem(interval, day_name)
            found.append((*problems, hard) if hard else tuple(problems))
        result = tuple(found)
        self._cache[key] = (day, result)  # the day is kept, so its id cannot be reused while cached
        return result

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
        concentration = self.concentration
        return StepRow(
            index=interval.index,
            start_minute=interval.start_minute,
            end_minute=interval.end_minute,
            rate=interval.rate,
            dose=interval.dose,
            volume_ml=interval.volume_ml(concentration),
            flow_ml_per_day=concentration.ml_per_day(interval.rate),
            problems=problems,
            weekday_name=self.weekday_name,
        )

    def totals(self, day: DaySchedule | None = None, weekday: int | None = None) -> DayTotals:
        """Totals of `day` (default: the day shown) as the pump would deliver it on `weekday`."""
        weekday = self.weekday if weekday is None else weekday
        day = day or day_of(self.edited, weekday)
        pump = None if self.current.unit is not self.unit else self.current.daily_dose_on(weekday)
        name = self.schedule.day_name(weekday) if self.is_flex else "Every day"
        key = ("totals", id(day), name)
        cached = self._cache.get(key)
        if cached is None or cached[0] is not day:
            # The same day runs on several weekdays: its sums are worked out once.
            problems = sum(len(found) for found in self.day_problems(day, name))
            volume = day.daily_volume_ml(self.concentration)
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
        )

    def week(self) -> list[DayTotals]:
        """Monday to Sunday."""
        return [self.totals(weekday=weekday) for weekday in range(7)]

    def weekly_mean_text(self) -> str:
        mean = self.edited.nominal_daily_dose
        return f"{mean} ({format_number(self.concentration.ml_per_day(mean))} mL/day)"

    def pump_problems(self) -> list[str]:
        """Everything the pump model refuses in the whole schedule, per weekday and step.

        The drug library's limits come from the session's safety findings; each step still shows its own.
        """
        if not self.is_flex:
            return []
        return schedule_problems(self.schedule, self.model, self.concentration)

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
        unit = self.unit.value
        period = f"{unit}/h" if per_hour else f"{unit}/day"
        typed = text.strip()
        if not typed:
            return RateEntry(None, "", "", f"type the rate in {period}")
        try:
            value = float(typed)
        except ValueError:
            return RateEntry(None, "", "", f"{typed!r} is not a number: type the rate in {period}, e.g. 150")
        if not math.isfinite(value) or value < 0:
            return RateEntry(None, "", "", f"{typed} {period}: a rate is a number from 0 up")
        rate = DoseRate.from_per_hour(value, self.unit) if per_hour else DoseRate(value, self.unit)
        equivalent = f"= {rate}" if per_hour else f"= {rate.per_hour_text()}"
        # The typed figure with its unit, and per day when it was typed per hour: '1.8 mg/h = 43.2 mg/day'.
        shown = f"{format_number(value)} {period} {equivalent}" if per_hour else str(rate)
        return RateEntry(rate, equivalent, self._entry_warning(rate, shown, index), "")

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
            flow = self.model.flow_problem(self.concentration.ml_per_day(rate), self.concentration)
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
        return Prescription.flex(self.edited.drug, self.concentration, schedule).with_bolus(bolus)

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
        offset = (at_minute - interval.start_minute) % MINUTES_PER_DAY
        if not 0 < offset < interval.duration_minutes:
            raise ScheduleError(
                f"cannot split step {index + 1} at {format_minute(at_minute % MINUTES_PER_DAY)}: it runs "
                f"{format_minute(interval.start_minute)}–{end_text(interval.end_minute)}; choose a time inside it"
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
        if rate.unit is not self.unit:
            raise ScheduleError(f"{rate} is in {rate.unit.value}, but {self.edited.drug} is dosed in {self.unit.value}")
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


def weekday_names(weekdays: Iterable[int]) -> str:
    """[1, 2, 3, 4] -> 'Tuesday–Friday'; [5, 0] -> 'Monday, Saturday'."""
    days = sorted(set(weekdays))
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]}–{WEEKDAYS[days[-1]]}"
    return ", ".join(WEEKDAYS[day] for day in days)
