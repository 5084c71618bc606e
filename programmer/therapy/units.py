"""Quantities with units: doses, dose rates and concentrations.

A dose is never a bare float. Every value carries its drug unit (mg or mcg);
rates are stored per day and shown per hour on request. Arithmetic and ordering
between different units or different kinds of quantity raise instead of guessing,
because mg/mcg and per-hour/per-day confusions are the errors that kill.
Equality compares the amount of drug itself, so 1 mg == 1000 mcg: an equality
test that answered False there would be a silent wrong answer.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Self

from msgspec import Struct
from msgspec.structs import force_setattr

from programmer.errors import ProgrammerError
from programmer.wording import format_number

HOURS_PER_DAY = 24
MINUTES_PER_DAY = 24 * 60


class UnitError(ProgrammerError, ValueError):
    """Two quantities in different units, or a unit that does not fit."""


# Every spelling a nurse or a label might use. "µg" (micro sign) and "μg" (Greek mu) look alike but differ.
_UNIT_ALIASES = {
    "mg": "mg",
    "milligram": "mg",
    "milligrams": "mg",
    "mcg": "mcg",
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
}


class DrugUnit(StrEnum):
    MG = "mg"
    MCG = "mcg"

    @property
    def mcg_per_unit(self) -> int:
        return 1000 if self is DrugUnit.MG else 1

    @classmethod
    def parse(cls, text: str) -> DrugUnit:
        """'mg', 'mcg', 'µg', 'μg', 'ug', 'microgram(s)', 'milligram(s)', any case."""
        if isinstance(text, DrugUnit):
            return text
        if not isinstance(text, str):
            raise UnitError(f"unknown drug unit {text!r}: use mg or mcg")
        key = _UNIT_ALIASES.get(text.strip().lower())
        if key is None:
            raise UnitError(f"unknown drug unit {text!r}: use mg or mcg")
        return cls(key)


MAX_AMOUNT = 1e12  # far beyond any drug and any pump, and still far from overflowing any sum
MIN_AMOUNT = 1e-12


def _convert(amount: float, unit: DrugUnit, to: DrugUnit) -> float:
    return amount if unit is to else amount * unit.mcg_per_unit / to.mcg_per_unit


def _same_unit(a: DrugUnit, b: DrugUnit, what: str) -> None:
    if a is not b:
        raise UnitError(f"cannot {what} {a.value} and {b.value}: convert one explicitly first")


def _checked_amount(value: object, what: str) -> float:
    """A real number within reach of any pump; bools and text are refused, not coerced.

    No drug is given by the tonne nor measured in fractions of an atom: beyond these bounds a number
    is a slip of the keyboard or a forged value, and refusing it where it is made keeps every sum
    after it finite (a dose of 1e308 mg/day once overflowed to infinity mg/h).
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{what} must be a number, not {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise UnitError(f"{what} must be a finite number, not {value}")
    if abs(value) > MAX_AMOUNT or 0 < abs(value) < MIN_AMOUNT:
        raise UnitError(f"{what} of {value:g} is out of any pump's range ({MIN_AMOUNT:g} to {MAX_AMOUNT:g})")
    return float(value)


def _checked_unit(unit: object) -> DrugUnit:
    if isinstance(unit, DrugUnit):
        return unit
    if isinstance(unit, str):
        return DrugUnit.parse(unit)
    raise TypeError(f"a drug unit must be mg or mcg, not {type(unit).__name__} {unit!r}")


def _key(amount: float, unit: DrugUnit) -> float:
    """The amount in mcg to 12 significant digits: equal drug compares equal despite float noise (0.1 mg/h × 24)."""
    return float(f"{amount * unit.mcg_per_unit:.12g}")


class _Measure:
    """A size in a drug unit, checked where it is made; conversion, text, equality and hashing.

    Shared by Dose, DoseRate and Concentration, each naming the field that holds its size. Equality
    compares the drug itself (1 mg == 1000 mcg), and only between measures of the same kind.
    """

    __slots__ = ()  # a mixin of msgspec Structs: the fields live in the Struct
    unit: DrugUnit
    _SIZE = ""  # the field holding the size: "amount", "per_day", "per_ml"
    _WHAT = ""  # named in a refusal, and kept apart in a hash (a dose never equals a rate): "a dose"
    _PER = ""  # after the unit: "" (a dose), "/day", "/mL"

    def __post_init__(self) -> None:
        force_setattr(self, "unit", _checked_unit(self.unit))
        size = _checked_amount(self._size, f"{self._WHAT} in {self.unit.value}{self._PER}")
        force_setattr(self, self._SIZE, size)

    @property
    def _size(self) -> float:
        return getattr(self, self._SIZE)

    def to(self, unit: DrugUnit) -> Self:
        return type(self)(_convert(self._size, self.unit, unit), unit)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return _key(self._size, self.unit) == _key(other._size, other.unit)

    def __ne__(self, other: object) -> bool:  # said here: a Struct's own != would compare the fields, not the drug
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash((self._WHAT, _key(self._size, self.unit)))

    def __str__(self) -> str:
        return f"{format_number(self._size)} {self.unit.value}{self._PER}"


class _Quantity(_Measure):
    """Arithmetic and ordering, shared by Dose and DoseRate.

    Only a quantity of the same kind is added, subtracted or compared, and only in the same unit
    (a different one raises).
    """

    __slots__ = ()

    def _with(self, size: float) -> Self:
        return type(self)(size, self.unit)

    def __add__(self, other: Self) -> Self:
        if not isinstance(other, type(self)):
            return NotImplemented
        _same_unit(self.unit, other.unit, "add")
        return self._with(self._size + other._size)

    def __sub__(self, other: Self) -> Self:
        if not isinstance(other, type(self)):
            return NotImplemented
        _same_unit(self.unit, other.unit, "subtract")
        return self._with(self._size - other._size)

    def __mul__(self, factor: float) -> Self:
        if isinstance(factor, bool) or not isinstance(factor, int | float):
            return NotImplemented
        return self._with(self._size * factor)

    __rmul__ = __mul__

    def __truediv__(self, divisor: float) -> Self:
        if isinstance(divisor, bool) or not isinstance(divisor, int | float):
            return NotImplemented
        return self._with(self._size / divisor)

    def _compared(self, other: object) -> float | None:
        if not isinstance(other, type(self)):
            return None
        _same_unit(self.unit, other.unit, "compare")
        return other._size

    def __lt__(self, other: Self) -> bool:
        size = self._compared(other)
        return NotImplemented if size is None else self._size < size

    def __le__(self, other: Self) -> bool:
        size = self._compared(other)
        return NotImplemented if size is None else self._size <= size

    def __gt__(self, other: Self) -> bool:
        size = self._compared(other)
        return NotImplemented if size is None else self._size > size

    def __ge__(self, other: Self) -> bool:
        size = self._compared(other)
        return NotImplemented if size is None else self._size >= size


class Dose(_Quantity, Struct, frozen=True, eq=False):
    """An amount of drug, e.g. 1.5 mg."""

    amount: float
    unit: DrugUnit
    _SIZE, _WHAT, _PER = "amount", "a dose", ""


class DoseRate(_Quantity, Struct, frozen=True, eq=False):
    """A dose delivered per day, e.g. 1.5 mg/day. Stored per day, always."""

    per_day: float
    unit: DrugUnit
    _SIZE, _WHAT, _PER = "per_day", "a dose rate", "/day"

    @classmethod
    def from_per_hour(cls, per_hour: float, unit: DrugUnit) -> DoseRate:
        return cls(_checked_amount(per_hour, "a dose rate per hour") * HOURS_PER_DAY, unit)

    @property
    def per_hour(self) -> float:
        return self.per_day / HOURS_PER_DAY

    def over_minutes(self, minutes: float) -> Dose:
        return Dose(self.per_day * _checked_amount(minutes, "a duration in minutes") / MINUTES_PER_DAY, self.unit)

    def percent_change_from(self, old: DoseRate) -> float | None:
        """Change from `old` to this rate in %, None when `old` is zero."""
        if not isinstance(old, DoseRate):
            raise TypeError(f"percent_change_from needs a DoseRate, not {type(old).__name__}")
        old = old.to(self.unit)
        if old.per_day == 0:
            return None
        return (self.per_day - old.per_day) / old.per_day * 100.0

    def per_hour_text(self) -> str:
        return f"{format_number(self.per_hour)} {self.unit.value}/h"

    def day_and_hour_text(self) -> str:
        """Both ways, so a per-hour entry can be checked against the per-day figure: '2.4 mg/day (0.1 mg/h)'."""
        return f"{self} ({self.per_hour_text()})"


class Concentration(_Measure, Struct, frozen=True, eq=False):
    """Drug per millilitre, e.g. 10 mg/mL."""

    per_ml: float
    unit: DrugUnit
    _SIZE, _WHAT, _PER = "per_ml", "a concentration", "/mL"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.per_ml > 0:
            raise UnitError(f"a concentration must be above zero, not {self.per_ml:g} {self.unit.value}/mL")

    def volume_ml(self, dose: Dose) -> float:
        """Volume that holds `dose`."""
        return self._ml(dose, Dose, "volume_ml", "dose")

    def dose_in(self, volume_ml: float) -> Dose:
        return Dose(_checked_amount(volume_ml, "a volume in mL") * self.per_ml, self.unit)

    def ml_per_day(self, rate: DoseRate) -> float:
        """rate (mL/day) = dose per day / concentration."""
        return self._ml(rate, DoseRate, "ml_per_day", "rate")

    def rate_for(self, ml_per_day: float) -> DoseRate:
        return DoseRate(_checked_amount(ml_per_day, "a flow in mL/day") * self.per_ml, self.unit)

    def _ml(self, quantity: _Quantity, kind: type[_Quantity], caller: str, what: str) -> float:
        """The mL (per day, for a rate) that hold `quantity` of this drug: a dose or a rate in this unit only."""
        if not isinstance(quantity, kind):
            raise TypeError(f"{caller} needs a {kind.__name__}, not {type(quantity).__name__}")
        _same_unit(self.unit, quantity.unit, f"relate a {what} in")
        return quantity._size / self.per_ml


_NUMBER = r"(?P<amount>\d+(?:\.\d+)?|\.\d+)"
_UNIT = "|".join(sorted(map(re.escape, _UNIT_ALIASES), key=len, reverse=True))
_PER_DAY = ("day", "days", "d", "24h", "24 h")
_PER_HOUR = ("h", "hr", "hrs", "hour", "hours")
# As text: `re` compiles each at its first use and keeps it, so a command that parses no dose compiles none (issue 16).
_RATE = rf"(?i)^\s*{_NUMBER}\s*(?P<unit>{_UNIT})\s*/\s*(?P<per>{'|'.join(_PER_DAY + _PER_HOUR)})\s*$"
_CONCENTRATION = rf"(?i)^\s*{_NUMBER}\s*(?:(?P<unit>{_UNIT})\s*/\s*ml)?\s*$"
_BARE_NUMBER = rf"^\s*[-+]?{_NUMBER}\s*$"
# Number, a word for the unit, maybe a period: to say which part of a refused entry is wrong.
_ROUGH_RATE = rf"^\s*{_NUMBER}\s*(?P<unit>[^\s/\d.]+)\s*(?:/\s*(?P<per>.*?))?\s*$"
_EXAMPLES = "e.g. 1.5 mg/day, 100 mcg/day or 0.0625 mg/h"


def parse_dose_rate(text: str, expected_unit: DrugUnit | None = None) -> DoseRate:
    """Parse '1.5mg/day', '100 mcg/day' or '0.2mg/h'. The unit and the period are mandatory."""
    if not isinstance(text, str):
        raise TypeError(f"parse_dose_rate needs text, not {type(text).__name__} {text!r}")
    if re.match(_BARE_NUMBER, text):
        raise UnitError(f"dose {text.strip()!r} has no unit: type it with its unit and period, {_EXAMPLES}")
    match = re.match(_RATE, text)
    if not match:
        raise UnitError(_why_not_a_rate(text))
    amount = float(match["amount"])
    unit = DrugUnit.parse(match["unit"])
    per_hour = match["per"].lower() in _PER_HOUR
    rate = DoseRate.from_per_hour(amount, unit) if per_hour else DoseRate(amount, unit)
    if expected_unit is not None and unit is not expected_unit:
        raise UnitError(
            f"dose {text.strip()!r} is in {unit.value}, but this drug is dosed in {expected_unit.value} "
            f"({rate} = {rate.to(expected_unit)}): enter the dose in {expected_unit.value}"
        )
    return rate


def _why_not_a_rate(text: str) -> str:
    rough = re.match(_ROUGH_RATE, text)
    if rough and rough["unit"].lower() not in _UNIT_ALIASES:
        return f"dose {text.strip()!r}: {rough['unit']!r} is not a drug unit; use mg or mcg, {_EXAMPLES}"
    if rough and not rough["per"]:
        return f"dose {text.strip()!r} has no period: add /day or /h, {_EXAMPLES}"
    if rough:
        return f"dose {text.strip()!r}: {rough['per']!r} is not a period; use /day or /h, {_EXAMPLES}"
    return f"dose {text.strip()!r} must be a number with its unit and period, {_EXAMPLES}"


def parse_concentration(text: str, unit: DrugUnit) -> Concentration:
    """Parse '10' or '10mg/mL' for a drug dosed in `unit`."""
    match = re.match(_CONCENTRATION, str(text))
    if not match:
        raise UnitError(f"concentration {text!r} must be a number, e.g. 10 or 10 {unit.value}/mL")
    if match["unit"] and DrugUnit.parse(match["unit"]) is not unit:
        raise UnitError(f"concentration {text!r} is not in {unit.value}/mL, the unit of this drug")
    return Concentration(float(match["amount"]), unit)
