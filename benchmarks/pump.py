"""Pump benchmarks: programming through telemetry (with fsync and read-back) and simulated time.

Run: /work/venv/bin/python benchmarks/pump.py
Each section measures its operation and, in the same run, a baseline it cannot beat,
and prints medians and the ratio. Nothing is asserted: targets are printed beside
the figures for a person to judge.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

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


@dataclass(frozen=True)
class Figure:
    name: str
    median_ms: float
    baseline_name: str
    baseline_ms: float
    target_ms: float
    notes: tuple[str, ...] = ()  # further lines, after the figures

    @property
    def ratio(self) -> float:
        return self.median_ms / self.baseline_ms if self.baseline_ms else float("inf")

    def lines(self) -> list[str]:
        verdict = "within" if self.median_ms <= self.target_ms else "ABOVE"
        return [
            f"{self.name}: median {self.median_ms:.3f} ms ({verdict} target {self.target_ms:g} ms)",
            f"  baseline, {self.baseline_name}: median {self.baseline_ms:.3f} ms",
            f"  ratio: {self.ratio:.1f}x the baseline",
            *self.notes,
        ]


def median_ms(action: Callable[[], object], repeats: int, setup: Callable[[], object] | None = None) -> float:
    """Median wall time of `action` over `repeats` runs; `setup` runs before each, untimed."""
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def thirteen_step_pump() -> PumpMemory:
    """A PX-40 running a 13-step flex schedule, as programmed through the firmware."""
    pump = new_pump("PX-40", "morphine", 10, DoseRate(2.0, DrugUnit.MG), START, serial="BENCH-1", patient_id="B-1")
    steps = tuple(FlexStep(index * 100, DoseRate(1.0 + (index % 5) * 0.75, DrugUnit.MG)) for index in range(13))
    schedule = FlexSchedule.every_day(DaySchedule(steps))
    program = Program(Prescription.flex("morphine", MORPHINE_10, schedule), 2.0, None)
    return apply_program(pump, program, START)


# --- sections ----------------------------------------------------------------------------------


def program_figure(repeats: int = 50) -> Figure:
    """Program + write (fsync) + read-back through telemetry, against a bare save + load of the same memory."""
    pump = thirteen_step_pump()
    program = Program(
        Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(2.5, DrugUnit.MG)), 2.0, None
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.json"
        link = Telemetry(path)

        def reset() -> None:  # every run programs the same pump, so its log does not grow between runs
            save_pump(path, pump)

        measured = median_ms(lambda: link.program(program, START + timedelta(hours=1)), repeats, reset)
        baseline = median_ms(lambda: (save_pump(path, pump), load_pump(path)), repeats)
    return Figure("program + read-back (fsync)", measured, "save_pump + load_pump", baseline, 20.0)


def advance_figure(repeats: int = 20) -> Figure:
    """Ten simulated years of a 13-step schedule, against a one-day advance of the same pump."""
    pump = thirteen_step_pump()
    ten_years = START + timedelta(days=3653)
    measured = median_ms(lambda: advance(pump, ten_years), repeats)
    baseline = median_ms(lambda: advance(pump, START + timedelta(days=1)), repeats)
    return Figure("advance 10 simulated years, 13-step schedule", measured, "advance 1 day", baseline, 200.0)


def show_figure(repeats: int = 21) -> Figure:
    """`programmer pump show FILE --json` as a user runs it (a new process), against a bare interpreter start.

    The two alternate, run by run, so the machine's noise falls on both; the figure is the wall time (the
    processor time of the child, user + system, is printed beside it: on a busy machine the wall time also
    counts waiting for a processor). The command must not import Qt: the child checks that too and fails
    loudly if it did.
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.json"
        save_pump(path, thirteen_step_pump())
        check = (
            "import contextlib, io, sys\nfrom programmer.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['pump', 'show', sys.argv[1], '--json']) == 0\n"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')], 'Qt was imported'"
        )
        # As on an installed machine, bytecode is reused between runs (the untimed check run writes it).
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "pycache")
        subprocess.run([sys.executable, "-c", check, str(path)], check=True, env=env)
        command = [sys.executable, "-m", "programmer", "pump", "show", str(path), "--json"]
        bare = [sys.executable, "-c", "pass"]
        runs: dict[str, list[tuple[float, float]]] = {"shown": [], "bare": []}
        for _ in range(repeats):
            runs["shown"].append(child_ms(command, env))
            runs["bare"].append(child_ms(bare, env))
    (shown, shown_cpu), (bare_ms, bare_cpu) = (
        tuple(statistics.median(run[i] for run in runs[name]) for i in (0, 1)) for name in ("shown", "bare")
    )
    processor = (
        f"  processor time (user + system): {shown_cpu:.1f} ms, python -c pass {bare_cpu:.1f} ms, "
        f"ratio {shown_cpu / bare_cpu:.1f}x (issue 16's target: 6x)"
    )
    return Figure("pump show --json (new process)", shown, "bare python -c pass", bare_ms, 150.0, (processor,))


def child_ms(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """A new process running `command`, to its exit: milliseconds on the clock, and of its processor time."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - started) * 1000
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


SECTIONS: dict[str, Callable[[], Figure]] = {
    "program": program_figure,
    "advance": advance_figure,
    "show": show_figure,
}


def main(sections: list[str] | None = None) -> None:
    for name in sections or list(SECTIONS):
        for line in SECTIONS[name]().lines():
            print(line)


if __name__ == "__main__":
    main()
