"""Quantities with units: doses, dose rates and concentrations.

A dose is never a bare float. Every value carries its drug unit (mg or mcg);
rates are stored per day and shown per hour on request. Arithmetic between
different units or different kinds of quantity raises instead of guessing,
because mg/mcg and per-hour/per-day confusions are the errors that kill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

HOURS_PER_DAY = 24
MINUTES_PER_DAY = 24 * 60


class UnitError(ValueError):
    """Two quantities in different units, or a unit that does not fit."""


class DrugUnit(StrEnum):
    MG = "mg"
    MCG = "mcg"

    @property
    def mcg_per_unit(self) -> int:
        return 1000 if self is DrugUnit.MG else 1

    @classmethod
    def parse(cls, text: str) -> DrugUnit:
        key = text.strip().lower().replace("µg", "mcg").replace("μg", "mcg").replace("ug", "mcg")
        try:
            return cls(key)
        except ValueError:
            raise UnitError(f"unknown drug unit {text!r}: use mg or mcg") from None


def _convert(amount: float, unit: DrugUnit, to: DrugUnit) -> float:
    return amount * unit.mcg_per_unit / to.mcg_per_unit


def _same_unit(a: DrugUnit, b: DrugUnit, what: str) -> None:
    if a is not b:
        raise UnitError(f"cannot {what} {a.value} and {b.value}: convert one explicitly first")


def format_number(value: float) -> str:
    """Short, unambiguous: no trailing zeros, never a naked decimal point (.5)."""
    if value == 0:
        return "0"
    if abs(value) >= 100:
        text = f"{value:.1f}"
    elif abs(value) >= 1:
        text = f"{value:.3f}"
    else:
        text = f"{value:.4g}" if abs(value) >= 0.001 else f"{value:.3g}"
    if "e" not in text and "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


@dataclass(frozen=True, order=False)
class Dose:
    """An amount of drug, e.g. 1.5 mg."""

    amount: float
    unit: DrugUnit

    def to(self, unit: DrugUnit) -> Dose:
        return Dose(_convert(self.amount, self.unit, unit), unit)

    def __add__(self, other: Dose) -> Dose:
        if not isinstance(other, Dose):
            return NotImplemented
        _same_unit(self.unit, other.unit, "add")
        return Dose(self.amount + other.amount, self.unit)

    def __sub__(self, other: Dose) -> Dose:
        if not isinstance(other, Dose):
            return NotImplemented
        _same_unit(self.unit, other.unit, "subtract")
        return Dose(self.amount - other.amount, self.unit)

    def __mul__(self, factor: float) -> Dose:
        if not isinstance(factor, int | float):
            return NotImplemented
        return Dose(self.amount * factor, self.unit)

    __rmul__ = __mul__

    def __lt__(self, other: Dose) -> bool:
        if not isinstance(other, Dose):
            return NotImplemented
        _same_unit(self.unit, other.unit, "compare")
        return self.amount < other.amount

    def __le__(self, other: Dose) -> bool:
        return self < other or self.amount == other.amount

    def __str__(self) -> str:
        return f"{format_number(self.amount)} {self.unit.value}"


@dataclass(frozen=True)
class DoseRate:
    """A dose delivered per day, e.g. 1.5 mg/day. Stored per day, always."""

    per_day: float
    unit: DrugUnit

    @classmethod
    def from_per_hour(cls, per_hour: float, unit: DrugUnit) -> DoseRate:
        return cls(per_hour * HOURS_PER_DAY, unit)

    @property
    def per_hour(self) -> float:
        return self.per_day / HOURS_PER_DAY

    def to(self, unit: DrugUnit) -> DoseRate:
        return DoseRate(_convert(self.per_day, self.unit, unit), unit)

    def over_minutes(self, minutes: float) -> Dose:
        return Dose(self.per_day * minutes / MINUTES_PER_DAY, self.unit)

    def __add__(self, other: DoseRate) -> DoseRate:
        if not isinstance(other, DoseRate):
            return NotImplemented
        _same_unit(self.unit, other.unit, "add")
        return DoseRate(self.per_day + other.per_day, self.unit)

    def __sub__(self, other: DoseRate) -> DoseRate:
        if not isinstance(other, DoseRate):
            return NotImplemented
        _same_unit(self.unit, other.unit, "subtract")
        return DoseRate(self.per_day - other.per_day, self.unit)

    def __mul__(self, factor: float) -> DoseRate:
        if not isinstance(factor, int | float):
            return NotImplemented
        return DoseRate(self.per_day * factor, self.unit)

    __rmul__ = __mul__

    def __lt__(self, other: DoseRate) -> bool:
        if not isinstance(other, DoseRate):
            return NotImplemented
        _same_unit(self.unit, other.unit, "compare")
        return self.per_day < other.per_day

    def __le__(self, other: DoseRate) -> bool:
        return self < other or self.per_day == other.per_day

    def percent_change_from(self, old: DoseRate) -> float | None:
        """Change from `old` to this rate in %, None when `old` is zero."""
        old = old.to(self.unit)
        if old.per_day == 0:
            return None
        return (self.per_day - old.per_day) / old.per_day * 100.0

    def __str__(self) -> str:
        return f"{format_number(self.per_day)} {self.unit.value}/day"

    def per_hour_text(self) -> str:
        return f"{format_number(self.per_hour)} {self.unit.value}/h"


@dataclass(frozen=True)
class Concentration:
    """Drug per millilitre, e.g. 10 mg/mL."""

    per_ml: float
    unit: DrugUnit

    def __post_init__(self) -> None:
        if not self.per_ml > 0:
            raise UnitError(f"a concentration must be above zero, not {self.per_ml} {self.unit.value}/mL")

    def to(self, unit: DrugUnit) -> Concentration:
        return Concentration(_convert(self.per_ml, self.unit, unit), unit)

    def volume_ml(self, dose: Dose) -> float:
        """Volume that holds `dose`."""
        if not isinstance(dose, Dose):
            raise TypeError(f"volume_ml needs a Dose, not {type(dose).__name__}")
        _same_unit(self.unit, dose.unit, "relate a dose in")
        return dose.amount / self.per_ml

    def dose_in(self, volume_ml: float) -> Dose:
        return Dose(volume_ml * self.per_ml, self.unit)

    def ml_per_day(self, rate: DoseRate) -> float:
        """rate (mL/day) = dose per day / concentration."""
        if not isinstance(rate, DoseRate):
            raise TypeError(f"ml_per_day needs a DoseRate, not {type(rate).__name__}")
        _same_unit(self.unit, rate.unit, "relate a rate in")
        return rate.per_day / self.per_ml

    def rate_for(self, ml_per_day: float) -> DoseRate:
        return DoseRate(ml_per_day * self.per_ml, self.unit)

    def __str__(self) -> str:
        return f"{format_number(self.per_ml)} {self.unit.value}/mL"


_RATE = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>mg|mcg|µg|μg|ug)\s*/\s*(?P<per>day|d|24h|h|hr|hour)\s*$",
    re.IGNORECASE,
)
_CONCENTRATION = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?|\.\d+)\s*(?:(?P<unit>mg|mcg|µg|μg|ug)\s*/\s*ml)?\s*$", re.IGNORECASE
)


def parse_dose_rate(text: str, expected_unit: DrugUnit | None = None) -> DoseRate:
    """Parse '1.5mg/day', '100 mcg/day' or '0.2mg/h'. The unit is mandatory."""
    match = _RATE.match(text)
    if not match:
        raise UnitError(
            f"dose {text!r} must carry its unit and period, e.g. 1.5mg/day, 100mcg/day or 0.05mg/h"
        )
    amount = float(match["amount"])
    unit = DrugUnit.parse(match["unit"])
    if expected_unit is not None and unit is not expected_unit:
        raise UnitError(f"dose {text!r} is in {unit.value}, but this drug is dosed in {expected_unit.value}")
    if match["per"].lower() in ("h", "hr", "hour"):
        return DoseRate.from_per_hour(amount, unit)
    return DoseRate(amount, unit)


def parse_concentration(text: str, unit: DrugUnit) -> Concentration:
    """Parse '10' or '10mg/mL' for a drug dosed in `unit`."""
    match = _CONCENTRATION.match(str(text))
    if not match:
        raise UnitError(f"concentration {text!r} is not a number, e.g. 10 or 10{unit.value}/mL")
    if match["unit"] and DrugUnit.parse(match["unit"]) is not unit:
        raise UnitError(f"concentration {text!r} is not in {unit.value}/mL, the unit of this drug")
    return Concentration(float(match["amount"]), unit)
