"""The event log with a long pump log: showing it, changing its filters, and a new snapshot with one event more.

Run: /work/venv/bin/python benchmarks/event_log.py [--sizes 100000 1000000] [--repeats N]

For each size a pump file is written with that many events (years of boluses, alarms and programs,
as benchmarks/pump_age.py logs them; setup, not timed), and its log is shown in an EventLogView of
1280×800 (offscreen) through the view's own controls, processing events until painted:
  set, pump file    the log of the pump file as just read (its events not read yet), into a new view
  set, in memory    the same events held in memory (as issue 16 measured them)
  type filter       "All types" → "Alarm raised" (about half of the log)
  date filter       "From" moved to the middle of the log, the type filter still on
  one event more    a new snapshot of the pump: its log with one event appended, read back from the file
Baselines, timed in the same repetition, alternating with what they are the yardstick for:
  a bare table      a QTableView as the log's over a model of as many rows (each cell its row number), reset
                    and painted
  a pass over kinds `[kind is K for kind in kinds]`: the cheapest filter asking Python once per row
  a bare row added  one row inserted at the top of the bare table, painted
Medians over the repetitions, on the clock and in processor time (this process's: on a busy machine the clock
also counts waiting for a processor). Nothing is asserted: the figures and the issue's targets are printed for a
person to judge.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView

sys.path.insert(0, str(Path(__file__).parent))
from pump_age import IMPLANT, pump  # a benchmark beside this one: the same years of use

from programmer.pump.log import Event, EventKind
from programmer.pump.pumpfile import PumpFile, save_pump
from programmer.ui.event_log import EventLogView

SIZE = (1280, 800)
TARGETS = {100_000: (100, 30), 1_000_000: (1000, 100)}  # ms: set, a filter change (issue 16)


class BareModel(QAbstractTableModel):
    """As many rows as the log, three columns, each cell its row number: the least a table of them costs Qt."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self.count

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return str(index.row()) if role == Qt.ItemDataRole.DisplayRole else None

    def reset_to(self, count: int) -> None:
        self.beginResetModel()
        self.count = count
        self.endResetModel()

    def add_first(self) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.count += 1
        self.endInsertRows()


def settle(app: QApplication) -> None:
    app.processEvents()
    app.processEvents()


def timed_ms(app: QApplication, action: Callable[[], object]) -> tuple[float, float]:
    """Milliseconds from `action` to painted: on the clock, and of this process's processor time."""
    started, cpu = time.perf_counter(), time.process_time()
    action()
    settle(app)
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def shown(app: QApplication, widget):
    widget.resize(*SIZE)
    widget.show()
    settle(app)
    return widget


def closed(app: QApplication, widget) -> None:
    widget.close()
    widget.deleteLater()
    settle(app)


def measure(app: QApplication, count: int, repeats: int) -> dict[str, list[tuple[float, float]]]:
    with tempfile.TemporaryDirectory(prefix="event-log-bench-") as folder:  # 1,000,000 events: a quarter of a GB
        return measure_in(app, Path(folder) / "old.pump", count, repeats)


def measure_in(app: QApplication, path: Path, count: int, repeats: int) -> dict[str, list[tuple[float, float]]]:
    started = time.perf_counter()
    save_pump(path, pump(count, IMPLANT + timedelta(minutes=5 * count + 60)))
    in_memory = tuple(PumpFile(path).read().events)
    kinds = [event.kind for event in in_memory]
    print(f"\n{count:,} events: written, read and held in memory in {time.perf_counter() - started:.0f} s (setup)")
    middle = QDate(in_memory[len(in_memory) // 2].at.date())
    alarm_raised = EventKind.ALARM_RAISED
    figures: dict[str, list[tuple[float, float]]] = {}

    def note(name: str, value: tuple[float, float]) -> None:
        figures.setdefault(name, []).append(value)

    bare = BareModel()
    table = QTableView()
    table.verticalHeader().hide()  # as the event log's table: no row numbers, rows of one height
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.setModel(bare)
    shown(app, table)
    for _ in range(repeats):
        pump_file = PumpFile(path)
        memory = pump_file.read()  # as the programmer interrogates: the file checked, no event read
        view = shown(app, EventLogView())
        note("set, pump file", timed_ms(app, lambda v=view, m=memory: v.set_events(m.events)))
        bare.reset_to(0)
        note("a bare table", timed_ms(app, lambda: bare.reset_to(count)))
        combo = view.kind_combo
        note("type filter", timed_ms(app, lambda c=combo: c.setCurrentIndex(c.findText(alarm_raised.title))))
        note("a pass over kinds", timed_ms(app, lambda: [kind is alarm_raised for kind in kinds]))
        note("date filter", timed_ms(app, lambda v=view: v.from_edit.setDate(middle)))
        # One event more, as the programmer logs it: appended to the pump file and read back.
        later = Event(memory.clock + timedelta(minutes=1), EventKind.ALARM_CLEARED, "Low reservoir cleared: refilled")
        grown = pump_file.commit(replace(memory, clock=later.at, events=memory.events.plus(later)))
        note("one event more", timed_ms(app, lambda v=view, g=grown: v.set_events(g.events)))
        note("a bare row added", timed_ms(app, bare.add_first))
        closed(app, view)
        view = shown(app, EventLogView())
        note("set, in memory", timed_ms(app, lambda v=view: v.set_events(in_memory)))
        closed(app, view)
    closed(app, table)
    return figures


def report(count: int, figures: dict[str, list[tuple[float, float]]], repeats: int) -> None:
    wall = {name: statistics.median(value[0] for value in values) for name, values in figures.items()}
    cpu = {name: statistics.median(value[1] for value in values) for name, values in figures.items()}
    set_target, filter_target = TARGETS.get(count, (None, None))

    def line(name: str, baseline: str, target: float | None) -> None:
        within = target is not None and wall[name] <= target
        verdict = "" if target is None else f"   ({'within' if within else 'ABOVE'} target {target} ms)"
        print(f"  {name:<16} {wall[name]:8.1f} ms (processor {cpu[name]:.1f} ms){verdict}")
        print(
            f"    baseline, {baseline}: {wall[baseline]:.1f} ms (processor {cpu[baseline]:.1f} ms); "
            f"ratio {wall[name] / wall[baseline]:.2f}x (processor {cpu[name] / cpu[baseline]:.2f}x)"
        )

    print(f"Event log, {count:,} events ({repeats} runs, medians, offscreen {SIZE[0]}×{SIZE[1]})")
    print(f"  the machine's load over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} processors")
    line("set, pump file", "a bare table", set_target)
    line("set, in memory", "a bare table", set_target)
    line("type filter", "a pass over kinds", filter_target)
    line("date filter", "a pass over kinds", filter_target)
    line("one event more", "a bare row added", None)


def quiet_offscreen(mode, context, message: str) -> None:
    if "propagateSizeHints" not in message:  # the offscreen platform says it of every window shown
        print(message, file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=7, help="repetitions (at least 3; default 7)")
    arguments = parser.parse_args()
    qInstallMessageHandler(quiet_offscreen)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    repeats = max(3, arguments.repeats)
    for count in arguments.sizes:
        report(count, measure(app, count, repeats), repeats)


if __name__ == "__main__":
    main()
