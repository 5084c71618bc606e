"""The wireless link between programmer and pump: interrogate, program, refill, and the pump's clock.

The telemetry rule: the programmer never edits the pump's memory. It reads a snapshot,
and sends a complete program that the pump's firmware validates; the pump file is then
written and read back, and what was read must equal what was sent. Faults can be
switched on (LinkFaults) to train what happens when the link drops or the pump refuses.

Every contact checks that the pump answering is the one interrogated, unchanged since
(`PumpFile.contact`). A programming session holds the pump's lock (`pump_file.hold()`)
for as long as it is open; the link itself does not lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from msgspec import Struct
from msgspec.structs import fields

from programmer.errors import ProgrammerError
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Bolus
from programmer.therapy.schedule import WEEKDAYS, FlexSchedule, format_minute
from programmer.wording import duration_text, ml_text

from . import firmware
from .firmware import Program, ProgramRejected
from .memory import Alarm, PumpMemory
from .pumpfile import PumpFile

LINK_LOST_MESSAGE = "link lost during programming: the pump kept its previous program"
REFUSED_MESSAGE = "pump refused the program (simulated fault)"
CANCELLED_MESSAGE = "cancelled while waiting for the pump: nothing was sent, the pump kept its previous program"


class LinkFaults(Struct):
    """Fault switches an instructor flips; a session and its link share one instance."""

    lose_link_mid_program: bool = False  # the link drops before the pump commits the new program
    refuse_program: bool = False  # the pump refuses every program, whatever it says
    delay_s: float = 0.0  # the pump answers each call this much later


class LinkLost(ProgrammerError):
    """The link dropped before the pump committed: the pump kept what it had."""


class LinkCancelled(LinkLost):
    """The clinician stopped waiting for a slow link: nothing was sent, the pump kept what it had."""


class VerificationFailed(ProgrammerError):
    """What the pump holds after programming is not what was sent."""


class ProgramResult(Struct, frozen=True):
    """A program the pump accepted: the pump before, as read back after, and what changed in words."""

    before: PumpMemory  # the pump at the moment of programming, just before it
    after: PumpMemory  # as read back from the pump
    changes: list[str]  # in plain language, e.g. "Daily dose: 1.5 mg/day → 2 mg/day"


class Telemetry:
    def __init__(
        self, path: Path, faults: LinkFaults | None = None, sleep: Callable[[float], None] | None = None
    ) -> None:
        self.path = Path(path)
        self.pump_file = PumpFile(self.path)
        self.faults = faults if faults is not None else LinkFaults()
        self._sleep = sleep
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop waiting for a slow answer (from any thread): the exchange ends with LinkCancelled, nothing sent."""
        self._cancel.set()

    def interrogate(self, at: datetime | None = None) -> PumpMemory:
        """Read the pump: an immutable snapshot of its memory, as it is at `at` (default: its clock).

        A pump keeps delivering after its memory was last written: read later, it has moved on. Nothing is
        written, but for the one thing an interrogation does to a pump: delivery held by an MRI scan restarts
        (logged, through the checked write).
        """
        self._wait_for_answer()
        memory = self.pump_file.read()
        if at is not None:
            memory = firmware.advance(memory, at)[0]
        if memory.delivery_held_since is not None:
            memory = self._write_and_verify(firmware.resume_after_mri(memory, memory.clock))
        return memory

    def program(self, program: Program, now: datetime) -> ProgramResult:
        """Send a complete program. ProgramRejected (pump unchanged) lists every reason the firmware refused."""
        self._wait_for_answer()
        before = self._pump_at(now)
        if self.faults.refuse_program:
            raise ProgramRejected(REFUSED_MESSAGE)
        after = firmware.apply_program(before, program, now)
        return ProgramResult(before, self._commit(after), describe_changes(before, after))

    def refill(
        self, removed_ml: float, added_ml: float, now: datetime, program: Program | None = None
    ) -> ProgramResult:
        """Record a refill (and optionally a new program with it) through the same checked write."""
        self._wait_for_answer()
        before = self._pump_at(now)
        if self.faults.refuse_program:
            raise ProgramRejected(REFUSED_MESSAGE)
        after = firmware.refill(before, removed_ml, added_ml, now, program)
        return ProgramResult(before, self._commit(after), describe_changes(before, after))

    def cancel_bolus(self, now: datetime) -> ProgramResult:
        """Stop the running bolus at `now` (the underlying mode resumes) through the same checked write.

        ProgramRejected (pump unchanged) when no bolus is programmed; a lost link leaves the bolus running.
        """
        self._wait_for_answer()
        before = self._pump_at(now)
        after = firmware.cancel_bolus(before, now)
        return ProgramResult(before, self._commit(after), describe_changes(before, after))

    def patient_status(self) -> PumpMemory:
        """What the patient's handheld reads: the pump as last written. Nothing is written: a PTM is no programmer,
        so its contact does not restart delivery held by an MRI scan, as an interrogation does."""
        return self.pump_file.read()

    def patient_bolus(self, now: datetime | None = None) -> ProgramResult:
        """The patient's handheld (PTM) asks for a patient bolus at `now` (default: the pump's clock).

        The same checked write as a program: the pump answering is the one last read, unchanged since,
        and what is read back is what was written. PatientBolusRefused (pump unchanged) says why not and
        when the next is allowed. The programmer's link faults are not the PTM's: none apply.
        """
        pump = self.pump_file.contact()
        before = firmware.advance(pump, now or pump.clock)[0]
        after = firmware.give_patient_bolus(before, before.clock)
        return ProgramResult(before, self._write_and_verify(after), describe_changes(before, after))

    def mri_scan(self, start: datetime, duration: timedelta) -> tuple[PumpMemory, list[Alarm]]:
        """An MRI scan from `start`: the pump at its end (read back), and the alarms raised, in order.

        Something done to the pump, not a link exchange (as simulated time): no link faults or delay apply.
        """
        memory, alarms = firmware.mri_scan(self.pump_file.contact(), start, duration)
        return self._write_and_verify(memory), alarms

    def advance(self, to: datetime) -> tuple[PumpMemory, list[Alarm]]:
        """Let simulated time run on the pump to `to`: the pump then (read back), and the alarms it raised, in order.

        The pump's own clock, not a link exchange: no link faults or delay apply.
        """
        memory, alarms = firmware.advance(self.pump_file.contact(), to)
        return self._write_and_verify(memory), alarms

    # --- the checked write ------------------------------------------------------------------
    def _wait_for_answer(self) -> None:
        self._cancel.clear()
        if self.faults.delay_s <= 0:
            return
        if self._sleep is not None:
            self._sleep(self.faults.delay_s)
        elif self._cancel.wait(self.faults.delay_s):
            raise LinkCancelled(CANCELLED_MESSAGE)

    def _pump_at(self, now: datetime) -> PumpMemory:
        """The pump as it is at `now`: it kept delivering since its memory was last written."""
        return firmware.advance(self.pump_file.contact(), now)[0]

    def _commit(self, memory: PumpMemory) -> PumpMemory:
        if self.faults.lose_link_mid_program:
            raise LinkLost(LINK_LOST_MESSAGE)
        return self._write_and_verify(memory)

    def _write_and_verify(self, memory: PumpMemory) -> PumpMemory:
        read_back = self.pump_file.commit(memory)
        if read_back != memory:
            differing = [f.name for f in fields(PumpMemory) if getattr(read_back, f.name) != getattr(memory, f.name)]
            raise VerificationFailed(
                f"read-back does not match what was sent ({', '.join(differing)}): interrogate the pump "
                "and check every setting before the patient leaves"
            )
        return read_back


