"""What the pump accepts: a program, a refill's volumes, a memory, each against the pump model's limits.

One place for every limit the firmware enforces: programming and refill refuse what breaks them
(ProgramRejected lists every problem with its number and the limit), and a memory read back from
a file is refused when it holds what this firmware could never have stored (`memory_problems`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.therapy.bolus import PatientBolusAllowance, PtmSettings, catheter_problem, patient_bolus_allowance
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.schedule import schedule_problems
from programmer.therapy.units import Concentration
from programmer.wording import date_text, duration_text, format_number, ml_text, moment_text

from .clock import EARLIEST_CLOCK, LATEST_CLOCK
from .log import Acknowledged, BolusDetails, BolusPhase, MriEffect, ProgramRecord
from .memory import PumpMemory

VOLUME_TOLERANCE_ML = 1e-9  # volumes closer than this are equal: float rounding, far below any pump's accuracy


class Program(Struct, frozen=True):
    """A complete set of therapy settings: it replaces everything the pump was running."""

    prescription: Prescription
    low_alarm_ml: float
    ptm: PtmSettings | None
    reservoir_ml: float | None = None  # set only by a refill: the new volume in the reservoir
    reason: str = ""  # the typed reason for overriding a soft limit
    clinician: str = ""
    acknowledged: tuple[Acknowledged, ...] = ()  # findings gone past, each with its reason or acknowledgement
    second_checker: str = ""  # who checked a drug, concentration or dose change

    @classmethod
    def from_memory(cls, memory: PumpMemory) -> Program:
        """What the pump runs now, as a program to edit (the pending copy)."""
        return cls(memory.prescription, memory.low_alarm_ml, memory.ptm)

    def changes(self, memory: PumpMemory) -> bool:
        """True when this program sets something the pump does not run already."""
        settings = (self.prescription, self.low_alarm_ml, self.ptm)
        return settings != (memory.prescription, memory.low_alarm_ml, memory.ptm)

    def record(self) -> ProgramRecord:
        """Who programmed and what they went past, as the pump's log keeps it."""
        return ProgramRecord(
            reason=self.reason,
            clinician=self.clinician,
            acknowledged=self.acknowledged,
            second_checker=self.second_checker,
        )


class ProgramRejected(ProgrammerError):
    """The pump refused a program (or a refill); `.reasons` lists every problem."""

    def __init__(self, reasons: list[str] | str) -> None:
        self.reasons = [reasons] if isinstance(reasons, str) else list(reasons)
        super().__init__("; ".join(self.reasons))


class PatientBolusRefused(ProgramRejected):
    """The pump refused a patient bolus (PTM); `next_at` is when one is allowed, None when no wait will do."""

    def __init__(self, reason: str, next_at: datetime | None = None) -> None:
        self.next_at = next_at
        super().__init__(reason)


class ClockError(ProgrammerError, ValueError):
    """Asked to act at a moment before the pump's clock (time only runs forward), or outside the clock's range."""


def check_clock(moment: datetime, action: str = "move the pump's clock to") -> None:
    """Raise ClockError when `moment` is outside the range the pump's clock can read; every path asks this."""
    if not EARLIEST_CLOCK <= moment <= LATEST_CLOCK:
        raise ClockError(
            f"cannot {action} {moment_text(moment)}: the emulated pump's clock runs from "
            f"{moment_text(EARLIEST_CLOCK)} to {moment_text(LATEST_CLOCK)} at the latest"
        )


# --- validation -----------------------------------------------------------------------------------


