"""Pump benchmarks: programming through telemetry (with fsync and read-back), simulated time, and `pump show`.

Run: /work/venv/bin/python benchmarks/pump.py [SECTION ...] [--repeats N]
Sections (default: all, in this order):
  program   a program sent through a Telemetry link, written (fsync) and read back, against a bare
            save_pump + load_pump of the same memory. Before each run, untimed, the pump file is reset
            (so its log does not grow) and interrogated again through the link, as a programmer must:
            the link refuses to program a pump whose memory changed since it was interrogated.
  advance   ten simulated years of a 13-step schedule, against a one-day advance of the same pump
  show      `programmer pump show FILE --json` in a new process, as a user runs it: the console script pip
            installs beside this Python (`python -m programmer` would add runpy's cost, which a user does not
            pay), against `python -c pass` (issue 16's baseline: at most 6x in processor time) and a floor, a
            new interpreter importing only what the command cannot avoid (argparse, json, sqlite3, enum,
            datetime, msgspec): how much of the command's time is the project's own. The command must not
            import Qt: checked once, untimed, before the runs.
--repeats N   runs of each, alternating (default 21)
Medians on the clock and in processor time, and the ratios (benchmarks/timing.py). Nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from timing import Children, Figure, Target, Timings, command_line, header

from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program, advance, apply_program
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.pump.telemetry import Telemetry
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

START = datetime(2026, 11, 23, 0, 0)
MORPHINE_10 = Concentration(10, DrugUnit.MG)
FLOOR_IMPORTS = "import argparse, json, sqlite3, enum, datetime, msgspec"
NO_QT = (  # run once before timing `pump show`: it must answer, and without Qt
    "import contextlib, io, sys\nfrom programmer.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    assert main(['pump', 'show', sys.argv[1], '--json']) == 0\n"
    "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')], 'Qt was imported'"
)


def thirteen_step_pump() -> PumpMemory:
    """A PX-40 running a 13-step flex schedule, as programmed through the firmware."""
    pump = new_pump("PX-40", "morphine", 10, DoseRate(2.0, DrugUnit.MG), START, serial="BENCH-1", patient_id="B-1")
    steps = tuple(FlexStep(index * 100, DoseRate(1.0 + (index % 5) * 0.75, DrugUnit.MG)) for index in range(13))
    schedule = FlexSchedule.every_day(DaySchedule(steps))
    program = Program(Prescription.flex("morphine", MORPHINE_10, schedule), 2.0, None)
    return apply_program(pump, program, START)


# --- sections ----------------------------------------------------------------------------------


def program_section(repeats: int) -> None:
    pump = thirteen_step_pump()
    program = Program(Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(2.5, DrugUnit.MG)), 2.0, None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        save_pump(path, pump)
        link = Telemetry(path)

        def afresh() -> None:
            save_pump(path, pump)
            link.interrogate()

        timings = Timings().alternate(
            repeats,
            {
                "program": lambda: link.program(program, START + timedelta(hours=1)),
                "save + load": lambda: (save_pump(path, pump), load_pump(path)),
            },
            setup={"program": afresh},
        )
        link.pump_file.let_go()
    header("Program through telemetry", repeats)
    Figure(
        "program + write (fsync) + read-back",
        timings["program"],
        {"baseline, save_pump + load_pump": timings["save + load"]},
        [Target(20, "ms")],
    ).print()


def advance_section(repeats: int) -> None:
    pump = thirteen_step_pump()
    ten_years, one_day = START + timedelta(days=3653), START + timedelta(days=1)
    timings = Timings().alternate(
        repeats, {"ten years": lambda: advance(pump, ten_years), "one day": lambda: advance(pump, one_day)}
    )
    header("Simulated time, 13-step schedule", repeats)
    Figure(
        "advance 10 simulated years",
        timings["ten years"],
        {"baseline, advance 1 day": timings["one day"]},
        [Target(200, "ms")],
    ).print()


def show_section(repeats: int) -> None:
    script = Path(sys.executable).parent / "programmer"  # the console script pip installs, as a user runs it
    if not script.is_file():
        raise SystemExit(f"no {script}: install the project here (pip install -e .)")
    children = Children()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        save_pump(path, thirteen_step_pump())
        children.run([sys.executable, "-c", NO_QT, str(path)])
        commands = {
            "show": [str(script), "pump", "show", str(path), "--json"],
            "pass": [sys.executable, "-c", "pass"],
            "floor": [sys.executable, "-c", FLOOR_IMPORTS],
        }
        timings = Timings().alternate(repeats, commands, measure=children.run)
    header("pump show --json", repeats, Children.NOTE)
    Figure(
        "programmer pump show FILE --json",
        timings["show"],
        {"baseline, python -c pass": timings["pass"], f"floor, python -c '{FLOOR_IMPORTS}'": timings["floor"]},
        [Target(150, "ms"), Target(6, "x", processor=True)],
    ).print()


SECTIONS: dict[str, Callable[[int], None]] = {
    "program": program_section,
    "advance": advance_section,
    "show": show_section,
}


def main() -> None:
    options = command_line(__doc__, repeats=21, sections=SECTIONS).parse_args()
    for name in options.sections:
        SECTIONS[name](options.repeats)


if __name__ == "__main__":
    main()
