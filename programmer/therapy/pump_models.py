"""Pump model specifications (limits the firmware enforces), from resources/pump_models.json."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from msgspec import Meta, field

from programmer.resources import Catalog, Resource, load_model_file, resource_path
from programmer.therapy.units import Concentration
from programmer.wording import format_number, ml_per_day_text

# A flow computed as dose / concentration may miss a limit by rounding only: 240 mg/day at 10 mg/mL is 24 mL/day.
_FLOW_TOLERANCE = 1e-9
Positive = Annotated[float, Meta(gt=0)]
NonNegative = Annotated[float, Meta(ge=0)]


# --- alarm tones (issue 14): what the pump sounds, as data a clinic can correct ---------------------------------
AlarmToneField = Literal[
    "frequency_hz", "duration_ms", "gap_after_ms", "repeats", "repeat_every_minutes", "harmonic_levels"
]
_LONGEST_SOUNDING_MS = 60_000  # an alarm sounding for longer is a typing slip (the shipped ones last 1-3 s)


class ToneStep(Resource, frozen=True):
    """One beep: a pitch held for a while, then the silence before the next beep."""

    # IEC 60601-1-8 puts alarm fundamentals between 150 and 1000 Hz
    frequency_hz: Annotated[float, Meta(ge=150, le=1000)]
    duration_ms: Annotated[float, Meta(ge=20)]  # shorter is heard as a click, not a tone
    gap_after_ms: NonNegative


class AlarmTone(Resource, frozen=True, kw_only=True):
    """One alarm sound: its steps played `repeats` times (one sounding), sounding again every repeat_every_minutes."""

    steps: Annotated[list[ToneStep], Meta(min_length=1)]
    repeats: Annotated[int, Meta(ge=1)]
    repeat_every_minutes: Positive
    # Levels (0-1) of the fundamental, then the 2nd, 3rd... harmonic: IEC 60601-1-8 asks for at least four
    # between 300 and 4000 Hz. At most 8, so 8 × 1000 Hz stays far below the 22 kHz a 44.1 kHz sampling carries.
    harmonic_levels: Annotated[list[float], Meta(min_length=1, max_length=8)]
    source: Annotated[str, Meta(min_length=1)]
    emulator_defaults: list[AlarmToneField] = field(default_factory=list)

    @property
    def frequencies_hz(self) -> list[float]:
        """The distinct pitches, in the order they sound."""
        return list(dict.fromkeys(step.frequency_hz for step in self.steps))

    @property
    def sounding_ms(self) -> float:
        """How long one sounding lasts: the steps and gaps `repeats` times, without the silence after the last beep."""
        cycle_ms = sum(step.duration_ms + step.gap_after_ms for step in self.steps)
        return cycle_ms * self.repeats - self.steps[-1].gap_after_ms

    def __post_init__(self) -> None:
        if not all(0 <= level <= 1 for level in self.harmonic_levels) or self.harmonic_levels[0] == 0:
            raise ValueError(f"harmonic_levels must lie between 0 and 1, the first above 0, not {self.harmonic_levels}")
        if self.sounding_ms > _LONGEST_SOUNDING_MS:
            raise ValueError(f"one sounding lasts {self.sounding_ms:g} ms: at most {_LONGEST_SOUNDING_MS} ms")
        if self.sounding_ms >= self.repeat_every_minutes * 60_000:
            raise ValueError(
                f"one sounding lasts {self.sounding_ms:g} ms, not shorter than repeat_every_minutes "
                f"({self.repeat_every_minutes:g} min)"
            )


class AlarmTones(Resource, frozen=True):
    """A model's two alarm sounds, told apart by ear: non-critical a single tone, critical a two-tone alarm."""

    non_critical: AlarmTone
    critical: AlarmTone

    def __post_init__(self) -> None:
        if len(self.non_critical.frequencies_hz) != 1:
            pitches = "/".join(f"{hz:g}" for hz in self.non_critical.frequencies_hz)
            raise ValueError(f"non_critical must be a single tone, not {pitches} Hz")
        if len(self.critical.frequencies_hz) < 2:
            raise ValueError(f"critical must be a two-tone alarm, not {self.critical.frequencies_hz[0]:g} Hz alone")


