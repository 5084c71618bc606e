"""What the programmer says as a visit goes on: one typed event per thing that changes.

One `ProgrammerEvents` is shared by the clinician programmer, its session and its workflows;
the screens bind to it once, when they are built, and the training engine listens to the same
events. Each event carries what changed, so no listener asks "what changed?".
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from msgspec import Struct

from programmer.events import Event, Events
from programmer.pump.log import BolusPhase


class LinkState(StrEnum):
    NOT_CONNECTED = "not connected"
    INTERROGATING = "interrogating"
    CONNECTED = "connected"
    PROGRAMMING = "programming"

    @property
    def busy(self) -> bool:
        """An exchange with the pump is under way: nothing else may be sent meanwhile."""
        return self in (LinkState.INTERROGATING, LinkState.PROGRAMMING)


class BolusNotice(Struct, frozen=True):
    """A bolus programmed, run to its end, or cancelled; `text` says it as the Boluses screen does."""

    phase: BolusPhase
    kind: str  # the BolusKind's value: priming, bridge, clinician, single
    at: datetime
    text: str


class RefillStepDone(Struct, frozen=True):
    """Something recorded in a refill step: which step, what (a stable id), its value, and in words."""

    step: str  # the step's title, e.g. "Locate the port"
    action: str  # e.g. "port_chosen", "removed_recorded", "discrepancy_acknowledged"
    value: object  # what was recorded: the Port, the volume in mL, the SyringeLabel, the note …
    text: str


class ProgrammerEvents(Events):
    visit = Event["Visit | None"]("a pump was opened (its visit) or the visit ended (None)")
    link = Event["LinkState"]("the link's state: not connected, interrogating, connected, programming")
    snapshot = Event["PumpMemory | None"]("the pump as last read: interrogation, programming, refill, time passed")
    pending = Event["Program | None"]("the program being edited and not yet sent; None when nothing is pending")
    alarms_raised = Event["tuple[Alarm, ...]"]("alarms the pump raised while its clock ran, in order")
    programmed = Event["ProgramResult"]("a program, refill or cancel was sent, read back and verified")
    link_failed = Event["ProgrammerError"]("an exchange failed (lost, refused, cancelled): the pump kept its program")
    appointment = Event["datetime | None"]("the next refill appointment booked in this visit")
    refill_step = Event["RefillStepDone"]("a step of the refill was completed")
    refill_ended = Event["RefillRecord"]("a refill ended: programmed, abandoned or stopped")
    bolus = Event["BolusNotice"]("a bolus was given, ran to its end or was cancelled")
    tone_named = Event["ToneAnswer"]("a trainee named an alarm tone in 'Name that tone': which played, which named")
