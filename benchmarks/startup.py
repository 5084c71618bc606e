"""Startup benchmark: the real programmer against a bare PySide6 + pyqtgraph window, and their peak memory.

Run: /work/venv/bin/python benchmarks/startup.py [--repeats N]
--repeats N   runs of each, alternating (default 7)

Each run starts a fresh interpreter (QT_QPA_PLATFORM=offscreen) that shows its window, paints it
once into a PNG at 1280×800 and exits; the time is from spawning the process to its exit. The
programmer does it with `python -m programmer --screenshot FILE` (open the demo pump, interrogate,
paint); the baseline is a QMainWindow holding one pyqtgraph PlotWidget, painted the same way.
"Cold" here means a new process each time; the operating system's file cache stays warm, and the
project's bytecode is compiled beforehand, as installed (benchmarks/timing.py, Children). Beside the
wall time, each child's processor time; its peak resident memory is the largest of its runs. Targets
(issue 16): at most 1.3x the baseline; the window's peak memory not above today's, about 144 MB.
(The event log with 100,000 events and more: benchmarks/event_log.py.) Nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from timing import Children, Figure, Target, Timings, command_line, header

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


def main() -> None:
    repeats = command_line(__doc__, repeats=7).parse_args().repeats
    with tempfile.TemporaryDirectory(prefix="startup-bench-") as folder:
        children = Children(QT_QPA_PLATFORM="offscreen", PROGRAMMER_DATA_DIR=str(Path(folder) / "data"))
        commands = {  # the untimed first run of each copies the demo pump and fills the file cache
            "programmer": [sys.executable, "-m", "programmer", "--screenshot", str(Path(folder) / "programmer.png")],
            "baseline": [sys.executable, "-c", BASELINE_SCRIPT, str(Path(folder) / "baseline.png")],
        }
        timings = Timings().alternate(repeats, commands, measure=children.run)
    header(f"Startup to first painted window, offscreen, {SIZE[0]}×{SIZE[1]}", repeats, Children.NOTE)
    Figure(
        "programmer (demo pump, interrogated)",
        timings["programmer"],
        {"baseline, bare PySide6 + pyqtgraph window": timings["baseline"]},
        [Target(1.3), Target(144, "MB")],
    ).print()


if __name__ == "__main__":
    main()
