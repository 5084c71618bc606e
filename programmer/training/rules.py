"""The one vocabulary of rules that critical and scored actions name, each judged on a recording alone.

A scenario writes `rule = "port_chosen"` with the rule's parameters beside it (`port = …`); each
rule is a msgspec Struct tagged by that name, so an unknown rule or parameter is refused where it
is written. `judge(recording, ended)` says where the attempt stands: met (at which entry), missed
(at which entry, with what was done instead; at none when it was never done), or still pending.
Once the attempt has ended a pending "must happen" is missed and a pending "must not happen" is met.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, TypeVar

import msgspec
from msgspec import Struct

from programmer.session.refill.steps import Port, RefillOutcome
from programmer.therapy.prescription import BolusKind, InfusionMode
from programmer.therapy.units import DoseRate, DrugUnit, UnitError, parse_dose_rate
from programmer.training.recording import (
    ACTIONS,
    Appointment,
    Bolus,
    Entry,
    Programmed,
    PumpRead,
    RefillEnded,
    RefillStep,
    Refused,
    VisitClosed,
)
from programmer.wording import format_number, ml_text, moment_text

P = TypeVar("P")


class State(StrEnum):
    PENDING = "pending"
    MET = "met"
    MISSED = "missed"


class Verdict(Struct, frozen=True):
    state: State
    at: int | None  # the entry that decided it
    detail: str  # what was done, with the numbers

    @property
    def met(self) -> bool:
        return self.state is State.MET


def _met(at: int | None, detail: str) -> Verdict:
    return Verdict(State.MET, at, detail)


def _missed(at: int | None, detail: str) -> Verdict:
    return Verdict(State.MISSED, at, detail)


def _not_yet(ended: bool, detail: str, at: int | None = None) -> Verdict:
    """A "must happen" not seen: pending while the attempt runs, missed once it has ended.

    Never done, it has no entry (`at` None: the debrief says "not done", not the end's time); `at` is
    the entry that shows it was done otherwise (the pump as last read on another dose).
    """
    return _missed(at, detail) if ended else Verdict(State.PENDING, None, detail)


def _found(recording: Sequence[Entry], kind: type[P]) -> Iterator[tuple[int, P]]:
    return ((entry.n, entry.what) for entry in recording if isinstance(entry.what, kind))


def _steps(recording: Sequence[Entry], action: str) -> list[tuple[int, RefillStep]]:
    return [(n, step) for n, step in _found(recording, RefillStep) if step.action == action]


def _reads(recording: Sequence[Entry]) -> list[tuple[int, PumpRead]]:
    """The scenario pump as read through the attempt (the first read is the pump as the scenario starts it)."""
    reads = list(_found(recording, PumpRead))
    serial = reads[0][1].serial if reads else None
    return [(n, read) for n, read in reads if read.serial == serial]


def _first_done(recording: Sequence[Entry], action: str) -> int | None:
    return next((entry.n for entry in recording if action in entry.what.actions), None)


def _unknown_action(parameter: str, action: str) -> list[tuple[str, str]]:
    if action in ACTIONS:
        return []
    return [(parameter, f"unknown action {action!r}; the actions are: {', '.join(ACTIONS)}")]


def _last(recording: Sequence[Entry]) -> int | None:
    return recording[-1].n if recording else None


class Rule(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="rule"):
    """What every rule has besides its parameters: for the checklist, the debrief and the score."""

    id: str = ""  # unique in the scenario; default: the rule's name
    label: str = ""  # the expected action as the checklist says it; default: the rule's own words
    why: str = ""  # critical: why it matters
    source: str = ""  # critical: the incident or reference behind it
    weight: float | None = None  # scored: its share of the score
    within_minutes: float | None = None  # scored: the time target, in attempt minutes

    @property
    def name(self) -> str:
        return type(self).__struct_config__.tag

    @property
    def key(self) -> str:
        return self.id or self.name

    @property
    def expected(self) -> str:
        return self.label or self.default_label()

    def default_label(self) -> str:
        raise NotImplementedError

    def parameter_problems(self) -> list[tuple[str, str]]:
        """(parameter, problem) for values the types alone do not refuse."""
        return []

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        raise NotImplementedError


class Done(Rule, tag="done"):
    """A named action happened at least once."""

    action: str

    def default_label(self) -> str:
        return self.action.replace("_", " ").capitalize()

    def parameter_problems(self) -> list[tuple[str, str]]:
        return _unknown_action("action", self.action)

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        found = _first_done(recording, self.action)
        if found is not None:
            return _met(found, recording[found].describe())
        return _not_yet(ended, f"never done: {self.action.replace('_', ' ')}")


class PortChosen(Rule, tag="port_chosen"):
    """The needle went into `port` every time a port was chosen; any other port is a critical error at once."""

    port: Port = Port.RESERVOIR_FILL

    def default_label(self) -> str:
        return f"Needle placed in the {self.port.value}"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        chosen = _steps(recording, "port_chosen")
        wrong = next(((n, step) for n, step in chosen if step.value != self.port.value), None)
        if wrong is not None:
            return _missed(wrong[0], f"the needle was placed in the {wrong[1].value}")
        if chosen:
            return _met(chosen[0][0], f"the needle was placed in the {self.port.value}")
        return _not_yet(ended, "no port was chosen")


class LabelChecked(Rule, tag="label_checked"):
    """The syringe label was read against the pump's drug and concentration."""

    def default_label(self) -> str:
        return "Syringe label checked against the pump"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        read = _steps(recording, "label_confirmed")
        if read:
            return _met(read[0][0], read[0][1].said)
        return _not_yet(ended, "the syringe label was never checked")


class _Acknowledged(Rule):
    step_action = ""
    what = ""

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        found = _steps(recording, self.step_action)
        if found:
            return _met(found[0][0], f"acknowledged: {found[0][1].value}")
        refills = [n for n, refill in _found(recording, RefillEnded) if refill.outcome == RefillOutcome.PROGRAMMED]
        if refills:
            return _missed(refills[0], f"the refill was programmed with no {self.what} found and acknowledged")
        return _not_yet(ended, f"no {self.what} was found and acknowledged")


class DiscrepancyAcknowledged(_Acknowledged, tag="discrepancy_acknowledged"):
    """The refill discrepancy was found (the volume removed recorded as it was) and acknowledged."""

    step_action = "discrepancy_acknowledged"
    what = "refill discrepancy"

    def default_label(self) -> str:
        return "Refill discrepancy investigated and acknowledged"


class PocketFillAcknowledged(_Acknowledged, tag="pocket_fill_acknowledged"):
    """The possible pocket fill was found (the volume that went in recorded as it was) and acknowledged."""

    step_action = "pocket_fill_acknowledged"
    what = "possible pocket fill"

    def default_label(self) -> str:
        return "Possible pocket fill recognised, needle position checked"


class RemovedRecordedTruly(Rule, tag="removed_recorded_truly"):
    """The volume removed was recorded as the reservoir really held it, within `tolerance_ml`."""

    tolerance_ml: float = 0.5

    def default_label(self) -> str:
        return "Volume removed recorded as measured"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        found = _steps(recording, "removed_recorded")
        if not found:
            return _not_yet(ended, "no volume removed was recorded")
        n, step = found[-1]
        recorded, true = float(step.value or 0), step.true_ml
        if true is None or abs(recorded - true) <= self.tolerance_ml:
            return _met(n, f"recorded {ml_text(recorded)}")
        return _missed(n, f"recorded {ml_text(recorded)}, but {ml_text(true)} came out of the reservoir")


class SecondPersonCheck(Rule, tag="second_person_check"):
    """Every drug, concentration or daily-dose change was programmed with a second person's check.

    Sending one without is missed even when the programmer refused it: a real programmer may not ask.
    """

    def default_label(self) -> str:
        return "Second person checked the drug, concentration or dose change"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        tried = next((n for n, refused in _found(recording, Refused) if refused.error == "SecondCheckRequired"), None)
        if tried is not None:
            return _missed(tried, "programming was tried without a second check (the programmer refused it)")
        changes = [
            (n, program) for n, program in _found(recording, Programmed)
            if program.drug_changed or program.concentration_changed or program.dose_changed
        ]
        unchecked = next(((n, program) for n, program in changes if not program.second_checker.strip()), None)
        if unchecked is not None:
            return _missed(unchecked[0], f"programmed without a second check: {'; '.join(unchecked[1].changes)}")
        if changes:
            return _met(changes[0][0], f"checked by {changes[0][1].second_checker}")
        if ended:
            return _met(None, "no drug, concentration or dose change: nothing to check")
        return Verdict(State.PENDING, None, "no change programmed yet")


def _finding_words(findings: Sequence[str]) -> str:
    """'the findings “per hour per day”, “soft max”' for the ids ["per_hour_per_day", "soft_max"]."""
    quoted = ", ".join(f"“{finding.replace('_', ' ')}”" for finding in findings)
    return f"the finding{'s' if len(findings) > 1 else ''} {quoted}"


class FindingNotOverridden(Rule, tag="finding_not_overridden"):
    """No program went past any of `findings` (safety finding ids, e.g. "per_hour_per_day", "titration_step").

    A finding that needs a reason stops the program until one is typed: typing one past these is the error.
    The ids are the programmer's own (therapy.safety): the scenario's scripted wrong attempt proves each one.
    """

    findings: Annotated[list[Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z_]*$")]], msgspec.Meta(min_length=1)]

    def default_label(self) -> str:
        return f"Not programmed past {_finding_words(self.findings)}"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        for n, program in _found(recording, Programmed):
            passed = [finding for finding in program.acknowledged if finding in self.findings]
            if passed:
                because = f" (reason typed: {program.reason!r})" if program.reason else ""
                return _missed(n, f"programmed past {_finding_words(passed)}{because}")
        if ended:
            return _met(None, f"no program went past {_finding_words(self.findings)}")
        return Verdict(State.PENDING, None, "not gone past so far")


class PumpNotLeftStopped(Rule, tag="pump_not_left_stopped"):
    """At the end the pump delivers: judged on the pump as last read, once the attempt has ended.

    Delivery held by an MRI scan (until the pump is interrogated) is no delivery either, whatever the mode.
    """

    def default_label(self) -> str:
        return "Pump left delivering, not stopped"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        reads = _reads(recording)
        if not ended or not reads:
            return Verdict(State.PENDING, None, "judged at the end")
        n, last = reads[-1]
        if last.mode != InfusionMode.STOPPED.value and last.held_since is None:
            return _met(n, f"the pump runs {last.mode.replace('_', ' ')}")
        closed = next((m for m, _ in _found(recording, VisitClosed) if m > n), _last(recording))
        if last.mode != InfusionMode.STOPPED.value:
            return _missed(closed, f"the pump was left with its delivery held since the MRI scan of "
                                   f"{moment_text(last.held_since)}: it delivers no drug until it is interrogated")
        since = f" since {moment_text(last.stopped_since)}" if last.stopped_since else ""
        return _missed(closed, f"the pump was left stopped{since}: it delivers no drug")


class InterrogatedAfter(Rule, tag="interrogated_after"):
    """The pump was interrogated after the first `after` action (e.g. link_failed, clock_advanced)."""

    after: str

    def default_label(self) -> str:
        return f"Pump interrogated again after {self.after.replace('_', ' ')}"

    def parameter_problems(self) -> list[tuple[str, str]]:
        return _unknown_action("after", self.after)

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        first = _first_done(recording, self.after)
        if first is None:
            if ended:
                return _met(None, f"{self.after.replace('_', ' ')} never happened: nothing to check")
            return Verdict(State.PENDING, None, f"{self.after.replace('_', ' ')} has not happened")
        read = next((n for n, read in _reads(recording) if n > first and read.why == "interrogated"), None)
        if read is not None:
            return _met(read, "interrogated again")
        return _not_yet(ended, f"not interrogated after {self.after.replace('_', ' ')}")


class _AppointmentBefore(Rule):
    """The next visit is booked at least `days_before` days before a date of the pump as last read."""

    days_before: float = 0.0
    visit = "refill"  # what the booking is, in the label
    deadline_words = ""  # the date, in words: "the alarm date"
    none_words = ""  # why there is no such date
    after_words = "after it"  # what booking after that date means

    def deadline(self, read: PumpRead) -> datetime | None:
        raise NotImplementedError

    def default_label(self) -> str:
        margin = f"{format_number(self.days_before)} days " if self.days_before else ""
        return f"Next {self.visit} booked {margin}before {self.deadline_words}"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        booked = list(_found(recording, Appointment))
        if not booked or booked[-1][1].at is None:
            return _not_yet(ended, f"no {self.visit} appointment booked")
        n, appointment = booked[-1]
        reads = _reads(recording)
        deadline = self.deadline(reads[-1][1]) if reads else None  # as last read: after the refill
        if deadline is None:
            return _met(n, f"booked for {moment_text(appointment.at)} ({self.none_words})")
        days = (deadline - appointment.at).total_seconds() / 86400
        said = f"booked for {moment_text(appointment.at)}, {self.deadline_words.removeprefix('the ')} " \
               f"{moment_text(deadline)}"
        if days + 1e-9 >= self.days_before:
            return _met(n, said)
        if days < 0:
            return _missed(n, f"{said}: {self.after_words}")
        return _missed(n, f"{said}: less than {format_number(self.days_before)} days before it")


class AppointmentBeforeAlarm(_AppointmentBefore, tag="appointment_before_alarm"):
    """The next refill is booked at least `days_before` days before the pump's low-reservoir alarm date."""

    deadline_words = "the alarm date"
    none_words = "the pump raises no alarm"

    def deadline(self, read: PumpRead) -> datetime | None:
        return read.alarm_date


class AppointmentBeforeEndOfService(_AppointmentBefore, tag="appointment_before_end_of_service"):
    """The next visit is booked at least `days_before` days before the pump's end of service (its replace-by date).

    From the elective replacement indicator the pump runs on for its model's grace period (90 days), then stops:
    a visit booked after that finds a pump that has delivered nothing since.
    """

    visit = "visit"
    deadline_words = "the end of service"
    none_words = "the pump's end of service is not known"
    after_words = "after it: by then the pump has stopped and delivers nothing"

    def deadline(self, read: PumpRead) -> datetime | None:
        return read.end_of_service


class ProgrammedDose(Rule, tag="programmed_dose"):
    """The pump, as last read, delivers `dose` (e.g. "1.5mg/day")."""

    dose: str

    def rate(self, unit: DrugUnit | None = None) -> DoseRate:
        return parse_dose_rate(self.dose, unit)

    def default_label(self) -> str:
        return f"Pump programmed to {self.dose}"

    def parameter_problems(self) -> list[tuple[str, str]]:
        try:
            self.rate()
        except (UnitError, ValueError) as error:
            return [("dose", str(error))]
        return []

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        reads = _reads(recording)
        if reads:
            n, last = reads[-1]
            runs = DoseRate(last.daily_dose_per_day, DrugUnit(last.unit))
            if last.held_since is not None:  # an MRI scan holds its delivery until an interrogation
                return _not_yet(ended, f"the pump is set to {runs}, but delivers nothing since the MRI scan of "
                                       f"{moment_text(last.held_since)}", n)
            if last.mode != InfusionMode.STOPPED.value and runs.unit is self.rate().unit and runs == self.rate():
                return _met(n, f"the pump runs {runs}")
            return _not_yet(ended, f"the pump runs {runs} ({last.mode.replace('_', ' ')})", n)
        return _not_yet(ended, "the pump was never read")


class DoseNotRaised(Rule, tag="dose_not_raised"):
    """The daily dose was never raised above the scenario pump's."""

    def default_label(self) -> str:
        return "Daily dose not raised"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        reads = _reads(recording)
        if not reads:
            return Verdict(State.PENDING, None, "the pump was never read")
        start = reads[0][1].daily_dose_per_day
        raised = next(((n, read) for n, read in reads if read.daily_dose_per_day > start * (1 + 1e-9)), None)
        if raised is not None:
            n, read = raised
            return _missed(n, f"raised to {format_number(read.daily_dose_per_day)} {read.unit}/day "
                              f"from {format_number(start)} {read.unit}/day")
        if ended:
            return _met(None, f"kept at {format_number(start)} {reads[0][1].unit}/day or less")
        return Verdict(State.PENDING, None, "not raised so far")


class RaisesApart(Rule, tag="raises_apart"):
    """Every rise of the daily dose came at least `hours` of pump time after the one before (a trial's steps).

    Only rises within the attempt count: each step's effect must show before the next, so the dose that first
    gives relief is found, not overshot.
    """

    hours: Annotated[float, msgspec.Meta(gt=0)]

    def default_label(self) -> str:
        return f"Each dose rise at least {format_number(self.hours)} h after the last"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        reads = _reads(recording)
        rises = [(n, read) for (_, before), (n, read) in itertools.pairwise(reads)
                 if read.daily_dose_per_day > before.daily_dose_per_day * (1 + 1e-9)]
        for (_, last), (n, read) in itertools.pairwise(rises):
            gap_h = (read.clock - last.clock).total_seconds() / 3600
            if gap_h < self.hours - 1e-9:
                unit = f"{read.unit}/day"
                return _missed(n, f"raised to {format_number(read.daily_dose_per_day)} {unit} at "
                                  f"{moment_text(read.clock)}, {format_number(gap_h)} h after the rise to "
                                  f"{format_number(last.daily_dose_per_day)} {unit} at {moment_text(last.clock)}")
        if ended:
            counted = f"{len(rises)} rise" if len(rises) == 1 else f"{len(rises)} rises"
            return _met(None, f"{counted}, each at least {format_number(self.hours)} h after the last")
        return Verdict(State.PENDING, None, "no rise too soon so far")


class RefillProgrammed(Rule, tag="refill_programmed"):
    """A refill was programmed and verified."""

    def default_label(self) -> str:
        return "Refill programmed and verified"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        found = next((n for n, program in _found(recording, Programmed) if program.refill), None)
        if found is not None:
            return _met(found, "refill programmed")
        return _not_yet(ended, "no refill was programmed")


class SessionClosed(Rule, tag="session_closed"):
    """The session was ended (the pump let go) before the attempt ended."""

    def default_label(self) -> str:
        return "Session ended"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        found = next((n for n, _ in _found(recording, VisitClosed)), None)
        if found is not None:
            return _met(found, "session ended")
        return _not_yet(ended, "the session was left open")


class BolusGiven(Rule, tag="bolus_given"):
    """A bolus of `bolus` kind (priming, bridge, clinician, single) was programmed."""

    bolus: BolusKind

    def default_label(self) -> str:
        return f"{self.bolus.title} given"

    def judge(self, recording: Sequence[Entry], ended: bool) -> Verdict:
        # The Boluses screen says it gave a bolus; a program that starts one (a refill's bridge bolus) says it too.
        given = [n for n, bolus in _found(recording, Bolus)
                 if bolus.phase == "programmed" and bolus.bolus_kind == self.bolus.value]
        given += [n for n, program in _found(recording, Programmed) if program.bolus == self.bolus.value]
        found = min(given, default=None)
        if found is not None:
            return _met(found, f"{self.bolus.title.lower()} programmed")
        return _not_yet(ended, f"no {self.bolus.title.lower()} was given")


AnyRule = (
    Done | PortChosen | LabelChecked | DiscrepancyAcknowledged | PocketFillAcknowledged | RemovedRecordedTruly
    | SecondPersonCheck | FindingNotOverridden | PumpNotLeftStopped | InterrogatedAfter | AppointmentBeforeAlarm
    | AppointmentBeforeEndOfService | ProgrammedDose | DoseNotRaised | RaisesApart | RefillProgrammed | SessionClosed
    | BolusGiven
)
RULES: dict[str, type[Rule]] = {rule.__struct_config__.tag: rule for rule in AnyRule.__args__}
