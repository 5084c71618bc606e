"""What every benchmark here shares: samples, alternating runs, new processes, the command line, the figures.

A sample is one run of an action: its time on the clock, its processor time (on a busy machine the
clock also counts waiting for a processor) and, for a new process, its peak resident memory. A
benchmark takes its samples in turns, what it measures and its baselines run by run, so the machine's
noise falls on all of them, and prints medians and their ratios. Nothing is asserted: targets are printed
beside the figures for a person to judge.

This module imports nothing of the project, and Qt only when a Qt benchmark asks for its application:
a benchmark of new processes stays a small parent (see Children.run).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PACKAGE = "programmer"  # the project's package, compiled before new processes are timed


# --- the command line -----------------------------------------------------------------------------------------------


def command_line(doc: str, *, repeats: int, sections: Iterable[str] = ()) -> argparse.ArgumentParser:
    """Every benchmark's command line: the sections to run (by name, default all, in their order) and --repeats.

    `--help` prints the benchmark's docstring. A benchmark adds its own options to the parser it gets.
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    names = list(sections)
    if names:

        def section(name: str) -> str:
            if name not in names:
                raise argparse.ArgumentTypeError(f"no section {name!r} (choose from {', '.join(names)})")
            return name

        parser.add_argument(
            "sections",
            nargs="*",
            type=section,
            default=names,
            metavar="SECTION",
            help=f"what to measure (default: all: {' '.join(names)})",
        )
    parser.add_argument(
        "--repeats", type=_positive, default=repeats, help=f"runs of each action, alternating (default {repeats})"
    )
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


# --- samples --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall_ms: float
    processor_ms: float
    peak_mb: float | None = None  # a new process's peak resident memory, where it could be told


@dataclass
class Samples:
    taken: list[Sample] = field(default_factory=list)

    @property
    def wall_ms(self) -> float:
        return statistics.median(sample.wall_ms for sample in self.taken)

    @property
    def processor_ms(self) -> float:
        return statistics.median(sample.processor_ms for sample in self.taken)

    @property
    def peak_mb(self) -> float | None:
        """The largest of the runs' peaks (None if any run's could not be told)."""
        peaks = [sample.peak_mb for sample in self.taken]
        return None if not peaks or None in peaks else max(peaks)


class Timings:
    """Samples by name, as a benchmark takes them.

    `then` runs after each timed action and counts in its time: a Qt benchmark's `settle`, so that what is
    timed is the action up to the window painted.
    """

    def __init__(self, then: Callable[[], object] | None = None) -> None:
        self.samples: dict[str, Samples] = {}
        self.then = then

    def __getitem__(self, name: str) -> Samples:
        return self.samples[name]

    def add(self, name: str, sample: Sample) -> None:
        self.samples.setdefault(name, Samples()).taken.append(sample)

    def timed(self, action: Callable[[], object]) -> Sample:
        """One run of `action` in this process: the clock, and this process's processor time (all its threads)."""
        started, processor = time.perf_counter(), time.process_time()
        action()
        if self.then is not None:
            self.then()
        return Sample((time.perf_counter() - started) * 1000, (time.process_time() - processor) * 1000)

    def time(self, name: str, action: Callable[[], object]) -> None:
        self.add(name, self.timed(action))

    def alternate(
        self,
        repeats: int,
        actions: Mapping[str, Any],
        *,
        setup: Mapping[str, Callable[[], object]] | None = None,
        measure: Callable[[Any], Sample] | None = None,
    ) -> Timings:
        """Each action `repeats` times, taking turns run by run; one untimed run of each first (caches, imports).

        `setup[name]` runs before each run of that action, untimed. `measure` takes one sample of an action:
        by default `timed` (the actions are callables); `Children(...).run` for commands.
        """
        measure = measure or self.timed
        setup = setup or {}
        for repetition in range(repeats + 1):
            for name, action in actions.items():
                if name in setup:
                    setup[name]()
                sample = measure(action)
                if repetition:  # the first is the untimed warm-up
                    self.add(name, sample)
        return self


# --- new processes --------------------------------------------------------------------------------------------------


