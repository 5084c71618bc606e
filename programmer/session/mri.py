"""An MRI scan of the pump, as the programmer offers it (Clock → MRI scan, `programmer pump mri`), without Qt.

What the scan will do to this pump, in words, before it is done; then the scan through the session:
a pump that must go into the magnet empty (the valve-gated family) is emptied first, the volume
withdrawn logged as a refill adding 0 mL, and the scan runs on the pump's clock
(programmer.pump.firmware.mri_scan). Nothing is emptied when the scan would be refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from programmer.errors import ProgrammerError
from programmer.pump.firmware import ProgramRejected, mri_problems, must_be_emptied
from programmer.pump.memory import Alarm, PumpMemory
from programmer.session.programming import ProgrammingSession
from programmer.wording import ml_text

MAX_SCAN = timedelta(hours=24)  # an examination lasts minutes to a few hours: longer is a slip


def mri_advice(memory: PumpMemory) -> str:
    """What the scan does to this pump and what the nurse does about it (domain brief, "MRI")."""
    name = memory.model.name
    if must_be_emptied(memory):
        return (
            f"The {name} must be emptied before the scan: in the magnet its flow valve can let drug through. "
            f"It holds {ml_text(memory.reservoir_ml)} by the pump's count. After the scan its flow valve stays "
            "closed until the pump is interrogated (Ctrl+I), which resets it; then refill it."
        )
    return (
        f"In the magnet the {name}'s motor stalls: no drug is delivered during the scan, nor after it until the "
        "pump is interrogated (Ctrl+I), which restarts the motor. Do not program the pump stopped before the scan."
    )


def needs_emptying(memory: PumpMemory) -> bool:
    """The pump must be emptied before it may go into the magnet."""
    return bool(mri_problems(memory)) and not mri_problems(memory, emptying=True)


def scan(
    session: ProgrammingSession,
    duration: timedelta,
    *,
    emptied_ml: float | None = None,
    then: Callable[[list[Alarm]], Any] | None = None,
    otherwise: Callable[[Exception], None] | None = None,
) -> Any:
    """Empty the reservoir first when `emptied_ml` (the volume withdrawn) is given, then scan for `duration`.

    ProgramRejected before anything is done when the pump must not go into the magnet; `then(alarms)` with the
    alarms the scan raised. Emptying talks to the pump (through the session's runner), the scan follows its answer.
    """
    memory = session._require_current()
    problems = mri_problems(memory, emptying=emptied_ml is not None)
    if not timedelta(0) < duration <= MAX_SCAN:
        problems.append("an MRI scan lasts more than no time and at most 24 h")
    if problems:
        raise ProgramRejected(problems)

    def scanned(_emptied: object = None) -> Any:
        alarms = session.mri_scan(duration)
        return then(alarms) if then is not None else alarms

    def scanned_after_emptying(emptied: object) -> Any:
        try:
            return scanned(emptied)
        except ProgrammerError as error:  # said, not raised: this runs as the pump's answer arrives
            if otherwise is None:
                raise
            otherwise(error)
            return None

    if emptied_ml is None:
        return scanned()
    return session.refill(emptied_ml, 0.0, then=scanned_after_emptying, otherwise=otherwise)
