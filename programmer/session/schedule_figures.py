"""What the schedule screen shows of each step, each day and the week: figures with their units, in words.

Qt-free values made by programmer.session.schedule_edit: a step as the table shows it (start,
end, duration, rate per day *and* per hour, dose, volume, what the pump or the drug library
refuses), a day's totals and their change from the pump, a weekday of the week overview, and a
rate as typed before it is accepted. The small wording of times and changes lives here too, so
the table, the timeline, the review and the report read a step the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from msgspec import Struct

from programmer import wording
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, StepInterval, format_minute
from programmer.therapy.units import MINUTES_PER_DAY, Dose, DoseRate, format_number


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
        f"Each weekday runs from 00:00 to 24:00: {day}'s early morning follows {day}'s schedule, not {before} night's."
    )


def change_from_pump_text(percent: float | None) -> str:
    """'+5.3 %', 'no change (0 %)', or why there is no percentage (None: the pump delivers no dose now)."""
    return "no % (no dose on the pump now)" if percent is None else wording.percent_change_text(percent)


def weekday_names(weekdays: Iterable[int]) -> str:
    """[1, 2, 3, 4] -> 'Tuesday–Friday'; [5, 0] -> 'Monday, Saturday'."""
    days = sorted(set(weekdays))
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0]]}–{WEEKDAYS[days[-1]]}"
    return ", ".join(WEEKDAYS[day] for day in days)


def day_of(prescription: Prescription, weekday: int) -> DaySchedule:
    """What `prescription` delivers on `weekday` through the day, as steps (stopped: one step at zero)."""
    if prescription.mode is InfusionMode.FLEX:
        return prescription.schedule.day(weekday)
    return DaySchedule.constant(prescription.daily_dose_on(weekday))


def per_weekday(*prescriptions: Prescription) -> bool:
    """Any of `prescriptions` runs a separate schedule per weekday."""
    return any(p.mode is InfusionMode.FLEX and p.schedule.per_weekday for p in prescriptions)


def first_differing_weekday(old: Prescription, new: Prescription) -> int:
    """The weekday a comparison opens on: the first whose steps differ (Monday when none does)."""
    return next((weekday for weekday in range(7) if day_of(old, weekday) != day_of(new, weekday)), 0)


def summary_text(prescription: Prescription, weekday: int) -> str:
    """'Flexible (time of day), 4 steps: 187.5 mcg/day (7.812 mcg/h), 0.375 mL/day at 500 mcg/mL' on `weekday`."""
    mode = prescription.mode
    if mode is InfusionMode.STOPPED:
        return "Stopped — no delivery"
    dose = prescription.daily_dose_on(weekday)
    volume = prescription.concentration.ml_per_day(dose)
    steps = ""
    if mode is InfusionMode.FLEX:
        steps = f", {wording.plural(len(prescription.schedule.day(weekday).steps), 'step')}"
    return (
        f"{mode.title}{steps}: {dose.day_and_hour_text()}, {wording.ml_per_day_text(volume)} "
        f"at {prescription.concentration}"
    )


class StepProblem(Struct, frozen=True):
    """Why the pump or the drug library refuses a step: a few words for the timeline, a sentence for the table."""

    short: str
    message: str


class StepRow(Struct, frozen=True):
    """One step as the table shows it."""

    index: int
    start_minute: int
    end_minute: int  # above 1440 when the step runs past midnight
    rate: DoseRate
    dose: Dose
    volume_ml: float
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

    def rate_number(self, per_hour: bool) -> str:
        """The bare figure a rate editor starts from ('200', or per hour '8.333'); its unit is beside it."""
        return format_number(self.rate.per_hour if per_hour else self.rate.per_day)

    @property
    def dose_text(self) -> str:
        return str(self.dose)

    @property
    def volume_text(self) -> str:
        return wording.ml_text(self.volume_ml)

    @property
    def check_text(self) -> str:
        return "; ".join(problem.short for problem in self.problems) if self.problems else "OK"


class DayTotals(Struct, frozen=True):
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
    max_steps: int  # the pump model's limit, and its name, for "4 of at most 13 (PX-20)"
    model_name: str

    @property
    def change_percent(self) -> float | None:
        if self.pump_daily_dose is None:
            return None
        return self.daily_dose.percent_change_from(self.pump_daily_dose)

    @property
    def changed(self) -> bool:
        """The day delivers a different dose from the pump's now (shown as a warning)."""
        change = self.change_percent
        return change is not None and not wording.is_no_change(change)

    def title(self, dragging: bool = False) -> str:
        """'Totals — Friday', and '(while dragging)' while a boundary is held."""
        return f"Totals — {self.name}" + (" (while dragging)" if dragging else "")

    @property
    def dose_text(self) -> str:
        return self.daily_dose.day_and_hour_text()

    @property
    def volume_text(self) -> str:
        return wording.ml_per_day_text(self.daily_volume_ml)

    @property
    def rates_text(self) -> str:
        return f"lowest {self.min_rate}, highest {self.max_rate}"

    @property
    def steps_text(self) -> str:
        return f"{self.steps} of at most {self.max_steps} ({self.model_name})"

    @property
    def change_text(self) -> str:
        if self.pump_daily_dose is None:
            return "no % (the pump holds another drug unit)"
        return f"{change_from_pump_text(self.change_percent)} (now {self.pump_daily_dose})"

    @property
    def week_detail_text(self) -> str:
        """The week overview's second line: '0.395 mL/day · +5.3 %', or '· no change'."""
        change = self.change_percent
        if change is None:
            return self.volume_text
        return f"{self.volume_text} · {wording.percent_change_text(change) if self.changed else 'no change'}"


class WeekRow(Struct, frozen=True):
    """One weekday in the week overview: its steps, its daily dose and volume, and whether a step is refused."""

    name: str  # "Monday"
    day: DaySchedule
    dose_text: str  # "187.5 mcg/day"
    detail_text: str  # "0.375 mL/day · no change"
    refused: bool  # a step of this day is refused
    pieces_text: str = ""  # with a schedule per weekday: the day from 00:00 to 24:00, "00:00–06:00 1 mg/day, …"

    @property
    def described(self) -> str:
        """The row for a screen reader: 'Friday 233.3 mcg/day 0.4667 mL/day · +24.4 % (00:00–06:00 …)'."""
        pieces = f" ({self.pieces_text})" if self.pieces_text else ""
        return f"{self.name} {self.dose_text} {self.detail_text}{pieces}"


class RateEntry(Struct, frozen=True):
    """A rate as typed, before it is accepted: its value per day, the other-unit figure, and any doubt."""

    rate: DoseRate | None
    per_hour: bool  # typed per hour (then the figure beside it is per day), else per day
    warning: str = ""  # a slip the numbers suggest, or a limit it breaks; "" when none
    error: str = ""  # why it cannot be used; "" when it can

    @property
    def usable(self) -> bool:
        return self.rate is not None

    @property
    def other_unit_text(self) -> str:
        """The typed rate in the other unit: '240 mcg/day' for 10 typed per hour, '10 mcg/h' for 240 per day."""
        if self.rate is None:
            return ""
        return str(self.rate) if self.per_hour else self.rate.per_hour_text()

    @property
    def equivalent(self) -> str:
        """'= 240 mcg/day', shown beside the entry before it is accepted; '' for an entry that is not a rate."""
        other = self.other_unit_text
        return f"= {other}" if other else ""

    @property
    def notice(self) -> str:
        """'⚠ …': the doubt or the refusal, said under the entry; '' when there is none."""
        said = self.warning or self.error
        return f"⚠ {said}" if said else ""