class Children:
    """New interpreters, each timed from spawn to exit, as a user starts a command.

    As on an installed machine, the project's bytecode is compiled once, here, before any timing, and
    the children run without PYTHONDONTWRITEBYTECODE: where it is set (this shell, a CI), every start
    would otherwise measure compiling the project's sources.
    """

    NOTE = "new processes; the project's bytecode compiled beforehand, PYTHONDONTWRITEBYTECODE unset, as installed"

    def __init__(self, **env: str) -> None:
        self.env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"} | env
        spec = importlib.util.find_spec(PACKAGE)  # found, not imported
        if spec is None or not spec.submodule_search_locations:
            raise SystemExit(f"{PACKAGE} is not installed here (pip install -e .)")
        folder = next(iter(spec.submodule_search_locations))
        subprocess.run([sys.executable, "-m", "compileall", "-q", folder], env=self.env, check=True)

    def run(self, command: Sequence[str]) -> Sample:
        """One run of `command`: the clock from spawn to exit, the child's processor time (user + system) and peak.

        Both from os.wait4, the rusage of that child alone. On Linux a child's peak starts at its parent's
        resident size (the parent's memory is shared or copied until exec), so the peak is told only where
        the child's is above this process's own; otherwise it is None.
        """
        parent_peak = _peak_mb(resource.getrusage(resource.RUSAGE_SELF))
        with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child can never block on it
            started = time.perf_counter()
            process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=errors)
            _, status, usage = os.wait4(process.pid, 0)
            wall_ms = (time.perf_counter() - started) * 1000
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode != 0:
                errors.seek(0)
                message = errors.read().decode(errors="replace")
                raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{message}")
        peak = _peak_mb(usage)
        return Sample(wall_ms, (usage.ru_utime + usage.ru_stime) * 1000, peak if peak > parent_peak else None)


def _peak_mb(usage: resource.struct_rusage) -> float:
    return usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)  # bytes on macOS, kB on Linux


# --- Qt -------------------------------------------------------------------------------------------------------------


def offscreen_app() -> Any:
    """The QApplication of a Qt benchmark, offscreen, without the offscreen platform's chatter."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler  # here: a benchmark of new processes never imports Qt
    from PySide6.QtWidgets import QApplication

    qInstallMessageHandler(_quiet_offscreen)
    return QApplication.instance() or QApplication(sys.argv[:1])


def _quiet_offscreen(mode: object, context: object, message: str) -> None:
    if "propagateSizeHints" not in message:  # the offscreen platform says it of every window shown
        print(message, file=sys.stderr)


def settle(app: Any) -> None:
    """Process events until what an action changed is painted (a paint may post one more event)."""
    app.processEvents()
    app.processEvents()


# --- the figures ----------------------------------------------------------------------------------------------------


def header(title: str, repeats: int, *notes: str) -> None:
    """The line that opens a benchmark's figures: what, how many runs, and how; then the machine's load."""
    print(f"{title} ({'; '.join((f'{repeats} alternating runs, medians', *notes))})")
    print(f"  the machine's load over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")


@dataclass(frozen=True)
class Target:
    """At most `limit`: "x" the ratio to the figure's first baseline, "ms" the median itself, "MB" the peak."""

    limit: float
    unit: str = "x"
    processor: bool = False  # the processor time's, rather than the clock's

    def verdict(self, figure: Figure) -> str:
        if self.unit == "MB":
            value, what = figure.samples.peak_mb, f"{self.limit:g} MB at peak"
        else:
            kind = "processor_ms" if self.processor else "wall_ms"
            value = getattr(figure.samples, kind)
            if self.unit == "x":
                value /= getattr(next(iter(figure.baselines.values())), kind)
            what = f"{self.limit:g}{'x the baseline' if self.unit == 'x' else ' ms'}"
            what += " in processor time" if self.processor else " on the clock"
        return f"≤ {what}: {'unknown' if value is None else 'within' if value <= self.limit else 'ABOVE'}"


@dataclass(frozen=True)
class Figure:
    """A measured action's medians, and its ratios to what it is compared with, each on a line of its own.

    `baselines`: label → samples, e.g. {"baseline, python -c pass": ...}; ratio targets are to the first.
    """

    name: str
    samples: Samples
    baselines: Mapping[str, Samples] = field(default_factory=dict)
    targets: Sequence[Target] = ()

    def print(self) -> None:
        print(f"  {self.name}: {_figures(self.samples)}")
        for label, baseline in self.baselines.items():
            wall, processor = (getattr(self.samples, kind) / getattr(baseline, kind) for kind in _KINDS)
            print(f"    {label}: {_figures(baseline)} · ratio {_ratio(wall)}, processor {_ratio(processor)}")
        if self.targets:
            print(f"    target: {' · '.join(target.verdict(self) for target in self.targets)}")


_KINDS = ("wall_ms", "processor_ms")


def _figures(samples: Samples) -> str:
    peak = "" if samples.peak_mb is None else f", peak {samples.peak_mb:.0f} MB"
    return f"{_ms(samples.wall_ms)}, processor {_ms(samples.processor_ms)}{peak}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value >= 1 else f"{value:.3g}x"


def _ms(value: float) -> str:
    decimals = 0 if value >= 100 else 1 if value >= 10 else 2 if value >= 1 else 3
    return f"{value:.{decimals}f} ms"
