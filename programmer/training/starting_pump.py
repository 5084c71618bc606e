"""The pump a scenario starts with: made by the pump factory and run through its history by the firmware.

The same path as every pump in the emulator (programmer.pump.factory and the firmware's own
refill, program and clock), so a scenario pump is never one the firmware would refuse. Its
history is data: implanted so many days ago, refilled so many days ago, stopped so many hours ago.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from programmer.pump import firmware
from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import create_pump, load_pump
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import parse_dose_rate
from programmer.training.scenario import Scenario

BOOKED_BEFORE_ALARM = timedelta(days=7)  # a refill's appointment, before the next low-reservoir alarm


def starting_pump(scenario: Scenario) -> PumpMemory:
    """The scenario's pump at its clock. Raises what the factory or the firmware refuses (ProgrammerError)."""
    pump = scenario.spec.pump
    if pump.file is not None:
        return load_pump((scenario.folder or Path.cwd()) / pump.file)
    drug = drug_library()[pump.drug]
    refilled_at = pump.clock - timedelta(days=pump.days_since_refill)
    days_implanted = pump.days_since_refill if pump.implanted_days_ago is None else pump.implanted_days_ago
    implanted_at = pump.clock - timedelta(days=days_implanted)
    memory = new_pump(
        pump.model,
        drug.name,
        pump.concentration,
        parse_dose_rate(pump.dose, drug.unit),
        implanted_at,
        serial=pump.serial,
        patient_id=pump.patient_id,
        reservoir_ml=pump.reservoir_ml if implanted_at == refilled_at else None,
        low_alarm_ml=pump.low_alarm_ml,
    )
    if implanted_at < refilled_at:
        filled = memory.model.reservoir_capacity_ml if pump.reservoir_ml is None else pump.reservoir_ml
        memory = _cared_for_until(memory, refilled_at, filled)
        memory = firmware.refill(memory, memory.reservoir_ml, filled, refilled_at)
    if pump.stopped_hours is not None:
        stopped_at = pump.clock - timedelta(hours=pump.stopped_hours)
        memory = firmware.advance(memory, stopped_at)[0]
        old = memory.prescription
        stopped = Program(Prescription.stopped(old.drug, old.concentration), memory.low_alarm_ml, memory.ptm)
        memory = firmware.apply_program(memory, stopped, stopped_at)
    return firmware.advance(memory, pump.clock)[0]


def _cared_for_until(memory: PumpMemory, last_refill_at: datetime, filled_ml: float) -> PumpMemory:
    """The pump from its implant to just before its last refill, refilled as a clinic books it: a week before
    its low-reservoir alarm. Left alone, its history would show it run dry for years before a routine visit;
    whatever goes wrong in a scenario's story starts after its last refill."""
    ml_per_day = memory.prescription.nominal_daily_volume_ml
    if ml_per_day > 0:
        lasts = timedelta(days=(filled_ml - memory.low_alarm_ml) / ml_per_day) - BOOKED_BEFORE_ALARM
        every = max(lasts, timedelta(days=1))
        refill_at = memory.clock + every
        while refill_at < last_refill_at:
            memory = firmware.advance(memory, refill_at)[0]
            memory = firmware.refill(memory, memory.reservoir_ml, filled_ml, refill_at)
            refill_at += every
    return firmware.advance(memory, last_refill_at)[0]


def write_starting_pump(scenario: Scenario, path: Path) -> PumpMemory:
    """Create the pump file of a new attempt at `path` (refused when a file is there)."""
    memory = starting_pump(scenario)
    create_pump(path, memory)
    return memory
