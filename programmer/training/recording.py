"""An attempt's recording: every trainee action and pump event, with wall time and pump time.

Each entry holds one typed payload (a msgspec Struct tagged by its kind), so rules, the debrief
and the records read fields, never the words said. `said` is for people only. A recording
encodes to JSON line by line and decodes back to the same entries: a debrief rebuilt from it
is the debrief of the attempt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from programmer.wording import format_number, ml_text, moment_text

Who = Literal["trainee", "pump", "instructor", "engine"]
PumpTime = datetime  # the pump's own clock: no time zone


class Payload(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", forbid_unknown_fields=True):
    """What happened. `actions` are the names it counts as in triggers and rules (see ACTIONS)."""

    @property
    def actions(self) -> tuple[str, ...]:
        return ()

    def describe(self) -> str:
        return ""


class Started(Payload, tag="started"):
    scenario_id: str
    version: int
    title: str
    mode: str  # "practice" or "assessment"
    trainee: str
    pass_mark: float  # % of the scored actions' weight
    scenario_text: str  # the scenario file as it was played: the debrief needs nothing else
    pump_file: str

    @property
    def actions(self) -> tuple[str, ...]:
        return ("start",)

    def describe(self) -> str:
        return f"{self.trainee or 'trainee'} started {self.title!r} (version {self.version}) in {self.mode} mode"


class PumpRead(Payload, tag="pump_read"):
    """The pump as the programmer knows it after an interrogation, a program or time passing."""

    why: Literal["start", "interrogated", "programmed", "time"]
    serial: str
    clock: PumpTime
    mode: str  # the InfusionMode's value
    drug: str
    unit: str  # mg or mcg
    concentration_per_ml: float
    daily_dose_per_day: float  # nominal, in `unit` per day (0 when stopped)
    daily_ml: float  # mL/day
    reservoir_ml: float  # as the pump counts it
    low_alarm_ml: float
    alarm_date: PumpTime | None
    empty_date: PumpTime | None
    alarms: tuple[str, ...]  # AlarmKind values
    stopped_since: PumpTime | None
    end_of_service: PumpTime | None = None  # the pump stops then (None in older recordings)
    held_since: PumpTime | None = None  # delivery held by an MRI scan since then, until an interrogation

    @property
    def actions(self) -> tuple[str, ...]:
        return {"interrogated": ("interrogated",), "time": ("clock_advanced",)}.get(self.why, ())

    def describe(self) -> str:
        words = {"start": "scenario pump", "interrogated": "interrogated", "programmed": "read back",
                 "time": "clock advanced"}[self.why]
        return (
            f"{words}: {self.drug} {format_number(self.concentration_per_ml)} {self.unit}/mL, "
            f"{self.mode.replace('_', ' ')}, {format_number(self.daily_dose_per_day)} {self.unit}/day, "
            f"reservoir {ml_text(self.reservoir_ml)}"
        )


class VisitOpened(Payload, tag="visit_opened"):
    serial: str

    @property
    def actions(self) -> tuple[str, ...]:
        return ("visit_opened",)

    def describe(self) -> str:
        return f"opened pump {self.serial}"


class VisitClosed(Payload, tag="visit_closed"):
    @property
    def actions(self) -> tuple[str, ...]:
        return ("visit_closed",)

    def describe(self) -> str:
        return "session closed"


class Link(Payload, tag="link"):
    state: str  # the LinkState's value

    @property
    def actions(self) -> tuple[str, ...]:
        return {"programming": ("program_sent",), "interrogating": ("interrogation_sent",)}.get(self.state, ())

    def describe(self) -> str:
        return f"link: {self.state}"


class Programmed(Payload, tag="programmed"):
    refill: bool
    changes: tuple[str, ...]
    drug_changed: bool
    concentration_changed: bool
    dose_changed: bool
    old_dose_per_day: float
    new_dose_per_day: float
    unit: str
    new_mode: str
    second_checker: str
    reason: str
    bolus: str | None = None  # the BolusKind value of a bolus this program starts (a refill's bridge bolus too)
    acknowledged: tuple[str, ...] = ()  # the findings (rule ids) programmed past with a reason or a note

    @property
    def actions(self) -> tuple[str, ...]:
        return ("programmed", "refill_programmed") if self.refill else ("programmed",)

    def describe(self) -> str:
        what = "refill programmed" if self.refill else "programmed"
        return f"{what} and verified: {'; '.join(self.changes) or 'no change'}"


class LinkFailed(Payload, tag="link_failed"):
    error: str  # the error's class: LinkLost, LinkCancelled, ProgramRejected …
    said: str

    @property
    def actions(self) -> tuple[str, ...]:
        return ("link_failed",)

    def describe(self) -> str:
        return f"exchange failed: {self.said}"


class AlarmsRaised(Payload, tag="alarms_raised"):
    alarms: tuple[str, ...]

    @property
    def actions(self) -> tuple[str, ...]:
        return ("alarm_raised",)

    def describe(self) -> str:
        return "alarm raised: " + ", ".join(alarm.replace("_", " ") for alarm in self.alarms)


class Appointment(Payload, tag="appointment"):
    at: PumpTime | None

    @property
    def actions(self) -> tuple[str, ...]:
        return ("appointment_booked",) if self.at is not None else ()

    def describe(self) -> str:
        return f"next refill booked for {moment_text(self.at)}" if self.at else "appointment cancelled"


class RefillStep(Payload, tag="refill_step"):
    step: str
    action: str  # the workflow's stable id: port_chosen, removed_recorded, fill_recorded …
    value: str | float | bool | None
    said: str
    true_ml: float | None = None  # removed_recorded: what the reservoir really held

    @property
    def actions(self) -> tuple[str, ...]:
        return (self.action,)

    def describe(self) -> str:
        if self.action.endswith("_acknowledged"):
            return f"refill, {self.step}: acknowledged ({self.value}): {self.said}"
        return f"refill, {self.step}: {self.said}"


class RefillEnded(Payload, tag="refill_ended"):
    outcome: str  # the RefillOutcome's value
    port: str | None
    removed_ml: float | None
    added_ml: float | None
    prepared_ml: float | None
    second_checker: str
    said: str

    @property
    def actions(self) -> tuple[str, ...]:
        return ("refill_ended",)

    def describe(self) -> str:
        return f"refill {self.outcome}: {self.said}"


class Bolus(Payload, tag="bolus"):
    phase: str
    bolus_kind: str
    said: str

    @property
    def actions(self) -> tuple[str, ...]:
        return (f"bolus_{self.phase}",)

    def describe(self) -> str:
        return self.said


class Delivered(Payload, tag="delivered"):
    """What really reached the patient between two pump times (hidden truth applied)."""

    start: PumpTime
    end: PumpTime
    pump_ml: float  # what the pump counts as delivered
    spine_ml: float  # what really left the reservoir for the spine
    spine_dose: float  # in `unit`
    pocket_dose: float  # under the skin (a pocket fill), in `unit`
    unit: str
    true_reservoir_ml: float  # what the reservoir really holds at `end`

    def describe(self) -> str:
        text = f"delivered {format_number(self.spine_dose)} {self.unit} to the spine"
        if self.pocket_dose:
            text += f"; {format_number(self.pocket_dose)} {self.unit} under the skin (pocket fill)"
        return text


class Patient(Payload, tag="patient"):
    score: float
    measure: str
    dose_24h: float
    unit: str
    overdose: bool
    withdrawal: bool
    signs: tuple[str, ...]

    def describe(self) -> str:
        signs = f"; {', '.join(self.signs)}" if self.signs else ""
        return f"patient: {self.measure} {format_number(round(self.score))}/10{signs}"


class Mri(Payload, tag="mri"):
    """An MRI scan the pump logged (its delivery held from then on), or the hold's end at an interrogation."""

    phase: str  # the MriPhase's value: scanned or resumed
    effect: str  # the MriEffect's value: motor_stalled or valve_closed
    hours: float  # scanned: how long the scan lasted; resumed: how long delivery was held
    said: str  # the pump log's words

    @property
    def actions(self) -> tuple[str, ...]:
        return ("mri_scanned",) if self.phase == "scanned" else ("delivery_resumed",)

    def describe(self) -> str:
        return self.said


