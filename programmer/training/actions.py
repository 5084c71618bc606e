"""A scripted trainee: an actions file whose steps map one to one onto the programmer's own calls.

An actions file (TOML) lists `[[steps]]`, each `do = "…"` with its values: open, interrogate, edit (a
dose, a flex schedule's steps, stopped, the low-reservoir alarm), program, prime, start_refill, read_label,
choose_port, record_removed, acknowledge_discrepancy, fill, acknowledge_fill, keep_dose, change_dose,
bridge, book_appointment, program_refill, abandon_refill, advance, mri, close, wait. A refusal the
programmer gives (as the window would show it) is recorded and the script goes on, as a trainee
would; a step that cannot be taken at all (a refill step with no refill started) is the script's
own mistake and stops it. `expect` and `expect_missed` say what the attempt should come to, for the
scenario's tests.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

import msgspec

from programmer.errors import ProgrammerError
from programmer.session import mri
from programmer.session.bolus_workflow import BolusWorkflow, PrimingOccasion
from programmer.session.programming import ProgrammingSession
from programmer.session.refill.steps import Port, RefillOutcome
from programmer.session.refill.workflow import RefillWorkflow
from programmer.session.status import reservoir_projection
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule, parse_step
from programmer.therapy.units import parse_dose_rate
from programmer.training.checked import placed, problems_of
from programmer.training.engine import Attempt
from programmer.training.recording import LinkFailed


class ScriptError(ProgrammerError):
    """An actions file that cannot be read or played; the message says where."""


class Step(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field="do"):
    """One line of an actions file; its `do` names its kind, and each kind below says how the trainee takes it.

    The base is never read from a file (only its kinds are: see AnyStep), so its own `take` is never run.
    """

    def take(self, t: ScriptedTrainee) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not say how it is taken")


class Open(Step, tag="open"):
    at: datetime | None = None  # interrogate the pump as it is at this pump time (default: its clock)

    def take(self, t: ScriptedTrainee) -> None:
        t.programmer.open(t.attempt.pump_path, self.at)


class Interrogate(Step, tag="interrogate"):
    def take(self, t: ScriptedTrainee) -> None:
        t.session().interrogate()


class Edit(Step, tag="edit"):
    dose: str | None = None  # a simple continuous daily dose, e.g. "1.5mg/day"
    steps: list[str] | None = None  # a flex schedule for every day, e.g. ["07:00-21:00=80mcg/day", "21:00-07:00=…"]
    stop: bool = False  # stopped mode
    low_alarm_ml: float | None = None

    def take(self, t: ScriptedTrainee) -> None:
        t.edit(self)


class Program(Step, tag="program"):
    reason: str = ""
    clinician: str = ""

    def take(self, t: ScriptedTrainee) -> None:
        t.session().program(reason=self.reason, clinician=self.clinician)


class Discard(Step, tag="discard"):
    def take(self, t: ScriptedTrainee) -> None:
        t.session().discard_changes()


class Prime(Step, tag="prime"):
    """A priming bolus through the Boluses screen's workflow: `occasion` says what is empty (implant or revision)."""

    occasion: PrimingOccasion
    catheter_length_cm: float | None = None  # default: the pump's catheter record
    trimmed_cm: float | None = None
    reason: str = ""
    clinician: str = ""

    def take(self, t: ScriptedTrainee) -> None:
        boluses = BolusWorkflow(t.session())
        catheter = boluses.memory.catheter
        length = catheter.length_cm if self.catheter_length_cm is None else self.catheter_length_cm
        trimmed = catheter.trimmed_cm if self.trimmed_cm is None else self.trimmed_cm
        boluses.give_priming(length, trimmed, self.occasion, reason=self.reason, clinician=self.clinician)


class StartRefill(Step, tag="start_refill"):
    def take(self, t: ScriptedTrainee) -> None:
        t.session()
        t.refill = t.programmer.visit.start_refill(t.attempt.syringe)


class ReadLabel(Step, tag="read_label"):
    matches: bool

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().confirm_label(self.matches)


class ChoosePort(Step, tag="choose_port"):
    port: Port

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().choose_port(self.port)


class RecordRemoved(Step, tag="record_removed"):
    ml: float | None = None  # default: what really came out (the hidden truth), as an honest reading

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().record_removed(t.attempt.true_reservoir_ml if self.ml is None else self.ml)


class AcknowledgeDiscrepancy(Step, tag="acknowledge_discrepancy"):
    note: str

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().acknowledge_discrepancy(self.note)


class Fill(Step, tag="fill"):
    ml: float | None = None  # the volume recorded as added; default: what really reached the reservoir
    prepared_ml: float | None = None  # default: the syringe's volume

    def take(self, t: ScriptedTrainee) -> None:
        prepared = t.workflow().syringe_label.volume_ml if self.prepared_ml is None else self.prepared_ml
        added = t.attempt.fill_reaches_reservoir_ml(prepared) if self.ml is None else self.ml
        t.workflow().set_fill(added, prepared)


class AcknowledgeFill(Step, tag="acknowledge_fill"):
    note: str

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().acknowledge_fill(self.note)


class KeepDose(Step, tag="keep_dose"):
    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().keep_dose()


class ChangeDose(Step, tag="change_dose"):
    dose: str

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().change_dose(parse_dose_rate(self.dose, t.workflow().fill_drug.unit))


class Bridge(Step, tag="bridge"):
    accept: bool

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().accept_bridge_bolus(self.accept)


class BookAppointment(Step, tag="book_appointment"):
    at: datetime | None = None
    days_before_alarm: float | None = None  # before the alarm date of the pump as last read
    suggested: bool = False  # the refill's own suggestion, a few days before the new alarm date

    def take(self, t: ScriptedTrainee) -> None:
        t.book(self)


