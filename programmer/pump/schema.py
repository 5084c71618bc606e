"""The pump memory as a file holds it: msgspec records mirroring PumpMemory, so a bad file is refused field by field.

Both file formats hold the memory's state in this shape (version 1 with the events beside it,
version 2 on its own); the log's details are typed by the log itself (programmer.pump.log).
Each record converts to its frozen domain value. Records whose value validates itself
(Prescription, DaySchedule, Bolus, ...) build it once while decoding, so its refusal is reported
at the right field. What the shipped catalogues refuse (unknown model or drug, wrong unit) and
what the firmware could never hold (`firmware.memory_problems`) are checked after decoding.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

import msgspec

from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, FlexSchedule, FlexStep, format_minute
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

from .alarms import Alarm, AlarmKind
from .file_errors import PumpFileError
from .limits import memory_problems
from .log import PumpClock
from .memory import Catheter, PumpMemory

EVERY_DAY = "every day"
_MAX_PROBLEMS_SHOWN = 6
NonNegative = Annotated[float, msgspec.Meta(ge=0)]
Positive = Annotated[float, msgspec.Meta(gt=0)]
Text = Annotated[str, msgspec.Meta(min_length=1)]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
DayName = Literal["every day", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class Refusal(Exception):
    """What a file holds that a pump cannot: `where` (field names and list positions) and the problem."""

    def __init__(self, where: tuple[str | int, ...], problem: str) -> None:
        self.where, self.problem = where, problem
        super().__init__(f"{dotted(where)}: {problem}" if where else problem)


def dotted(where: tuple[str | int, ...]) -> str:
    return ".".join(map(str, where))


_WHERE = re.compile(r" - at `\$(?P<path>[^`]*)`$")


def refusal(error: msgspec.ValidationError, prefix: tuple[str | int, ...] = ()) -> Refusal:
    """msgspec says where only inside its message ("Expected `float`, got `str` - at `$.record.acknowledged[0]`"):
    its documented suffix is split off here, once, into a path like every other refusal of a file."""
    message = str(error)
    found = _WHERE.search(message)
    if found is None:
        return Refusal(prefix, message.replace("`", ""))
    path = tuple(int(part) if part.isdigit() else part for part in re.findall(r"\w+", found["path"]))
    return Refusal((*prefix, *path), message[: found.start()].replace("`", ""))


# --- reading JSON text -------------------------------------------------------------------------------------------


def parse_json(text: str) -> Any:
    """JSON as a pump file may hold it: no key twice, no NaN or infinity, only real text (ValueError says why)."""
    data = json.loads(
        text, object_pairs_hook=_refuse_duplicate_keys, parse_constant=_refuse_constant, parse_float=_finite
    )
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:  # "\ud800" written as an escape: half a character, no text at all
        raise ValueError(f"a text holds half a character ({error.object[error.start]!r}): not valid text") from None
    return data


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would keep the last of two equal keys silently: an edit nobody could see.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}: a field may appear only once")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a pump can store")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is out of range")
    return value


# --- the records -------------------------------------------------------------------------------------------------


class _Record(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    pass


class DoseRecord(_Record):
    amount: NonNegative
    unit: DrugUnit

    def to_domain(self) -> Dose:
        return Dose(self.amount, self.unit)


class DoseRateRecord(_Record):
    per_day: NonNegative
    unit: DrugUnit

    def to_domain(self) -> DoseRate:
        return DoseRate(self.per_day, self.unit)


class ConcentrationRecord(_Record):
    per_ml: Positive
    unit: DrugUnit

    def to_domain(self) -> Concentration:
        return Concentration(self.per_ml, self.unit)


class FlexStepRecord(_Record):
    start: HourMinute  # "06:30": the step runs until the next step starts
    rate: DoseRateRecord

    def to_domain(self) -> FlexStep:
        hours, minutes = self.start.split(":")
        return FlexStep(int(hours) * 60 + int(minutes), self.rate.to_domain())


class DayRecord(_Record):
    day: DayName
    steps: Annotated[list[FlexStepRecord], msgspec.Meta(min_length=1)]

    def __post_init__(self) -> None:
        self.to_domain()

    def to_domain(self) -> DaySchedule:
        return DaySchedule(tuple(step.to_domain() for step in self.steps))


class ScheduleRecord(_Record):
    days: list[DayRecord]

    def __post_init__(self) -> None:
        names = [day.day for day in self.days]
        if names != [EVERY_DAY] and names != list(WEEKDAYS):
            raise ValueError(f"days must be ['every day'] or Monday to Sunday in order, found {names}")
        self.to_domain()

    def to_domain(self) -> FlexSchedule:
        return FlexSchedule(tuple(day.to_domain() for day in self.days))


class BolusRecord(_Record):
    kind: BolusKind
    start: PumpClock
    duration: timedelta
    volume_ml: Positive
    dose: DoseRecord

    def __post_init__(self) -> None:
        self.to_domain()

    def to_domain(self) -> Bolus:
        return Bolus(self.kind, self.start, self.duration, self.volume_ml, self.dose.to_domain())


class PrescriptionRecord(_Record):
    drug: Text
    concentration: ConcentrationRecord
    mode: InfusionMode
    daily_dose: DoseRateRecord | None = None
    schedule: ScheduleRecord | None = None
    bolus: BolusRecord | None = None

    def __post_init__(self) -> None:
        self.to_domain()

    def to_domain(self) -> Prescription:
        return Prescription(
            drug=self.drug,
            concentration=self.concentration.to_domain(),
            mode=self.mode,
            daily_dose=None if self.daily_dose is None else self.daily_dose.to_domain(),
            schedule=None if self.schedule is None else self.schedule.to_domain(),
            bolus=None if self.bolus is None else self.bolus.to_domain(),
        )


class PtmRecord(_Record):
    dose_per_bolus: DoseRecord
    duration: timedelta
    max_per_24h: Annotated[int, msgspec.Meta(ge=0)]
    lockout: timedelta

    def __post_init__(self) -> None:
        self.to_domain()

    def to_domain(self) -> PtmSettings:
        return PtmSettings(self.dose_per_bolus.to_domain(), self.duration, self.max_per_24h, self.lockout)


class CatheterRecord(_Record):
    length_cm: Positive
    trimmed_cm: NonNegative
    tip_location: Text

    def __post_init__(self) -> None:
        if self.trimmed_cm >= self.length_cm:
            raise ValueError(f"trimmed_cm {self.trimmed_cm:g} cm must be below length_cm {self.length_cm:g} cm")

    def to_domain(self) -> Catheter:
        return Catheter(self.length_cm, self.trimmed_cm, self.tip_location)


class AlarmRecord(_Record):
    kind: AlarmKind
    raised_at: PumpClock


class StateRecord(_Record):
    """Every field of PumpMemory but its log; datetimes are ISO-8601 times on the pump's clock."""

    model_name: Text
    serial: Text
    implant_date: date
    patient_id: Annotated[str, msgspec.Meta(max_length=64)]  # may be blank: implanted before it is assigned
    catheter: CatheterRecord
    prescription: PrescriptionRecord
    prescription_entered_at: PumpClock
    reservoir_ml: NonNegative
    last_refill_at: PumpClock
    last_refill_ml: NonNegative
    low_alarm_ml: Positive
    eri_at: PumpClock
    clock: PumpClock
    ptm: PtmRecord | None = None
    stopped_since: PumpClock | None = None
    delivery_held_since: PumpClock | None = None  # written since the MRI scan was emulated: older files lack it
    alarms: list[AlarmRecord] = []

    def to_domain(self, events: Any = ()) -> PumpMemory:
        """The memory: every field as stored (the names are PumpMemory's), but those with a record of their own."""
        converted = {
            "catheter": self.catheter.to_domain(),
            "prescription": self.prescription.to_domain(),
            "ptm": None if self.ptm is None else self.ptm.to_domain(),
            "alarms": tuple(Alarm(alarm.kind, alarm.raised_at) for alarm in self.alarms),
        }
        return PumpMemory(**(msgspec.structs.asdict(self) | converted), events=events)


