"""The pump file's schema: pydantic models mirroring PumpMemory, so a bad file is refused field by field.

Each model converts to and from its frozen dataclass. Models whose dataclass
validates itself (Prescription, DaySchedule, Bolus, ...) build it once while
validating, so the dataclass's own refusal is reported at the right field.
Checks that need the shipped catalogues (pump models, drug library) are in
`catalogue_problems`, also reported by field. Event details are typed per kind by
the pump's log (programmer.pump.log), which refuses a wrong or missing field by its path.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NaiveDatetime,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from programmer.pump.firmware import EARLIEST_CLOCK, LATEST_CLOCK
from programmer.pump.log import DetailsError, details_data, details_from_file
from programmer.pump.memory import Alarm, AlarmKind, Catheter, Event, EventKind, PumpMemory
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, FlexSchedule, FlexStep, format_minute
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

EVERY_DAY = "every day"
DETAILS_PATH = "details_path"  # in the context of a refused event's details: the field inside them
_HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class _Strict(BaseModel):
    # Strict: "1.5" is not a number and 1700000000 is not a date; a file says exactly what it means.
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, allow_inf_nan=False)


class DoseField(_Strict):
    amount: float = Field(ge=0)
    unit: DrugUnit

    def to_domain(self) -> Dose:
        return Dose(self.amount, self.unit)


class DoseRateField(_Strict):
    per_day: float = Field(ge=0)
    unit: DrugUnit

    def to_domain(self) -> DoseRate:
        return DoseRate(self.per_day, self.unit)


class ConcentrationField(_Strict):
    per_ml: float = Field(gt=0)
    unit: DrugUnit

    def to_domain(self) -> Concentration:
        return Concentration(self.per_ml, self.unit)


class FlexStepField(_Strict):
    start: str = Field(pattern=_HHMM)  # "06:30": the step runs until the next step starts
    rate: DoseRateField

    def to_domain(self) -> FlexStep:
        hours, minutes = self.start.split(":")
        return FlexStep(int(hours) * 60 + int(minutes), self.rate.to_domain())


class DayField(_Strict):
    day: Literal["every day", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    steps: list[FlexStepField] = Field(min_length=1)

    @model_validator(mode="after")
    def _valid_day(self) -> DayField:
        self.to_domain()
        return self

    def to_domain(self) -> DaySchedule:
        return DaySchedule(tuple(step.to_domain() for step in self.steps))


class ScheduleField(_Strict):
    days: list[DayField]

    @model_validator(mode="after")
    def _one_or_seven_days(self) -> ScheduleField:
        names = [day.day for day in self.days]
        if names != [EVERY_DAY] and names != list(WEEKDAYS):
            raise ValueError(f"days must be ['every day'] or Monday to Sunday in order, found {names}")
        self.to_domain()
        return self

    def to_domain(self) -> FlexSchedule:
        return FlexSchedule(tuple(day.to_domain() for day in self.days))


class BolusField(_Strict):
    kind: BolusKind
    start: NaiveDatetime
    duration: timedelta = Field(gt=timedelta(0))
    volume_ml: float = Field(gt=0)
    dose: DoseField

    @model_validator(mode="after")
    def _valid_bolus(self) -> BolusField:
        self.to_domain()
        return self

    def to_domain(self) -> Bolus:
        return Bolus(self.kind, self.start, self.duration, self.volume_ml, self.dose.to_domain())


class PrescriptionField(_Strict):
    drug: str = Field(min_length=1)
    concentration: ConcentrationField
    mode: InfusionMode
    daily_dose: DoseRateField | None = None
    schedule: ScheduleField | None = None
    bolus: BolusField | None = None

    @model_validator(mode="after")
    def _valid_prescription(self) -> PrescriptionField:
        self.to_domain()
        return self

    def to_domain(self) -> Prescription:
        return Prescription(
            drug=self.drug,
            concentration=self.concentration.to_domain(),
            mode=self.mode,
            daily_dose=None if self.daily_dose is None else self.daily_dose.to_domain(),
            schedule=None if self.schedule is None else self.schedule.to_domain(),
            bolus=None if self.bolus is None else self.bolus.to_domain(),
        )


class PtmField(_Strict):
    dose_per_bolus: DoseField
    duration: timedelta = Field(gt=timedelta(0))
    max_per_24h: int = Field(ge=0)
    lockout: timedelta = Field(ge=timedelta(0))

    @model_validator(mode="after")
    def _valid_ptm(self) -> PtmField:
        self.to_domain()
        return self

    def to_domain(self) -> PtmSettings:
        return PtmSettings(self.dose_per_bolus.to_domain(), self.duration, self.max_per_24h, self.lockout)


class CatheterField(_Strict):
    length_cm: float = Field(gt=0)
    trimmed_cm: float = Field(ge=0)
    tip_location: str = Field(min_length=1)

    @model_validator(mode="after")
    def _trim_shorter_than_catheter(self) -> CatheterField:
        if self.trimmed_cm >= self.length_cm:
            raise ValueError(f"trimmed_cm {self.trimmed_cm:g} cm must be below length_cm {self.length_cm:g} cm")
        return self

    def to_domain(self) -> Catheter:
        return Catheter(self.length_cm, self.trimmed_cm, self.tip_location)


class AlarmField(_Strict):
    kind: AlarmKind
    raised_at: NaiveDatetime


class EventField(_Strict):
    at: NaiveDatetime
    kind: EventKind
    text: str
    details: Any = None  # the kind's typed details once validated; in the file an object, {} when none were logged

    @field_validator("details", mode="before")
    @classmethod
    def _typed_details(cls, data: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        if kind is None:  # the kind was refused itself: its details cannot be read
            return None
        try:
            return details_from_file(kind, data)
        except DetailsError as error:
            context = {"problem": error.problem, DETAILS_PATH: error.path}
            raise PydanticCustomError("event_details", "{problem}", context) from None

    @field_serializer("details")
    def _details_data(self, details: Any) -> dict[str, Any]:
        return details_data(details)


class MemoryField(_Strict):
    """The "memory" object of a pump file: every field of PumpMemory, datetimes as ISO-8601 pump-clock times."""

    model_name: str = Field(min_length=1)
    serial: str = Field(min_length=1)
    implant_date: date
    patient_id: str = Field(max_length=64)  # may be blank: a pump can be implanted before it is assigned
    catheter: CatheterField
    prescription: PrescriptionField
    prescription_entered_at: NaiveDatetime
    reservoir_ml: float = Field(ge=0)
    last_refill_at: NaiveDatetime
    last_refill_ml: float = Field(ge=0)
    low_alarm_ml: float = Field(gt=0)
    eri_at: NaiveDatetime
    # Within the firmware's range: a clock near year 9999 (older versions allowed one) overflows every date after it.
    clock: NaiveDatetime = Field(ge=EARLIEST_CLOCK, le=LATEST_CLOCK)
    ptm: PtmField | None = None
    stopped_since: NaiveDatetime | None = None
    alarms: list[AlarmField] = []
    events: list[EventField] = []

    @classmethod
    def from_domain(cls, memory: PumpMemory) -> MemoryField:
        """Validated as a whole, so a refusal names the full path (memory.events.3.details.removed_ml)."""
        return cls.model_validate(memory_data(memory))

    def to_domain(self) -> PumpMemory:
        return PumpMemory(
            model_name=self.model_name,
            serial=self.serial,
            implant_date=self.implant_date,
            patient_id=self.patient_id,
            catheter=self.catheter.to_domain(),
            prescription=self.prescription.to_domain(),
            prescription_entered_at=self.prescription_entered_at,
            reservoir_ml=self.reservoir_ml,
            last_refill_at=self.last_refill_at,
            last_refill_ml=self.last_refill_ml,
            low_alarm_ml=self.low_alarm_ml,
            eri_at=self.eri_at,
            clock=self.clock,
            ptm=None if self.ptm is None else self.ptm.to_domain(),
            stopped_since=self.stopped_since,
            alarms=tuple(Alarm(alarm.kind, alarm.raised_at) for alarm in self.alarms),
            events=tuple(Event(event.at, event.kind, event.text, event.details) for event in self.events),
        )


def memory_data(memory: PumpMemory) -> dict[str, Any]:
    """PumpMemory as nested plain values (datetimes and enums still Python objects), shaped like the file."""
    prescription = memory.prescription
    return {
        "model_name": memory.model_name,
        "serial": memory.serial,
        "implant_date": memory.implant_date,
        "patient_id": memory.patient_id,
        "catheter": asdict(memory.catheter),
        "prescription": {
            "drug": prescription.drug,
            "concentration": asdict(prescription.concentration),
            "mode": prescription.mode,
            "daily_dose": None if prescription.daily_dose is None else asdict(prescription.daily_dose),
            "schedule": None if prescription.schedule is None else _schedule_data(prescription.schedule),
            "bolus": None if prescription.bolus is None else asdict(prescription.bolus),
        },
        "prescription_entered_at": memory.prescription_entered_at,
        "reservoir_ml": memory.reservoir_ml,
        "last_refill_at": memory.last_refill_at,
        "last_refill_ml": memory.last_refill_ml,
        "low_alarm_ml": memory.low_alarm_ml,
        "eri_at": memory.eri_at,
        "clock": memory.clock,
        "ptm": None if memory.ptm is None else asdict(memory.ptm),
        "stopped_since": memory.stopped_since,
        "alarms": [{"kind": alarm.kind, "raised_at": alarm.raised_at} for alarm in memory.alarms],
        # Details as the file holds them, so a memory is checked on save exactly as a file is on load.
        "events": [
            {"at": event.at, "kind": event.kind, "text": event.text, "details": details_data(event.details)}
            for event in memory.events
        ],
    }


def _schedule_data(schedule: FlexSchedule) -> dict[str, Any]:
    names = WEEKDAYS if schedule.per_weekday else (EVERY_DAY,)
    return {
        "days": [
            {
                "day": name,
                "steps": [{"start": format_minute(step.start_minute), "rate": asdict(step.rate)} for step in day.steps],
            }
            for name, day in zip(names, schedule.days, strict=True)
        ]
    }


def catalogue_problems(memory: MemoryField) -> list[str]:
    """What the shipped pump models and drug library refuse, each as 'field: problem (limit, found)'."""
    try:
        model = pump_models()[memory.model_name]
    except KeyError as error:
        return [f"memory.model_name: {error.args[0]}"]
    problems = []
    capacity = model.reservoir_capacity_ml
    for name in ("reservoir_ml", "last_refill_ml"):
        volume = getattr(memory, name)
        if volume > capacity:
            problems.append(
                f"memory.{name}: {volume:g} mL is above the {model.name} reservoir capacity of {capacity:g} mL"
            )
    if not model.low_alarm_min_ml <= memory.low_alarm_ml <= model.low_alarm_max_ml:
        problems.append(
            f"memory.low_alarm_ml: the low-reservoir alarm at {memory.low_alarm_ml:g} mL is outside the {model.name} "
            f"range of {model.low_alarm_min_ml:g}–{model.low_alarm_max_ml:g} mL"
        )
    if memory.ptm is not None and not model.ptm_supported:
        problems.append(f"memory.ptm: the {model.name} does not support a patient therapy manager")

    prescription = memory.prescription
    try:
        drug = drug_library()[prescription.drug]
    except KeyError as error:
        return [*problems, f"memory.prescription.drug: {error.args[0]}"]
    units = [("memory.prescription.concentration.unit", prescription.concentration.unit)]
    if prescription.daily_dose is not None:
        units.append(("memory.prescription.daily_dose.unit", prescription.daily_dose.unit))
    # A bridge bolus carries the previous fluid, which may be another drug in another unit.
    if prescription.bolus is not None and prescription.bolus.kind is not BolusKind.BRIDGE:
        units.append(("memory.prescription.bolus.dose.unit", prescription.bolus.dose.unit))
    if memory.ptm is not None:
        units.append(("memory.ptm.dose_per_bolus.unit", memory.ptm.dose_per_bolus.unit))
    wrong_units = [
        f"{where}: {drug.name} is dosed in {drug.unit.value}, found {unit.value}"
        for where, unit in units
        if unit != drug.unit
    ]
    if wrong_units:
        # Flow limits are meaningless until the units agree.
        return problems + wrong_units

    concentration = prescription.concentration.to_domain()
    flows = []
    if prescription.daily_dose is not None and prescription.mode is not InfusionMode.STOPPED:
        flows.append(("memory.prescription.daily_dose", prescription.daily_dose.to_domain()))
    if prescription.schedule is not None:
        schedule = prescription.schedule
        if len(schedule.days) > 1 and not model.per_weekday_schedules:
            problems.append(
                f"memory.prescription.schedule: the {model.name} has one schedule for every day, not one per weekday"
            )
        for day_index, day in enumerate(schedule.days):
            if len(day.steps) > model.max_flex_steps:
                problems.append(
                    f"memory.prescription.schedule.days.{day_index}.steps: {day.day} has {len(day.steps)} steps, "
                    f"the {model.name} allows at most {model.max_flex_steps}"
                )
            for step_index, step in enumerate(day.steps):
                where = f"memory.prescription.schedule.days.{day_index}.steps.{step_index}.rate"
                flows.append((where, step.rate.to_domain()))
    for where, rate in flows:
        ml_per_day = concentration.ml_per_day(rate)
        if ml_per_day > model.flow_max_ml_per_day:
            problems.append(
                f"{where}: {rate} at {concentration} is {ml_per_day:g} mL/day, above the {model.name} maximum flow "
                f"of {model.flow_max_ml_per_day:g} mL/day"
            )
    return problems
