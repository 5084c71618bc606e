"""The daily dose after a concentration change: re-shown in the new terms, kept, or changed."""

from __future__ import annotations

from msgspec import Struct

from programmer.therapy.drugs import Drug
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.units import Concentration, DoseRate, UnitError
from programmer.wording import ml_per_day_text

# The modes whose daily dose carries over to a new concentration as it is.
_KEEPABLE = (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.FLEX, InfusionMode.MINIMUM_RATE, InfusionMode.STOPPED)


class DosePlan(Struct, frozen=True):
    """The daily dose re-shown in the terms of the new concentration."""

    old: Prescription
    new_drug: str
    new_concentration: Concentration
    same_dose_ml_per_day: float | None  # the rate that keeps today's dose; None when the drug changes
    keep_refused: str  # why the dose cannot simply be kept ("" when it can)

    @property
    def can_keep(self) -> bool:
        return not self.keep_refused

    def lines(self) -> list[str]:
        old = self.old
        lines = [
            f"Now: {old.nominal_daily_dose} = {ml_per_day_text(old.nominal_daily_volume_ml)} of {old.drug} "
            f"{old.concentration}"
        ]
        if self.same_dose_ml_per_day is not None:
            lines.append(
                f"Same dose with {self.new_drug} {self.new_concentration}: {old.nominal_daily_dose} = "
                f"{ml_per_day_text(self.same_dose_ml_per_day)}"
            )
        if self.keep_refused:
            lines.append(self.keep_refused)
        return lines


def dose_plan(old: Prescription, drug: Drug, concentration: Concentration) -> DosePlan:
    """Today's dose in the terms of `drug` at `concentration`, and whether it can simply be kept."""
    if drug.name.lower() != old.drug.lower():
        refused = f"the drug changes from {old.drug} to {drug.name}: enter the new daily dose"
        return DosePlan(old, drug.name, concentration, None, refused)
    refused = ""
    if old.mode not in _KEEPABLE:
        refused = f"the pump runs a {old.mode.title.lower()}: enter the daily dose to run after the refill"
    same_rate = None
    if old.nominal_daily_dose.per_day > 0:
        same_rate = concentration.ml_per_day(old.nominal_daily_dose.to(concentration.unit))
    return DosePlan(old, drug.name, concentration, same_rate, refused)


def kept_dose(old: Prescription, drug: Drug, concentration: Concentration, model: PumpModel) -> Prescription:
    """The same daily dose (and mode) of `drug` with the new concentration: the pump's rate in mL/day follows."""
    name = drug.name
    if old.mode is InfusionMode.FLEX:
        return Prescription.flex(name, concentration, old.schedule)
    if old.mode is InfusionMode.MINIMUM_RATE:
        return Prescription.minimum_rate(name, concentration, model.minimum_rate_ml_per_day)
    if old.mode is InfusionMode.STOPPED:
        return Prescription.stopped(name, concentration)
    return Prescription.simple_continuous(name, concentration, old.daily_dose)


def changed_dose(drug: Drug, concentration: Concentration, daily_dose: DoseRate) -> Prescription:
    """A new daily dose of `drug` at `concentration`, delivered continuously."""
    if daily_dose.unit is not drug.unit:
        raise UnitError(
            f"{drug.name} is dosed in {drug.unit.value}: enter the daily dose in {drug.unit.value}/day, "
            f"not {daily_dose}"
        )
    return Prescription.simple_continuous(drug.name, concentration, daily_dose)
