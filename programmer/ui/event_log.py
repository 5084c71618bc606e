"""The pump's event log as a table: filter by type and date, sort by any column.

A pump that has run for years holds tens of thousands of events, so nothing here
does Python work per row except building plain lists once in `set_events`: text is
formatted only for the rows on screen, sorting reorders an index list with
`sorted()` on cached keys (Qt's own sort would call back into Python for every
comparison), and the filter answers `filterAcceptsRow` from a precomputed list.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
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

def details_text(event: Event) -> str:
    """The tooltip: the description, then one 'label: value' line per logged detail, each with its unit."""
    lines = [event.text]
    if event.details is not None:
        lines += [f"{label}: {value}" for label, value in event.details.lines()]
    return "\n".join(lines)


_Index = QModelIndex | QPersistentModelIndex


class EventLogModel(QAbstractTableModel):
    """Read-only table over a tuple of Events; rows follow the current sort order."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._events: Sequence[Event] = ()
        self._times: list[datetime] = []
        self._kinds: list[EventKind] = []
        self._texts: list[str] = []
        self._titles: list[str] = []
        self._order: list[int] = []  # row -> position in self._events
        self._sort_column = TIME_COLUMN
        self._sort_order = Qt.SortOrder.DescendingOrder  # newest first

    # --- the events --------------------------------------------------------------
    def set_events(self, events: Iterable[Event]) -> None:
        """Show `events`; a pump's log is read only for the rows on screen (time, kind and text come in bulk)."""
        self.beginResetModel()
        log = PumpLog.of(events)
        self._events = log
        self._times, self._kinds, self._texts = log.columns()
        titles = {kind: kind.title for kind in EventKind}
        self._titles = [titles[kind] for kind in self._kinds]
        self._order = self._sorted_order(self._sort_column, self._sort_order)
        self.endResetModel()

    @property
    def events(self) -> Sequence[Event]:
        return self._events

    @property
    def event_kinds(self) -> Sequence[EventKind]:
        """The kind of each event, by position in `events` (not by row)."""
        return self._kinds

    @property
    def event_times(self) -> Sequence[datetime]:
        """The time of each event, by position in `events` (not by row)."""
        return self._times

    # --- sorting -------------------------------------------------------------------
    def _sort_keys(self, column: int) -> Sequence[Any]:
        if column == TYPE_COLUMN:
            return self._titles
        if column == DESCRIPTION_COLUMN:
            return [text.casefold() for text in self._texts]
        return self._times  # the real datetime, never its text

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        keys = self._sort_keys(column)
        # Stable, so equal keys keep their log order; descending is that order read backwards
        # (of two events logged at the same minute, the later one comes first).
        ascending = sorted(range(len(keys)), key=keys.__getitem__)
        return ascending[::-1] if order == Qt.SortOrder.DescendingOrder else ascending

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(HEADERS) or (column, order) == (self._sort_column, self._sort_order):
            return  # QTableView.sortByColumn asks twice; set_events keeps the order up to date
        self.layoutAboutToBeChanged.emit()
        # Selections and the current row follow their events to the new rows.
        persistent = [(index, self._order[index.row()]) for index in self.persistentIndexList()]
        self._sort_column, self._sort_order = column, order
        self._order = self._sorted_order(column, order)
        if persistent:
            row_of = [0] * len(self._order)
            for row, position in enumerate(self._order):
                row_of[position] = row
            for index, position in persistent:
                self.changePersistentIndex(index, self.index(row_of[position], index.column()))
        self.layoutChanged.emit()

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    # --- QAbstractTableModel -------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._order):
            return None
        position = self._order[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == TIME_COLUMN:
                return moment_text(self._times[position])
            if column == TYPE_COLUMN:
                return self._titles[position]
            return self._texts[position]
        if role == Qt.ItemDataRole.ToolTipRole:  # the details: read from the pump's log only now
            return details_text(self._events[position])
        if role == EVENT_ROLE:
            return self._events[position]
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


class EventLogFilter(QSortFilterProxyModel):
    """Shows the events of one type (or all) within a date range; sorting is done by the source model."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._kind: EventKind | None = None
        self._first_day: date | None = None
        self._last_day: date | None = None
        self._accepted: list[bool] | None = None  # by position in the events; None = everything shown
        self._accepted_events: Sequence[Event] | None = None  # the events `_accepted` was computed for
        self._model: EventLogModel | None = None

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
        self._accepted = self._compute_accepted()
        # invalidate() relays out the proxy in one go; a row-filter change would instead emit
        # one rowsInserted/rowsRemoved per gap between shown rows (seconds with 100 000 events).
        self.invalidate()

    def _compute_accepted(self) -> list[bool] | None:
        model = self._model
        if model is None:
            return None
        self._accepted_events = model.events
        if self._kind is None and self._first_day is None and self._last_day is None:
            return None
        start = datetime.combine(self._first_day, time.min) if self._first_day else datetime.min
        end = datetime.combine(self._last_day + timedelta(days=1), time.min) if self._last_day else datetime.max
        kind = self._kind
        if kind is None:
            return [start <= at < end for at in model.event_times]
        pairs = zip(model.event_kinds, model.event_times, strict=True)
        return [found is kind and start <= at < end for found, at in pairs]

    def setSourceModel(self, model: EventLogModel) -> None:  # type: ignore[override]
        self._model = model  # kept in Python: filterAcceptsRow runs once per event
        super().setSourceModel(model)
        self._accepted = self._compute_accepted()

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        model = self._model
        if self._accepted_events is not model._events:  # new events since the filter was computed
            self._accepted = self._compute_accepted()
        accepted = self._accepted
        return True if accepted is None else accepted[model._order[source_row]]

    # --- sorting: delegate to the source, which sorts an index list on cached keys --------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, EventLogModel):
            model.sort(column, order)


class EventLogView(QWidget):
    """Type and date filters above a sortable table of the pump's events, newest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventLog")
        self.setAccessibleName("Event log")
        self.model = EventLogModel(self)
        self.filter = EventLogFilter(self)
        self.filter.setSourceModel(self.model)
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
        self.table.setObjectName("eventLogTable")
        self.table.setAccessibleName("Pump events")
        self.table.setModel(self.filter)
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
        # Not rowsInserted/rowsRemoved: a filter change emits one per gap between shown rows.
        self.model.modelReset.connect(self._events_changed)
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
        self.model.set_events(events)  # _events_changed follows

    def _events_changed(self) -> None:
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
        return self.filter.rowCount()

    # --- filters -----------------------------------------------------------------
    def _set_date_bounds(self) -> None:
        """Start the pickers at the log's first and last day; a picker left there follows the log.

        No date range is set on the pickers: Qt then refuses the in-between dates of typing.
        """
        times = self.model.event_times
        old_first, old_last = self._data_first_day, self._data_last_day
        if not times:
            self._data_first_day = self._data_last_day = None
            self.from_edit.setEnabled(False)
            self.to_edit.setEnabled(False)
            return
        first, last = min(times).date(), max(times).date()
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
            self.filter.set_filter(kind, None, None)
        else:
            first = self.from_edit.date().toPython()
            last = self.to_edit.date().toPython()
            # The whole log's span is no date filter at all: that skips a pass over every event.
            self.filter.set_filter(
                kind,
                None if first <= self._data_first_day else first,
                None if last >= self._data_last_day else last,
            )
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.rowCount()
        self.count_label.setText(f"{self.filter.rowCount():,} of {total:,} events")


@contextmanager
def _blocked(*widgets: QWidget) -> Iterator[None]:
    """Change widgets without their signals refiltering halfway through."""
    previous = [widget.blockSignals(True) for widget in widgets]
    try:
        yield
    finally:
        for widget, was_blocked in zip(widgets, previous, strict=True):
            widget.blockSignals(was_blocked)
