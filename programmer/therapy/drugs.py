"""The drug library: units, labelled concentrations and dose limits, from resources/drugs.json."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from programmer.resources import ResourceError, load_model_file, resource_path
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DailyDoseLimits(_Strict):
    """Soft limits warn and need a reason; the hard limit cannot be programmed."""

    soft_min: float = Field(ge=0)
    soft_max: float = Field(gt=0)
    hard_max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> DailyDoseLimits:
        if not self.soft_min <= self.soft_max <= self.hard_max:
            raise ValueError("limits must satisfy soft_min <= soft_max <= hard_max")
        return self


class DoseRange(_Strict):
    min: float = Field(ge=0)
    max: float = Field(gt=0)


class Titration(_Strict):
    max_increase_percent_per_24h: float | None = Field(default=None, gt=0)
    max_step_per_day: float | None = Field(default=None, gt=0)
    min_hours_between_increases: float | None = Field(default=None, gt=0)
    no_increase_hours_after_implant: float | None = Field(default=None, gt=0)


class Drug(_Strict):
    name: str = Field(min_length=1)
    unit: DrugUnit
    approved: bool
    labelled_concentrations_per_ml: list[float]
    max_concentration_per_ml: float = Field(gt=0)
    daily_dose: DailyDoseLimits
    starting_dose: DoseRange | None = None
    titration: Titration
    emulator_defaults: list[str] = []

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

    def is_labelled(self, concentration: Concentration) -> bool:
        value = concentration.to(self.unit).per_ml
        return any(abs(value - labelled) < 1e-9 for labelled in self.labelled_concentrations_per_ml)


class DrugLibrary(_Strict):
    format: Literal["drug-library/1"]
    notes: str = ""
    drugs: list[Drug] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> DrugLibrary:
        names = [drug.name for drug in self.drugs]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"drug names must be unique, repeated: {', '.join(duplicates)}")
        return self

    def __getitem__(self, name: str) -> Drug:
        for drug in self.drugs:
            if drug.name.lower() == name.strip().lower():
                return drug
        raise KeyError(f"unknown drug {name!r}; the library has {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [drug.name for drug in self.drugs]


def load_drug_library(path: Path | None = None) -> DrugLibrary:
    return load_model_file(path or resource_path("drugs.json"), DrugLibrary)


@cache
def drug_library() -> DrugLibrary:
    """The shipped library, loaded once."""
    return load_drug_library()


__all__ = ["Drug", "DrugLibrary", "ResourceError", "drug_library", "load_drug_library"]
