"""How an exchange with the pump runs: at once on the caller's thread, or elsewhere and answered later.

A session never waits for the pump itself: it hands each exchange (interrogate, program, refill,
cancel a bolus) to a runner with what to do when the pump answers. Headless commands and tests
use RunNow, which answers before returning; the window runs exchanges off its own thread, so a
slow link never freezes it, and the answer arrives as the session's events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    def run(self, exchange: Callable[[], T], done: Callable[[T], R], failed: Callable[[Exception], None]) -> R | None:
        """Run `exchange`; then `done(answer)`, or `failed(error)` when it raised. Both on the caller's thread."""


class RunNow:
    """Exchanges run at once: `run` returns what `done` returns, or raises what the exchange raised."""

    def run(self, exchange: Callable[[], T], done: Callable[[T], R], failed: Callable[[Exception], None]) -> R:
        try:
            answer = exchange()
        except Exception as error:
            failed(error)
            raise
        return done(answer)
