"""The pump's event log as a table: filter by type and date, sort by any column.

A pump that has run for years holds a hundred thousand events or more. A row is a position in the
log, and the model filters and sorts by itself, on arrays of positions: never a Python call per
row (a QSortFilterProxyModel asks `filterAcceptsRow` once per row on every change). A pump logs in
time order, so a date range is a span of positions found by halving (in the file, by its index),
and the events of each kind are a list of positions, read once from the file's index. An event is
read only when its row is on screen (a screenful at a time); its type's title is its kind's.
A new snapshot that only appended events to the log shown adds their rows; any other log replaces all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from itertools import chain, islice
from operator import attrgetter, le
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyleOptionHeader,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from programmer.pump.memory import Event, EventKind, PumpLog
from programmer.session.events import ProgrammerEvents
from programmer.ui.binding import bind
from programmer.wording import moment_text

DATE_EDIT_FORMAT = "yyyy-MM-dd"

TIME_COLUMN, TYPE_COLUMN, DESCRIPTION_COLUMN = range(3)
HEADERS = ("Date and time", "Type", "Description")
EVENT_ROLE = Qt.ItemDataRole.UserRole  # the Event itself, for the window (e.g. to open details)

_SCREENFUL = 64  # rows whose events are read at once, from the first one asked for
_EVENTS_KEPT = 4096  # events read for the screen, kept until there are more
_NONE = np.empty(0, np.intp)


def details_text(event: Event) -> str:
    """The tooltip: the description, then one 'label: value' line per logged detail, each with its unit."""
    lines = [event.text]
    if event.details is not None:
        lines += [f"{label}: {value}" for label, value in event.details.lines()]
    return "\n".join(lines)


def _between(positions: np.ndarray, first: int, end: int) -> np.ndarray:
    """The positions (in order) from `first` to `end` − 1."""
    return positions[np.searchsorted(positions, first) : np.searchsorted(positions, end)]


def _in_order(events: Sequence[Event]) -> bool:
    times = [event.at for event in events]
    return all(map(le, times, islice(times, 1, None)))


_Index = QModelIndex | QPersistentModelIndex


class EventLogModel(QAbstractTableModel):
    """Read-only table of a pump's events, showing those of one type (or all) within a date range, sorted."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._log = PumpLog()  # in time order
        self._by_kind: dict[EventKind, np.ndarray] = {}  # each kind's positions, in order
        self._texts: list[str] | None = None  # folded for sorting: read only when sorted by description
        self._by_text: np.ndarray | None = None  # every position, in the order of its text
        self._read: dict[int, Event] = {}  # the events read for the screen, by position
        self._kind: EventKind | None = None
        self._first_day: date | None = None
        self._last_day: date | None = None
        self._sort_column = TIME_COLUMN
        self._sort_order = Qt.SortOrder.DescendingOrder  # newest first
        self._rows = _NONE  # row -> position in the log: the events shown, in order

    # --- the events --------------------------------------------------------------
    def set_events(self, events: Iterable[Event]) -> None:
        """Show `events`: what shows is read from a pump's log only for the rows on screen."""
        log = PumpLog.of(events)
        if log is self._log:
            return
        if len(self._log) and log.extends(self._log):
            added = log.at(range(len(self._log), len(log)))
            if _in_order([self._log[-1], *added]):
                self._append(log, added)
                return
        if not log.in_time_order():  # only a log put together by hand: shown in the order a pump logs
            log = PumpLog(sorted(log, key=attrgetter("at")))
        self.beginResetModel()
        self._log = log
        self._by_kind = {kind: np.array(found, np.intp) for kind, found in log.kind_positions().items()}
        self._texts = self._by_text = None
        self._read = {}
        self._rows = self._shown()
        self.endResetModel()

    def _append(self, log: PumpLog, added: list[Event]) -> None:
        """Events logged after those shown: their rows are added, the others stay as they are (and selected)."""
        first = len(self._log)
        self._log = log
        if not added:
            return
        positions = range(first, first + len(added))
        for kind in {event.kind for event in added}:
            found = [position for position, event in zip(positions, added, strict=True) if event.kind is kind]
            self._by_kind[kind] = np.concatenate((self._by_kind.get(kind, _NONE), found)).astype(np.intp)
        if self._texts is not None:  # sorted by description once: keep the order, the new events put in it
            self._texts += [event.text.casefold() for event in added]
            # Nearly in order already, so sorting takes one pass; equal texts keep their log order.
            order = chain(self._text_order().tolist(), positions)
            self._by_text = np.array(sorted(order, key=self._texts.__getitem__), np.intp)
        rows = self._shown()
        if self._sort_column != TIME_COLUMN:
            self._relayout(rows)  # the new rows fall among the others
            return
        count = len(rows) - len(self._rows)  # by time, the new rows come last: first when newest first
        if count:
            at = 0 if self._sort_order == Qt.SortOrder.DescendingOrder else len(self._rows)
            self.beginInsertRows(QModelIndex(), at, at + count - 1)
            self._rows = rows
            self.endInsertRows()

    @property
    def events(self) -> Sequence[Event]:
        return self._log

    @property
    def total(self) -> int:
        """How many events the log holds, shown or not."""
        return len(self._log)

    def first_and_last_day(self) -> tuple[date, date] | None:
        """The days of the first and the last event, or None when the log is empty (not `span`: Qt's is a cell's)."""
        return (self._log[0].at.date(), self._log[-1].at.date()) if len(self._log) else None

    def _event(self, row: int) -> Event:
        """The event shown in `row`: read with the rest of its screenful, if not read yet."""
        position = int(self._rows[row])
        event = self._read.get(position)
        if event is None:
            if len(self._read) > _EVENTS_KEPT:
                self._read = {}
            positions = np.sort(self._rows[row : row + _SCREENFUL]).tolist()  # in log order, as a log reads
            self._read.update(zip(positions, self._log.at(positions), strict=True))
            event = self._read[position]
        return event

    # --- the filter ----------------------------------------------------------------
    @property
    def kind(self) -> EventKind | None:
        return self._kind

    @property
    def date_range(self) -> tuple[date | None, date | None]:
        return self._first_day, self._last_day

    def set_kind(self, kind: EventKind | None) -> None:
        self.set_filter(kind, self._first_day, self._last_day)

    def set_date_range(self, first_day: date | None, last_day: date | None) -> None:
        """Show events from the start of `first_day` to the end of `last_day` (None: no bound)."""
        self.set_filter(self._kind, first_day, last_day)

    def set_filter(self, kind: EventKind | None, first_day: date | None, last_day: date | None) -> None:
        """Change type and dates together, filtering once."""
        if (kind, first_day, last_day) == (self._kind, self._first_day, self._last_day):
            return
        self._kind, self._first_day, self._last_day = kind, first_day, last_day
        self._relayout(self._shown())

    def _dated(self) -> tuple[int, int]:
        """The positions of the events within the date range: from the first to the last + 1."""
        log = self._log
        first = 0 if self._first_day is None else log.position_at(datetime.combine(self._first_day, time.min))
        if self._last_day is None:
            return first, len(log)
        return first, max(first, log.position_at(datetime.combine(self._last_day + timedelta(days=1), time.min)))

    def _shown(self) -> np.ndarray:
        """The positions shown, row by row: the filter's, in the sort order."""
        first, end = self._dated()
        kinds = [self._kind] if self._kind is not None else sorted(self._by_kind, key=attrgetter("title"))
        if self._sort_column == DESCRIPTION_COLUMN:
            order = self._text_order()
            kept = (order >= first) & (order < end)
            if self._kind is not None:
                of_kind = np.zeros(len(self._log), bool)
                of_kind[self._by_kind.get(self._kind, _NONE)] = True
                kept &= of_kind[order]
            rows = order[kept]
        elif self._sort_column == TIME_COLUMN and self._kind is None:
            rows = np.arange(first, end, dtype=np.intp)
        else:  # by type (titles in alphabetical order), or by time within one type: each kind's span in order
            found = [_between(self._by_kind.get(kind, _NONE), first, end) for kind in kinds]
            rows = np.concatenate(found) if found else _NONE
        # Descending is ascending read backwards: of two events logged at the same minute, the later comes first.
        return rows[::-1] if self._sort_order == Qt.SortOrder.DescendingOrder else rows

    # --- sorting -------------------------------------------------------------------
    def _text_order(self) -> np.ndarray:
        """Every position in the order of its text (any case); equal texts keep their log order."""
        if self._texts is None:
            self._texts = [text.casefold() for text in self._log.texts()]
            self._by_text = None
        if self._by_text is None:
            self._by_text = np.array(sorted(range(len(self._texts)), key=self._texts.__getitem__), np.intp)
        return self._by_text

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS) or (column, order) == (self._sort_column, self._sort_order):
            return  # QTableView.sortByColumn asks twice
        self._sort_column, self._sort_order = column, order
        self._relayout(self._shown())

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def _relayout(self, rows: np.ndarray) -> None:
        """Show `rows` instead: selections and the current row follow their events (or go, when filtered out)."""
        self.layoutAboutToBeChanged.emit()
        persistent = self.persistentIndexList()
        positions = [int(self._rows[index.row()]) for index in persistent]
        self._rows = rows
        if persistent:
            row_of = np.full(len(self._log), -1, np.intp)
            row_of[rows] = np.arange(len(rows))
            for index, position in zip(persistent, positions, strict=True):
                row = int(row_of[position])
                self.changePersistentIndex(index, self.index(row, index.column()) if row >= 0 else QModelIndex())
        self.layoutChanged.emit()

    # --- QAbstractTableModel -------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            event = self._event(index.row())
            column = index.column()
            if column == TIME_COLUMN:
                return moment_text(event.at)
            return event.kind.title if column == TYPE_COLUMN else event.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return details_text(self._event(index.row()))
        if role == EVENT_ROLE:
            return self._event(index.row())
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return HEADERS[section] if 0 <= section < len(HEADERS) else None
        return section + 1

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


