"""Startup benchmark: the real programmer against a bare PySide6 + pyqtgraph window, and their peak memory.

Run: /work/venv/bin/python benchmarks/startup.py [--repeats N]

Each repetition starts a fresh interpreter (QT_QPA_PLATFORM=offscreen) that shows its window,
paints it once into a PNG at 1280×800 and exits; the time is from spawning the process to its
exit. The programmer does it with `python -m programmer --screenshot FILE` (open the demo pump,
interrogate, paint); the baseline is a QMainWindow holding one pyqtgraph PlotWidget, painted the
same way. Runs alternate between the two so machine noise falls on both. Peak memory is each
child's maximum resident set size, from os.wait4 (the rusage of that child alone).
"Cold" here means a new process each time; the operating system's file cache stays warm. Beside the
wall time, each child's processor time (user + system, from the same rusage): on a busy machine the
wall time also counts waiting for a processor. (The event log with 100,000 events and more:
benchmarks/event_log.py.) Nothing is asserted: figures and targets are printed for a person to judge.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_RATIO = 1.3
TARGET_PEAK_MB = 250.0
SIZE = (1280, 800)

BASELINE_SCRIPT = f"""
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
import pyqtgraph as pg

app = QApplication(sys.argv[:1])
window = QMainWindow()
plot = pg.PlotWidget()
plot.plot([0, 1, 2, 3], [20, 17, 14, 11])
window.setCentralWidget(plot)
window.resize(*{SIZE})
window.show()
app.processEvents()
sys.exit(0 if window.grab().save(sys.argv[1]) else 1)
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    processor_seconds: float


def run_child(command: list[str], env: dict[str, str]) -> Run:
    """Wall time from spawn to exit, and the child's own peak resident memory."""
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: a chatty child can never block on it
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace")
            raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}:\n{message}")
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    peak_bytes = usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024
    return Run(seconds, peak_bytes / (1024 * 1024), usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="repetitions of each (at least 5; default 7)")
    repeats = max(5, parser.parse_args().repeats)

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as folder:
        folder_path = Path(folder)
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PROGRAMMER_DATA_DIR": str(folder_path / "data")}
        # As on an installed machine, compiled bytecode is reused from run to run (the untimed first run
        # writes it): a machine set to never write bytecode would otherwise recompile the project each time.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder_path / "pycache")
        app_command = [sys.executable, "-m", "programmer", "--screenshot", str(folder_path / "programmer.png")]
        baseline_command = [sys.executable, "-c", BASELINE_SCRIPT, str(folder_path / "baseline.png")]

        # One untimed run each: the first copies the demo pump, writes bytecode and fills the file cache.
        run_child(app_command, env)
        run_child(baseline_command, env)
        app_runs, baseline_runs = [], []
        for _ in range(repeats):
            app_runs.append(run_child(app_command, env))
            baseline_runs.append(run_child(baseline_command, env))

    app_seconds = statistics.median(run.seconds for run in app_runs)
    baseline_seconds = statistics.median(run.seconds for run in baseline_runs)
    ratio = app_seconds / baseline_seconds
    app_peak = max(run.peak_mb for run in app_runs)
    baseline_peak = max(run.peak_mb for run in baseline_runs)

    def verdict(ok: bool) -> str:
        return "within" if ok else "ABOVE"

    print(f"Startup to first painted window ({repeats} runs each, medians, offscreen, {SIZE[0]}×{SIZE[1]})")
    print(f"  programmer (demo pump, interrogated): {app_seconds * 1000:.0f} ms")
    print(f"  baseline, bare PySide6 + pyqtgraph window: {baseline_seconds * 1000:.0f} ms")
    print(f"  ratio: {ratio:.2f}x the baseline ({verdict(ratio <= TARGET_RATIO)} target {TARGET_RATIO}x)")
    app_cpu = statistics.median(run.processor_seconds for run in app_runs)
    baseline_cpu = statistics.median(run.processor_seconds for run in baseline_runs)
    print(
        f"  processor time: programmer {app_cpu * 1000:.0f} ms, baseline {baseline_cpu * 1000:.0f} ms, "
        f"ratio {app_cpu / baseline_cpu:.2f}x"
    )
    print("Peak resident memory (largest of the runs)")
    print(f"  programmer: {app_peak:.0f} MB ({verdict(app_peak <= TARGET_PEAK_MB)} target {TARGET_PEAK_MB:.0f} MB)")
    print(f"  baseline: {baseline_peak:.0f} MB")



if __name__ == "__main__":
    main()
