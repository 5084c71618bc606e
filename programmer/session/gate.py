"""The safety gate: the one programmer-side check between a clinician's intent and the pump.

Everything that changes what a pump delivers passes here before anything is sent: the
window's review, the refill, the boluses, the headless commands, the implant of a new
pump, and whatever drives a session later (scenarios, scripts). The gate gathers the
drug library's findings (limits, titration, starting dose, maximum concentration), the
pump model's limits, and the rule that ties a drug or concentration change to a refill,
then admits the program, refuses it, or asks for a reason. A program it admits carries
the findings the clinician went past, so the pump's log records them structured.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from msgspec import Struct
from msgspec.structs import replace

from programmer.errors import ProgrammerError
from programmer.pump.firmware import Program, program_problems
from programmer.pump.log import Acknowledged, DosingDetails, EventKind
from programmer.pump.memory import PumpMemory
from programmer.therapy.drugs import DrugLibrary, same_drug
from programmer.therapy.prescription import Prescription
from programmer.therapy.safety import (
    DoseChange,
    Finding,
    FindingSeverity,
    blocking,
    limit_findings,
    needing_reason,
    safety_findings,
)
from programmer.therapy.units import Concentration


class GateError(ProgrammerError):
    """The gate refuses: the message lists every finding that stands in the way, with its numbers."""

    def __init__(self, message: str, findings: Iterable[Finding]) -> None:
        self.findings = list(findings)
        super().__init__(message)


class BlockingFindings(GateError):
    def __init__(self, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        super().__init__("cannot program: " + "; ".join(finding.message for finding in findings), findings)


class ReasonRequired(GateError):
    def __init__(self, findings: Iterable[Finding]) -> None:
        findings = list(findings)
        super().__init__(
            "a reason is required to program beyond a soft limit: " + "; ".join(f.message for f in findings),
            findings,
        )


REFILL_ONLY_RULE = "change_outside_refill"


def refill_only_problem(old: Prescription, drug: str, concentration: Concentration | None = None) -> str | None:
    """A drug or concentration change outside a refill, in words; None when the drug in the reservoir stays.

    The reservoir still holds the old fluid: programming another concentration without refilling makes the
    pump deliver the wrong dose (10 → 25 mg/mL under-delivers 2.5×; the reverse overdoses). `concentration`
    None means not chosen yet: only the drug is compared.
    """
    kept = same_drug(old.drug, drug)
    if kept and (concentration is None or concentration == old.concentration):
        return None
    what = (
        f"the drug from {old.drug} to {drug}"
        if not kept
        else f"the concentration from {old.concentration} to {concentration}"
    )
    return (
        f"this changes {what}, but the reservoir still holds {old.drug} {old.concentration}: "
        "the pump would deliver the wrong dose. A drug or concentration changes only with a refill: use Refill"
    )


def dose_history(memory: PumpMemory) -> list[DoseChange]:
    """Daily doses as programmed over time, from the pump's log and its current program."""
    history = []
    for event in memory.events.of_kind(EventKind.IMPLANT, EventKind.PROGRAMMING):
        details = event.details
        if isinstance(details, DosingDetails) and details.daily_dose is not None:  # implant and programming events
            history.append(DoseChange(event.at, details.daily_dose))
    current = memory.prescription.nominal_daily_dose
    if not history or history[-1].daily_dose != current:
        history.append(DoseChange(memory.prescription_entered_at, current))
    return history


class GateCheck(Struct, frozen=True):
    """What the gate found for one program: shown at review, enforced when the program is sent."""

    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> list[Finding]:
        return blocking(self.findings)

    @property
    def needs_reason(self) -> list[Finding]:
        return needing_reason(self.findings)

    def admit(self, program: Program, reason: str = "") -> Program:
        """`program` with the reason and the findings it goes past; BlockingFindings or ReasonRequired otherwise."""
        if self.blocking:
            raise BlockingFindings(self.blocking)
        reason = reason.strip()
        if self.needs_reason and not reason:
            raise ReasonRequired(self.needs_reason)
        passed = tuple(Acknowledged(finding.rule, finding.message, reason) for finding in self.needs_reason)
        return replace(program, reason=reason or program.reason, acknowledged=program.acknowledged + passed)


def _model_findings(memory: PumpMemory, program: Program) -> list[Finding]:
    """The pump model's own limits, as the firmware will check them, seen before sending."""
    return [Finding(FindingSeverity.BLOCK, "pump_limit", problem) for problem in program_problems(memory, program)]


def check_program(
    memory: PumpMemory, program: Program, library: DrugLibrary, *, now: datetime | None = None, refill: bool = False
) -> GateCheck:
    """Everything that stands between `program` and the pump `memory` describes, at `now` (default its clock).

    A refill may change the drug and concentration, since the reservoir is emptied and filled with the new
    fluid; any other program must keep the drug in the reservoir.
    """
    now = now or memory.clock
    old, new = memory.prescription, program.prescription
    findings: list[Finding] = []
    if new != old:
        findings += safety_findings(
            old, new, library, now=now, implant_date=memory.implant_date, history=dose_history(memory)
        )
    if not refill:
        problem = refill_only_problem(old, new.drug, new.concentration)
        if problem:
            findings.append(Finding(FindingSeverity.BLOCK, REFILL_ONLY_RULE, problem))
    findings += _model_findings(memory, program)
    return GateCheck(tuple(_by_severity(findings)))


def check_implant(memory: PumpMemory, library: DrugLibrary) -> GateCheck:
    """The first program of a newly implanted pump: starting-dose rules, limits and the model's limits."""
    findings = safety_findings(
        None, memory.prescription, library, now=memory.clock, implant_date=memory.clock, history=()
    )
    findings += _model_findings(memory, Program.from_memory(memory))
    return GateCheck(tuple(_by_severity(findings)))


def stored_program_findings(memory: PumpMemory, library: DrugLibrary) -> list[Finding]:
    """What the program a pump already holds breaks in the drug library (a file made by hand or by an older version).

    The pump's own limits are not repeated here: a file the firmware could never hold is refused on load.
    Only what would stop or hold up programming it today is shown: hard limits and limits that need a reason.
    """
    serious = (FindingSeverity.BLOCK, FindingSeverity.NEEDS_REASON)
    return _by_severity(f for f in limit_findings(memory.prescription, library) if f.severity in serious)


def stored_finding_text(finding: Finding) -> str:
    """'PROGRAM BREAKS A LIMIT (Not allowed): daily dose 35 mg/day is above …': the severity in words."""
    return f"PROGRAM BREAKS A LIMIT ({finding.severity.title}): {finding.message}"


def _by_severity(findings: Iterable[Finding]) -> list[Finding]:
    order = list(FindingSeverity)
    return sorted(findings, key=lambda finding: order.index(finding.severity))
