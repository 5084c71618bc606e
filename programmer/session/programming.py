"""A programming session: interrogate → pending changes → review → program → verify.

The session holds the pump's lock for as long as it is open, edits only a pending
copy of the program, and changes the pump only through telemetry, which the
firmware validates and which is read back and compared. Every exchange with the
pump goes through a runner (programmer.session.link): at once for scripts, off the
window's thread for the window. What changes is said on `events` (ProgrammerEvents),
one notice per field for each action. Closing a session with unprogrammed changes or
a stopped pump needs an explicit confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from msgspec.structs import replace

from programmer.errors import ProgrammerError
from programmer.pump.firmware import Program, low_alarm_problem
from programmer.pump.log import BolusPhase
from programmer.pump.memory import Alarm, PumpMemory
from programmer.pump.telemetry import LinkFaults, ProgramResult, Telemetry
from programmer.session.events import BolusNotice, LinkState, ProgrammerEvents
from programmer.session.gate import GateCheck, check_program, refill_only_problem
from programmer.session.link import Runner, RunNow
from programmer.session.review import Difference, Review, alarm_rows, daily_dose_text, schedule_text
from programmer.session.status import reservoir_dates, reservoir_projection
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.projection import Projection
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.safety import Finding
from programmer.therapy.units import Concentration
from programmer.wording import ml_per_day_text, ml_text

# Review rows a clinician edits directly (the others follow from them).
_EDITABLE = ("Drug", "Concentration", "Mode", "Daily dose", "Schedule", "Low-reservoir alarm")


class SessionError(ProgrammerError):
    """Something the clinician must act on before the session can go on."""


class NotConnected(SessionError):
    def __init__(self) -> None:
        super().__init__("no pump is connected: interrogate a pump first")


class LinkBusy(SessionError):
    def __init__(self, state: LinkState) -> None:
        super().__init__(f"the link is busy ({state.value}): wait for the pump's answer, or cancel it")


class UnfinishedSession(SessionError):
    """Closing now would leave the pump in a state the clinician must confirm."""


class ProgrammingSession:
    def __init__(
        self,
        path: Path,
        *,
        faults: LinkFaults | None = None,
        library: DrugLibrary | None = None,
        events: ProgrammerEvents | None = None,
        runner: Runner | None = None,
    ) -> None:
        self.path = Path(path)
        self.faults = faults or LinkFaults()
        self.library = library or drug_library()
        self.events = events or ProgrammerEvents()
        self.runner = runner or RunNow()
        self.state = LinkState.NOT_CONNECTED
        self.current: PumpMemory | None = None
        self.pending: Program | None = None
        self._telemetry = Telemetry(self.path, self.faults)

    def _set_state(self, state: LinkState) -> None:
        self.state = state
        self.events.link.emit(state)

    def _set_pending(self, program: Program | None) -> None:
        self.pending = program
        self.events.pending.emit(program)

    def _set_current(self, memory: PumpMemory | None) -> None:
        self.current = memory
        self.events.snapshot.emit(memory)

    def _exchange(
        self,
        state: LinkState,
        exchange: Callable[[], Any],
        done: Callable[[Any], Any],
        undo: Callable[[Exception], None] | None = None,
    ) -> Any:
        """One exchange with the pump, run by the runner; `done` applies the pump's answer, on this thread.

        While it runs the link shows `state` and nothing else may be sent. A failure (lost link, refusal,
        cancel) leaves the session as it was and is said as `link_failed`; `undo(error)` runs first.
        """
        if self.state.busy:
            raise LinkBusy(self.state)
        self._set_state(state)

        def answered(answer: Any) -> Any:
            with self.events.batch():
                self._set_state(LinkState.CONNECTED)
                return done(answer)

        def failed(error: Exception) -> None:
            if undo is not None:
                undo(error)
            with self.events.batch():
                self._set_state(LinkState.CONNECTED if self.current is not None else LinkState.NOT_CONNECTED)
                if isinstance(error, ProgrammerError):
                    self.events.link_failed.emit(error)

        return self.runner.run(exchange, answered, failed)

    def cancel_exchange(self) -> None:
        """Stop waiting for a slow answer: the exchange fails with LinkCancelled and nothing is sent."""
        if self.state.busy:
            self._telemetry.cancel()

    # --- reading ----------------------------------------------------------------------
    def _require_current(self) -> PumpMemory:
        if self.current is None:
            raise NotConnected()
        return self.current

    @property
    def now(self) -> datetime:
        return self._require_current().clock

    @property
    def model(self) -> PumpModel:
        return self._require_current().model

    @property
    def pending_prescription(self) -> Prescription:
        """What is being edited: the pending prescription, else the pump's own."""
        if self.pending is not None:
            return self.pending.prescription
        return self._require_current().prescription

    @property
    def has_pending_changes(self) -> bool:
        return self.pending is not None

    def current_projection(self) -> Projection:
        return reservoir_projection(self._require_current())

    def pending_projection(self) -> Projection | None:
        if self.pending is None:
            return None
        memory = replace(self._require_current(), low_alarm_ml=self.pending.low_alarm_ml)
        return reservoir_projection(memory, self.pending.prescription)

    # --- the link -----------------------------------------------------------------------
    def connect(
        self,
        at: datetime | None = None,
        *,
        then: Callable[[PumpMemory], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Take the pump's lock (one session at a time) and interrogate it (as it is at `at`, default its clock).

        All or nothing: if the interrogation fails, the lock is released again (and `otherwise` runs).
        `then` runs with the pump's answer, in the same batch of events.
        """
        self._telemetry.pump_file.hold()

        def failed(error: Exception) -> None:
            self._release()
            if otherwise is not None:
                otherwise(error)

        return self._interrogate(at, then, undo=failed)

    def interrogate(self, at: datetime | None = None) -> PumpMemory | None:
        """Read the pump again (as it is at `at`, default its clock): a new snapshot."""
        return self._interrogate(at, None, None)

    def _interrogate(
        self,
        at: datetime | None,
        then: Callable[[PumpMemory], Any] | None,
        undo: Callable[[Exception], None] | None,
    ) -> Any:
        def read(memory: PumpMemory) -> Any:
            self._set_current(memory)
            return then(memory) if then is not None else memory

        return self._exchange(LinkState.INTERROGATING, lambda: self._telemetry.interrogate(at), read, undo)

    # --- editing ------------------------------------------------------------------------
    def edit(self, *, prescription: Prescription | None = None, low_alarm_ml: float | None = None) -> None:
        """Change the pending program; editing back to the pump's own settings clears it."""
        current = self._require_current()
        base = self.pending or Program.from_memory(current)
        if prescription is not None:
            self.check_substance(prescription.drug, prescription.concentration)
        if low_alarm_ml is not None and (problem := low_alarm_problem(current.model, low_alarm_ml)):
            raise SessionError(problem)
        edited = replace(
            base,
            prescription=prescription if prescription is not None else base.prescription,
            low_alarm_ml=low_alarm_ml if low_alarm_ml is not None else base.low_alarm_ml,
        )
        self._set_pending(edited if edited.changes(current) else None)

    def check_substance(self, drug: str, concentration: Concentration | None = None) -> None:
        """Refuse (SessionError) a drug or concentration other than the reservoir's: that takes a refill."""
        problem = refill_only_problem(self._require_current().prescription, drug, concentration)
        if problem:
            raise SessionError(problem)

    def discard_changes(self) -> None:
        self._set_pending(None)

    # --- review and program ---------------------------------------------------------------
    def gate(self) -> GateCheck:
        """The safety gate's findings for the pending program (none when nothing is pending)."""
        current = self._require_current()
        if self.pending is None:
            return GateCheck(())
        return check_program(current, self.pending, self.library)

    def findings(self) -> list[Finding]:
        return list(self.gate().findings)

    def review(self) -> Review:
        current = self._require_current()
        old, new = current.prescription, self.pending_prescription
        old_projection = self.current_projection()
        new_projection = self.pending_projection() or old_projection
        new_low_alarm = self.pending.low_alarm_ml if self.pending else current.low_alarm_ml
        findings = self.findings()
        rows = [
            Difference("Drug", old.drug, new.drug),
            Difference("Concentration", str(old.concentration), str(new.concentration)),
            Difference("Mode", old.mode.title, new.mode.title),
            Difference("Daily dose", daily_dose_text(old), daily_dose_text(new)),
            Difference("Schedule", schedule_text(old), schedule_text(new)),
            Difference(
                "Daily volume",
                ml_per_day_text(old.nominal_daily_volume_ml),
                ml_per_day_text(new.nominal_daily_volume_ml),
            ),
            Difference(
                "Low-reservoir alarm", ml_text(current.low_alarm_ml), ml_text(new_low_alarm)
            ),
            # A program does not clear a low-reservoir alarm: both sides keep the pump's alarms.
            *alarm_rows(
                reservoir_dates(old_projection, current.alarms), reservoir_dates(new_projection, current.alarms)
            ),
        ]
        return Review.comparing(
            old, new, rows, old_projection, new_projection, findings, has_changes=self.pending is not None
        )

    def program(
        self,
        *,
        reason: str = "",
        clinician: str = "",
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Send the pending program; refused while a blocking finding stands or a needed reason is missing.

        `then` runs with the verified result, in the same batch of events; `otherwise` with the error when
        the exchange fails (the pending program is kept, to be sent again).
        """
        if self.pending is None:
            raise SessionError("nothing to program: no changes are pending")
        program = self.gate().admit(replace(self.pending, clinician=clinician.strip()), reason)
        now = self.now

        def programmed(result: ProgramResult) -> Any:
            self._set_pending(None)
            self._verified(result)
            return then(result) if then is not None else result

        return self._exchange(
            LinkState.PROGRAMMING, lambda: self._telemetry.program(program, now), programmed, otherwise
        )

    def refill(
        self,
        removed_ml: float,
        added_ml: float,
        *,
        program: Program | None = None,
        reason: str = "",
        clinician: str = "",
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Record a refill through telemetry, optionally with a new program (checked write, read back).

        A reason or name given without a program is sent with the pump's own program, so it is logged too.
        `then` runs with the verified result, in the same batch of events (the refill workflow's record);
        `otherwise` with the error when the exchange fails.
        """
        current = self._require_current()
        if program is None and (reason.strip() or clinician.strip()):
            program = Program.from_memory(current)
        if program is not None:
            program = replace(program, clinician=clinician.strip() or program.clinician)
            program = check_program(current, program, self.library, refill=True).admit(program, reason)
        now = self.now

        def refilled(result: ProgramResult) -> Any:
            self._verified(result)
            return then(result) if then is not None else result

        return self._exchange(
            LinkState.PROGRAMMING,
            lambda: self._telemetry.refill(removed_ml, added_ml, now, program),
            refilled,
            otherwise,
        )

    def cancel_bolus(
        self,
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Stop the running bolus now; the pump logs the partial volume delivered and resumes its mode."""
        now = self.now

        def cancelled(result: ProgramResult) -> Any:
            self._verified(result)
            return then(result) if then is not None else result

        return self._exchange(LinkState.PROGRAMMING, lambda: self._telemetry.cancel_bolus(now), cancelled, otherwise)

    def patient_bolus(
        self,
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """The patient's handheld (PTM) asks for a bolus while this session holds the pump: through this session's
        link, its one writer (programmer.session.ptm). Said as a new snapshot and a `bolus` notice, not `programmed`:
        the clinician programmed nothing."""
        now = self.now

        def given(result: ProgramResult) -> Any:
            self._set_current(result.after)
            bolus = result.after.prescription.bolus
            text = f"{bolus.kind.title} given on the PTM: {bolus.dose} ({ml_text(bolus.volume_ml)})"
            self.events.bolus.emit(BolusNotice(BolusPhase.PROGRAMMED, bolus.kind.value, bolus.start, text))
            return then(result) if then is not None else result

        return self._exchange(LinkState.PROGRAMMING, lambda: self._telemetry.patient_bolus(now), given, otherwise)

    def _verified(self, result: ProgramResult) -> ProgramResult:
        self._set_current(result.after)
        self.events.programmed.emit(result)
        return result

    # --- simulated time -----------------------------------------------------------------------
    def advance(self, to: datetime) -> list[Alarm]:
        """Let the pump's clock run to `to` (its own clock, not the link): what it delivered and the alarms raised."""
        self._require_current()
        if self.state.busy:
            raise LinkBusy(self.state)
        bolus = self.current.prescription.bolus
        memory, alarms = self._telemetry.advance(to)
        with self.events.batch():
            self._set_current(memory)
            if alarms:
                self.events.alarms_raised.emit(tuple(alarms))
            if bolus is not None and bolus.end <= to:
                text = f"{bolus.kind.title} finished ({ml_text(bolus.volume_ml)}, {bolus.dose})"
                self.events.bolus.emit(BolusNotice(BolusPhase.FINISHED, bolus.kind.value, bolus.end, text))
        return alarms

    def mri_scan(self, duration: timedelta) -> list[Alarm]:
        """An MRI scan of `duration` from the pump's clock (a training control, as simulated time): the alarms raised.

        Delivery stops for the scan and after it, until the pump is interrogated (programmer.pump.firmware.mri_scan);
        ProgramRejected, pump unchanged, when it must not go into the magnet now.
        """
        self._require_current()
        if self.state.busy:
            raise LinkBusy(self.state)
        memory, alarms = self._telemetry.mri_scan(self.now, duration)
        with self.events.batch():
            self._set_current(memory)
            if alarms:
                self.events.alarms_raised.emit(tuple(alarms))
        return alarms

    def advance_days(self, days: float) -> list[Alarm]:
        return self.advance(self.now + timedelta(days=days))

    # --- ending ---------------------------------------------------------------------------------
    def close_problems(self) -> list[str]:
        """What closing now would leave behind, in words that name the consequence."""
        problems = []
        if self.pending is not None:
            try:
                rows = self.review().rows
                edited = f" ({', '.join(row.label for row in rows if row.changed and row.label in _EDITABLE)})"
            except ProgrammerError:  # a pump file that cannot be read now still lets the session end
                edited = ""
            problems.append(f"changes not programmed{edited}: the pump keeps its old program")
        if self.current is not None and self.current.prescription.mode is InfusionMode.STOPPED:
            problems.append("the pump is stopped: the pump will deliver no drug")
        return problems

    def close(self, *, confirm: bool = False) -> None:
        """End the session and let the pump go; refused, unless confirmed, while `close_problems` names any."""
        if not confirm and (problems := self.close_problems()):
            raise UnfinishedSession("; ".join(problems) + ". Confirm to end the session anyway.")
        self._release()
        with self.events.batch():
            self._set_pending(None)
            self._set_current(None)
            self._set_state(LinkState.NOT_CONNECTED)

    def _release(self) -> None:
        self._telemetry.pump_file.let_go()