def program_problems(memory: PumpMemory, program: Program) -> list[str]:
    """Every reason the pump would refuse `program`, against its own model's limits. Empty when acceptable."""
    model = memory.model
    prescription = program.prescription
    if not isinstance(prescription.mode, InfusionMode):
        known = ", ".join(mode.title for mode in InfusionMode)
        return [f"unknown infusion mode {prescription.mode!r}: the pump runs {known}"]
    problems = settings_problems(model, prescription, program.low_alarm_ml, program.ptm)
    if prescription.bolus is not None and prescription.bolus.start < memory.clock:
        bolus = prescription.bolus
        problems.append(
            f"the {bolus.kind.value} bolus starts at {moment_text(bolus.start)}, before the pump's clock "
            f"({moment_text(memory.clock)}): a bolus can only start now or later"
        )
    if prescription.bolus is not None and memory.delivery_held_since is not None:
        problems.append(
            f"delivery is held since the MRI scan of {moment_text(memory.delivery_held_since)}: interrogate the "
            "pump to restart it before giving a bolus"
        )
    if prescription.mode is not InfusionMode.STOPPED and memory.clock >= memory.end_of_service_at:
        problems.append(
            f"the pump reached end of service on {date_text(memory.end_of_service_at)}: it can no longer "
            "deliver; replace the pump"
        )
    if program.reservoir_ml is not None:
        problems += _volume_problems(model, "reservoir volume", program.reservoir_ml)
    return problems


def settings_problems(
    model: PumpModel, prescription: Prescription, low_alarm_ml: float, ptm: PtmSettings | None
) -> list[str]:
    """What `model` can never hold, whenever it is asked: the drug, every flow, the alarm volume, the PTM."""
    problems = _drug_problems(prescription)
    problems += _base_flow_problems(model, prescription)
    if prescription.bolus is not None:
        problems += _bolus_problems(model, prescription.bolus)
    if problem := low_alarm_problem(model, low_alarm_ml):
        problems.append(problem)
    if ptm is not None:
        problems += _ptm_problems(model, ptm, prescription.concentration)
    return problems


def low_alarm_problem(model: PumpModel, low_alarm_ml: float) -> str | None:
    if model.low_alarm_min_ml <= low_alarm_ml <= model.low_alarm_max_ml:  # NaN is in no range
        return None
    return (
        f"low-reservoir alarm {ml_text(low_alarm_ml)} is outside the {model.name}'s range "
        f"{format_number(model.low_alarm_min_ml)}–{ml_text(model.low_alarm_max_ml)}"
    )


def _volume_problems(model: PumpModel, what: str, volume_ml: float) -> list[str]:
    if 0 <= volume_ml <= model.reservoir_capacity_ml:
        return []
    return [
        f"{what} {ml_text(volume_ml)} is outside 0–{ml_text(model.reservoir_capacity_ml)}, "
        f"the {model.name}'s capacity"
    ]


def memory_problems(memory: PumpMemory) -> list[str]:
    """What this firmware could never have stored: a memory with any of these did not come from a pump.

    Read back from a file, such a memory is refused with its reasons; a forged edit that keeps
    the file well-formed still cannot make the programmer believe an impossible pump.
    """
    try:
        model = memory.model
    except KeyError as error:
        return [str(error.args[0])]
    problems = settings_problems(model, memory.prescription, memory.low_alarm_ml, memory.ptm)
    problems += _volume_problems(model, "reservoir volume", memory.reservoir_ml)
    problems += _volume_problems(model, "volume after the last refill", memory.last_refill_ml)
    catheter = memory.catheter
    if problem := catheter_problem(model, catheter.length_cm, catheter.trimmed_cm):
        problems.append(problem)
    clock = memory.clock
    if not EARLIEST_CLOCK <= clock <= LATEST_CLOCK:
        problems.append(
            f"the pump's clock reads {moment_text(clock)}, outside {date_text(EARLIEST_CLOCK)} to "
            f"{date_text(LATEST_CLOCK)}, the range it can read"
        )
        return problems  # every other time is judged against the clock
    moments = [
        ("the implant", datetime.combine(memory.implant_date, datetime.min.time())),
        ("the last programming", memory.prescription_entered_at),
        ("the last refill", memory.last_refill_at),
        ("the stop", memory.stopped_since),
        ("the MRI scan", memory.delivery_held_since),
        *((f"the {alarm.kind.title.lower()} alarm", alarm.raised_at) for alarm in memory.alarms),
    ]
    for what, moment in moments:
        if moment is not None and moment > clock:
            problems.append(
                f"{what} is dated {moment_text(moment)}, after the pump's clock ({moment_text(clock)}): "
                "a pump logs nothing in its future"
            )
    service_life = timedelta(days=366 * model.service_life_years)  # the firmware sets it that far after implant
    if not memory.implant_date <= memory.eri_at.date() <= memory.implant_date + service_life:
        problems.append(
            f"the replacement indicator date {date_text(memory.eri_at)} is not within the {model.name}'s service "
            f"life of {format_number(model.service_life_years)} years from the implant ({memory.implant_date})"
        )
    if delivers(memory.prescription) != (memory.stopped_since is None):
        problems.append(
            "the pump is stopped without the moment it stopped"
            if memory.stopped_since is None
            else f"the pump is marked stopped since {moment_text(memory.stopped_since)} but its program delivers"
        )
    if memory.delivery_held_since is not None and memory.prescription.bolus is not None:
        problems.append(
            f"a {memory.prescription.bolus.kind.title.lower()} is programmed while delivery is held since the MRI "
            f"scan of {moment_text(memory.delivery_held_since)}: the pump never holds both"
        )
    kinds = [alarm.kind for alarm in memory.alarms]
    for kind in sorted(set(kinds), key=kinds.index):
        if kinds.count(kind) > 1:
            times = kinds.count(kind)
            problems.append(f"the {kind.title.lower()} alarm is active {times} times: a pump raises it once")
    return problems