class FaultFired(Payload, tag="fault_fired"):
    fault_id: str
    fault_kind: str
    trigger: str  # how it fired, in words (a trigger or "instructor")

    @property
    def actions(self) -> tuple[str, ...]:
        return ("fault_fired",)

    def describe(self) -> str:
        return f"fault {self.fault_id} ({self.fault_kind.replace('_', ' ')}) on {self.trigger}"


class FaultCleared(Payload, tag="fault_cleared"):
    fault_id: str

    def describe(self) -> str:
        return f"fault {self.fault_id} over: the link works again"


class CueShown(Payload, tag="cue"):
    cue: str

    def describe(self) -> str:
        return f"cue: {self.cue}"


# Where a hint comes from: who it is recorded as, and how the debrief says it. The scenario shows one on its trigger,
# the instructor gives one (Instructor panel), the trainee asks for one (the attempt panel's "Ask for a hint").
HINT_FROM: dict[str, tuple[Who, str]] = {
    "trigger": ("engine", "shown by the scenario"),
    "instructor": ("instructor", "given by the instructor"),
    "trainee": ("trainee", "asked for by the trainee"),
}


class HintGiven(Payload, tag="hint"):
    hint: str
    by: Literal["trigger", "instructor", "trainee"]  # a key of HINT_FROM

    @property
    def who(self) -> Who:
        return HINT_FROM[self.by][0]

    @property
    def given(self) -> str:
        """'asked for by the trainee'."""
        return HINT_FROM[self.by][1]

    def describe(self) -> str:
        return f"hint {self.given}: {self.hint}"


