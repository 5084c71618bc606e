"""The cost of a pump file's actions as the pump ages: 100,000 events in its log against none.

Run: /work/venv/bin/python benchmarks/pump_age.py [EVENTS]
Each row measures the same action on two pumps alike but for their logs, in the same run
(this machine is noisy): an old pump (100,000 events by default) and a new one (no events
but its implant), and prints the medians, the ratio and the issue's target. Nothing is
asserted: the figures are for a person to judge.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from programmer.pump import firmware
from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.log import (
    AlarmClearedDetails,
    AlarmRaisedDetails,
    BolusDetails,
    BolusPhase,
    Event,
    EventKind,
    ProgrammingDetails,
    ProgramRecord,
)
from programmer.pump.memory import AlarmKind, PumpMemory
from programmer.pump.pumpfile import PumpFile, load_pump, save_pump
from programmer.pump.telemetry import Telemetry
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Bolus, BolusKind
from programmer.therapy.units import Dose, DoseRate, DrugUnit

IMPLANT = datetime(2020, 1, 6, 9, 0)
MG = DrugUnit.MG
RECORD = ProgramRecord(reason="", clinician="bench", acknowledged=(), second_checker="")


def pump(events: int, clock: datetime) -> PumpMemory:
    """A PX-40 on morphine with a patient therapy manager, its log `events` long, its clock at `clock`."""
    memory = new_pump("PX-40", "morphine", 10, DoseRate(2.0, MG), IMPLANT, serial="AGE-1", patient_id="A-1")
    memory = replace(memory, ptm=PtmSettings(Dose(0.1, MG), timedelta(minutes=10), 4, timedelta(hours=3)))
    log = [*memory.events, *_history(events - len(memory.events))]
    aged = replace(memory, events=log, clock=clock)
    return firmware.advance(aged, clock)[0]


def _history(count: int) -> list[Event]:
    """What years of use log: boluses programmed and finished, alarms raised and cleared, now and then a program."""
    events = []
    at = IMPLANT + timedelta(hours=1)
    for index in range(count):
        at += timedelta(minutes=5)
        match index % 50:
            case 0:
                details = ProgrammingDetails(
                    old="morphine 10 mg/mL, simple continuous, 2 mg/day",
                    new="morphine 10 mg/mL, simple continuous, 2 mg/day",
                    daily_dose_per_day=2.0,
                    unit=MG,
                    concentration_per_ml=10.0,
                    low_alarm_ml=2.0,
                    record=RECORD,
                    reservoir_ml=None,
                )
                events.append(Event(at, EventKind.PROGRAMMING, "Program sent again, unchanged", details))
            case 1 | 2:
                bolus = Bolus(BolusKind.CLINICIAN, at, timedelta(minutes=10), 0.01, Dose(0.1, MG))
                phase = BolusPhase.PROGRAMMED if index % 50 == 1 else BolusPhase.FINISHED
                details = BolusDetails.of(bolus, phase)
                events.append(Event(at, EventKind.BOLUS, f"Clinician bolus {phase.value}: {details.summary}", details))
            case _ if index % 2:
                details = AlarmRaisedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity)
                events.append(Event(at, EventKind.ALARM_RAISED, "Low reservoir (non-critical)", details))
            case _:
                details = AlarmClearedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity)
                events.append(Event(at, EventKind.ALARM_CLEARED, "Low reservoir cleared: reservoir refilled", details))
    return events


def median_ms(action: Callable[[], object], repeats: int, setup: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(repeats):
        if setup is not None:
            setup()
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def row(name: str, old: float, new: float, unit: str, target: str) -> None:
    ratio = old / new if new else float("inf")
    print(f"{name:<28} {old:>10.2f} {unit:<3} {new:>10.2f} {unit:<3} {ratio:>8.1f}x   target {target}")


# VmHWM, not ru_maxrss: a forked child's ru_maxrss keeps the parent's peak across exec.
PEAK = """
import re, sys
from pathlib import Path
from programmer.cli import main
main(["pump", "show", sys.argv[1]])
print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1], file=sys.stderr)
"""


def peak_memory_mb(path: Path) -> float:
    """The peak resident memory of `programmer pump show FILE` in a process of its own."""
    done = subprocess.run([sys.executable, "-c", PEAK, str(path)], check=True, capture_output=True, text=True)
    return int(done.stderr.split()[-1]) / 1024  # kB on Linux


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = Path(tempfile.mkdtemp(prefix="pump-age-"))
    paths = {}
    started = time.perf_counter()
    clock = IMPLANT + timedelta(minutes=5 * count + 60)  # both pumps alike but for their logs
    for name, events in (("old", count), ("new", 1)):
        paths[name] = folder / f"{name}.pump"
        save_pump(paths[name], pump(events, clock))
    print(f"{count} events written in {time.perf_counter() - started:.1f} s (setup, not measured)\n")
    print(f"{'':<28} {'with ' + str(count):>14} {'with none':>14} {'ratio':>9}")
    sizes = {name: path.stat().st_size / 1e6 for name, path in paths.items()}
    row("file size", sizes["old"], sizes["new"], "MB", "— (one file, copied as it is)")

    opened = {name: median_ms(lambda p=path: load_pump(p), 7) for name, path in paths.items()}
    row("open (load and validate)", opened["old"], opened["new"], "ms", "≤ 500 ms")

    def session(path: Path) -> tuple[Telemetry, PumpMemory]:
        telemetry = Telemetry(path)
        return telemetry, telemetry.interrogate()

    saves, programs, advances = {}, {}, {}
    for name, path in paths.items():
        telemetry, memory = session(path)
        file = telemetry.pump_file

        def one_event(file: PumpFile = file) -> None:
            now = file.contact().clock + timedelta(seconds=1)
            memory = file.contact()
            event = Event(now, EventKind.ALARM_CLEARED, "bench", None)
            file.commit(replace(memory, clock=now, events=memory.events.plus(event)))

        saves[name] = median_ms(one_event, 21)
        program = Program.from_memory(memory)
        programs[name] = median_ms(
            lambda t=telemetry, p=program: t.program(p, t.pump_file.contact().clock + timedelta(seconds=1)), 21
        )
        current = telemetry.pump_file.contact()
        advances[name] = median_ms(lambda m=current: firmware.advance(m, m.clock + timedelta(days=3652)), 21)
    row("save (one action appended)", saves["old"], saves["new"], "ms", "≤ 50 ms")
    row("program + read-back", programs["old"], programs["new"], "ms", "≤ 2x with no events")
    row("10-year advance", advances["old"], advances["new"], "ms", "≤ 2x with no events")

    peaks = {name: peak_memory_mb(path) for name, path in paths.items()}
    row("peak memory, pump show", peaks["old"], peaks["new"], "MB", "≤ 150 MB")


if __name__ == "__main__":
    main()