def _drug_problems(prescription: Prescription) -> list[str]:
    library = drug_library()
    try:
        drug = library[prescription.drug]
    except KeyError:
        return [f"drug {prescription.drug!r} is not in the drug library ({', '.join(library.names)})"]
    if prescription.unit is not drug.unit:
        return [
            f"{drug.name} is dosed in {drug.unit.value}, but the program is in {prescription.unit.value} "
            f"({prescription.concentration}): re-enter the concentration and dose in {drug.unit.value}"
        ]
    return []


def _flow_problem(
    model: PumpModel, ml_per_day: float, what: str, concentration: Concentration | None = None
) -> str | None:
    """A flow outside the model's range, named with both numbers (the model's one check); None if within."""
    problem = model.flow_problem(ml_per_day, concentration)
    return f"{what}: {problem}" if problem else None


def _base_flow_problems(model: PumpModel, prescription: Prescription) -> list[str]:
    mode = prescription.mode
    concentration = prescription.concentration
    if mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE):
        ml_per_day = concentration.ml_per_day(prescription.daily_dose)
        what = f"{mode.title} {prescription.daily_dose} at {concentration}"
        problem = _flow_problem(model, ml_per_day, what, concentration)
        return [problem] if problem else []
    if mode is InfusionMode.FLEX:
        return schedule_problems(prescription.schedule, model, concentration)  # the schedule's own rules
    return []  # stopped and single bolus have no base flow; a bolus is checked on its own


def _bolus_problems(model: PumpModel, bolus: Bolus) -> list[str]:
    what = f"{bolus.kind.value} bolus of {ml_text(bolus.volume_ml)}"
    problems = [] if (problem := _flow_problem(model, bolus.ml_per_day, what)) is None else [problem]
    if bolus.volume_ml > model.reservoir_capacity_ml:
        problems.append(
            f"a {what} is more than the {model.name}'s reservoir holds "
            f"({ml_text(model.reservoir_capacity_ml)})"
        )
    return problems


def _ptm_problems(model: PumpModel, ptm: PtmSettings, concentration: Concentration) -> list[str]:
    if not model.ptm_supported:
        return [f"the {model.name} does not support a patient therapy manager"]
    if ptm.dose_per_bolus.unit is not concentration.unit:
        return [
            f"patient bolus {ptm.dose_per_bolus} is not in {concentration.unit.value}, the unit of {concentration}"
        ]
    volume_ml = concentration.volume_ml(ptm.dose_per_bolus)
    ml_per_day = volume_ml / (ptm.duration.total_seconds() / 86400)
    problem = _flow_problem(model, ml_per_day, f"patient bolus of {ptm.dose_per_bolus} ({ml_text(volume_ml)})")
    return [problem] if problem else []


def delivers(prescription: Prescription) -> bool:
    return prescription.mode is not InfusionMode.STOPPED or prescription.bolus is not None


# --- the patient's handheld (PTM) and MRI: what the pump refuses ----------------------------------------


