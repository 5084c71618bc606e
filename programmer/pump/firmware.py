"""The pump's firmware: how it stores a program or a refill, and how it runs in simulated time.

Pure functions from one PumpMemory to the next: no files, no clock of its own.
Every change is all or nothing: a program with one problem changes nothing, and
the refusal lists every problem with its number and the limit (programmer.pump.limits).

Delivery is counted from an *anchor*: the last event that set what the pump
delivers (implant, programming, refill, end of a bolus, end of service) records
the reservoir volume at that instant in its details (`anchor_ml`). The volume
at any later moment, and the instants of the low-reservoir and empty alarms, come
from one reservoir projection started at that anchor. So advancing in one jump or
in a thousand small steps asks the same projection the same questions and gets
the same answers, to the last bit, and the pump agrees with the programmer's
projection by construction.

The patient's handheld (PTM) asks for patient boluses within its settings (one rule:
programmer.therapy.bolus.patient_bolus_allowance, fed from the pump's log). An MRI scan holds
delivery (`delivery_held_since`): the peristaltic motor stalls, the valve-gated pump's flow valve
closes; nothing is delivered, whatever the program, until a clinician programmer interrogates the
pump after the scan (`resume_after_mri`), and the count goes on from the volume left.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from msgspec import Struct
from msgspec.structs import replace

from programmer.therapy.bolus import patient_bolus
from programmer.therapy.drugs import same_drug
from programmer.therapy.prescription import Bolus, InfusionMode, Prescription
from programmer.therapy.projection import Projection, project
from programmer.therapy.units import Concentration
from programmer.wording import duration_text, exact_moment_text, ml_text, percent_change_text

from .limits import (  # what the firmware accepts: importers find it here too (see __all__)
    EARLIEST_CLOCK,
    LATEST_CLOCK,
    VOLUME_TOLERANCE_ML,
    ClockError,
    PatientBolusRefused,
    Program,
    ProgramRejected,
    check_clock,
    delivers,
    delivery_hold_text,
    low_alarm_problem,
    memory_problems,
    mri_effect,
    mri_problems,
    must_be_emptied,
    patient_bolus_refusal,
    program_problems,
    ptm_allowance,
    settings_problems,
)
from .log import (
    AlarmClearedDetails,
    AlarmRaisedDetails,
    BolusDetails,
    BolusPhase,
    ModeChangeDetails,
    ModeChangeReason,
    MriDetails,
    MriEffect,
    MriPhase,
    ProgrammingDetails,
    RefillDetails,
)
from .memory import Alarm, AlarmKind, Event, EventKind, PumpMemory

# --- programming and refill ------------------------------------------------------------------------


def _clear(memory: PumpMemory, kinds: tuple[AlarmKind, ...], now: datetime, why: str) -> PumpMemory:
    cleared = [alarm for alarm in memory.alarms if alarm.kind in kinds]
    if not cleared:
        return memory
    events = tuple(
        Event(
            now,
            EventKind.ALARM_CLEARED,
            f"{alarm.kind.title} cleared: {why}",
            AlarmClearedDetails(alarm=alarm.kind, severity=alarm.severity),
        )
        for alarm in cleared
    )
    kept = tuple(alarm for alarm in memory.alarms if alarm.kind not in kinds)
    return replace(memory, alarms=kept, events=memory.events.plus(*events))


def _bring_clock_to(memory: PumpMemory, now: datetime) -> PumpMemory:
    """The pump kept running since its clock was last read: deliver up to `now` first."""
    if now < memory.clock:
        raise ClockError(
            f"the pump's clock reads {exact_moment_text(memory.clock)}; it cannot act at the earlier "
            f"{exact_moment_text(now)}"
        )
    return advance(memory, now)[0]


def apply_program(memory: PumpMemory, program: Program, now: datetime) -> PumpMemory:
    """Store `program` at `now`, or raise ProgramRejected with every reason and change nothing."""
    memory = _bring_clock_to(memory, now)
    problems = program_problems(memory, program)
    if problems:
        raise ProgramRejected(problems)
    old, new = memory.prescription, program.prescription
    reservoir_ml = memory.reservoir_ml if program.reservoir_ml is None else program.reservoir_ml
    # The same settings sent again are logged as such, never as a change.
    text = programming_text(old, new) if program.changes(memory) else f"Program sent again, unchanged: {new.describe()}"
    details = ProgrammingDetails(
        old=old.describe(),
        new=new.describe(),
        # The dose history the titration rules and the report read back from the log.
        daily_dose_per_day=new.nominal_daily_dose.per_day,
        unit=new.unit,
        concentration_per_ml=new.concentration.per_ml,
        low_alarm_ml=program.low_alarm_ml,
        record=program.record(),
        reservoir_ml=reservoir_ml,
    )
    events = [Event(now, EventKind.PROGRAMMING, text, details)]
    if new.mode is not old.mode:
        events.append(_mode_change(now, old.mode, new.mode, ModeChangeReason.PROGRAMMING))
    if new.bolus is not None:
        events.append(bolus_programmed(new.bolus, now))
    delivering = delivers(new)
    stopped_since = None if delivering else (memory.stopped_since or now)
    memory = replace(
        memory,
        prescription=new,
        prescription_entered_at=now,
        low_alarm_ml=program.low_alarm_ml,
        ptm=program.ptm,
        reservoir_ml=reservoir_ml,
        stopped_since=stopped_since,
        events=memory.events.plus(*events),
    )
    if delivering:
        memory = _clear(memory, (AlarmKind.PUMP_STOPPED,), now, "delivery restarted")
    return memory


def bolus_programmed(bolus: Bolus, now: datetime) -> Event:
    """The log's event for a bolus the pump now holds."""
    details = BolusDetails.of(bolus, BolusPhase.PROGRAMMED)
    return Event(now, EventKind.BOLUS, f"{details.bolus.title} programmed: {details.summary}", details)


