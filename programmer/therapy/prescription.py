"""What the pump is told to deliver: drug, concentration, infusion mode and dose or schedule.

Each mode takes exactly what it uses and nothing else, so a prescription never
carries a dose that looks programmed but is not delivered: simple continuous and
minimum rate take a daily dose, flex takes a schedule, single bolus takes a bolus,
stopped takes none of them.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from msgspec import Struct
from msgspec.structs import force_setattr, replace

from programmer.errors import ProgrammerError
from programmer.therapy.schedule import FlexSchedule
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, UnitError
from programmer.wording import TitledEnum, duration_text, ml_text


class PrescriptionError(ProgrammerError, ValueError):
    """A prescription whose parts do not fit together (mode, dose, schedule, bolus, units)."""


class InfusionMode(TitledEnum):
    STOPPED = "stopped", "Stopped"
    SINGLE_BOLUS = "single_bolus", "Single bolus"
    SIMPLE_CONTINUOUS = "simple_continuous", "Simple continuous"
    FLEX = "flex", "Flexible (time of day)"
    MINIMUM_RATE = "minimum_rate", "Minimum rate"


class BolusKind(TitledEnum):
    SINGLE = "single", "Single bolus"  # the single-bolus mode: afterwards the pump stops
    PRIMING = "priming", "Priming bolus"  # fills pump tubing and catheter after implant or revision
    BRIDGE = "bridge", "Bridge bolus"  # pushes old-concentration fluid through after a concentration change
    CLINICIAN = "clinician", "Clinician bolus"
    PATIENT = "patient", "Patient bolus"  # asked for on the patient's therapy manager (PTM), within its limits


class Bolus(Struct, frozen=True):
    """A volume delivered evenly from `start` over `duration`, replacing the base rate meanwhile."""

    kind: BolusKind
    start: datetime
    duration: timedelta
    volume_ml: float
    dose: Dose  # the drug that volume carries to the patient (in the fluid at the catheter tip)

    def __post_init__(self) -> None:
        force_setattr(self, "kind", BolusKind(self.kind))
        if not isinstance(self.start, datetime) or self.start.tzinfo is not None:
            raise PrescriptionError(f"a bolus starts at a naive datetime on the pump's clock, not {self.start!r}")
        if not isinstance(self.duration, timedelta) or self.duration <= timedelta(0):
            raise PrescriptionError(f"a bolus needs a duration above zero, not {self.duration}")
        if isinstance(self.volume_ml, bool) or not isinstance(self.volume_ml, int | float):
            raise TypeError(f"a bolus volume is a number of mL, not {self.volume_ml!r}")
        if not (math.isfinite(self.volume_ml) and self.volume_ml > 0):
            raise PrescriptionError(f"a bolus needs a volume above zero, not {ml_text(self.volume_ml)}")
        if not isinstance(self.dose, Dose):
            raise TypeError(f"a bolus dose must be a Dose (mg or mcg), not {self.dose!r}")

    @property
    def end(self) -> datetime:
        return self.start + self.duration

    @property
    def ml_per_day(self) -> float:
        return self.volume_ml / (self.duration.total_seconds() / 86400)

    def active_at(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


# What each mode is made of; anything else given with it is refused (a bolus may precede any running mode).
_MODE_USES = {
    InfusionMode.STOPPED: (),
    InfusionMode.SINGLE_BOLUS: ("bolus",),
    InfusionMode.SIMPLE_CONTINUOUS: ("daily_dose",),
    InfusionMode.FLEX: ("schedule",),
    InfusionMode.MINIMUM_RATE: ("daily_dose",),
}
_MODE_HINT = {
    InfusionMode.STOPPED: "a stopped pump delivers nothing",
    InfusionMode.SINGLE_BOLUS: "the pump gives the bolus and then stops",
    InfusionMode.SIMPLE_CONTINUOUS: "it delivers one daily dose evenly; flex mode runs a schedule",
    InfusionMode.FLEX: "the daily dose comes from the schedule's steps",
    InfusionMode.MINIMUM_RATE: "it delivers the pump's minimum flow; flex mode runs a schedule",
}


class Prescription(Struct, frozen=True):
    """What the pump is programmed to deliver: drug, concentration, mode, its daily dose or schedule, a bolus."""

    drug: str
    concentration: Concentration
    mode: InfusionMode
    daily_dose: DoseRate | None = None  # simple continuous and minimum rate
    schedule: FlexSchedule | None = None  # flex
    bolus: Bolus | None = None  # runs first when set; then the mode resumes (single bolus: stopped)

    def __post_init__(self) -> None:
        if not isinstance(self.drug, str) or not self.drug.strip():
            raise PrescriptionError("a prescription needs the drug's name")
        if not isinstance(self.concentration, Concentration):
            raise TypeError(f"the concentration must be a Concentration (e.g. 10 mg/mL), not {self.concentration!r}")
        try:
            force_setattr(self, "mode", InfusionMode(self.mode))
        except ValueError:
            modes = ", ".join(mode.value for mode in InfusionMode)
            raise PrescriptionError(f"unknown infusion mode {self.mode!r}: use one of {modes}") from None
        for name, kind in (("daily_dose", DoseRate), ("schedule", FlexSchedule), ("bolus", Bolus)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise TypeError(f"the {name.replace('_', ' ')} must be a {kind.__name__}, not {value!r}")
        self._check_mode_fields()
        self._check_units()
        self._check_doses()

    def _check_mode_fields(self) -> None:
        title = self.mode.title
        uses = _MODE_USES[self.mode]
        for name in ("daily_dose", "schedule", "bolus"):
            text = name.replace("_", " ")
            if name in uses and getattr(self, name) is None:
                raise PrescriptionError(f"{title} mode needs a {text}")
            if name not in uses and name != "bolus" and getattr(self, name) is not None:
                raise PrescriptionError(f"{title} mode does not use a {text}: {_MODE_HINT[self.mode]}")
        if self.bolus is None:
            return
        if self.mode is InfusionMode.STOPPED:
            raise PrescriptionError(
                "a stopped pump delivers nothing, not even a bolus: use Single bolus mode to give one bolus "
                "and then stop"
            )
        if self.bolus.kind is BolusKind.SINGLE and self.mode is not InfusionMode.SINGLE_BOLUS:
            raise PrescriptionError(
                f"a single bolus stops the pump afterwards, so it belongs to Single bolus mode, not {title} mode: "
                "use a clinician bolus to return to the current mode afterwards"
            )

    def _check_units(self) -> None:
        unit = self.concentration.unit
        for name, value in (("daily dose", self.daily_dose), ("schedule", self.schedule)):
            if value is not None and value.unit is not unit:
                raise UnitError(f"the {name} is in {value.unit.value} but the concentration is {unit.value}/mL")
        # A bridge bolus carries the previous fluid, which may be another drug in another unit.
        bolus = self.bolus
        if bolus is not None and bolus.kind is not BolusKind.BRIDGE and bolus.dose.unit is not unit:
            raise UnitError(f"the bolus dose is in {bolus.dose.unit.value} but the concentration is {unit.value}/mL")

    def _check_doses(self) -> None:
        if self.daily_dose is None:
            return
        if self.daily_dose.per_day < 0:
            raise PrescriptionError(f"a daily dose cannot be negative ({self.daily_dose})")
        if self.daily_dose.per_day == 0:
            # A zero dose would look like therapy while delivering nothing, and would not raise the stopped alarm.
            raise PrescriptionError(
                f"a daily dose of {self.daily_dose} delivers nothing: choose Stopped mode to stop the pump"
            )

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
            dosing = f"{self.bolus.dose} over {duration_text(self.bolus.duration)}"
        elif self.mode is InfusionMode.FLEX:
            steps = self.schedule.max_steps_per_day
            days = "per weekday" if self.schedule.per_weekday else "every day"
            dosing = f"{steps} step{'s' if steps != 1 else ''} {days}, {self.nominal_daily_dose}"
        else:
            dosing = str(self.daily_dose)
        if self.bolus is not None and self.mode is not InfusionMode.SINGLE_BOLUS:
            # A bolus in front of the mode is part of what the pump runs: a program adding one is a change.
            dosing += f", after a {self.bolus.kind.title.lower()} of {self.bolus.dose}"
        return f"{self.drug} {self.concentration}, {self.mode.title.lower()}, {dosing}"