def ptm_allowance(memory: PumpMemory, now: datetime) -> PatientBolusAllowance | None:
    """May the PTM give a patient bolus at `now`, by its settings and the patient boluses in the log? None: no PTM."""
    ptm = memory.ptm
    if ptm is None:
        return None
    looked_back = max(timedelta(days=1), ptm.duration + ptm.lockout)  # the 24 h window, or a longer lockout
    starts = [
        event.details.start
        for event in memory.events.since(now - looked_back)
        if isinstance(event.details, BolusDetails)
        and event.details.bolus is BolusKind.PATIENT
        and event.details.phase is BolusPhase.PROGRAMMED
        and event.details.start is not None
    ]
    return patient_bolus_allowance(ptm, starts, now)


def patient_bolus_refusal(memory: PumpMemory, now: datetime) -> PatientBolusRefused | None:
    """Why the pump, its clock at `now`, would refuse a patient bolus, with when the next is allowed if waiting
    helps; None when it would give one. The one check: the firmware refuses by it, the PTM says it beforehand."""
    allowance = ptm_allowance(memory, now)
    if allowance is None:
        return PatientBolusRefused("no patient boluses are prescribed on this pump: its PTM is not set up")
    if memory.delivery_held_since is not None:
        return PatientBolusRefused(
            f"no delivery since the MRI scan of {moment_text(memory.delivery_held_since)} "
            f"({mri_effect(memory).title}): call the clinic; a clinician programmer must interrogate the pump"
        )
    prescription = memory.prescription
    running = prescription.bolus
    if running is not None and running.kind is not BolusKind.PATIENT:
        next_at = max(running.end, allowance.next_at or running.end)
        return PatientBolusRefused(
            f"a {running.kind.title.lower()} runs until {moment_text(running.end)}: the next patient bolus is "
            f"allowed at {moment_text(next_at)}, in {duration_text(next_at - now)}",
            next_at,
        )
    if running is None and not delivers(prescription):
        return PatientBolusRefused("the pump is stopped: it gives no bolus; call the clinic")
    if not allowance.allowed:
        return PatientBolusRefused(allowance.text(), allowance.next_at)
    volume_ml = allowance.ptm.volume_per_bolus_ml(prescription.concentration)
    if volume_ml > memory.reservoir_ml + VOLUME_TOLERANCE_ML:
        return PatientBolusRefused(
            f"the reservoir holds {ml_text(memory.reservoir_ml)} by the pump's count, less than a bolus's "
            f"{ml_text(volume_ml)}: call the clinic for a refill"
        )
    return None


def mri_effect(memory: PumpMemory) -> MriEffect:
    """What an MRI scan's magnet does to this pump's delivery, by its mechanism."""
    return MriEffect.VALVE_CLOSED if memory.model.mechanism == "valve-gated" else MriEffect.MOTOR_STALLED


def delivery_hold_text(memory: PumpMemory) -> str | None:
    """'No delivery since the MRI scan of 2026-11-23 09:00 (motor stalled): interrogate the pump to restart it'."""
    held = memory.delivery_held_since
    if held is None:
        return None
    effect = mri_effect(memory)
    restart = "restart its motor" if effect is MriEffect.MOTOR_STALLED else "reset its flow valve"
    return f"No delivery since the MRI scan of {moment_text(held)} ({effect.title}): interrogate the pump to {restart}"


def mri_problems(memory: PumpMemory, *, emptying: bool = False) -> list[str]:
    """Why the pump must not go into the magnet now (domain brief, "MRI"); empty when it may.

    `emptying`: the reservoir is to be emptied just before the scan, so what it holds now does not count.
    """
    problems = []
    if not emptying and must_be_emptied(memory) and memory.reservoir_ml > VOLUME_TOLERANCE_ML:
        problems.append(
            f"the {memory.model.name} must be emptied before an MRI scan: in the magnet its flow valve can let drug "
            f"through, and its reservoir holds {ml_text(memory.reservoir_ml)} by the pump's count"
        )
    bolus = memory.prescription.bolus
    if bolus is not None:
        problems.append(
            f"a {bolus.kind.title.lower()} runs until {moment_text(bolus.end)}: let it finish, or cancel it, "
            "before the scan"
        )
    return problems


def must_be_emptied(memory: PumpMemory) -> bool:
    """The valve-gated family goes into the magnet empty (domain brief, "MRI")."""
    return mri_effect(memory) is MriEffect.VALVE_CLOSED