def bolus_finished(bolus: Bolus, then: InfusionMode, resumed: bool, at: datetime, reservoir_ml: float) -> Event:
    """The log's event for a bolus that ran to its end, and the delivery that resumes (or follows) it."""
    text = f"{bolus.kind.title} finished ({ml_text(bolus.volume_ml)}): {then.title.lower()} "
    return Event(
        at,
        EventKind.BOLUS,
        text + ("resumed" if resumed else "follows"),
        BolusDetails.of(bolus, BolusPhase.FINISHED, reservoir_ml=reservoir_ml),
    )


def programming_text(old: Prescription | None, new: Prescription) -> str:
    """The log's words for a program (after `old`; None: the first one): the daily dose's change said too."""
    if old is None:
        return f"Programmed: {new.describe()}"
    text = f"Programmed: {old.describe()} → {new.describe()}"
    if same_drug(old.drug, new.drug):
        change = new.nominal_daily_dose.percent_change_from(old.nominal_daily_dose)
        if change is not None:
            text += f" (daily dose {percent_change_text(change)})"
    return text


def refill_text(expected_ml: float, removed_ml: float, added_ml: float, drug: str, concentration: Concentration) -> str:
    """The log's words for a refill: the volumes, and the drug the reservoir now holds."""
    return (
        f"Refill: expected {ml_text(expected_ml)}, removed {ml_text(removed_ml)}, added {ml_text(added_ml)} "
        f"{drug} {concentration}"
    )