def state_record(data: dict[str, Any], prefix: tuple[str | int, ...] = ()) -> StateRecord:
    """The state as the file's parsed JSON holds it; Refusal names the first field refused."""
    try:
        return msgspec.convert(data, StateRecord, strict=True)
    except msgspec.ValidationError as error:
        raise refusal(error, prefix) from None


def state_data(memory: PumpMemory) -> dict[str, Any]:
    """PumpMemory but its log as plain JSON values, shaped like the file (the inverse of StateRecord.to_domain)."""
    prescription = memory.prescription
    data = {
        "model_name": memory.model_name,
        "serial": memory.serial,
        "implant_date": memory.implant_date,
        "patient_id": memory.patient_id,
        "catheter": memory.catheter,
        "prescription": {
            "drug": prescription.drug,
            "concentration": prescription.concentration,
            "mode": prescription.mode,
            "daily_dose": prescription.daily_dose,
            "schedule": None if prescription.schedule is None else _schedule_data(prescription.schedule),
            "bolus": prescription.bolus,
        },
        "prescription_entered_at": memory.prescription_entered_at,
        "reservoir_ml": memory.reservoir_ml,
        "last_refill_at": memory.last_refill_at,
        "last_refill_ml": memory.last_refill_ml,
        "low_alarm_ml": memory.low_alarm_ml,
        "eri_at": memory.eri_at,
        "clock": memory.clock,
        "ptm": memory.ptm,
        "stopped_since": memory.stopped_since,
        "alarms": [{"kind": alarm.kind, "raised_at": alarm.raised_at} for alarm in memory.alarms],
    }
    if memory.delivery_held_since is not None:  # written only when set: a pump never scanned is written as before
        data["delivery_held_since"] = memory.delivery_held_since
    return msgspec.to_builtins(data)


