"""An attempt at a scenario: the engine that watches the programmer, records, fires faults and judges.

The Attempt listens to the ClinicianProgrammer's one ProgrammerEvents (it never reads a widget
or a message) and records every trainee action and pump event with wall time and pump time. As
each entry arrives it fires the planted faults and hints whose trigger it is (the first trigger
to fire wins, once), follows the hidden truth and the patient, and judges the critical and
scored actions for the checklist. The window reads `events` (AttemptEvents) and calls the
instructor's actions; a Debrief is rebuilt from the recording alone (training.debrief).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.events import Connection, Event, Events
from programmer.pump.memory import PumpMemory
from programmer.session import workspace
from programmer.session.events import LinkState, RefillStepDone
from programmer.session.refill.records import RefillRecord
from programmer.session.refill.steps import Port
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.visit import ClinicianProgrammer
from programmer.therapy.units import Concentration, parse_dose_rate
from programmer.training import observe
from programmer.training.debrief import Debrief, build_debrief
from programmer.training.faults import FaultSwitches
from programmer.training.patient import PatientState, patient_state
from programmer.training.recording import (
    AlarmsRaised,
    Appointment,
    CueShown,
    Delivered,
    Ended,
    Entry,
    FaultCleared,
    FaultFired,
    HintGiven,
    Instructor,
    Link,
    Patient,
    Payload,
    Refused,
    Started,
    VisitClosed,
    VisitOpened,
    Who,
)
from programmer.training.records import TrainingRecords, TrainingRecordsError
from programmer.training.rules import State
from programmer.training.scenario import Fault, Scenario
from programmer.training.starting_pump import write_starting_pump
from programmer.training.truth import TrueReservoir
from programmer.wording import format_number, ml_text, percent_text

ATTEMPTS_FOLDER = "training"  # in the user data folder: each attempt's own copy of the scenario pump


class Mode(StrEnum):
    PRACTICE = "practice"  # objectives, checklist and hints shown
    ASSESSMENT = "assessment"  # none of them: the debrief says it all at the end


class AttemptError(ProgrammerError):
    """An instructor action the attempt cannot take now (ended, not started, a pass mark out of range)."""


class ActionState(Struct, frozen=True):
    """One expected action as the checklist shows it."""

    key: str
    expected: str
    critical: bool
    state: State
    detail: str


class AttemptEvents(Events):
    entry = Event["Entry"]("something was recorded")
    patient = Event["PatientState"]("the patient's state changed")
    checklist = Event["tuple[ActionState, ...]"]("an expected action was met or missed")
    cue = Event["str"]("something the nurse sees, hears or is told in the room: show it in any mode")
    hint = Event["str"]("a hint to show the trainee")
    paused = Event["bool"]("the instructor paused (True) or resumed (False)")
    ended = Event["Debrief"]("the attempt ended: its debrief")


def _now() -> datetime:
    return datetime.now().astimezone()


class Attempt:
    def __init__(
        self,
        scenario: Scenario,
        programmer: ClinicianProgrammer,
        *,
        trainee: str = "",
        mode: Mode = Mode.PRACTICE,
        pass_mark: float | None = None,
        records: TrainingRecords | None = None,
        folder: Path | None = None,
        wall: Callable[[], datetime] = _now,
    ) -> None:
        self.scenario, self.programmer = scenario, programmer
        self.trainee, self.mode = trainee.strip(), Mode(mode)
        self.pass_mark = scenario.spec.pass_mark if pass_mark is None else pass_mark
        self.records, self._folder, self._wall = records, folder, wall
        self.events = AttemptEvents()
        self.recording: list[Entry] = []
        self.attempt_id: int | None = None  # in the records, once started
        self.records_problem = ""  # why the records stopped being written, if they did
        self.pump_path: Path | None = None
        self.patient: PatientState | None = None
        self.checklist: tuple[ActionState, ...] = ()
        self.ended = False
        self.paused = False
        self._connections: list[Connection] = []
        self._deliveries: list[Delivered] = []
        self._cues_waiting = list(scenario.spec.cues)
        self._hints_waiting = list(scenario.spec.hints)
        self._exchange: LinkState | None = None  # the exchange under way, until its answer
        self._pump_clock: datetime | None = None
        self._paused_s = 0.0

    # --- what the window shows ------------------------------------------------------------------------------------
    @property
    def shows_objectives(self) -> bool:
        """Objectives, the checklist of expected actions and hints: practice mode only."""
        return self.mode is Mode.PRACTICE

    shows_checklist = shows_hints = shows_objectives

    @property
    def elapsed_s(self) -> float:
        """Attempt time in seconds, pauses left out."""
        if not self.recording:
            return 0.0
        now = self._paused_at if self.paused else self._wall()
        return max(0.0, (now - self._started_at).total_seconds() - self._paused_s)

    @property
    def syringe(self) -> SyringeLabel:
        """The syringe the pharmacy sent, as its label reads: what a refill in this scenario starts from."""
        spec, memory = self.scenario.spec, self._truth.memory
        if spec.truth.syringe is None:
            prescription = memory.prescription
            return SyringeLabel(prescription.drug, prescription.concentration, memory.model.reservoir_capacity_ml,
                                memory.patient_id)
        syringe = spec.truth.syringe
        labelled = syringe.label_concentration or syringe.concentration
        unit = self.programmer.library[syringe.drug].unit
        return SyringeLabel(syringe.drug, Concentration(labelled, unit), syringe.volume_ml,
                            syringe.patient_id or memory.patient_id)

    @property
    def true_reservoir_ml(self) -> float:
        """What really comes out when the reservoir is emptied now (hidden truth)."""
        return self._truth.ml

    def fill_reaches_reservoir_ml(self, prepared_ml: float) -> float:
        """What really goes into the reservoir when `prepared_ml` is instilled (a pocket fill keeps some out)."""
        return self._truth.reaches_reservoir_ml(prepared_ml)

    def debrief(self) -> Debrief:
        """The debrief of the recording so far (the final one once ended)."""
        return build_debrief(self.recording, self.attempt_id)

    # --- starting --------------------------------------------------------------------------------------------------
    def start(self) -> Path:
        """Make this attempt's own copy of the scenario pump, record the start, and listen to the programmer."""
        if self.recording:
            raise AttemptError("this attempt has started already")
        folder = self._folder or workspace.data_dir() / ATTEMPTS_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        self._started_at = self._wall()
        self.pump_path = folder / f"{self.scenario.id}-{self._started_at:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}.pump"
        memory = write_starting_pump(self.scenario, self.pump_path)
        self._truth = TrueReservoir(self.scenario.spec, memory)
        self._start_clock = self._pump_clock = memory.clock
        self._switches = FaultSwitches(self.scenario.spec.faults, self.programmer.faults)
        started = Started(scenario_id=self.scenario.id, version=self.scenario.version, title=self.scenario.title,
                          mode=self.mode.value, trainee=self.trainee, pass_mark=self.pass_mark,
                          scenario_text=self.scenario.text, pump_file=str(self.pump_path))
        self._record("engine", started)
        self._record("engine", observe.pump_read(memory, "start"))
        dose = self.scenario.spec.pump.dose
        history = parse_dose_rate(dose, memory.prescription.unit) if dose else memory.prescription.nominal_daily_dose
        self._delivered([self._truth.history(history)])
        events = self.programmer.events
        self._connections = [
            events.visit.connect(self._on_visit),
            events.link.connect(self._on_link),
            events.snapshot.connect(self._on_snapshot),
            events.programmed.connect(lambda result: self._record("pump", observe.programmed(result))),
            events.link_failed.connect(self._on_link_failed),
            events.alarms_raised.connect(lambda alarms: self._record(
                "pump", AlarmsRaised(alarms=tuple(alarm.kind.value for alarm in alarms)))),
            events.appointment.connect(lambda at: self._record("trainee", Appointment(at=at))),
            events.refill_step.connect(self._on_refill_step),
            events.refill_ended.connect(self._on_refill_ended),
            events.bolus.connect(lambda notice: self._record("pump", observe.bolus(notice))),
        ]
        return self.pump_path

    # --- what the programmer says ---------------------------------------------------------------------------------
    def _on_visit(self, visit: object) -> None:
        if visit is None:
            self._record("trainee", VisitClosed())
        else:
            self._record("trainee", VisitOpened(serial=visit.first.serial))

    def _on_link(self, state: LinkState) -> None:
        was_busy = self._exchange is not None
        if state.busy:
            self._exchange = state
        self._record("trainee" if state.busy else "pump", Link(state=state.value))
        if was_busy and not state.busy:
            self._cleared(self._switches.exchange_ended(failed=False))

    def _on_snapshot(self, memory: PumpMemory | None) -> None:
        if memory is None:
            return
        why = {LinkState.INTERROGATING: "interrogated", LinkState.PROGRAMMING: "programmed"}.get(self._exchange, "time")
        self._exchange = None
        self._pump_clock = memory.clock
        for scan in observe.mri_events(self._truth.memory, memory):  # the scan, or its hold ended by this read
            self._record("pump", scan)
        self._record("pump", observe.pump_read(memory, why))
        self._delivered(self._truth.follow(memory))

    def _on_link_failed(self, error: ProgrammerError) -> None:
        self._exchange = None
        self._record("pump", observe.link_failed(error))
        self._cleared(self._switches.exchange_ended(failed=True))

    def _on_refill_step(self, done: RefillStepDone) -> None:
        self._record("trainee", observe.refill_step(done, self._truth.ml))
        if done.action == "port_chosen" and done.value is Port.RESERVOIR_FILL:
            # What the nurse sees in the room: the old drug drawn out is the reservoir's real volume.
            self._cue(f"You empty the reservoir through the fill port: the syringe now holds "
                      f"{ml_text(self._truth.ml)} of the old drug.")
        if done.action == "removed_recorded":
            self._truth.emptied()
        elif done.action == "fill_recorded":
            syringe = self.syringe
            filled = self._truth.filled(self._pump_clock, syringe.volume_ml, syringe.concentration.per_ml)
            self._delivered([filled] if filled is not None else [])

    def _on_refill_ended(self, record: RefillRecord) -> None:
        self._record("pump", observe.refill_ended(record))
        if record.fill is not None and record.fill.syringe_prepared_ml is not None:
            self._truth.prepared(record.fill.syringe_prepared_ml)

    def _cleared(self, fault_ids: list[str]) -> None:
        for fault_id in fault_ids:
            self._record("engine", FaultCleared(fault_id=fault_id))

    def refused(self, action: str, error: ProgrammerError) -> None:
        """A trainee action the programmer refused, with the error shown (the window and scripts say so)."""
        self._record("trainee", Refused(action=action, error=type(error).__name__, said=str(error)))

    # --- recording ----------------------------------------------------------------------------------------------------
    def _record(self, who: Who, what: Payload) -> Entry | None:
        if self.ended:
            return None
        entry = Entry(n=len(self.recording), wall=self._wall(), elapsed_s=self.elapsed_s, pump=self._pump_clock,
                      who=who, what=what)
        self.recording.append(entry)
        self._store(entry)
        self.events.entry.emit(entry)
        self._fire_due(entry)
        self._judge()
        return entry

    def _store(self, entry: Entry) -> None:
        if self.records is None or self.records_problem:
            return
        try:
            if isinstance(entry.what, Started):
                self.attempt_id = self.records.begin(entry)
            elif self.attempt_id is not None:
                self.records.append(self.attempt_id, entry)
        except TrainingRecordsError as error:  # the attempt goes on: its recording is kept in memory
            self.records_problem = str(error)

    def _delivered(self, deliveries: list[Delivered]) -> None:
        for delivery in deliveries:
            self._deliveries.append(delivery)
            self._record("engine", delivery)
        state = patient_state(self.scenario.spec.patient, self._deliveries, self._pump_clock)
        old = self.patient
        self.patient = state
        if old is None or (round(old.score), old.signs) != (round(state.score), state.signs):
            self._record("engine", Patient(score=state.score, measure=state.measure, dose_24h=state.dose_24h,
                                           unit=state.unit, overdose=state.overdose, withdrawal=state.withdrawal,
                                           signs=state.signs))
            self.events.patient.emit(state)

    def _judge(self) -> None:
        checklist = tuple(
            ActionState(rule.key, rule.expected, self.scenario.is_critical(rule), verdict.state, verdict.detail)
            for rule in self.scenario.rules
            for verdict in (rule.judge(self.recording, ended=False),)
        )
        if checklist != self.checklist:
            self.checklist = checklist
            self.events.checklist.emit(checklist)

    # --- faults and hints on their triggers ---------------------------------------------------------------------
    def tick(self) -> None:
        """Fire what is due at this attempt time (the window calls this every few seconds)."""
        if self.recording and not self.ended and not self.paused:
            self._fire_due(None)

    def _fire_due(self, entry: Entry | None) -> None:
        if self.paused:
            return
        elapsed = self.elapsed_s
        for fault, trigger in self._switches.due(elapsed, entry, self._start_clock):
            self._fire(fault, trigger.describe(), "engine")
        for cue in list(self._cues_waiting):
            if any(trigger.fires(elapsed, entry, self._start_clock) for trigger in cue.when):
                self._cues_waiting.remove(cue)
                self._cue(cue.text)
        for hint in list(self._hints_waiting):
            if any(trigger.fires(elapsed, entry, self._start_clock) for trigger in hint.when):
                self._hints_waiting.remove(hint)
                if self.shows_hints:
                    self._hint(hint.text, "trigger")

    def _cue(self, text: str) -> None:
        self._record("engine", CueShown(cue=text))
        self.events.cue.emit(text)

    def _fire(self, fault: Fault, trigger: str, who: Who) -> None:
        self._switches.fire(fault)
        self._record(who, FaultFired(fault_id=fault.id, fault_kind=fault.kind, trigger=trigger))

    def _hint(self, text: str, by: str) -> None:
        hint = HintGiven(hint=text, by=by)
        self._record(hint.who, hint)
        self.events.hint.emit(text)

    def _next_hint(self) -> str:
        if not self._hints_waiting:
            raise AttemptError("every hint of this scenario has been given")
        return self._hints_waiting.pop(0).text

    # --- the instructor --------------------------------------------------------------------------------------------
    def _require_running(self) -> None:
        if not self.recording:
            raise AttemptError("the attempt has not started")
        if self.ended:
            raise AttemptError("the attempt has ended: start a new one")

    def pause(self) -> None:
        self._require_running()
        if not self.paused:
            self._record("instructor", Instructor(action="pause"))
            self._paused_at, self.paused = self._wall(), True
            self.events.paused.emit(True)

    def resume(self) -> None:
        self._require_running()
        if self.paused:
            self._paused_s += (self._wall() - self._paused_at).total_seconds()
            self.paused = False
            self._record("instructor", Instructor(action="resume"))
            self.events.paused.emit(False)

    def inject_fault(self, name: str) -> None:
        """Fire a scenario fault (by id) or a fault of a kind (lost_link, program_refused, slow_link) now."""
        self._require_running()
        self._fire(self._switches.find(name), "the instructor's command", "instructor")

    def give_hint(self, text: str | None = None) -> str:
        """The instructor gives `text`, or the scenario's next hint not given yet; said as the `hint` event, in any
        mode."""
        self._require_running()
        text = self._next_hint() if text is None else text
        self._hint(text, "instructor")
        return text

    def ask_hint(self) -> str:
        """The trainee asks for the scenario's next hint not given yet: practice mode only (assessment offers none).

        Recorded as the trainee's, so the debrief tells it from the instructor's; a hint costs no points.
        """
        self._require_running()
        if not self.shows_hints:
            raise AttemptError("an assessment offers no hints: the debrief says it all at the end")
        text = self._next_hint()
        self._hint(text, "trainee")
        return text

    def reveal_truth(self) -> list[str]:
        """The hidden truth, in words (recorded: the debrief shows that it was revealed)."""
        self._require_running()
        truth, memory = self.scenario.spec.truth, self._truth.memory
        counted = ml_text(memory.reservoir_ml)
        lines = [f"the reservoir really holds {ml_text(self._truth.ml)}; the pump counts {counted}"]
        if truth.syringe is not None:
            syringe = truth.syringe
            label = format_number(syringe.label_concentration or syringe.concentration)
            lines.append(f"the syringe holds {syringe.drug} {format_number(syringe.concentration)} per mL, "
                         f"{ml_text(syringe.volume_ml)}; its label says {label} per mL")
        if truth.pocket_ml:
            lines.append(f"the needle misses the septum: {ml_text(truth.pocket_ml)} of the fill goes under the skin")
        for fault in self.scenario.spec.faults:
            when = " or ".join(trigger.describe() for trigger in fault.when) or "the instructor's command only"
            lines.append(f"planted fault {fault.id} ({fault.kind.replace('_', ' ')}) on {when}")
        self._record("instructor", Instructor(action="reveal", detail="; ".join(lines)))
        return lines

    def set_pass_mark(self, percent: float) -> None:
        self._require_running()
        if not 0 <= percent <= 100:
            raise AttemptError(f"a pass mark is 0–100 % of the scored actions' weight, not {format_number(percent)} %")
        self.pass_mark = percent
        self._record("instructor", Instructor(action="pass_mark", pass_mark=percent, detail=percent_text(percent)))

    def end(self, by: str = "trainee") -> Debrief:
        """End the attempt: judge it, store it, stop listening, put the link's fault switches back."""
        if self.ended:
            return self.debrief()
        self._require_running()
        if by not in ("trainee", "instructor", "reset"):
            raise AttemptError(f"an attempt is ended by the trainee, the instructor or a reset, not {by!r}")
        if self.paused:
            self.resume()
        self._record("instructor" if by == "instructor" else "trainee", Ended(by=by))
        self.ended = True
        for connection in self._connections:
            connection.disconnect()
        self._switches.restore()
        debrief = self.debrief()
        if self.records is not None and self.attempt_id is not None and not self.records_problem:
            try:
                self.records.finish(self.attempt_id, debrief)
            except TrainingRecordsError as error:
                self.records_problem = str(error)
        self.events.ended.emit(debrief)
        return debrief

    def reset(self) -> Attempt:
        """End this attempt as reset, let the pump go, and start the scenario afresh for the same trainee."""
        self.end(by="reset")
        self.programmer.close(confirm=True)
        again = Attempt(self.scenario, self.programmer, trainee=self.trainee, mode=self.mode, pass_mark=self.pass_mark,
                        records=self.records, folder=self._folder, wall=self._wall)
        again.start()
        return again
