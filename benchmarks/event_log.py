"""The event log with a long pump log: showing it, changing its filters, and a new snapshot with one event more.

Run: /work/venv/bin/python benchmarks/event_log.py [--sizes 100000 1000000] [--repeats N]
--sizes N ...  how many events in the log, each a benchmark of its own (default 100000 1000000)
--repeats N    runs of each, alternating (default 7)

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
Medians on the clock and in processor time, and the ratios (benchmarks/timing.py). Targets (issue 16):
set ≤ 100 ms and a filter change ≤ 30 ms at 100,000 events; ≤ 1 s and ≤ 100 ms at 1,000,000.
Nothing is asserted.
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from msgspec.structs import replace
from pump_age import IMPLANT, pump  # a benchmark beside this one: the same years of use
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, Qt
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView
from timing import Figure, Target, Timings, command_line, header, offscreen_app, settle

from programmer.pump.log import Event, EventKind
from programmer.pump.pumpfile import PumpFile, save_pump
from programmer.ui.event_log import EventLogView

SIZE = (1280, 800)
TARGETS = {  # issue 16's, by the log's size: setting the log, a filter change
    100_000: ([Target(100, "ms")], [Target(30, "ms")]),
    1_000_000: ([Target(1000, "ms")], [Target(100, "ms")]),
}


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


def shown(app: QApplication, widget):
    widget.resize(*SIZE)
    widget.show()
    settle(app)
    return widget


def closed(app: QApplication, widget) -> None:
    widget.close()
    widget.deleteLater()
    settle(app)


def measure(app: QApplication, count: int, repeats: int) -> Timings:
    with tempfile.TemporaryDirectory(prefix="event-log-bench-") as folder:  # 1,000,000 events: a quarter of a GB
        return measure_in(app, Path(folder) / "old.pump", count, repeats)


def measure_in(app: QApplication, path: Path, count: int, repeats: int) -> Timings:
    started = time.perf_counter()
    save_pump(path, pump(count, IMPLANT + timedelta(minutes=5 * count + 60)))
    in_memory = tuple(PumpFile(path).read().events)
    kinds = [event.kind for event in in_memory]
    print(f"\n{count:,} events: written, read and held in memory in {time.perf_counter() - started:.0f} s (setup)")
    middle = QDate(in_memory[len(in_memory) // 2].at.date())
    alarm_raised = EventKind.ALARM_RAISED
    timings = Timings(then=lambda: settle(app))

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
        timings.time("set, pump file", lambda v=view, m=memory: v.set_events(m.events))
        bare.reset_to(0)
        timings.time("a bare table", lambda: bare.reset_to(count))
        combo = view.kind_combo
        timings.time("type filter", lambda c=combo: c.setCurrentIndex(c.findText(alarm_raised.title)))
        timings.time("a pass over kinds", lambda: [kind is alarm_raised for kind in kinds])
        timings.time("date filter", lambda v=view: v.from_edit.setDate(middle))
        # One event more, as the programmer logs it: appended to the pump file and read back.
        later = Event(memory.clock + timedelta(minutes=1), EventKind.ALARM_CLEARED, "Low reservoir cleared: refilled")
        grown = pump_file.commit(replace(memory, clock=later.at, events=memory.events.plus(later)))
        timings.time("one event more", lambda v=view, g=grown: v.set_events(g.events))
        timings.time("a bare row added", bare.add_first)
        closed(app, view)
        view = shown(app, EventLogView())
        timings.time("set, in memory", lambda v=view: v.set_events(in_memory))
        closed(app, view)
    closed(app, table)
    return timings


def report(count: int, timings: Timings, repeats: int) -> None:
    set_target, filter_target = TARGETS.get(count, ([], []))
    header(f"Event log, {count:,} events, offscreen {SIZE[0]}×{SIZE[1]}", repeats)
    for name, baseline, targets in (
        ("set, pump file", "a bare table", set_target),
        ("set, in memory", "a bare table", set_target),
        ("type filter", "a pass over kinds", filter_target),
        ("date filter", "a pass over kinds", filter_target),
        ("one event more", "a bare row added", []),
    ):
        Figure(name, timings[name], {f"baseline, {baseline}": timings[baseline]}, targets).print()


def main() -> None:
    parser = command_line(__doc__, repeats=7)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000], metavar="N")
    options = parser.parse_args()
    app = offscreen_app()
    for count in options.sizes:
        report(count, measure(app, count, options.repeats), options.repeats)


if __name__ == "__main__":
    main()