class ProgramRefill(Step, tag="program_refill"):
    second_checker: str = ""
    reason: str = ""
    clinician: str = ""

    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().program(second_checker=self.second_checker, reason=self.reason, clinician=self.clinician)


class AbandonRefill(Step, tag="abandon_refill"):
    def take(self, t: ScriptedTrainee) -> None:
        t.workflow().abandon()


class Advance(Step, tag="advance"):
    days: float = 0.0
    hours: float = 0.0

    def take(self, t: ScriptedTrainee) -> None:
        session = t.session()
        session.advance(session.now + timedelta(days=self.days, hours=self.hours))


class MriScan(Step, tag="mri"):
    """The patient has the MRI scan (Clock → MRI scan): `hours` long, from the pump's clock."""

    hours: float
    empty_first: bool = False  # withdraw the reservoir before the scan (a pump that goes into the magnet empty)
    emptied_ml: float | None = None  # the volume withdrawn, as recorded; default: what really came out

    def take(self, t: ScriptedTrainee) -> None:
        emptied = None
        if self.empty_first:
            emptied = t.attempt.true_reservoir_ml if self.emptied_ml is None else self.emptied_ml
        mri.scan(t.session(), timedelta(hours=self.hours), emptied_ml=emptied)


class Close(Step, tag="close"):
    confirm: bool = False

    def take(self, t: ScriptedTrainee) -> None:
        t.programmer.close(confirm=self.confirm)


class Wait(Step, tag="wait"):
    minutes: float  # the trainee's own time passes (the attempt's clock, not the pump's)

    def take(self, t: ScriptedTrainee) -> None:
        if t.clock is None:
            raise ScriptError("`wait` needs the script's own clock (a scripted run)")
        t.clock.wait(self.minutes)


AnyStep = (
    Open | Interrogate | Edit | Program | Discard | Prime | StartRefill | ReadLabel | ChoosePort | RecordRemoved
    | AcknowledgeDiscrepancy | Fill | AcknowledgeFill | KeepDose | ChangeDose | Bridge | BookAppointment
    | ProgramRefill | AbandonRefill | Advance | MriScan | Close | Wait
)


class Script(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    steps: list[AnyStep]
    trainee: str = "scripted trainee"
    about: str = ""  # what this attempt does, for the reader
    expect: Literal["pass", "fail"] | None = None
    expect_missed: list[str] = []  # the critical actions (ids) it misses


def load_script(path: Path) -> Script:
    """The actions file at `path`; ScriptError lists every problem with its line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ScriptError(f"{path}: cannot be read as an actions file: {error}") from error
    problems = placed(text, problems_of(data, Script))
    if problems:
        raise ScriptError(f"{path}: " + "; ".join(map(str, problems)))
    return msgspec.convert(data, Script)


class ScriptClock:
    """The attempt's wall clock in a scripted run: it moves only when a step says the trainee waits."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now().astimezone()

    def __call__(self) -> datetime:
        return self.now

    def wait(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


class ScriptedTrainee:
    def __init__(self, attempt: Attempt, clock: ScriptClock | None = None) -> None:
        self.attempt, self.clock = attempt, clock
        self.programmer = attempt.programmer
        self.refill: RefillWorkflow | None = None

    def play(self, script: Script) -> None:
        for number, step in enumerate(script.steps, 1):
            name = type(step).__struct_config__.tag
            before = len(self.attempt.recording)
            try:
                step.take(self)
            except ScriptError as error:
                raise ScriptError(f"step {number} ({name}): {error}") from None
            except ProgrammerError as error:  # the programmer said no: the trainee sees it and goes on
                answered = self.attempt.recording[before:]  # a failed exchange is recorded as the pump's answer
                if not any(isinstance(entry.what, LinkFailed) and entry.what.said == str(error) for entry in answered):
                    self.attempt.refused(name, error)

    def session(self) -> ProgrammingSession:
        if self.programmer.session is None:
            raise ScriptError("no pump is open: an `open` step comes first")
        return self.programmer.session

    def workflow(self) -> RefillWorkflow:
        if self.refill is None:
            raise ScriptError("no refill is under way: a `start_refill` step comes first")
        return self.refill

    def edit(self, step: Edit) -> None:
        session = self.session()
        old = session.pending_prescription
        if step.stop:
            session.edit(prescription=Prescription.stopped(old.drug, old.concentration))
        elif step.dose is not None:
            dose = parse_dose_rate(step.dose, old.unit)
            session.edit(prescription=Prescription.simple_continuous(old.drug, old.concentration, dose))
        elif step.steps is not None:
            day = DaySchedule.from_intervals(parse_step(text, old.unit) for text in step.steps)
            session.edit(prescription=Prescription.flex(old.drug, old.concentration, FlexSchedule.every_day(day)))
        if step.low_alarm_ml is not None:
            session.edit(low_alarm_ml=step.low_alarm_ml)

    def book(self, step: BookAppointment) -> None:
        under_way = self.refill is not None and self.refill.outcome is RefillOutcome.IN_PROGRESS
        refill = self.refill if under_way else None
        if step.suggested:
            if refill is None:
                raise ScriptError("`suggested` is the refill's suggestion: book it during a refill")
            refill.set_appointment(refill.suggested_appointment())
            return
        moment = step.at
        if step.days_before_alarm is not None:
            alarm = reservoir_projection(self.session().current).alarm_date
            if alarm is None:
                raise ScriptError("the pump raises no alarm (no delivery): give `at`")
            moment = alarm - timedelta(days=step.days_before_alarm)
        if moment is None:
            raise ScriptError("give `at`, `days_before_alarm` or `suggested = true`")
        if refill is not None:
            refill.set_appointment(moment)
        else:
            self.session()
            self.programmer.visit.book_appointment(moment)