class Instructor(Payload, tag="instructor"):
    action: Literal["pause", "resume", "reveal", "pass_mark", "reset"]
    detail: str = ""
    pass_mark: float | None = None

    def describe(self) -> str:
        return f"instructor: {self.action}" + (f" ({self.detail})" if self.detail else "")


class Refused(Payload, tag="refused"):
    """A trainee action the programmer refused (the error the trainee saw)."""

    action: str
    error: str
    said: str

    def describe(self) -> str:
        return f"refused {self.action}: {self.said}"


class Ended(Payload, tag="ended"):
    by: Literal["trainee", "instructor", "reset"]

    def describe(self) -> str:
        return f"attempt ended by the {self.by}" if self.by != "reset" else "attempt reset by the instructor"


AnyPayload = (
    Started | PumpRead | VisitOpened | VisitClosed | Link | Programmed | LinkFailed | AlarmsRaised | Appointment
    | RefillStep | RefillEnded | Bolus | Delivered | Patient | Mri | FaultFired | FaultCleared | CueShown | HintGiven
    | Instructor
    | Refused | Ended
)

# Every action name a trigger or a rule may name: the payloads' `actions`, and the refill workflow's step ids.
REFILL_ACTIONS = (
    "syringe_entered", "label_confirmed", "port_chosen", "removed_recorded", "discrepancy_acknowledged",
    "fill_recorded", "pocket_fill_acknowledged", "dose_kept", "dose_changed", "bridge_accepted", "bridge_declined",
)
ACTIONS = (
    "start", "visit_opened", "visit_closed", "interrogation_sent", "interrogated", "program_sent", "programmed",
    "refill_programmed", "link_failed", "clock_advanced", "alarm_raised", "appointment_booked", "refill_ended",
    "bolus_programmed", "bolus_finished", "bolus_cancelled", "mri_scanned", "delivery_resumed", "fault_fired",
    *REFILL_ACTIONS,
)


class Entry(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    n: int  # position in the recording, from 0
    wall: datetime  # this computer's time, with its offset
    elapsed_s: float  # attempt time: seconds since the start, pauses left out
    pump: PumpTime | None  # the pump's clock as last read (None before the pump was read)
    who: Who
    what: AnyPayload

    def describe(self) -> str:
        return self.what.describe()


_encoder = msgspec.json.Encoder()
_entry_decoder = msgspec.json.Decoder(Entry)


def encode(entry: Entry) -> str:
    return _encoder.encode(entry).decode("utf-8")


def decode(text: str | bytes) -> Entry:
    return _entry_decoder.decode(text)


def started_of(recording: list[Entry]) -> Started:
    """The recording's first entry, which says what was played; ValueError when it is no attempt's recording."""
    if not recording or not isinstance(recording[0].what, Started):
        raise ValueError("a recording starts with the attempt's start: this one does not")
    return recording[0].what
