"""A clinic visit and the clinician programmer that holds it.

The clinician programmer is the device the emulator imitates: its drug library, its link to a
pump (with the fault switches an instructor flips), and at most one visit at a time. A visit
is one pump, from its first interrogation to the end of the session: the session itself, the
pump as first interrogated (the report's "before"), the refill done in it, and the next
refill appointment booked. None of this is Qt: the window binds its screens to `events`
once, and every screen learns of a new visit, a new snapshot or a new appointment from them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import LinkFaults
from programmer.session import workspace
from programmer.session.events import ProgrammerEvents
from programmer.session.link import Runner, RunNow
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.wording import moment_text

if TYPE_CHECKING:
    from programmer.session.refill.records import RefillRecord
    from programmer.session.refill.syringe import SyringeLabel
    from programmer.session.refill.workflow import RefillWorkflow
    from programmer.session.report import SessionReport


class Visit:
    """One pump, from its first interrogation to the end of its session."""

    def __init__(self, session: ProgrammingSession, first: PumpMemory) -> None:
        self.session = session
        self.first = first  # the pump as first interrogated in this visit
        self.refill_record: RefillRecord | None = None
        self.appointment: datetime | None = None

    def book_appointment(self, moment: datetime | None) -> None:
        """Book (None: unbook) the next refill; said as the `appointment` event."""
        now = self.session.now
        if moment is not None and moment < now:
            raise SessionError(f"the appointment {moment_text(moment)} is before the pump's clock ({moment_text(now)})")
        if moment != self.appointment:
            self.appointment = moment
            self.session.events.appointment.emit(moment)

    def start_refill(self, syringe: SyringeLabel | None = None) -> RefillWorkflow:
        """A refill of this visit's pump; its record is kept for the report when it ends."""
        from programmer.session.refill.workflow import RefillWorkflow

        return RefillWorkflow(self.session, syringe_label=syringe, on_record=self._refill_recorded)

    def _refill_recorded(self, record: RefillRecord) -> None:
        self.refill_record = record
        if record.appointment is not None:
            self.book_appointment(record.appointment)

    def report(self) -> SessionReport:
        """The session report of this visit: from its first interrogation to now."""
        from programmer.session.report import build_report

        return build_report(
            self.session._require_current(),
            before=self.first,
            refill=self.refill_record,
            appointment=self.appointment,
            library=self.session.library,
            source="live session",
        )


class ClinicianProgrammer:
    """The device: drug library, link (with its fault switches), and the visit it holds, if any."""

    def __init__(
        self,
        library: DrugLibrary | None = None,
        faults: LinkFaults | None = None,
        runner: Runner | None = None,
        events: ProgrammerEvents | None = None,
    ) -> None:
        self.library = library or drug_library()
        self.faults = faults or LinkFaults()
        self.runner = runner or RunNow()
        self.events = events or ProgrammerEvents()
        self.visit: Visit | None = None
        self.connecting: ProgrammingSession | None = None  # a pump being opened, until it answers
        self.last_opened: Path | None = None

    @property
    def session(self) -> ProgrammingSession | None:
        return self.visit.session if self.visit is not None else None

    @property
    def busy(self) -> bool:
        """An exchange with a pump is under way (opening one, or the visit's)."""
        session = self.connecting or self.session
        return session is not None and session.state.busy

    def open(self, path: Path, at: datetime | None = None) -> Any:
        """Start a visit with the pump at `path`: lock it and interrogate it. Ends the current visit first.

        All or nothing: the visit exists only once the pump has answered (the `visit` event says so);
        a refusal (locked, unreadable, link lost) leaves no visit and the file untouched.
        """
        self.close(confirm=True)
        self.last_opened = Path(path)
        session = ProgrammingSession(
            path, faults=self.faults, library=self.library, events=self.events, runner=self.runner
        )

        def started(memory: PumpMemory) -> Visit:
            self.connecting = None
            self.visit = Visit(session, memory)
            self.events.visit.emit(self.visit)
            workspace.remember_pump(path)
            return self.visit

        def refused(_error: Exception) -> None:
            self.connecting = None

        self.connecting = session
        try:
            return session.connect(at, then=started, otherwise=refused)
        except Exception:
            self.connecting = None
            raise

    def close_problems(self) -> list[str]:
        """What ending the visit now would leave behind, in words that name the consequence."""
        return self.visit.session.close_problems() if self.visit is not None else []

    def close(self, *, confirm: bool = False) -> None:
        """End the visit (asking first is the caller's: `close_problems`); refused while something is left."""
        if self.visit is None:
            return
        with self.events.batch():
            self.visit.session.close(confirm=confirm)
            self.visit = None
            self.events.visit.emit(None)

    def reset_demo(self) -> Any:
        """End the visit and open the demo pump as shipped: nothing of the last trainee stays."""
        self.close(confirm=True)
        return self.open(workspace.reset_demo_pump())