def refill(
    memory: PumpMemory, removed_ml: float, added_ml: float, now: datetime, program: Program | None = None
) -> PumpMemory:
    """Record a refill at `now` (reservoir emptied, then filled with `added_ml`), optionally with a new program.

    Refused as a whole (ProgramRejected) on a negative volume, an overfill, or a bad program.
    """
    memory = _bring_clock_to(memory, now)
    model = memory.model
    problems = []
    for what, volume_ml in (("removed", removed_ml), ("added", added_ml)):
        if not 0 <= volume_ml < math.inf:  # NaN too: it would pass every comparison below
            problems.append(f"{what} volume {ml_text(volume_ml)} must be a volume of 0 mL or more")
    if added_ml > model.reservoir_capacity_ml:
        problems.append(
            f"{ml_text(added_ml)} overfills the {model.name}: its reservoir holds "
            f"{ml_text(model.reservoir_capacity_ml)}"
        )
    if program is not None:
        if program.reservoir_ml is not None and program.reservoir_ml != added_ml:
            problems.append(
                f"the program says the reservoir holds {ml_text(program.reservoir_ml)}, "
                f"but {ml_text(added_ml)} was added"
            )
        # The volume was checked above, as an overfill: check the rest of the program with it.
        problems += program_problems(memory, replace(program, reservoir_ml=None))
    if problems:
        raise ProgramRejected(problems)
    expected_ml = memory.reservoir_ml
    filled = memory.prescription if program is None else program.prescription  # what the reservoir now holds
    # A program that sets nothing new is not a programming: what it carries (acknowledgements, the second
    # check) is logged with the refill itself.
    reprograms = program is not None and program.changes(memory)
    event = Event(
        now,
        EventKind.REFILL,
        refill_text(expected_ml, removed_ml, added_ml, filled.drug, filled.concentration),
        RefillDetails(
            expected_ml=expected_ml,
            removed_ml=removed_ml,
            added_ml=added_ml,
            discrepancy_ml=removed_ml - expected_ml,
            record=program.record() if program is not None and not reprograms else None,
            reservoir_ml=added_ml,
        ),
    )
    refilled = replace(
        memory,
        reservoir_ml=added_ml,
        last_refill_at=now,
        last_refill_ml=added_ml,
        events=memory.events.plus(event),
    )
    refilled = _clear(refilled, (AlarmKind.LOW_RESERVOIR, AlarmKind.EMPTY_RESERVOIR), now, "reservoir refilled")
    if not reprograms:
        return refilled
    return apply_program(refilled, replace(program, reservoir_ml=added_ml), now)


def _mode_change(
    at: datetime, old: InfusionMode, new: InfusionMode, why: ModeChangeReason, reservoir_ml: float | None = None
) -> Event:
    text = f"Mode: {old.title} → {new.title}" + ("" if why is ModeChangeReason.PROGRAMMING else f" ({why.title})")
    details = ModeChangeDetails(old=old, new=new, why=why, reservoir_ml=reservoir_ml)
    return Event(at, EventKind.MODE_CHANGE, text, details)


# --- simulated time -------------------------------------------------------------------------------

_BOLUS_END = "bolus_end"
# Order of things that happen at the same instant: the bolus ends first (it changes the flow), then alarms.
_ORDER = (
    _BOLUS_END,
    AlarmKind.LOW_RESERVOIR,
    AlarmKind.EMPTY_RESERVOIR,
    AlarmKind.ELECTIVE_REPLACEMENT,
    AlarmKind.END_OF_SERVICE,
    AlarmKind.PUMP_STOPPED,
)


class _Anchor(Struct, frozen=True):
    """Where a projection starts: the moment, the reservoir volume then, and the projection from it."""

    at: datetime
    reservoir_ml: float
    projection: Projection

    def volume_at(self, moment: datetime) -> float:
        return self.reservoir_ml if moment <= self.at else self.projection.volume_at(moment)


def _anchor(memory: PumpMemory) -> _Anchor:
    """Where delivery is counted from: the last anchoring event, if it still explains the memory's volume."""
    since = max(memory.prescription_entered_at, memory.last_refill_at)
    for event in reversed(memory.events.since(since)):  # an anchor is never older than the last program or refill
        anchor_ml = None if event.details is None else event.details.anchor_ml
        if anchor_ml is not None:
            if event.at <= memory.clock:
                anchor = _anchor_at(memory, event.at, anchor_ml)
                if abs(anchor.volume_at(memory.clock) - memory.reservoir_ml) <= VOLUME_TOLERANCE_ML:
                    return anchor
            break
    # A memory made outside the firmware (or edited): count from its clock and present volume.
    return _anchor_at(memory, memory.clock, memory.reservoir_ml)


