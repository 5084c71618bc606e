"""The debrief, rebuilt from a recording alone: what happened, what was expected, the result, the consequences.

The recording's first entry holds the scenario as it was played, so a debrief needs nothing else:
not the scenario library (which may have changed since), not the pump file. A critical action
missed or done wrong fails the attempt; the score is the weight of the scored actions met (half
for one met after its time target) out of their whole weight, against the pass mark. An attempt
never ended (the program was killed) is incomplete: what it recorded is shown, and it has no pass.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import msgspec
from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.training.patient import PatientState, consequences, patient_state
from programmer.training.recording import (
    HINT_FROM,
    Delivered,
    Ended,
    Entry,
    FaultFired,
    HintGiven,
    Instructor,
    Link,
    PumpRead,
    started_of,
)
from programmer.training.rules import State
from programmer.training.scenario import parse_scenario
from programmer.wording import format_number, moment_text, percent_text

LATE_CREDIT = 0.5  # a scored action met after its time target earns half its weight
# An expected action's state as a mark before its line (checklist, debrief), and in words (what a screen reader says).
MARKS = {State.MET: "✓", State.MISSED: "✗", State.PENDING: "☐"}
STATE_WORDS = {State.MET: "done", State.MISSED: "missed", State.PENDING: "not done yet"}


class DebriefError(ProgrammerError):
    """A recording no debrief can be made of."""


class ActionResult(Struct, frozen=True):
    key: str
    expected: str
    critical: bool
    state: State
    detail: str  # what was done instead, or how it was met, with the numbers
    at_s: float | None  # attempt time when it was decided
    pump_at: datetime | None
    why: str
    source: str
    weight: float  # 0 for a critical action
    earned: float
    within_minutes: float | None
    late: bool

    def when(self) -> str:
        """When it was done, in attempt time ('0:35'); a missed action never done has no time: 'not done'."""
        if self.at_s is not None:
            return clock_text(self.at_s)
        return {State.MISSED: "not done", State.PENDING: "not done yet"}.get(self.state, "—")

    def line(self) -> str:
        if self.at_s is not None:
            when = f" (at {clock_text(self.at_s)})"
        else:  # never done (or met by the end, with no moment of its own)
            when = "" if self.state is State.MET else f" ({self.when()})"
        head = f"{MARKS[self.state]} {self.expected}{when}: {self.detail}"
        if not self.critical:
            target = "" if self.within_minutes is None else (
                f", target {format_number(self.within_minutes)} min{' missed' if self.late else ''}")
            head += f" [{format_number(self.earned)}/{format_number(self.weight)}{target}]"
        return head


class HintNote(Struct, frozen=True):
    """A hint as the debrief lists it: when, where it came from (HintGiven.by), what it said."""

    at_s: float
    by: str  # trigger, instructor or trainee
    text: str

    def line(self) -> str:
        """'0:25, asked for by the trainee: Find the central reservoir fill port …'."""
        return f"{clock_text(self.at_s)}, {HINT_FROM[self.by][1]}: {self.text}"


class TimelineRow(Struct, frozen=True):
    n: int
    at_s: float
    pump_at: datetime | None
    who: str
    said: str
    expected: tuple[str, ...]  # the expected actions decided at this entry, each with its mark


class Debrief(Struct, frozen=True):
    attempt_id: int | None
    scenario_id: str
    version: int
    title: str
    trainee: str
    mode: str
    started: datetime
    ended: datetime | None  # None: the attempt was never ended (incomplete)
    ended_by: str | None
    attempt_s: float
    pump_start: datetime | None
    pump_end: datetime | None
    critical: tuple[ActionResult, ...]
    scored: tuple[ActionResult, ...]
    score: float  # % of the scored weight
    pass_mark: float
    passed: bool
    timeline: tuple[TimelineRow, ...]
    consequences: tuple[str, ...]
    patient: PatientState | None
    faults: tuple[str, ...]
    hints: tuple[HintNote, ...]
    truth_revealed: bool

    @property
    def complete(self) -> bool:
        return self.ended is not None

    @property
    def status(self) -> str:
        """passed, failed, reset (ended by the instructor's reset: not judged) or incomplete (never ended)."""
        if not self.complete:
            return "incomplete"
        if self.ended_by == "reset":
            return "reset"
        return "passed" if self.passed else "failed"

    @property
    def missed_critical(self) -> list[ActionResult]:
        return [action for action in self.critical if action.state is not State.MET]

    def verdict(self) -> str:
        """'FAILED: critical action missed: Needle placed in the reservoir fill port; score 75 % (pass mark 80 %)'."""
        score = f"score {percent_text(self.score)} (pass mark {percent_text(self.pass_mark)})"
        if not self.complete:
            return f"INCOMPLETE: the attempt was never ended; {score} so far"
        if self.ended_by == "reset":
            return f"RESET by the instructor: not judged; {score} so far"
        missed = self.missed_critical
        if missed:
            names = "; ".join(action.expected for action in missed)
            return f"FAILED: critical action{'s' if len(missed) > 1 else ''} missed: {names}; {score}"
        return f"{'PASSED' if self.passed else 'FAILED'}: every critical action met; {score}"

    def started_text(self) -> str:
        """'started 2026-12-01 22:34 by the computer's clock': not the pump's clock, which every other time is."""
        return f"started {moment_text(self.started.replace(tzinfo=None))} by the computer's clock"

    def time_text(self) -> str:
        """'Attempt time 0:35 (pauses left out); pump clock 2026-11-23 09:00 → 2026-11-30 09:00'."""
        pump = ""
        if self.pump_start and self.pump_end:
            pump = f"; pump clock {moment_text(self.pump_start)} → {moment_text(self.pump_end)}"
        return f"Attempt time {clock_text(self.attempt_s)} (pauses left out){pump}"

    def hints_summary(self) -> str:
        """'1 given by the instructor, 1 asked for by the trainee; hints cost no points'."""
        counts = Counter(hint.by for hint in self.hints)
        said = ", ".join(f"{counts[by]} {words}" for by, (_who, words) in HINT_FROM.items() if counts[by])
        return f"{said}; hints cost no points"

    def plain_text(self) -> str:
        lines = [
            f"Debrief: {self.title} (scenario {self.scenario_id}, version {self.version})"
            + (f", attempt {self.attempt_id}" if self.attempt_id is not None else ""),
            f"Trainee {self.trainee or '(not named)'}, {self.mode} mode, {self.started_text()}",
            self.verdict(),
            self.time_text(),
            "",
            "Critical actions (any one missed fails the attempt):",
        ]
        for action in self.critical:
            lines += [f"  {action.line()}", f"      why: {action.why}", f"      source: {action.source}"]
        if self.scored:
            lines += ["", "Scored actions:"] + [f"  {action.line()}" for action in self.scored]
        lines += ["", "Consequences for the patient:"] + [f"  - {said}" for said in self.consequences or ("none",)]
        if self.faults:
            lines += ["", "Faults:"] + [f"  - {fault}" for fault in self.faults]
        if self.hints:
            lines += ["", f"Hints given ({len(self.hints)}: {self.hints_summary()}):"]
            lines += [f"  - {hint.line()}" for hint in self.hints]
        if self.truth_revealed:
            lines += ["", "The instructor revealed the hidden truth during the attempt."]
        lines += ["", "Timeline (attempt time, pump time, who, what; expected actions on the right):"]
        for row in self.timeline:
            pump_at = moment_text(row.pump_at) if row.pump_at else "—"
            expected = f"   ⟵ {' | '.join(row.expected)}" if row.expected else ""
            lines.append(f"  {clock_text(row.at_s):>6}  {pump_at}  {row.who:<10} {row.said}{expected}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        data = msgspec.to_builtins(self)
        data["status"] = self.status
        data["verdict"] = self.verdict()
        if self.patient is not None and self.patient.hours_without_drug == float("inf"):
            data["patient"]["hours_without_drug"] = None
        return data


def clock_text(seconds: float | None) -> str:
    """Attempt time as 'm:ss' (or 'h:mm:ss')."""
    seconds = round(seconds or 0)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def build_debrief(recording: list[Entry], attempt_id: int | None = None) -> Debrief:
    """The debrief of a recording (an attempt's, whole or cut short)."""
    try:
        started = started_of(recording)
    except ValueError as error:
        raise DebriefError(str(error)) from error
    scenario, problems = parse_scenario(started.scenario_text)
    if scenario is None:
        raise DebriefError(f"the scenario recorded with this attempt no longer reads: {problems[0]}")
    ended = next((entry for entry in reversed(recording) if isinstance(entry.what, Ended)), None)
    complete = ended is not None
    by_n = {entry.n: entry for entry in recording}
    results, marks = [], {}
    for rule in scenario.rules:
        verdict = rule.judge(recording, ended=complete)
        at = by_n.get(verdict.at) if verdict.at is not None else None
        critical = scenario.is_critical(rule)
        weight = 0.0 if critical else (rule.weight or 0.0)
        late = (not critical and verdict.met and rule.within_minutes is not None and at is not None
                and at.elapsed_s > rule.within_minutes * 60)
        earned = 0.0 if critical or not verdict.met else weight * (LATE_CREDIT if late else 1.0)
        results.append(ActionResult(rule.key, rule.expected, critical, verdict.state, verdict.detail,
                                    at.elapsed_s if at else None, at.pump if at else None, rule.why, rule.source,
                                    weight, earned, rule.within_minutes, late))
        decided = at if at is not None else (ended if verdict.state is State.MISSED else None)  # never done: by the end
        if decided is not None:
            marks.setdefault(decided.n, []).append(f"{MARKS[verdict.state]} {rule.expected}")
    critical = tuple(result for result in results if result.critical)
    scored = tuple(result for result in results if not result.critical)
    total = sum(result.weight for result in scored)
    score = 100.0 if total == 0 else 100.0 * sum(result.earned for result in scored) / total
    pass_mark = next((entry.what.pass_mark for entry in reversed(recording)
                      if isinstance(entry.what, Instructor) and entry.what.pass_mark is not None), started.pass_mark)
    judged = complete and ended.what.by != "reset"
    passed = judged and all(result.state is State.MET for result in critical) and score + 1e-9 >= pass_mark
    deliveries = [entry.what for entry in recording if isinstance(entry.what, Delivered)]
    reads = [entry.what for entry in recording if isinstance(entry.what, PumpRead)]
    last = reads[-1] if reads else None
    patient = patient_state(scenario.spec.patient, deliveries, last.clock) if last else None
    return Debrief(
        attempt_id=attempt_id,
        scenario_id=started.scenario_id,
        version=started.version,
        title=started.title,
        trainee=started.trainee,
        mode=started.mode,
        started=recording[0].wall,
        ended=ended.wall if ended else None,
        ended_by=ended.what.by if ended else None,
        attempt_s=recording[-1].elapsed_s,
        pump_start=reads[0].clock if reads else None,
        pump_end=last.clock if last else None,
        critical=critical,
        scored=scored,
        score=score,
        pass_mark=pass_mark,
        passed=passed,
        timeline=tuple(_timeline(recording, marks)),
        consequences=tuple(consequences(scenario.spec.patient, deliveries, last)),
        patient=patient,
        faults=tuple(entry.what.describe() for entry in recording if isinstance(entry.what, FaultFired)),
        hints=tuple(HintNote(entry.elapsed_s, entry.what.by, entry.what.hint) for entry in recording
                    if isinstance(entry.what, HintGiven)),
        truth_revealed=any(isinstance(entry.what, Instructor) and entry.what.action == "reveal" for entry in recording),
    )


def _shown(entry: Entry) -> bool:
    """The timeline leaves out the link's comings and goings and deliveries with nothing to note."""
    what = entry.what
    if isinstance(what, Link):
        return False
    return not (isinstance(what, Delivered) and not what.pocket_dose)


def _timeline(recording: list[Entry], marks: dict[int, list[str]]) -> list[TimelineRow]:
    return [
        TimelineRow(entry.n, entry.elapsed_s, entry.pump, entry.who, entry.describe(), tuple(marks.get(entry.n, ())))
        for entry in recording
        if _shown(entry) or entry.n in marks
    ]
