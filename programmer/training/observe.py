"""What the programmer's events carry, as recording payloads: typed fields only, never words read back."""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

from programmer.errors import ProgrammerError
from programmer.pump.log import MriDetails, record_of
from programmer.pump.memory import EventKind, PumpMemory
from programmer.pump.telemetry import ProgramResult
from programmer.session.events import BolusNotice, RefillStepDone
from programmer.session.refill.records import RefillRecord
from programmer.session.status import reservoir_dates, reservoir_projection
from programmer.therapy.drugs import same_drug
from programmer.training.recording import Bolus, LinkFailed, Mri, Programmed, PumpRead, RefillEnded, RefillStep


def pump_read(memory: PumpMemory, why: str) -> PumpRead:
    prescription = memory.prescription
    dates = reservoir_dates(reservoir_projection(memory), memory.alarms)
    return PumpRead(
        why=why,
        serial=memory.serial,
        clock=memory.clock,
        mode=prescription.mode.value,
        drug=prescription.drug,
        unit=prescription.unit.value,
        concentration_per_ml=prescription.concentration.per_ml,
        daily_dose_per_day=prescription.nominal_daily_dose.per_day,
        daily_ml=prescription.nominal_daily_volume_ml,
        reservoir_ml=memory.reservoir_ml,
        low_alarm_ml=memory.low_alarm_ml,
        alarm_date=dates.alarm.date,
        empty_date=dates.empty.date,
        alarms=tuple(alarm.kind.value for alarm in memory.alarms),
        stopped_since=memory.stopped_since,
        end_of_service=memory.end_of_service_at,
        held_since=memory.delivery_held_since,
    )


def mri_events(before: PumpMemory, after: PumpMemory) -> list[Mri]:
    """The MRI scans, and the ends of the delivery holds they left, that `after` logged since `before` (same pump)."""
    if after.serial != before.serial:
        return []
    return [
        Mri(phase=event.details.phase.value, effect=event.details.effect.value,
            hours=event.details.duration / timedelta(hours=1), said=event.text)
        for event in after.events[len(before.events) :]
        if isinstance(event.details, MriDetails)
    ]


def programmed(result: ProgramResult) -> Programmed:
    old, new = result.before.prescription, result.after.prescription
    logged = list(result.after.events[len(result.before.events) :])
    records = [record for event in logged if (record := record_of(event.details)) is not None]
    started = new.bolus if new.bolus is not None and new.bolus != old.bolus else None
    return Programmed(
        # Emptying a pump (before an MRI scan) is logged as a refill adding 0 mL: a refill here is drug put in.
        refill=any(event.kind is EventKind.REFILL and event.details.added_ml > 0 for event in logged),
        changes=tuple(result.changes),
        drug_changed=not same_drug(old.drug, new.drug),
        concentration_changed=old.concentration != new.concentration,
        dose_changed=old.nominal_daily_dose != new.nominal_daily_dose,
        old_dose_per_day=old.nominal_daily_dose.per_day,
        new_dose_per_day=new.nominal_daily_dose.per_day,
        unit=new.unit.value,
        new_mode=new.mode.value,
        second_checker=next((record.second_checker for record in records if record.second_checker), ""),
        reason=next((record.reason for record in records if record.reason), ""),
        bolus=None if started is None else started.kind.value,
        acknowledged=tuple(item.rule for record in records for item in record.acknowledged),
    )


def _value(value: object) -> str | float | bool | None:
    """A refill step's value as the recording keeps it: a port by its name, a volume as a number, else in words."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, int | float):
        return float(value)
    return str(value)


def refill_step(done: RefillStepDone, true_ml: float | None) -> RefillStep:
    true = true_ml if done.action == "removed_recorded" else None
    return RefillStep(step=done.step, action=done.action, value=_value(done.value), said=done.text, true_ml=true)


def refill_ended(record: RefillRecord) -> RefillEnded:
    fill = record.fill
    return RefillEnded(
        outcome=record.outcome.value,
        port=None if record.port is None else record.port.value,
        removed_ml=record.removed_ml,
        added_ml=None if fill is None else fill.added_ml,
        prepared_ml=None if fill is None else fill.syringe_prepared_ml,
        second_checker=record.second_checker,
        said=record.statement,
    )


def link_failed(error: ProgrammerError) -> LinkFailed:
    return LinkFailed(error=type(error).__name__, said=str(error))


def bolus(notice: BolusNotice) -> Bolus:
    return Bolus(phase=notice.phase.value, bolus_kind=notice.kind, said=notice.text)