def _anchor_at(memory: PumpMemory, at: datetime, reservoir_ml: float) -> _Anchor:
    return _Anchor(at, reservoir_ml, project(running_prescription(memory), at, reservoir_ml, memory.low_alarm_ml))


def running_prescription(memory: PumpMemory, prescription: Prescription | None = None) -> Prescription:
    """What the pump delivers under `prescription` (default: its own): nothing while an MRI scan holds delivery."""
    prescription = prescription or memory.prescription
    if memory.delivery_held_since is None:
        return prescription
    return Prescription.stopped(prescription.drug, prescription.concentration)


def _pending(memory: PumpMemory, anchor: _Anchor) -> list[tuple[datetime, int, str | AlarmKind]]:
    """What will happen next and when (possibly at or before the clock, if due now)."""
    found: list[tuple[datetime, str | AlarmKind]] = []
    bolus = memory.prescription.bolus
    if bolus is not None:
        found.append((bolus.end, _BOLUS_END))
    if not memory.has_alarm(AlarmKind.LOW_RESERVOIR) and anchor.projection.alarm_date is not None:
        found.append((anchor.projection.alarm_date, AlarmKind.LOW_RESERVOIR))
    if not memory.has_alarm(AlarmKind.EMPTY_RESERVOIR) and anchor.projection.empty_date is not None:
        found.append((anchor.projection.empty_date, AlarmKind.EMPTY_RESERVOIR))
    if not memory.has_alarm(AlarmKind.ELECTIVE_REPLACEMENT):
        found.append((memory.eri_at, AlarmKind.ELECTIVE_REPLACEMENT))
    if not memory.has_alarm(AlarmKind.END_OF_SERVICE):
        found.append((memory.end_of_service_at, AlarmKind.END_OF_SERVICE))
    if memory.stopped_since is not None and not memory.has_alarm(AlarmKind.PUMP_STOPPED):
        found.append((memory.stopped_since + timedelta(hours=memory.model.stopped_alarm_hours), AlarmKind.PUMP_STOPPED))
    return [(max(at, memory.clock), _ORDER.index(what), what) for at, what in found]


def next_happening(memory: PumpMemory) -> datetime | None:
    """When the pump next does something by itself (a bolus ends, an alarm is raised), or None if nothing will.

    A running clock writes the pump at that moment, so an alarm arrives when it happens, not at the next batch.
    """
    pending = _pending(memory, _anchor(memory))
    return min(at for at, _, _ in pending) if pending else None


def advance(memory: PumpMemory, to: datetime) -> tuple[PumpMemory, list[Alarm]]:
    """Run the pump from its clock to `to`: deliver, end boluses, raise alarms at the instant they occur.

    Event-driven: the interval is split only where something happens, and each piece is read
    from the reservoir projection, so ten years cost a handful of steps.
    """
    if to < memory.clock:
        raise ClockError(
            f"the pump's clock reads {exact_moment_text(memory.clock)}; simulated time cannot go back to "
            f"{exact_moment_text(to)}"
        )
    check_clock(to)
    raised: list[Alarm] = []
    anchor = _anchor(memory)
    while True:
        pending = _pending(memory, anchor)
        if not pending:
            break
        at, _, what = min(pending, key=lambda item: (item[0], item[1]))
        if at > to:
            break
        memory = replace(memory, clock=at, reservoir_ml=anchor.volume_at(at))
        if what == _BOLUS_END:
            memory = _finish_bolus(memory, at)
            anchor = _anchor_at(memory, at, memory.reservoir_ml)
            continue
        memory, alarm = _raise(memory, what, at)
        raised.append(alarm)
        if what is AlarmKind.END_OF_SERVICE and memory.prescription.mode is not InfusionMode.STOPPED:
            memory = _stop_at_end_of_service(memory, at)
            anchor = _anchor_at(memory, at, memory.reservoir_ml)
    memory = replace(memory, clock=to, reservoir_ml=anchor.volume_at(to))
    return memory, raised