class PumpModel(Resource, frozen=True, kw_only=True):
    name: Annotated[str, Meta(min_length=1)]
    title: str
    mechanism: Literal["peristaltic", "valve-gated"]
    reservoir_capacity_ml: Positive
    flow_min_ml_per_day: Positive
    flow_max_ml_per_day: Positive
    accuracy_percent: Annotated[float, Meta(gt=0, lt=100)]
    low_alarm_default_ml: Positive
    low_alarm_min_ml: Positive
    low_alarm_max_ml: Positive
    max_flex_steps: Annotated[int, Meta(ge=1, le=48)]
    per_weekday_schedules: bool
    minimum_rate_ml_per_day: Positive
    pump_tubing_volume_ml: NonNegative
    catheter_ml_per_cm: Positive
    catheter_length_cm: Positive
    service_life_years: Positive
    eri_to_end_of_service_days: Annotated[int, Meta(gt=0)]
    stopped_alarm_hours: Positive
    ptm_supported: bool
    # "low_alarm": refill date is when the reservoir reaches the low-reservoir alarm volume.
    # "all_patient_boluses": projected to refill_projection_volume_ml assuming every allowed bolus is used.
    refill_projection: Literal["low_alarm", "all_patient_boluses"]
    refill_projection_volume_ml: Positive | None = None
    emulator_defaults: list[str] = field(default_factory=list)
    alarm_tones: AlarmTones  # what it sounds (issue 14)

    def __post_init__(self) -> None:
        if self.flow_min_ml_per_day >= self.flow_max_ml_per_day:
            raise ValueError(
                f"flow_min_ml_per_day ({self.flow_min_ml_per_day:g}) must be below "
                f"flow_max_ml_per_day ({self.flow_max_ml_per_day:g})"
            )
        if not self.flow_min_ml_per_day <= self.minimum_rate_ml_per_day <= self.flow_max_ml_per_day:
            raise ValueError(
                f"minimum_rate_ml_per_day ({self.minimum_rate_ml_per_day:g}) must lie within "
                f"flow_min_ml_per_day..flow_max_ml_per_day ({self.flow_limits_text()})"
            )
        if not self.low_alarm_min_ml <= self.low_alarm_default_ml <= self.low_alarm_max_ml:
            raise ValueError(
                f"low_alarm_default_ml ({self.low_alarm_default_ml:g}) must lie between low_alarm_min_ml "
                f"({self.low_alarm_min_ml:g}) and low_alarm_max_ml ({self.low_alarm_max_ml:g})"
            )
        if self.low_alarm_max_ml >= self.reservoir_capacity_ml:
            raise ValueError(
                f"low_alarm_max_ml ({self.low_alarm_max_ml:g}) must be below "
                f"reservoir_capacity_ml ({self.reservoir_capacity_ml:g})"
            )
        if self.refill_projection == "all_patient_boluses" and self.refill_projection_volume_ml is None:
            raise ValueError("refill_projection_volume_ml is required when refill_projection is all_patient_boluses")
        volume = self.refill_projection_volume_ml
        if volume is not None and volume >= self.reservoir_capacity_ml:
            raise ValueError(
                f"refill_projection_volume_ml ({volume:g}) must be below "
                f"reservoir_capacity_ml ({self.reservoir_capacity_ml:g})"
            )

    def flow_limits_text(self) -> str:
        return f"{format_number(self.flow_min_ml_per_day)}–{ml_per_day_text(self.flow_max_ml_per_day)}"

    def flow_problem(self, ml_per_day: float, concentration: Concentration | None = None) -> str | None:
        """Why this model cannot run `ml_per_day`, or None when it can: the one flow-limit check.

        '0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day (0.48 mg/day at 10 mg/mL)': the limit
        is named in mL/day and, given the concentration, as the dose it is at that concentration, so the
        figure in brackets is never mistaken for the dose that was asked for.
        """
        if ml_per_day > self.flow_max_ml_per_day * (1 + _FLOW_TOLERANCE):
            side, which, limit_ml = "above", "maximum", self.flow_max_ml_per_day
        elif ml_per_day < self.flow_min_ml_per_day * (1 - _FLOW_TOLERANCE):
            side, which, limit_ml = "below", "minimum", self.flow_min_ml_per_day
        else:
            return None
        text = (
            f"{ml_per_day_text(ml_per_day)} is {side} the {self.name} {which} flow of {ml_per_day_text(limit_ml)}"
        )
        if concentration is not None:
            text += f" ({concentration.rate_for(limit_ml)} at {concentration})"
        return text


class PumpModelCatalog(Catalog[PumpModel], frozen=True, kw_only=True):
    entries_field = "models"
    entry_word = "pump model"
    known_words = "known models:"

    format: Literal["pump-models/1"]
    notes: str = ""
    models: Annotated[list[PumpModel], Meta(min_length=1)]


def load_pump_models(path: Path | None = None) -> PumpModelCatalog:
    return load_model_file(path or resource_path("pump_models.json"), PumpModelCatalog)


@cache
def pump_models() -> PumpModelCatalog:
    """The shipped catalogue, loaded once."""
    return load_pump_models()
