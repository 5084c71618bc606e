"""A small scenario as an author writes it, and helpers to play it: what the engine and format tests start from.

A PX-20 with morphine 10 mg/mL at 1.5 mg/day (0.15 mL/day), refilled with 20 mL 100 days ago: the
pump counts 5 mL, its low-reservoir alarm (2 mL) is 20 days away.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from programmer.pump.telemetry import LinkFaults
from programmer.session.visit import ClinicianProgrammer
from programmer.training.engine import Attempt, Mode
from programmer.training.library import check_text
from programmer.training.scenario import Scenario

START = datetime(2026, 11, 23, 9, 0)

BASE = """\
id = "test-refill"
title = "Test refill"
version = 1
minutes = 10
objectives = ["Refill the pump"]

[prebrief]
patient = "Test patient"
story = "Comes for a refill."

[pump]
model = "PX-20"
drug = "morphine"
concentration = 10
dose = "1.5mg/day"
reservoir_ml = 20
clock = 2026-11-23T09:00:00
serial = "PX20-TEST-1"
patient_id = "T-1"
days_since_refill = 100

[patient]
unit = "mg"
score = [[0, 8], [1.5, 3], [3, 2]]

[patient.overdose]
above_per_day = 4.5
pocket_above = 20
signs = ["drowsy"]

[patient.withdrawal]
after_hours = 24
signs = ["pain back"]

[[critical]]
id = "port"
rule = "port_chosen"
why = "The catheter access port leads to the spine."
source = "ISMP 2004"
"""


def scenario(extra: str = "", base: str = BASE) -> Scenario:
    """BASE with `extra` TOML appended (more tables, or keys of the last table); it must check."""
    found, problems = check_text(base + extra)
    assert found is not None, [str(problem) for problem in problems]
    return found


class Wall:
    """A wall clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 14, 0).astimezone()

    def __call__(self) -> datetime:
        return self.now

    def wait(self, minutes: float) -> None:
        self.now += timedelta(minutes=minutes)


def started(found: Scenario, tmp_path: Path, *, mode: Mode = Mode.ASSESSMENT, records=None,
            wall: Wall | None = None, trainee: str = "T. Nurse") -> tuple[Attempt, ClinicianProgrammer]:
    programmer = ClinicianProgrammer(faults=LinkFaults())
    attempt = Attempt(found, programmer, trainee=trainee, mode=mode, records=records,
                      folder=tmp_path / "attempts", wall=wall or Wall())
    attempt.start()
    return attempt, programmer
