"""The drug library: units, labelled concentrations and dose limits, from resources/drugs.json."""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta, field

from programmer.resources import Catalog, Resource, ResourceError, load_model_file, name_key, resource_path
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, UnitError, parse_concentration

Positive = Annotated[float, Meta(gt=0)]
NonNegative = Annotated[float, Meta(ge=0)]


class _Ordered(Resource, frozen=True):
    """Limits that must not fall in the order their fields are declared: 'soft_max (40) is above hard_max (30)'."""

    def __post_init__(self) -> None:
        for low, high in pairwise(self.__struct_fields__):
            if getattr(self, low) > getattr(self, high):
                raise ValueError(f"{low} ({getattr(self, low):g}) is above {high} ({getattr(self, high):g})")


class DailyDoseLimits(_Ordered, frozen=True):
    """Soft limits warn and need a reason; the hard limit cannot be programmed."""

    soft_min: NonNegative
    soft_max: Positive
    hard_max: Positive


class DoseRange(_Ordered, frozen=True):
    min: NonNegative
    max: Positive


class Titration(Resource, frozen=True):
    max_increase_percent_per_24h: Positive | None = None
    max_step_per_day: Positive | None = None
    min_hours_between_increases: Positive | None = None
    no_increase_hours_after_implant: Positive | None = None


class Drug(Resource, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1)]
    unit: DrugUnit
    approved: bool
    labelled_concentrations_per_ml: list[Positive]
    max_concentration_per_ml: Positive
    daily_dose: DailyDoseLimits
    starting_dose: DoseRange | None = None
    titration: Titration
    emulator_defaults: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        unit = self.unit.value
        above = [value for value in self.labelled_concentrations_per_ml if value > self.max_concentration_per_ml]
        if above:
            raise ValueError(
                f"labelled concentration {above[0]:g} {unit}/mL is above "
                f"max_concentration_per_ml ({self.max_concentration_per_ml:g} {unit}/mL)"
            )
        if self.starting_dose is not None and self.starting_dose.max > self.daily_dose.hard_max:
            raise ValueError(
                f"starting_dose.max ({self.starting_dose.max:g} {unit}/day) is above "
                f"daily_dose.hard_max ({self.daily_dose.hard_max:g} {unit}/day)"
            )

    @property
    def off_label(self) -> bool:
        return not self.approved

    @property
    def labelled_concentrations(self) -> list[Concentration]:
        return [Concentration(value, self.unit) for value in self.labelled_concentrations_per_ml]

    def concentration(self, per_ml: float) -> Concentration:
        return Concentration(per_ml, self.unit)

    def rate(self, per_day: float) -> DoseRate:
        return DoseRate(per_day, self.unit)

    def dose(self, amount: float) -> Dose:
        return Dose(amount, self.unit)

    def confirmed_concentration(self, typed: str, typed_again: str) -> Concentration:
        """A concentration typed twice from a label: both entries must read, agree and be within the maximum.

        Typing it twice catches a misread label before it reaches the pump (concentration mis-entry
        overdoses: a programmed concentration lower than the real one).
        """
        unit = self.unit.value
        if not typed.strip() or not typed_again.strip():
            raise UnitError(f"type the concentration in {unit}/mL twice, from the label")
        first, second = parse_concentration(typed, self.unit), parse_concentration(typed_again, self.unit)
        if first != second:
            raise UnitError(f"the two entries differ ({first} and {second}): read the label again and re-enter both")
        maximum = self.concentration(self.max_concentration_per_ml)
        if first.per_ml > maximum.per_ml * (1 + 1e-12):
            raise UnitError(f"{first} is above the maximum for {self.name}: {maximum}")
        return first

    def is_labelled(self, concentration: Concentration) -> bool:
        value = concentration.to(self.unit).per_ml
        return any(abs(value - labelled) < 1e-9 for labelled in self.labelled_concentrations_per_ml)


class DrugLibrary(Catalog[Drug], frozen=True, kw_only=True):
    entries_field = "drugs"
    entry_word = "drug"
    known_words = "the library has"

    format: Literal["drug-library/1"]
    notes: str = ""
    drugs: Annotated[list[Drug], Meta(min_length=1)]


def same_drug(name: str, other: str) -> bool:
    """Two drug names name one drug, whatever their case or the spaces around them, as the library finds them."""
    return name_key(name) == name_key(other)


def load_drug_library(path: Path | None = None) -> DrugLibrary:
    return load_model_file(path or resource_path("drugs.json"), DrugLibrary)


@cache
def drug_library() -> DrugLibrary:
    """The shipped library, loaded once."""
    return load_drug_library()


__all__ = ["Drug", "DrugLibrary", "ResourceError", "drug_library", "load_drug_library", "same_drug"]