_ARROW = QStyleOptionHeader.SortIndicator
# Qt's own styles draw its sort arrows the other way round from what a nurse reads: ▲ for newest first (Qt maps
# descending order to SortUp, drawn pointing up). A platform's native style (Windows, macOS) turns them itself.
_QT_DRAWN_STYLES = {"fusion", "windows"}


class SortArrowHeader(QHeaderView):
    """A header whose sort arrow points the way the rows go: ▲ oldest first (ascending), ▼ newest first."""

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self.setSectionsClickable(True)  # as QTableView's own header
        self.setHighlightSections(True)

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logical_index: int) -> None:
        super().initStyleOptionForIndex(option, logical_index)
        if QApplication.style().name().lower() in _QT_DRAWN_STYLES:
            turned = {_ARROW.SortUp: _ARROW.SortDown, _ARROW.SortDown: _ARROW.SortUp}
            option.sortIndicator = turned.get(option.sortIndicator, option.sortIndicator)


class EventLogView(QWidget):
    """Type and date filters above a sortable table of the pump's events, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventLog")
        self.setAccessibleName("Event log")
        self.model = EventLogModel(self)
        self._data_first_day: date | None = None
        self._data_last_day: date | None = None

        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("eventLogKind")
        self.kind_combo.setAccessibleName("Event type")
        self.kind_combo.addItem("All types", None)
        for kind in EventKind:
            self.kind_combo.addItem(kind.title, kind.value)  # Qt keeps a plain str

        self.from_edit = self._date_edit("eventLogFrom", "Show events from")
        self.to_edit = self._date_edit("eventLogTo", "Show events to")

        self.show_all_button = QPushButton("Show all", self)
        self.show_all_button.setObjectName("eventLogShowAll")
        self.show_all_button.setAccessibleName("Show all events")

        self.count_label = QLabel(self)
        self.count_label.setObjectName("eventLogCount")
        self.count_label.setAccessibleName("Number of events shown")

        self.table = QTableView(self)
        self.table.setHorizontalHeader(SortArrowHeader(Qt.Orientation.Horizontal, self.table))
        self.table.setObjectName("eventLogTable")
        self.table.setAccessibleName("Pump events")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        # Fixed row heights and header-sized columns: nothing measures 100 000 rows.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        header.resizeSection(TIME_COLUMN, metrics.horizontalAdvance("0000-00-00 00:00") + 24)
        header.resizeSection(TYPE_COLUMN, metrics.horizontalAdvance("Alarm cleared") + 24)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(TIME_COLUMN, Qt.SortOrder.DescendingOrder)

        filters = QHBoxLayout()
        filters.addWidget(self._label("Type:", self.kind_combo))
        filters.addWidget(self.kind_combo)
        filters.addWidget(self._label("From:", self.from_edit))
        filters.addWidget(self.from_edit)
        filters.addWidget(self._label("To:", self.to_edit))
        filters.addWidget(self.to_edit)
        filters.addWidget(self.show_all_button)
        filters.addStretch(1)
        filters.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(filters)
        layout.addWidget(self.table)

        self.kind_combo.currentIndexChanged.connect(self._apply_filter)
        self.from_edit.dateChanged.connect(self._from_changed)
        self.to_edit.dateChanged.connect(self._to_changed)
        self.show_all_button.clicked.connect(self.show_all)
        self._set_date_bounds()
        self._update_count()

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = QDateEdit(self)
        edit.setObjectName(name)
        edit.setAccessibleName(accessible)
        edit.setDisplayFormat(DATE_EDIT_FORMAT)
        edit.setCalendarPopup(True)
        return edit

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    # --- public ----------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Show the log of each new snapshot of the pump (none while no pump is connected)."""
        bind(self, events.snapshot, lambda memory: self.set_events(memory.events if memory is not None else ()))

    def set_events(self, events: Iterable[Event]) -> None:
        self.model.set_events(events)
        self._set_date_bounds()
        self._apply_filter()

    def show_all(self) -> None:
        """Every type, every date."""
        with _blocked(self.kind_combo, self.from_edit, self.to_edit):
            self.kind_combo.setCurrentIndex(0)
            if self._data_first_day is not None and self._data_last_day is not None:
                self.from_edit.setDate(QDate(self._data_first_day))
                self.to_edit.setDate(QDate(self._data_last_day))
        self._apply_filter()

    @property
    def shown_count(self) -> int:
        return self.model.rowCount()

    # --- filters -----------------------------------------------------------------
    def _set_date_bounds(self) -> None:
        """Start the pickers at the log's first and last day; a picker left there follows the log.

        No date range is set on the pickers: Qt then refuses the in-between dates of typing.
        """
        span = self.model.first_and_last_day()
        old_first, old_last = self._data_first_day, self._data_last_day
        if span is None:
            self._data_first_day = self._data_last_day = None
            self.from_edit.setEnabled(False)
            self.to_edit.setEnabled(False)
            return
        first, last = span
        self._data_first_day, self._data_last_day = first, last
        with _blocked(self.from_edit, self.to_edit):
            following_from = old_first is None or self.from_edit.date().toPython() == old_first
            following_to = old_last is None or self.to_edit.date().toPython() == old_last
            self.from_edit.setEnabled(True)
            self.to_edit.setEnabled(True)
            if following_from:
                self.from_edit.setDate(QDate(first))
            if following_to:
                self.to_edit.setDate(QDate(last))

    def _from_changed(self, value: QDate) -> None:
        if value > self.to_edit.date():  # keep the range the right way round
            with _blocked(self.to_edit):
                self.to_edit.setDate(value)
        self._apply_filter()

    def _to_changed(self, value: QDate) -> None:
        if value < self.from_edit.date():
            with _blocked(self.from_edit):
                self.from_edit.setDate(value)
        self._apply_filter()

    def _apply_filter(self) -> None:
        value = self.kind_combo.currentData()
        kind = EventKind(value) if value else None
        if self._data_first_day is None:
            self.model.set_filter(kind, None, None)
        else:
            first = self.from_edit.date().toPython()
            last = self.to_edit.date().toPython()
            # The whole log's span is no date filter at all: that skips a pass over every event.
            self.model.set_filter(
                kind,
                None if first <= self._data_first_day else first,
                None if last >= self._data_last_day else last,
            )
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(f"{self.model.rowCount():,} of {self.model.total:,} events")


@contextmanager
def _blocked(*widgets: QWidget) -> Iterator[None]:
    """Change widgets without their signals refiltering halfway through."""
    previous = [widget.blockSignals(True) for widget in widgets]
    try:
        yield
    finally:
        for widget, was_blocked in zip(widgets, previous, strict=True):
            widget.blockSignals(was_blocked)
