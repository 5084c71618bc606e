"""The cost of a pump file's actions as the pump ages: 100,000 events in its log against none.

Run: /work/venv/bin/python benchmarks/pump_age.py [SECTION ...] [--events N] [--repeats N]
Sections (default: all, in this order):
  size      the file's size (target: none; one file, copied as it is)
  open      load and validate the file (target 500 ms)
  save      one action appended through a session's pump file (target 50 ms)
  program   a program sent through telemetry, written and read back (target 2x the pump with no events)
  advance   ten simulated years in memory (target 2x the pump with no events)
  memory    the peak resident memory of `programmer pump show FILE` in a process of its own, the project's
            bytecode compiled beforehand, as installed (target 150 MB)
--events N    events in the old pump's log (default 100000)
--repeats N   runs of each, alternating (default 21)

Each section measures the same action on two pumps alike but for their logs, in the same run (this
machine is noisy): an old pump (its log --events long) and a new one (no events but its implant),
alternating run by run. Medians on the clock and in processor time, and the ratios (benchmarks/timing.py).
Nothing is asserted: the figures are for a person to judge.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from msgspec.structs import replace
from timing import Children, Figure, Target, Timings, command_line, header

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


# VmHWM, not ru_maxrss: a forked child's ru_maxrss keeps the parent's peak across exec.
PEAK = """
import re, sys
from pathlib import Path
from programmer.cli import main
main(["pump", "show", sys.argv[1]])
print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text())[1], file=sys.stderr)
"""


def peak_memory_mb(path: Path, env: dict[str, str]) -> float:
    """The peak resident memory of `programmer pump show FILE` in a process of its own."""
    command = [sys.executable, "-c", PEAK, str(path)]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return int(done.stderr.split()[-1]) / 1024  # kB on Linux


Paths = dict[str, Path]  # "old" and "new": the two pumps' files


def size_section(paths: Paths, count: int, repeats: int) -> None:
    sizes = {name: path.stat().st_size / 1e6 for name, path in paths.items()}
    print(f"  file size: {sizes['old']:.2f} MB with {count:,} events, {sizes['new']:.2f} MB with none (no target)")


def open_section(paths: Paths, count: int, repeats: int) -> None:
    timings = Timings().alternate(repeats, {name: lambda p=path: load_pump(p) for name, path in paths.items()})
    figure("open (load and validate)", count, timings, Target(500, "ms"))


def save_section(paths: Paths, count: int, repeats: int) -> None:
    def one_event(file: PumpFile) -> None:
        memory = file.contact()
        now = memory.clock + timedelta(seconds=1)
        event = Event(now, EventKind.ALARM_CLEARED, "bench", None)
        file.commit(replace(memory, clock=now, events=memory.events.plus(event)))

    files = {name: link.pump_file for name, link in interrogated(paths).items()}
    timings = Timings().alternate(repeats, {name: lambda f=file: one_event(f) for name, file in files.items()})
    figure("save (one action appended)", count, timings, Target(50, "ms"))


def program_section(paths: Paths, count: int, repeats: int) -> None:
    def send(link: Telemetry, program: Program) -> None:
        link.program(program, link.pump_file.contact().clock + timedelta(seconds=1))

    links = interrogated(paths)
    programs = {name: Program.from_memory(link.pump_file.contact()) for name, link in links.items()}
    timings = Timings().alternate(repeats, {name: lambda n=name: send(links[n], programs[n]) for name in links})
    figure("program + read-back", count, timings, Target(2))


def advance_section(paths: Paths, count: int, repeats: int) -> None:
    def ten_years(memory: PumpMemory) -> None:
        firmware.advance(memory, memory.clock + timedelta(days=3652))

    memories = {name: load_pump(path) for name, path in paths.items()}
    timings = Timings().alternate(repeats, {name: lambda m=memory: ten_years(m) for name, memory in memories.items()})
    figure("10-year advance", count, timings, Target(2))


def memory_section(paths: Paths, count: int, repeats: int) -> None:
    env = Children().env  # the project's bytecode compiled first: compiling sources would add to the peak
    old, new = (peak_memory_mb(path, env) for path in paths.values())
    verdict = "within" if old <= 150 else "ABOVE"
    print(f"  peak memory, pump show: {old:.1f} MB with {count:,} events, {new:.1f} MB with none")
    print(f"    ratio {old / new:.2f}x · target: ≤ 150 MB: {verdict}")


def interrogated(paths: Paths) -> dict[str, Telemetry]:
    """A link to each pump, interrogated: what a session holds before it acts."""
    links = {name: Telemetry(path) for name, path in paths.items()}
    for link in links.values():
        link.interrogate()
    return links


def figure(name: str, count: int, timings: Timings, target: Target) -> None:
    Figure(f"{name}, {count:,} events", timings["old"], {"baseline, no events": timings["new"]}, [target]).print()


SECTIONS: dict[str, Callable[[Paths, int, int], None]] = {
    "size": size_section,
    "open": open_section,
    "save": save_section,
    "program": program_section,
    "advance": advance_section,
    "memory": memory_section,
}


def main() -> None:
    parser = command_line(__doc__, repeats=21, sections=SECTIONS)
    parser.add_argument("--events", type=int, default=100_000, metavar="N", help="the old pump's events")
    options = parser.parse_args()
    count = options.events
    with tempfile.TemporaryDirectory(prefix="pump-age-") as folder:
        started = time.perf_counter()
        clock = IMPLANT + timedelta(minutes=5 * count + 60)  # both pumps alike but for their logs
        paths = {"old": Path(folder) / "old.pump", "new": Path(folder) / "new.pump"}
        for path, events in zip(paths.values(), (count, 1), strict=True):
            save_pump(path, pump(events, clock))
        print(f"{count:,} events written in {time.perf_counter() - started:.1f} s (setup, not measured)")
        header(f"A pump's actions with {count:,} events against none", options.repeats)
        for name in options.sections:
            SECTIONS[name](paths, count, options.repeats)


if __name__ == "__main__":
    main()
