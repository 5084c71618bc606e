"""What the pump is told to deliver: drug, concentration, infusion mode and dose or schedule."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from programmer.therapy.schedule import FlexSchedule
from programmer.therapy.units import MINUTES_PER_DAY, Concentration, Dose, DoseRate, DrugUnit, UnitError


class InfusionMode(StrEnum):
    STOPPED = "stopped"
    SINGLE_BOLUS = "single_bolus"
    SIMPLE_CONTINUOUS = "simple_continuous"
    FLEX = "flex"
    MINIMUM_RATE = "minimum_rate"

    @property
    def title(self) -> str:
        return {
            InfusionMode.STOPPED: "Stopped",
            InfusionMode.SINGLE_BOLUS: "Single bolus",
            InfusionMode.SIMPLE_CONTINUOUS: "Simple continuous",
            InfusionMode.FLEX: "Flexible (time of day)",
            InfusionMode.MINIMUM_RATE: "Minimum rate",
        }[self]


class BolusKind(StrEnum):
    SINGLE = "single"  # the single-bolus mode: afterwards the pump stops
    PRIMING = "priming"  # fills pump tubing and catheter after implant or revision
    BRIDGE = "bridge"  # pushes old-concentration fluid through after a concentration change
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class Bolus:
    """A volume delivered evenly from `start` over `duration`, replacing the base rate meanwhile."""

    kind: BolusKind
    start: datetime
    duration: timedelta
    volume_ml: float
    dose: Dose  # the drug that volume carries to the patient (in the fluid at the catheter tip)

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError("a bolus needs a duration above zero")
        if self.volume_ml <= 0:
            raise ValueError("a bolus needs a volume above zero")

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @property
    def ml_per_day(self) -> float:
        return self.volume_ml / (self.duration.total_seconds() / 86400)

    def active_at(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Prescription:
    drug: str
    concentration: Concentration
    mode: InfusionMode
    daily_dose: DoseRate | None = None  # simple continuous and minimum rate
    schedule: FlexSchedule | None = None  # flex
    bolus: Bolus | None = None  # runs first when set; then the mode resumes (single bolus: stopped)

    def __post_init__(self) -> None:
        unit = self.concentration.unit
        needs = {
            InfusionMode.SIMPLE_CONTINUOUS: ("daily_dose",),
            InfusionMode.MINIMUM_RATE: ("daily_dose",),
            InfusionMode.FLEX: ("schedule",),
            InfusionMode.SINGLE_BOLUS: ("bolus",),
            InfusionMode.STOPPED: (),
        }[self.mode]
        for name in needs:
            if getattr(self, name) is None:
                raise ValueError(f"{self.mode.title} mode needs a {name.replace('_', ' ')}")
        for name, value in (("daily dose", self.daily_dose), ("schedule", self.schedule)):
            if value is not None and value.unit is not unit:
                raise UnitError(f"the {name} is in {value.unit.value} but the concentration is {unit.value}/mL")
        if self.daily_dose is not None and self.daily_dose.per_day < 0:
            raise ValueError("a daily dose cannot be negative")

    # --- construction ---------------------------------------------------------------
    @classmethod
    def simple_continuous(cls, drug: str, concentration: Concentration, daily_dose: DoseRate) -> Prescription:
        return cls(drug, concentration, InfusionMode.SIMPLE_CONTINUOUS, daily_dose=daily_dose)

    @classmethod
    def flex(cls, drug: str, concentration: Concentration, schedule: FlexSchedule) -> Prescription:
        return cls(drug, concentration, InfusionMode.FLEX, schedule=schedule)

    @classmethod
    def minimum_rate(cls, drug: str, concentration: Concentration, minimum_ml_per_day: float) -> Prescription:
        rate = concentration.rate_for(minimum_ml_per_day)
        return cls(drug, concentration, InfusionMode.MINIMUM_RATE, daily_dose=rate)

    @classmethod
    def stopped(cls, drug: str, concentration: Concentration) -> Prescription:
        return cls(drug, concentration, InfusionMode.STOPPED)

    def with_bolus(self, bolus: Bolus | None) -> Prescription:
        return replace(self, bolus=bolus)

    def after_bolus(self) -> Prescription:
        """What runs once the bolus has finished: the underlying mode, or stopped after a single bolus."""
        if self.mode is InfusionMode.SINGLE_BOLUS:
            return replace(self, mode=InfusionMode.STOPPED, bolus=None)
        return replace(self, bolus=None)

    # --- reading --------------------------------------------------------------------
    @property
    def unit(self) -> DrugUnit:
        return self.concentration.unit

    def daily_dose_on(self, weekday: int) -> DoseRate:
        """The base dose delivered over the calendar day `weekday` (0 = Monday), boluses excluded."""
        if self.mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE):
            return self.daily_dose
        if self.mode is InfusionMode.FLEX:
            return self.schedule.daily_dose(weekday)
        return DoseRate(0.0, self.unit)

    @property
    def nominal_daily_dose(self) -> DoseRate:
        """Daily dose of the base mode; for a per-weekday flex schedule, the weekly mean."""
        if self.mode is InfusionMode.FLEX:
            return self.schedule.average_daily_dose
        return self.daily_dose_on(0)

    @property
    def nominal_daily_volume_ml(self) -> float:
        return self.concentration.ml_per_day(self.nominal_daily_dose)

    def base_ml_per_day_at(self, moment: datetime) -> float:
        """Flow of the base mode at `moment`, ignoring any bolus."""
        if self.mode is InfusionMode.FLEX:
            day = self.schedule.day(moment.weekday())
            minute = moment.hour * 60 + moment.minute + moment.second / 60 + moment.microsecond / 6e7
            return self.concentration.ml_per_day(day.rate_at(minute))
        return self.concentration.ml_per_day(self.daily_dose_on(0))

    def describe(self) -> str:
        """One line a nurse reads: 'morphine 10 mg/mL, simple continuous, 1.5 mg/day'."""
        if self.mode is InfusionMode.STOPPED:
            dosing = "no delivery"
        elif self.mode is InfusionMode.SINGLE_BOLUS:
            dosing = f"{self.bolus.dose} over {_duration_text(self.bolus.duration)}"
        elif self.mode is InfusionMode.FLEX:
            steps = self.schedule.max_steps_per_day
            days = "per weekday" if self.schedule.per_weekday else "every day"
            dosing = f"{steps} steps {days}, {self.nominal_daily_dose}"
        else:
            dosing = str(self.daily_dose)
        return f"{self.drug} {self.concentration}, {self.mode.title.lower()}, {dosing}"


def _duration_text(duration: timedelta) -> str:
    minutes = round(duration.total_seconds() / 60)
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY} day(s)"
    return f"{minutes // 60} h {minutes % 60:02d} min"
