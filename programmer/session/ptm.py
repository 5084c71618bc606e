"""The patient therapy manager (PTM): the patient's handheld for patient boluses, without Qt.

It talks to the pump over a link of its own, as the patient's device does: it says whether a bolus
is allowed now and if not when, asks for one, and lists the last ones. The pump's firmware decides
(programmer.pump.firmware.give_patient_bolus) by the one rule the PTM also shows beforehand
(`patient_bolus_refusal`, fed from the pump's log).

Who writes the pump file is the file's rule: one writer at a time, the holder of its session lock.
- `OwnLink`: no programmer session holds the pump (the patient at home, `programmer ptm bolus`). The
  link takes the pump's lock for its one exchange, writes with the programmer's checked append (the
  pump answering is the one last read, unchanged since; what is read back is what was written) and
  lets go. While a programmer session holds the pump the PTM cannot reach it and says so, as a pump
  in a telemetry session with a programmer answers no other device.
- `SessionLink`: the window holds the pump's session. The PTM's requests go through that session's
  link, the file's one writer: the programmer's screens (status, plot, log) show the bolus at once,
  and nothing writes under the session's feet.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.events import Connection, Event, Events
from programmer.pump.file_errors import PumpInSessionError
from programmer.pump.firmware import advance, patient_bolus_refusal, ptm_allowance
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult, Telemetry
from programmer.session.bolus_history import bolus_history
from programmer.session.link import Runner, RunNow
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.session.status import reservoir_dates, reservoir_projection
from programmer.session.status_screen import patient_text, pump_text
from programmer.session.visit import ClinicianProgrammer, Visit
from programmer.therapy.prescription import BolusKind
from programmer.wording import clock_text, duration_text, ml_text, moment_text, sentence, weekday_moment_text

HISTORY_DAYS = 7  # how far back the handheld lists boluses
HISTORY_SHOWN = 5


class PumpOutOfReach(SessionError):
    """A programmer session holds the pump: the patient's handheld cannot reach it until that session ends."""


# --- links -------------------------------------------------------------------------------------------------------


class PtmLink(Protocol):
    path: Path

    def read(self) -> PumpMemory:
        """The pump as the handheld reads it now."""

    def give_bolus(
        self, now: datetime | None, then: Callable[[ProgramResult], Any], otherwise: Callable[[Exception], None]
    ) -> Any:
        """Ask for a patient bolus at `now` (None: the pump's clock); `then(result)` or `otherwise(error)`."""


class OwnLink:
    """The handheld's own link to the pump file: each bolus takes the pump's lock for its one exchange."""

    def __init__(self, path: Path, runner: Runner | None = None) -> None:
        self.path = Path(path)
        self.runner = runner or RunNow()
        # One link for the handheld's life: reading an unchanged pump again does not decode its log again.
        self._link = Telemetry(self.path)

    def read(self) -> PumpMemory:
        return self._link.patient_status()

    def give_bolus(
        self, now: datetime | None, then: Callable[[ProgramResult], Any], otherwise: Callable[[Exception], None]
    ) -> Any:
        return self.runner.run(lambda: self._exchange(now), then, otherwise)

    def _exchange(self, now: datetime | None) -> ProgramResult:
        link = Telemetry(self.path)  # its own: the exchange may run on another thread, and reads the pump afresh
        try:
            link.pump_file.hold()
        except PumpInSessionError as error:
            raise PumpOutOfReach(
                f"{self.path}: the pump is in a session with a clinician programmer: the handheld cannot reach it "
                "until that session ends; nothing was given"
            ) from error
        try:
            return link.patient_bolus(now)
        finally:
            link.pump_file.let_go()


class SessionLink:
    """Through the programming session that holds the pump: its link is the file's one writer."""

    def __init__(self, session: ProgrammingSession) -> None:
        self.session = session
        self.path = session.path

    def read(self) -> PumpMemory:
        return self.session._require_current()

    def give_bolus(
        self, now: datetime | None, then: Callable[[ProgramResult], Any], otherwise: Callable[[Exception], None]
    ) -> Any:
        # The session's clock is the pump's: the handheld asks now, whatever `now` says.
        return self.session.patient_bolus(then, otherwise)


# --- what the handheld shows -------------------------------------------------------------------------------------