def _raise(memory: PumpMemory, kind: AlarmKind, at: datetime) -> tuple[PumpMemory, Alarm]:
    alarm = Alarm(kind, at)
    reservoir_ml = memory.reservoir_ml
    if kind is AlarmKind.EMPTY_RESERVOIR:
        reservoir_ml = 0.0  # the instant is rounded to the clock's microsecond: empty means empty
    event = Event(
        at,
        EventKind.ALARM_RAISED,
        f"{kind.title} ({kind.severity.value})",
        AlarmRaisedDetails(alarm=kind, severity=kind.severity),
    )
    alarms = (*memory.alarms, alarm)
    memory = replace(memory, reservoir_ml=reservoir_ml, alarms=alarms, events=memory.events.plus(event))
    return memory, alarm


def _finish_bolus(memory: PumpMemory, at: datetime) -> PumpMemory:
    old = memory.prescription
    bolus = old.bolus
    new = old.after_bolus()
    events = [bolus_finished(bolus, new.mode, new.mode is old.mode, at, memory.reservoir_ml)]
    if new.mode is not old.mode:
        events.append(_mode_change(at, old.mode, new.mode, ModeChangeReason.BOLUS_FINISHED))
    stopped_since = memory.stopped_since if delivers(new) else (memory.stopped_since or at)
    return replace(memory, prescription=new, stopped_since=stopped_since, events=memory.events.plus(*events))


def _stop_at_end_of_service(memory: PumpMemory, at: datetime) -> PumpMemory:
    old = memory.prescription
    new = Prescription.stopped(old.drug, old.concentration)
    event = _mode_change(at, old.mode, new.mode, ModeChangeReason.END_OF_SERVICE, memory.reservoir_ml)
    return replace(
        memory, prescription=new, stopped_since=memory.stopped_since or at, events=memory.events.plus(event)
    )


# --- cancelling a bolus ---------------------------------------------------------------------------


def cancel_bolus(memory: PumpMemory, now: datetime) -> PumpMemory:
    """Stop the running (or not yet started) bolus at `now` and resume the underlying mode.

    A bolus runs evenly, so the volume delivered is its share of the time elapsed; the
    BOLUS event records it, with the dose it carried, and anchors delivery from `now`.
    After a single bolus the pump stops, as it would at the bolus's end. Raises
    ProgramRejected when no bolus is programmed.
    """
    memory = _bring_clock_to(memory, now)
    old = memory.prescription
    bolus = old.bolus
    if bolus is None:
        raise ProgramRejected("no bolus is running: there is nothing to cancel")
    elapsed = min(max(now - bolus.start, timedelta(0)), bolus.duration)
    delivered_ml = bolus.volume_ml * (elapsed / bolus.duration)
    delivered_dose = bolus.dose * (elapsed / bolus.duration)
    new = old.after_bolus()
    details = BolusDetails.of(
        bolus,
        BolusPhase.CANCELLED,
        reservoir_ml=memory.reservoir_ml,
        delivered_ml=delivered_ml,
        delivered_dose=delivered_dose,
    )
    events = [
        Event(
            now,
            EventKind.BOLUS,
            f"{bolus.kind.title} cancelled after {details.delivered_text} of {ml_text(bolus.volume_ml)} "
            f"({bolus.dose}): {new.mode.title.lower()} {'resumed' if new.mode is old.mode else 'follows'}",
            details,
        )
    ]
    if new.mode is not old.mode:
        events.append(_mode_change(now, old.mode, new.mode, ModeChangeReason.BOLUS_CANCELLED))
    stopped_since = memory.stopped_since if delivers(new) else (memory.stopped_since or now)
    return replace(memory, prescription=new, stopped_since=stopped_since, events=memory.events.plus(*events))


# --- the patient's handheld (PTM) -----------------------------------------------------------------