# --- plain-language changes -----------------------------------------------------------------------


def describe_changes(before: PumpMemory, after: PumpMemory) -> list[str]:
    """What a program or refill changed, one line each: 'Daily dose: 1.5 mg/day → 2 mg/day'."""
    old, new = before.prescription, after.prescription
    changes = []

    def row(label: str, old_text: str, new_text: str) -> None:
        if old_text != new_text:
            changes.append(f"{label}: {old_text} → {new_text}")

    row("Drug", old.drug, new.drug)
    row("Concentration", str(old.concentration), str(new.concentration))
    row("Mode", old.mode.title, new.mode.title)
    row("Daily dose", str(old.nominal_daily_dose), str(new.nominal_daily_dose))
    changes += _schedule_changes(old.schedule, new.schedule)
    row("Bolus", _bolus_text(old.bolus), _bolus_text(new.bolus))
    if abs(after.reservoir_ml - before.reservoir_ml) > 1e-9:
        row("Reservoir", f"{ml_text(before.reservoir_ml)}", f"{ml_text(after.reservoir_ml)}")
    row("Low-reservoir alarm", f"{ml_text(before.low_alarm_ml)}", f"{ml_text(after.low_alarm_ml)}")
    row("Patient bolus (PTM)", _ptm_text(before.ptm), _ptm_text(after.ptm))
    for alarm in before.alarms:
        if not after.has_alarm(alarm.kind):
            changes.append(f"Alarm cleared: {alarm.kind.title}")
    return changes


def _steps_text(schedule: FlexSchedule | None, weekday: int) -> str:
    if schedule is None:
        return "none"
    day = schedule.day(weekday)
    return ", ".join(f"{format_minute(step.start_minute)} {step.rate}" for step in day.steps)


def _schedule_changes(old: FlexSchedule | None, new: FlexSchedule | None) -> list[str]:
    if old == new or new is None:
        return []  # leaving flex mode shows as the mode change
    weekly = (old is not None and old.per_weekday) or new.per_weekday
    changes = []
    for weekday in range(7 if weekly else 1):
        old_text, new_text = _steps_text(old, weekday), _steps_text(new, weekday)
        if old_text != new_text:
            label = f"Flex schedule ({WEEKDAYS[weekday]})" if weekly else "Flex schedule (every day)"
            changes.append(f"{label}: {old_text} → {new_text}")
    return changes


def _bolus_text(bolus: Bolus | None) -> str:
    if bolus is None:
        return "none"
    return (
        f"{bolus.kind.value} bolus {ml_text(bolus.volume_ml)} ({bolus.dose}) "
        f"over {duration_text(bolus.duration)}"
    )


def _ptm_text(ptm: PtmSettings | None) -> str:
    return "off" if ptm is None else str(ptm)


__all__ = [
    "LinkCancelled",
    "LinkFaults",
    "LinkLost",
    "ProgramRejected",
    "ProgramResult",
    "Telemetry",
    "VerificationFailed",
    "describe_changes",
]
