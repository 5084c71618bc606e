"""The running clock: the pump's simulated clock running on by itself at 1×, 60× or 3600×, or paused.

Wall-clock time passes in ticks (the window's timer, every TICK); the pump's clock runs `speed`
times as fast. Each write of the pump is a transaction on its file (the state row rewritten, the
alarms appended) and redraws every screen (about 50 ms with the reservoir plot), so the running time
is owed and written in batches: once COMMIT_EVERY of wall time has passed with at least SHOWN_STEP
owed (the clock is shown to the minute), or at once when the pump would do something by itself (a
bolus ends, an alarm is due), so an alarm arrives when it happens. An active alarm's tone due again
(programmer/session/alarm_sounding.py) is written within COMMIT_EVERY, even with less than a minute
owed (at 1×), so it sounds by the second of its pump-time moment. Nothing shows the owed time: every
screen shows the pump as its file holds it. Pausing or changing speed forgets what was owed, so the
clock goes on from what it shows.

Time never passes with no pump connected, while the instructor has paused the training attempt, while
an exchange with the pump is under way or while a dialog waits for an answer (`held_by`): the window
does not tick then, and runs on at its speed once nothing holds it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from programmer.pump.firmware import LATEST_CLOCK, next_happening
from programmer.pump.memory import PumpMemory
from programmer.session.alarm_sounding import next_tone

TICK = timedelta(milliseconds=250)  # how often the window's timer asks; an alarm is written at most this late
COMMIT_EVERY = timedelta(seconds=1)  # wall time between two writes of the pump, at most one a second
SHOWN_STEP = timedelta(minutes=1)  # the clock is shown to the minute: writing less would show nothing new
# A suspended laptop or a window blocked for a while does not make months pass at 3600×.
LONGEST_TICK = timedelta(seconds=1)
# A timer fires a few milliseconds early now and then: a batch due within half a tick is written on this tick,
# not one tick (at 3600×, a quarter of an hour) later.
_EARLY = TICK / 2


class Speed(IntEnum):
    """How many seconds of pump time pass in one second of wall time."""

    PAUSED = 0
    REAL_TIME = 1
    MINUTE_PER_SECOND = 60
    HOUR_PER_SECOND = 3600

    @property
    def title(self) -> str:
        """As on its button: "Pause", "1×", "60×", "3600×"."""
        return "Pause" if self is Speed.PAUSED else f"{self.value}×"

    @property
    def description(self) -> str:
        """What a second of wall time does, in words (its button's tooltip and accessible name)."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    Speed.PAUSED: "Pause the pump clock: time passes only with the advance buttons",
    Speed.REAL_TIME: "Run the pump clock in real time: 1 second of pump time per second",
    Speed.MINUTE_PER_SECOND: "Run the pump clock 60 times faster: 1 minute of pump time per second",
    Speed.HOUR_PER_SECOND: "Run the pump clock 3600 times faster: 1 hour of pump time per second",
}


class Hold(StrEnum):
    """Why simulated time does not pass now, in words (the clock bar's tooltip); NONE, "", when it may pass."""

    NONE = ""
    NO_PUMP = "Held: no pump connected"
    INSTRUCTOR = "Paused by the instructor: the pump clock runs on at its speed when the attempt resumes"
    EXCHANGE = "Held while the pump answers"
    DIALOG = "Held while a dialog is open"

    @property
    def label(self) -> str:
        """Beside the speed buttons: "held" for a hold that comes and goes; the instructor's pause in words."""
        if self is Hold.INSTRUCTOR:
            return "paused by the instructor"
        return "held" if self else ""


def held_by(*, connected: bool, instructor_paused: bool, exchanging: bool, dialog_open: bool) -> Hold:
    """Why simulated time does not pass now; Hold.NONE when it may pass."""
    if not connected:
        return Hold.NO_PUMP
    if instructor_paused:  # the lasting reason first: an exchange or a dialog comes and goes under it
        return Hold.INSTRUCTOR
    if exchanging:
        return Hold.EXCHANGE
    if dialog_open:
        return Hold.DIALOG
    return Hold.NONE


class RunningClock:
    """How far the pump's clock should run for the wall time that passed, and when to write it."""

    def __init__(self, commit_every: timedelta = COMMIT_EVERY) -> None:
        self.commit_every = commit_every
        self.speed = Speed.PAUSED
        self._owed = timedelta(0)  # pump time run and not yet written
        self._waited = timedelta(0)  # wall time since the last write
        # The last snapshot's next happening and next alarm tone.
        self._next: tuple[PumpMemory, datetime | None, datetime | None] | None = None

    @property
    def running(self) -> bool:
        return self.speed is not Speed.PAUSED

    @property
    def owed(self) -> timedelta:
        """Pump time run since the last write, not yet shown anywhere."""
        return self._owed

    def set_speed(self, speed: Speed) -> None:
        """Run at `speed` from the clock as it is shown (what was owed is forgotten)."""
        self.speed = Speed(speed)
        self._forget()

    def tick(self, wall: timedelta, memory: PumpMemory) -> datetime | None:
        """`wall` of wall time passed with the pump as `memory`: the moment to run its clock to now, or None to wait.

        At the end of the pump's clock (LATEST_CLOCK) it runs there and pauses.
        """
        if not self.running:
            return None
        wall = min(wall, LONGEST_TICK)
        self._owed += wall * int(self.speed)
        self._waited += wall
        target = min(memory.clock + self._owed, LATEST_CLOCK)
        happening, tone = self._next_happening(memory)
        happens = happening is not None and memory.clock < happening <= target
        sounds = tone is not None and tone <= target  # a tone due: written now, though the shown minute is the same
        due = self._waited + _EARLY >= self.commit_every and (self._owed >= SHOWN_STEP or sounds)
        at_end = target >= LATEST_CLOCK
        if not (happens or due or at_end):
            return None
        self._forget()
        if at_end:
            self.speed = Speed.PAUSED
        return target if target > memory.clock else None

    def _forget(self) -> None:
        self._owed = self._waited = timedelta(0)

    def _next_happening(self, memory: PumpMemory) -> tuple[datetime | None, datetime | None]:
        """(next happening, next tone), once per snapshot: it projects the reservoir, not worth doing 4× a second."""
        if self._next is None or self._next[0] is not memory:
            self._next = (memory, next_happening(memory), next_tone(memory))
        return self._next[1:]