def give_patient_bolus(memory: PumpMemory, now: datetime) -> PumpMemory:
    """The patient asked for a bolus on the PTM at `now`: start it, logged, or raise `patient_bolus_refusal`
    (pump unchanged). It runs in front of the program, as every bolus does, and the program resumes after it.
    """
    memory = _bring_clock_to(memory, now)
    if (refusal := patient_bolus_refusal(memory, now)) is not None:
        raise refusal
    bolus = patient_bolus(memory.ptm, memory.prescription.concentration, now)
    details = BolusDetails.of(bolus, BolusPhase.PROGRAMMED, reservoir_ml=memory.reservoir_ml)  # anchors: the flow
    event = Event(now, EventKind.BOLUS, f"Patient bolus (PTM): {details.summary}", details)
    return replace(memory, prescription=memory.prescription.with_bolus(bolus), events=memory.events.plus(event))


# --- MRI --------------------------------------------------------------------------------------------


def mri_scan(memory: PumpMemory, start: datetime, duration: timedelta) -> tuple[PumpMemory, list[Alarm]]:
    """An MRI scan from `start` for `duration`: the pump at the scan's end, and the alarms it raised, in order.

    Delivery stops at the start (logged; a peristaltic pump's motor stall raises its alarm) and stays
    stopped after the scan until a clinician programmer interrogates the pump. Refused as a whole
    (ProgramRejected, pump unchanged) by `mri_problems`.
    """
    memory = _bring_clock_to(memory, start)
    problems = mri_problems(memory)
    if duration <= timedelta(0):
        problems.append(f"an MRI scan lasts some time, not {duration_text(duration)}")
    if problems:
        raise ProgramRejected(problems)
    check_clock(start + duration)
    effect = mri_effect(memory)
    event = Event(
        start,
        EventKind.MRI,
        f"MRI scan of {duration_text(duration)}: {effect.title}; no delivery until a clinician programmer "
        "interrogates the pump",
        MriDetails(phase=MriPhase.SCANNED, effect=effect, duration=duration, reservoir_ml=memory.reservoir_ml),
    )
    held_since = memory.delivery_held_since or start  # a second scan before any interrogation: still held
    memory = replace(memory, delivery_held_since=held_since, events=memory.events.plus(event))
    raised = []
    if effect is MriEffect.MOTOR_STALLED and not memory.has_alarm(AlarmKind.MOTOR_STALL):
        memory, alarm = _raise(memory, AlarmKind.MOTOR_STALL, start)
        raised.append(alarm)
    memory, later = advance(memory, start + duration)
    return memory, raised + later


def resume_after_mri(memory: PumpMemory, now: datetime) -> PumpMemory:
    """A clinician programmer interrogated the pump at `now`: delivery held by an MRI scan restarts (logged), and
    the count goes on from the volume left; a motor stall alarm clears. Unchanged when nothing is held."""
    memory = _bring_clock_to(memory, now)
    held = memory.delivery_held_since
    if held is None:
        return memory
    effect = mri_effect(memory)
    how = "motor restarted" if effect is MriEffect.MOTOR_STALLED else "flow valve reset by the programmer"
    event = Event(
        now,
        EventKind.MRI,
        f"Delivery resumed after the MRI scan: {how} at interrogation, after {duration_text(now - held)} "
        "without delivery",
        MriDetails(phase=MriPhase.RESUMED, effect=effect, duration=now - held, reservoir_ml=memory.reservoir_ml),
    )
    memory = replace(memory, delivery_held_since=None, events=memory.events.plus(event))
    return _clear(memory, (AlarmKind.MOTOR_STALL,), now, "motor restarted after the MRI scan")


__all__ = [
    "EARLIEST_CLOCK",
    "LATEST_CLOCK",
    "ClockError",
    "PatientBolusRefused",
    "Program",
    "ProgramRejected",
    "advance",
    "apply_program",
    "cancel_bolus",
    "check_clock",
    "delivery_hold_text",
    "give_patient_bolus",
    "low_alarm_problem",
    "memory_problems",
    "mri_problems",
    "mri_scan",
    "must_be_emptied",
    "next_happening",
    "patient_bolus_refusal",
    "program_problems",
    "ptm_allowance",
    "refill",
    "resume_after_mri",
    "running_prescription",
    "settings_problems",
]