class PtmScreen(Struct, frozen=True):
    """Every line of the handheld's screen, as text with its units."""

    pump: str  # 'Pump PX-20 · serial PX20-DEMO-0001' and 'Patient ID DEMO-0001' on two lines, or why there is none
    clock: str  # 'Pump clock: Sat 2026-11-21 09:00'
    bolus: str  # 'Each bolus: 0.1 mg (0.01 mL of morphine 10 mg/mL) over 10 min'
    limits: str  # 'At most 4 per 24 h, lockout 3 h after each bolus'
    status: str  # 'Bolus available now.' or why not, and when the next is allowed
    available: bool
    used: str  # '1 of 4 used in the last 24 h'
    refill: str  # the valve-gated family's next refill date, every allowed bolus assumed; '' for the others
    history: tuple[str, ...]  # the last boluses, newest first
    answer: str = ""  # what the last press got, while the pump's clock still reads its moment: 'Bolus given …'
    refused: bool = False  # the last press was refused

    @property
    def can_ask(self) -> bool:
        """A pump is read and has patient boluses prescribed: the patient may press (a refusal says why not)."""
        return bool(self.limits)

    @property
    def connected(self) -> bool:
        return bool(self.clock)


NOT_PAIRED = PtmScreen(
    "No pump paired: open a pump in the programmer first", "", "", "", "", False, "", "", ()
)


def ptm_screen(memory: PumpMemory, answer: str = "", refused: bool = False) -> PtmScreen:
    """What the handheld shows of `memory`, at the pump's clock."""
    now = memory.clock
    pump = f"{pump_text(memory)}\n{patient_text(memory)}"  # as the programmer's header names them, a line each
    clock = f"Pump clock: {weekday_moment_text(now)}"
    ptm = memory.ptm
    if ptm is None:
        return PtmScreen(pump, clock, "No patient boluses prescribed: the PTM is not set up", "", "", False, "", "",
                         _history(memory), answer, refused)
    concentration = memory.prescription.concentration
    bolus = (
        f"Each bolus: {ptm.dose_per_bolus} ({ml_text(ptm.volume_per_bolus_ml(concentration))} of "
        f"{memory.prescription.drug} {concentration}) over {duration_text(ptm.duration)}"
    )
    limits = f"At most {ptm.max_per_24h} per 24 h, lockout {duration_text(ptm.lockout)} after each bolus"
    refusal = patient_bolus_refusal(memory, now)
    status = "Bolus available now." if refusal is None else sentence(str(refusal))
    allowance = ptm_allowance(memory, now)
    used = f"Boluses {allowance.used_text}"
    return PtmScreen(pump, clock, bolus, limits, status, refusal is None, used, _refill_text(memory),
                     _history(memory), answer, refused)


def _refill_text(memory: PumpMemory) -> str:
    """The valve-gated family's handheld shows the next refill date, every allowed bolus assumed (domain brief)."""
    model = memory.model
    if model.refill_projection != "all_patient_boluses":
        return ""
    date = reservoir_dates(reservoir_projection(memory), memory.alarms).alarm
    return (
        f"Date of next refill: {date.text()} (the reservoir at {ml_text(model.refill_projection_volume_ml)} "
        "if every allowed bolus is used)"
    )


def _history(memory: PumpMemory) -> tuple[str, ...]:
    since = memory.clock - timedelta(days=HISTORY_DAYS)
    entries = [entry for entry in bolus_history(memory, since) if entry.kind is BolusKind.PATIENT]
    if not entries:
        return (f"No patient bolus in the last {HISTORY_DAYS} days",)
    return tuple(f"{entry.given}; {entry.outcome}" for entry in reversed(entries[-HISTORY_SHOWN:]))


def given_text(result: ProgramResult) -> str:
    """'Bolus given at 2026-11-21 09:00: 0.1 mg (0.01 mL) over 10 min, until 09:10.'"""
    bolus = result.after.prescription.bolus
    return (
        f"Bolus given at {moment_text(bolus.start)}: {bolus.dose} ({ml_text(bolus.volume_ml)}) over "
        f"{duration_text(bolus.duration)}, until {moment_text(bolus.end)}."
    )


# --- the handheld ------------------------------------------------------------------------------------------------


class Answer(Struct, frozen=True):
    """What a press got. It belongs to its moment: shown while the pump's clock reads the time it was said, gone
    once the clock moves on ("Pressed at 09:00: no bolus given" a month later beside "Bolus available now")."""

    text: str
    refused: bool
    at: datetime | None  # the pump's clock when it was said; None when no pump could be read


class PtmEvents(Events):
    screen = Event["PtmScreen"]("what the handheld shows: after reading the pump, a bolus or a refusal")
    given = Event["ProgramResult"]("a patient bolus was given")
    refused = Event["ProgrammerError"]("a request was refused, or the pump was out of reach: why, and when next")
    busy = Event["bool"]("a request is on its way to the pump (True), or answered (False)")


