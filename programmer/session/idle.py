"""A demo station's idle reset, as a model: after a while without input, a countdown, then the reset.

A visitor walks away mid-refill; the next one must find the station as the first did. So after
`idle_after_s` without a touch, a key or the mouse, the station counts down (`countdown_s`) over the
window, "Touch to continue — resetting in 10 s"; any input cancels the countdown, and at its end the
station goes back to its start. Times are seconds on a monotonic clock the caller passes in (the
window's, or a test's): no Qt and no wall clock here.
"""

from __future__ import annotations

import math
from enum import Enum

from msgspec import Struct

COUNTDOWN_S = 10.0
TITLE = "Touch to continue"


class Phase(Enum):
    ACTIVE = "active"  # someone is using the station, or was, not long ago
    COUNTDOWN = "countdown"  # idle: the overlay counts down to the reset
    RESET = "reset"  # the countdown ran out: back to the start now


class IdleState(Struct, frozen=True):
    """Where the station is; in the countdown, the whole seconds left, rounded up (it never says "0 s")."""

    phase: Phase
    seconds_left: int = 0

    @property
    def text(self) -> str:
        """What the overlay says, one line: "Touch to continue — resetting in 10 s"."""
        return f"{TITLE} — {self.countdown_text}" if self.phase is Phase.COUNTDOWN else ""

    @property
    def countdown_text(self) -> str:
        return f"resetting in {self.seconds_left} s" if self.phase is Phase.COUNTDOWN else ""


class IdleTimer:
    """The time since the last input, and what it means: still active, counting down, or reset due."""

    def __init__(self, idle_after_s: float, countdown_s: float = COUNTDOWN_S, now: float = 0.0) -> None:
        if idle_after_s <= 0 or countdown_s <= 0:
            raise ValueError(f"an idle reset needs a time and a countdown above 0 s, not {idle_after_s}, {countdown_s}")
        self.idle_after_s = idle_after_s
        self.countdown_s = countdown_s
        self._last_input = now

    def touched(self, now: float) -> None:
        """Input (or a fresh start after a reset): a new idle period begins, any countdown is cancelled."""
        self._last_input = max(self._last_input, now)

    def state(self, now: float) -> IdleState:
        idle_s = now - self._last_input
        if idle_s < self.idle_after_s:
            return IdleState(Phase.ACTIVE)
        left_s = self.idle_after_s + self.countdown_s - idle_s
        if left_s > 0:
            return IdleState(Phase.COUNTDOWN, math.ceil(left_s))
        return IdleState(Phase.RESET)

    def next_change_s(self, now: float) -> float:
        """Seconds until what the station shows next changes: the countdown begins, its second ticks, the reset."""
        idle_s = now - self._last_input
        if idle_s < self.idle_after_s:
            return self.idle_after_s - idle_s
        left_s = self.idle_after_s + self.countdown_s - idle_s
        if left_s <= 0:
            return 0.0
        return left_s - (math.ceil(left_s) - 1)  # down to the next whole second shown (or to 0: the reset)