def _schedule_data(schedule: FlexSchedule) -> dict[str, Any]:
    names = WEEKDAYS if schedule.per_weekday else (EVERY_DAY,)
    return {
        "days": [
            {
                "day": name,
                "steps": [{"start": format_minute(step.start_minute), "rate": step.rate} for step in day.steps],
            }
            for name, day in zip(names, schedule.days, strict=True)
        ]
    }


def shown(error: Refusal, data: Any, prefix: tuple[str | int, ...]) -> str:
    """'memory.reservoir_ml: Expected float >= 0.0, found -1.0': the refusal with the value as written."""
    found = as_written(data, error.where)
    text = f"{dotted((*prefix, *error.where))}: {error.problem}"
    if found is not None and not isinstance(found, dict | list) and "found" not in error.problem:
        text += f", found {shown_value(found)}"
    return text


def shown_value(value: Any) -> str:
    text = "nothing" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def joined(problems: list[str]) -> str:
    shown_problems = problems[:_MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown_problems)
    return "; ".join(shown_problems) + (f"; and {more} more" if more else "")


def refuse_impossible(memory: PumpMemory, source: object) -> None:
    """Refuse a memory read from `source` (either format) that no pump could hold: its state or its whole log."""
    try:
        problems = memory_problems(memory) + memory.events.problems(memory.clock)
    except (ArithmeticError, ValueError) as error:  # numbers so far out that checking them fails
        problems = [f"a number is out of any pump's range ({error})"]
    if problems:
        raise PumpFileError(f"{source}: {joined(problems)}")


def as_written(data: Any, where: tuple[str | int, ...]) -> Any:
    """The value at `where` in the file's own data ('-PT3H'), or None when the path leads nowhere."""
    for part in where:
        in_object = isinstance(data, dict) and part in data
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_object or in_list):
            return None
        data = data[part]
    return data


def datetime_text(moment: datetime) -> str:
    """A pump-clock time as the file writes it: ISO-8601, sorting as text in time order."""
    return msgspec.to_builtins(moment)
