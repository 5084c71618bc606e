"""The reservoir projection a pump's programmer shows, following the model's refill-date rule."""

from __future__ import annotations

from programmer.pump.memory import PumpMemory
from programmer.therapy.bolus import worst_case_patient_bolus_ml_per_day
from programmer.therapy.prescription import Prescription
from programmer.therapy.projection import Projection, project


def reservoir_projection(
    memory: PumpMemory, prescription: Prescription | None = None, *, with_patient_boluses: bool | None = None
) -> Projection:
    """Projection from the pump's clock and reservoir under `prescription` (default: the pump's own).

    A valve-gated model projects its refill date to its own volume assuming every allowed
    patient bolus is used; the others project to the low-reservoir alarm volume.
    """
    prescription = prescription or memory.prescription
    model = memory.model
    valve_rule = model.refill_projection == "all_patient_boluses"
    if with_patient_boluses is None:
        with_patient_boluses = valve_rule
    extra = 0.0
    if with_patient_boluses and memory.ptm is not None:
        extra = worst_case_patient_bolus_ml_per_day(memory.ptm, prescription.concentration)
    alarm_ml = model.refill_projection_volume_ml if valve_rule else memory.low_alarm_ml
    return project(prescription, memory.clock, memory.reservoir_ml, alarm_ml, extra_ml_per_day=extra)