class PatientTherapyManager:
    """The handheld: paired with one pump through a link; `request_bolus` asks, events say what came of it."""

    def __init__(self, link: PtmLink | None = None) -> None:
        self.events = PtmEvents()
        self.link: PtmLink | None = None
        self.pump: PumpMemory | None = None
        self.screen = NOT_PAIRED
        self.busy = False
        self._answer: Answer | None = None
        self._following: list[Connection] = []
        self._session_connection: Connection | None = None
        if link is not None:
            self.pair(link)

    def pair(self, link: PtmLink | None) -> None:
        """Talk to the pump through `link` from now on (None: no pump), and read it."""
        if self._session_connection is not None:
            self._session_connection.disconnect()
            self._session_connection = None
        self.link = link
        self._answer = None
        if isinstance(link, SessionLink):  # the session's snapshot is the pump as the handheld reads it
            self._session_connection = link.session.events.snapshot.connect(lambda _memory: self.refresh())
        self.refresh()

    def refresh(self) -> PtmScreen:
        """Read the pump again and show it."""
        if self.link is None:
            self.pump = None
            return self._show(NOT_PAIRED)
        try:
            self.pump = self.link.read()
        except ProgrammerError as error:
            self.pump = None
            return self._show(
                PtmScreen(f"Cannot reach the pump: {error}", "", "", "", "", False, "", "", ())
            )
        if self._answer is not None and self._answer.at != self.pump.clock:
            self._answer = None  # the pump's clock moved on since the press: its answer went with its moment
        answer = self._answer or Answer("", False, None)
        return self._show(ptm_screen(self.pump, answer.text, answer.refused))

    def request_bolus(self, now: datetime | None = None) -> None:
        """Ask for a patient bolus at `now` (None: the pump's clock). Refused at once, without a word to the pump,
        when the handheld's reading says the pump would refuse (the same rule); else the pump answers."""
        if self.busy or self.link is None:
            return
        self.refresh()
        pump = self.pump
        if pump is None:
            return
        at = pump.clock if now is None else now
        try:
            refusal = patient_bolus_refusal(advance(pump, at)[0], at)
        except ProgrammerError as error:  # a time before the pump's clock, or beyond its range
            refusal = error
        if refusal is not None:
            self._refused(refusal)
            return
        self._set_busy(True)
        try:
            self.link.give_bolus(now, self._given, self._failed)
        except ProgrammerError as error:
            if self.busy:  # refused before the exchange started (the link was busy): not said yet
                self._failed(error)
            # else: a runner that answers at once raises what `_failed` already said

    def follow(self, programmer: ClinicianProgrammer) -> None:
        """Pair with the pump of the programmer's visit: through its session while the visit lasts, then over the
        handheld's own link to the same pump (the patient goes home with it)."""
        runner = programmer.runner

        def visit_changed(visit: Visit | None) -> None:
            if visit is not None:
                self.pair(SessionLink(visit.session))
            elif self.link is not None:  # the same pump, now over the handheld's own link
                self.pair(OwnLink(self.link.path, runner))

        self._following.append(programmer.events.visit.connect(visit_changed))
        if programmer.visit is not None:
            visit_changed(programmer.visit)
        elif programmer.last_opened is not None:
            self.pair(OwnLink(programmer.last_opened, runner))

    def close(self) -> None:
        """Stop following the programmer and its session (the handheld's window closed)."""
        for connection in self._following:
            connection.disconnect()
        self._following = []
        self.pair(None)

    # --- answers -------------------------------------------------------------------------------------------------
    def _show(self, screen: PtmScreen) -> PtmScreen:
        self.screen = screen
        self.events.screen.emit(screen)
        return screen

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.events.busy.emit(busy)

    def _given(self, result: ProgramResult) -> ProgramResult:
        self._set_busy(False)
        self._answer = Answer(given_text(result), False, result.after.clock)
        self.events.given.emit(result)
        self.refresh()
        return result

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        if isinstance(error, ProgrammerError):
            self._refused(error)

    def _refused(self, error: ProgrammerError) -> None:
        self.events.refused.emit(error)
        self.refresh()
        reason = sentence(str(error))
        pressed = f"Pressed at {clock_text(self.pump.clock)}: no bolus given" if self.pump is not None else ""
        # The reason is on the screen already when it is the one the handheld shows: said once, not twice.
        text = f"{pressed} (see above)." if pressed and reason == self.screen.status else f"No bolus given: {reason}"
        self._answer = Answer(text, True, self.pump.clock if self.pump is not None else None)
        self.refresh()
