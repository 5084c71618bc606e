"""Planted faults on the programmer's link: fired once, on their first trigger or by the instructor.

A fault flips the link's fault switch (programmer.pump.telemetry.LinkFaults, shared with the
session), so the next exchange fails or is slow exactly as in the sandbox. It lasts for the
number of exchanges the scenario says (failed ones for a lost link or a refusal, any for a slow
link), then the link works again; 0 keeps it to the end. Ending the attempt puts the switches
back as they were before it.
"""

from __future__ import annotations

from datetime import datetime

from msgspec.structs import replace

from programmer.errors import ProgrammerError
from programmer.pump.telemetry import LinkFaults
from programmer.training.recording import Entry
from programmer.training.scenario import Fault, FaultKind
from programmer.training.triggers import Trigger, first_fired

KINDS: tuple[FaultKind, ...] = ("lost_link", "program_refused", "slow_link")
SLOW_LINK_SECONDS = 8.0  # a slow link injected by the instructor, with no scenario fault to say how slow


class FaultError(ProgrammerError):
    """A fault the scenario does not have."""


class FaultSwitches:
    def __init__(self, faults: list[Fault], link: LinkFaults) -> None:
        self.link = link
        self._before = replace(link)
        self.faults = {fault.id: fault for fault in faults}
        self._waiting = list(faults)  # not fired yet, in the scenario's order
        self._active: dict[str, int] = {}  # fired: the exchanges it still spoils (0: to the end)

    @property
    def active(self) -> list[str]:
        return list(self._active)

    def due(self, elapsed_s: float, entry: Entry | None, start_clock: datetime) -> list[tuple[Fault, Trigger]]:
        """The waiting faults that one of their triggers fires now (each fault's first trigger wins)."""
        due = []
        for fault in self._waiting:
            trigger = first_fired(fault.when, elapsed_s, entry, start_clock)
            if trigger is not None:
                due.append((fault, trigger))
        return due

    def find(self, name: str) -> Fault:
        """A scenario fault by id, or a fault of that kind made for the instructor."""
        if name in self.faults:
            return self.faults[name]
        if name in KINDS:
            seconds = SLOW_LINK_SECONDS if name == "slow_link" else 0.0
            return Fault(id=name, kind=name, seconds=seconds)
        choices = ", ".join([*self.faults, *KINDS])
        raise FaultError(f"no fault {name!r} in this scenario; inject one of: {choices}")

    def fire(self, fault: Fault) -> None:
        self._waiting = [waiting for waiting in self._waiting if waiting.id != fault.id]
        self._active[fault.id] = fault.exchanges
        self._switch(fault, on=True)

    def _switch(self, fault: Fault, *, on: bool) -> None:
        if fault.kind == "lost_link":
            self.link.lose_link_mid_program = on or self._before.lose_link_mid_program
        elif fault.kind == "program_refused":
            self.link.refuse_program = on or self._before.refuse_program
        else:
            self.link.delay_s = fault.seconds if on else self._before.delay_s

    def exchange_ended(self, failed: bool) -> list[str]:
        """An exchange ended (`failed`: with an error): the faults it was the last one for, now cleared."""
        cleared = []
        for fault_id, left in list(self._active.items()):
            fault = self.find(fault_id)
            counts = (fault.kind == "slow_link") != failed  # a slow link counts every exchange, the others failures
            if left == 0 or not counts:
                continue
            if left == 1:
                del self._active[fault_id]
                self._switch(fault, on=False)
                cleared.append(fault_id)
            else:
                self._active[fault_id] = left - 1
        return cleared

    def restore(self) -> None:
        """The switches as they were before the attempt."""
        self._active.clear()
        for name in ("lose_link_mid_program", "refuse_program", "delay_s"):
            setattr(self.link, name, getattr(self._before, name))
