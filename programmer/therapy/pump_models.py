"""Pump model specifications (limits the firmware enforces), from resources/pump_models.json."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from programmer.resources import load_model_file, resource_path


class PumpModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    title: str
    mechanism: Literal["peristaltic", "valve-gated"]
    reservoir_capacity_ml: float = Field(gt=0)
    flow_min_ml_per_day: float = Field(gt=0)
    flow_max_ml_per_day: float = Field(gt=0)
    accuracy_percent: float = Field(gt=0, lt=100)
    low_alarm_default_ml: float = Field(gt=0)
    low_alarm_min_ml: float = Field(gt=0)
    low_alarm_max_ml: float = Field(gt=0)
    max_flex_steps: int = Field(ge=1, le=48)
    per_weekday_schedules: bool
    minimum_rate_ml_per_day: float = Field(gt=0)
    pump_tubing_volume_ml: float = Field(ge=0)
    catheter_ml_per_cm: float = Field(gt=0)
    catheter_length_cm: float = Field(gt=0)
    service_life_years: float = Field(gt=0)
    eri_to_end_of_service_days: int = Field(gt=0)
    stopped_alarm_hours: float = Field(gt=0)
    ptm_supported: bool
    # "low_alarm": refill date is when the reservoir reaches the low-reservoir alarm volume.
    # "all_patient_boluses": projected to refill_projection_volume_ml assuming every allowed bolus is used.
    refill_projection: Literal["low_alarm", "all_patient_boluses"]
    refill_projection_volume_ml: float | None = Field(default=None, gt=0)
    emulator_defaults: list[str] = []

    @model_validator(mode="after")
    def _consistent(self) -> PumpModel:
        if self.flow_min_ml_per_day >= self.flow_max_ml_per_day:
            raise ValueError("flow_min_ml_per_day must be below flow_max_ml_per_day")
        if not self.low_alarm_min_ml <= self.low_alarm_default_ml <= self.low_alarm_max_ml:
            raise ValueError("low_alarm_default_ml must lie between low_alarm_min_ml and low_alarm_max_ml")
        if self.low_alarm_max_ml >= self.reservoir_capacity_ml:
            raise ValueError("low_alarm_max_ml must be below reservoir_capacity_ml")
        if self.refill_projection == "all_patient_boluses" and self.refill_projection_volume_ml is None:
            raise ValueError("refill_projection_volume_ml is required when refill_projection is all_patient_boluses")
        return self

    def flow_limits_text(self) -> str:
        return f"{self.flow_min_ml_per_day:g}–{self.flow_max_ml_per_day:g} mL/day"


class PumpModelCatalog(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["pump-models/1"]
    notes: str = ""
    models: list[PumpModel] = Field(min_length=1)

    def __getitem__(self, name: str) -> PumpModel:
        for model in self.models:
            if model.name.lower() == name.strip().lower():
                return model
        raise KeyError(f"unknown pump model {name!r}; known models: {', '.join(self.names)}")

    @property
    def names(self) -> list[str]:
        return [model.name for model in self.models]


def load_pump_models(path: Path | None = None) -> PumpModelCatalog:
    return load_model_file(path or resource_path("pump_models.json"), PumpModelCatalog)


@cache
def pump_models() -> PumpModelCatalog:
    """The shipped catalogue, loaded once."""
    return load_pump_models()
