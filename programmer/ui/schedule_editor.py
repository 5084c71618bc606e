"""The time-of-day (flex) dose schedule editor, and the old/new schedule comparison for the review screen.

Per-hour versus per-day confusion in this screen has overdosed real patients, so
every rate is shown per day *and* per hour with its unit, every entry names its
unit, a rate typed per hour shows its per-day figure before it is accepted, and the
session's safety findings (a dose 24× the current one: "per hour instead of per
day?") are shown here as the nurse edits, not only on the review screen.

Every edit is one undoable command that hands the whole new prescription to the
session as its pending program; the editor redraws from the session, whoever
changed it. The figures come from programmer.session.schedule_edit.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTime
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from programmer.session.events import ProgrammerEvents
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.session.schedule_edit import (
    DayTotals,
    RateEntry,
    ScheduleEdit,
    calendar_day_text,
    day_of,
    end_text,
    step_times_text,
    weekday_names,
)
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, ScheduleError, format_minute, parse_minute
from programmer.therapy.units import MINUTES_PER_DAY, DoseRate, format_number
from programmer.ui.binding import bind
from programmer.ui.schedule_table import (
    END,
    PER_HOUR,
    RATE_COLUMNS,
    START,
    StepTableDelegate,
    StepTableModel,
    fit_columns,
)
from programmer.ui.schedule_timeline import ScheduleTimeline, WeekOverview, WeekRow
from programmer.ui.style import ROLE, SEVERITY, hint_label, name, set_flag, value_label

__all__ = ["CopyDayDialog", "ScheduleComparison", "ScheduleEditor", "ScheduleTimeline"]

FINDING_LEVELS = {
    FindingSeverity.BLOCK: "critical",
    FindingSeverity.NEEDS_REASON: "warning",
    FindingSeverity.WARNING: "warning",
    FindingSeverity.INFO: "info",
}
RIGHT_COLUMN_WIDTH = 380


class ScheduleCommand(QUndoCommand):
    """One edit: the prescription before and after, and which day and step were shown before and after."""

    def __init__(
        self,
        editor: ScheduleEditor,
        text: str,
        before: Prescription,
        after: Prescription,
        before_view: tuple[int, int | None],
        after_view: tuple[int, int | None],
    ) -> None:
        super().__init__(text)
        self._editor = editor
        self.before, self.after = before, after
        self._before_view, self._after_view = before_view, after_view

    def redo(self) -> None:
        self._editor._apply(self.after, *self._after_view)

    def undo(self) -> None:
        self._editor._apply(self.before, *self._before_view)


class CopyDayDialog(QDialog):
    """Which days get a copy of the shown day's steps, with the usual choices one click away."""

    def __init__(self, from_weekday: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        source = WEEKDAYS[from_weekday]
        self.from_weekday = from_weekday
        self.setObjectName("copyDayDialog")
        self.setAccessibleName(f"Copy {source}'s schedule")
        self.setWindowTitle(f"Copy {source}'s schedule")
        intro = QLabel(f"Copy {source}'s steps and rates to these days (their own steps are replaced):")
        intro.setWordWrap(True)
        self.boxes: dict[int, QCheckBox] = {}
        grid = QGridLayout()
        for weekday, day in enumerate(WEEKDAYS):
            box = name(QCheckBox(day), f"copyTo{day}", f"Copy to {day}")
            box.setEnabled(weekday != from_weekday)
            self.boxes[weekday] = box
            grid.addWidget(box, weekday % 4, weekday // 4)
        presets = QHBoxLayout()
        for label, object_name, days in (
            ("Monday–Friday", "copyWeekdays", range(5)),
            ("Saturday and Sunday", "copyWeekend", (5, 6)),
            ("All other days", "copyAllDays", range(7)),
        ):
            button = name(QPushButton(label), object_name, f"Choose {label}")
            button.clicked.connect(lambda _=False, days=tuple(days): self.choose(days))
            presets.addWidget(button)
        presets.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        name(buttons.button(QDialogButtonBox.StandardButton.Ok), "copyOkButton", "Copy")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Copy")
        name(buttons.button(QDialogButtonBox.StandardButton.Cancel), "copyCancelButton", "Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addLayout(presets)
        layout.addWidget(buttons)

    def choose(self, weekdays) -> None:
        for weekday, box in self.boxes.items():
            box.setChecked(weekday in weekdays and weekday != self.from_weekday)

    def chosen(self) -> list[int]:
        return [weekday for weekday, box in self.boxes.items() if box.isChecked() and box.isEnabled()]


class ScheduleEditor(QWidget):
    """Edit the pending prescription's flexible schedule: timeline, table, per-weekday days, totals, findings."""

    def __init__(
        self,
        library: DrugLibrary | None = None,
        events: ProgrammerEvents | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleEditor")
        self.library = library or drug_library()
        self.session: ProgrammingSession | None = None
        self._state: ScheduleEdit | None = None
        self._expected: Prescription | None = None  # what the editor last handed the session
        self._pump_prescription: Prescription | None = None
        self._view: tuple[int, int | None] = (0, 0)
        self._syncing = False
        self._preview: DaySchedule | None = None
        self.findings: list[Finding] = []
        self.copy_dialog: CopyDayDialog | None = None

        self.undo_stack = QUndoStack(self)
        self.undo_stack.setObjectName("scheduleUndoStack")
        self._build()
        self._connect()
        self._show_disconnected()
        if events is not None:
            self.follow(events)

    # --- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel("Flexible schedule")
        self.title.setObjectName("scheduleTitle")
        self.title.setProperty(ROLE, "value")
        self.units_note = hint_label(
            "Rates are per DAY. The per-hour figure is shown beside each, for checking an order written per hour.",
            "scheduleUnitsNote",
        )
        self.convert_text = QLabel()
        self.convert_text.setObjectName("convertText")
        self.convert_text.setWordWrap(True)
        self.convert_button = name(
            QPushButton("Convert to flexible schedule"), "convertButton", "Convert to flexible schedule"
        )
        self.convert_box = QFrame()
        self.convert_box.setObjectName("convertBox")
        self.convert_box.setProperty(SEVERITY, "info")
        convert = QHBoxLayout(self.convert_box)
        convert.setContentsMargins(8, 4, 8, 4)
        convert.addWidget(self.convert_text, 1)
        convert.addWidget(self.convert_button)

        # Days
        self.day_label = QLabel("Day:")
        self.day_buttons = QButtonGroup(self)
        self.day_buttons.setExclusive(True)
        day_row = QHBoxLayout()
        day_row.setSpacing(2)
        day_row.addWidget(self.day_label)
        for weekday, day in enumerate(WEEKDAYS):
            button = name(QPushButton(day[:3]), f"day{day}", f"Show {day}'s schedule")
            button.setCheckable(True)
            button.setMinimumWidth(44)
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            self.day_buttons.addButton(button, weekday)
            day_row.addWidget(button)
        self.per_weekday = name(
            QCheckBox("Separate schedule per weekday"), "perWeekdayCheck", "Separate schedule per weekday"
        )
        self.copy_button = name(QPushButton("Copy this day to…"), "copyDayButton", "Copy this day to other days")
        self.undo_button = name(QPushButton("↶ Undo"), "undoButton", "Undo the last schedule edit")
        self.redo_button = name(QPushButton("↷ Redo"), "redoButton", "Redo the schedule edit")
        day_row.addSpacing(10)
        day_row.addWidget(self.per_weekday)
        day_row.addWidget(self.copy_button)
        day_row.addStretch(1)
        day_row.addWidget(self.undo_button)
        day_row.addWidget(self.redo_button)
        self.day_row = day_row

        self.timeline = ScheduleTimeline()

        # The selected step: what it is, and what can be done to it.
        self.selection_label = QLabel()
        self.selection_label.setObjectName("selectedStep")
        self.selection_label.setProperty(ROLE, "value")
        self.split_time = name(QTimeEdit(), "splitTime", "Time to split the selected step at")
        self.split_time.setDisplayFormat("HH:mm")
        self.split_button = name(QPushButton("Spl&it at"), "splitButton", "Split the selected step at the time given")
        self.merge_previous = name(QPushButton("Merge ◀"), "mergePreviousButton", "Merge with the previous step")
        self.merge_next = name(QPushButton("Merge ▶"), "mergeNextButton", "Merge with the next step")
        self.delete_button = name(QPushButton("Delete step"), "deleteStepButton", "Delete the selected step")
        self.merge_previous.setToolTip("Merge the selected step with the one before it (keeps the selected rate)")
        self.merge_next.setToolTip("Merge the selected step with the one after it (keeps the selected rate)")
        self.delete_button.setToolTip("Delete the selected step: the step before it runs on over its time")
        step_row = QHBoxLayout()
        step_row.addWidget(self.selection_label, 1)
        step_row.addWidget(self.split_button)
        step_row.addWidget(self.split_time)
        step_row.addWidget(self.merge_previous)
        step_row.addWidget(self.merge_next)
        step_row.addWidget(self.delete_button)

        # The rate entry: a number, its unit said out loud, and the other-unit figure before it is accepted.
        self.rate_label = QLabel("New r&ate:")
        self.rate_entry = name(QLineEdit(), "rateEntry", "New rate for the selected step")
        self.rate_entry.setMaximumWidth(120)
        self.rate_label.setBuddy(self.rate_entry)
        self.rate_unit = name(QComboBox(), "rateUnit", "Unit of the rate typed")
        self.rate_unit.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.rate_equivalent = QLabel()
        self.rate_equivalent.setObjectName("rateEquivalent")
        self.rate_equivalent.setProperty(ROLE, "value")
        self.rate_equivalent.setMinimumWidth(150)
        self.set_rate_button = name(QPushButton("Set rate"), "setRateButton", "Set the selected step's rate")
        self.rate_warning = QLabel()
        self.rate_warning.setObjectName("rateWarning")
        self.rate_warning.setWordWrap(True)
        rate_row = QHBoxLayout()
        rate_row.addWidget(self.rate_label)
        rate_row.addWidget(self.rate_entry)
        rate_row.addWidget(self.rate_unit)
        rate_row.addWidget(self.rate_equivalent)
        rate_row.addWidget(self.set_rate_button)
        rate_row.addStretch(1)

        self.model = StepTableModel(self)
        self.model.apply = self._table_edit
        self.table = name(
            QTableView(), "stepTable", "Steps of the day: times, rates per day and per hour, dose, volume"
        )
        self.table.setModel(self.model)
        self.table.setItemDelegate(
            StepTableDelegate(self._cell_preview, lambda: self._state.unit if self._state else None, self.table)
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.table.setCornerButtonEnabled(False)  # one step at a time: "select all" has no use here
        corner = self.table.findChild(QAbstractButton)
        if corner is not None:
            name(corner, "stepTableCorner", "Table corner (not used)")

        self.message = QLabel()
        self.message.setObjectName("scheduleMessage")
        self.message.setAccessibleName("Schedule editor message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.timeline, 4)
        left.addLayout(step_row)
        left.addLayout(rate_row)
        left.addWidget(self.rate_warning)
        left.addWidget(self.message)
        left.addWidget(self.table, 5)

        # Totals, week, findings
        self.totals_box = QGroupBox("Totals")
        self.totals_box.setObjectName("totalsBox")
        totals = QGridLayout(self.totals_box)
        totals.setHorizontalSpacing(10)
        totals.setVerticalSpacing(3)
        self.total_dose = value_label("totalDailyDose", "Daily dose")
        self.total_volume = value_label("totalDailyVolume", "Daily volume")
        self.total_rates = value_label("totalRates", "Lowest and highest step rate")
        self.total_change = value_label("totalChange", "Change from the pump's schedule")
        self.total_weekly = value_label("totalWeeklyMean", "Weekly mean daily dose")
        self.total_steps = value_label("totalSteps", "Number of steps")
        self.flow_limits = hint_label(object_name="flowLimits")
        self.drug_limits = hint_label(object_name="drugLimits")
        self.weekly_title = QLabel("Weekly mean")
        for row, (title, label) in enumerate(
            (
                ("Daily dose", self.total_dose),
                ("Daily volume", self.total_volume),
                ("Step rates", self.total_rates),
                ("Change from pump", self.total_change),
                (self.weekly_title, self.total_weekly),
                ("Steps", self.total_steps),
            )
        ):
            totals.addWidget(title if isinstance(title, QLabel) else QLabel(title), row, 0, Qt.AlignmentFlag.AlignTop)
            totals.addWidget(label, row, 1)
        totals.addWidget(self.flow_limits, 6, 0, 1, 2)
        totals.addWidget(self.drug_limits, 7, 0, 1, 2)
        totals.setColumnStretch(1, 1)

        self.week = WeekOverview()
        self.week_box = QGroupBox("Week")
        self.week_box.setObjectName("weekBox")
        week = QVBoxLayout(self.week_box)
        week.setContentsMargins(6, 6, 6, 6)
        week.addWidget(self.week)
        # With a schedule per weekday, what midnight means, said where the week is read.
        self.week_note = hint_label(object_name="weekNote")
        week.addWidget(self.week_note)

        self.findings_box = QGroupBox("Safety checks (as on the review screen)")
        self.findings_box.setObjectName("scheduleFindingsBox")
        self.findings_layout = QVBoxLayout()
        self.findings_layout.setSpacing(4)
        self.findings_layout.setContentsMargins(4, 4, 4, 4)
        inner = QWidget()
        inner.setObjectName("scheduleFindingsList")
        inner.setLayout(self.findings_layout)
        self.findings_scroll = QScrollArea()
        self.findings_scroll.setObjectName("scheduleFindingsScroll")
        self.findings_scroll.setWidgetResizable(True)
        self.findings_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.findings_scroll.setWidget(inner)
        findings = QVBoxLayout(self.findings_box)
        findings.setContentsMargins(4, 4, 4, 4)
        findings.addWidget(self.findings_scroll)
        self.finding_labels: list[QLabel] = []
        self._finding_boxes: list[tuple[QFrame, QLabel]] = []
        self.findings_layout.addStretch(1)

        right = QVBoxLayout()
        right.setSpacing(6)
        right.addWidget(self.totals_box)
        right.addWidget(self.week_box)
        right.addWidget(self.findings_box, 1)
        right_widget = QWidget()
        right_widget.setObjectName("scheduleSidePanel")
        right_widget.setLayout(right)
        right.setContentsMargins(0, 0, 4, 0)
        self.findings_scroll.setMinimumHeight(90)
        # On a short screen the side panel scrolls rather than squeezing the week or the findings.
        self.side_scroll = QScrollArea()
        self.side_scroll.setObjectName("scheduleSideScroll")
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setWidget(right_widget)
        self.side_scroll.setFixedWidth(RIGHT_COLUMN_WIDTH)

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(self.side_scroll)

        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.units_note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.convert_box)
        layout.addLayout(day_row)
        layout.addLayout(columns, 1)

        # Ctrl+Z / Ctrl+Shift+Z while anywhere in the editor (a line edit being typed in keeps its own undo).
        self.undo_action = QAction("Undo schedule edit", self)
        self.undo_action.setObjectName("undoScheduleAction")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = QAction("Redo schedule edit", self)
        self.redo_action.setObjectName("redoScheduleAction")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)

    def _connect(self) -> None:
        self.convert_button.clicked.connect(self.convert_to_flex)
        self.day_buttons.idClicked.connect(self.select_weekday)
        self.per_weekday.toggled.connect(self._per_weekday_toggled)
        self.copy_button.clicked.connect(self.open_copy_dialog)
        self.undo_button.clicked.connect(self.undo_stack.undo)
        self.redo_button.clicked.connect(self.undo_stack.redo)
        self.undo_action.triggered.connect(self.undo_stack.undo)
        self.redo_action.triggered.connect(self.undo_stack.redo)
        self.undo_stack.indexChanged.connect(self._undo_buttons)
        self.timeline.step_selected.connect(self.select_step)
        self.timeline.boundary_moved.connect(self.move_boundary)
        self.timeline.drag_preview.connect(self._drag_preview)
        self.timeline.split_requested.connect(self._split_requested)
        self.timeline.delete_requested.connect(lambda index: self.delete_selected())
        self.split_button.clicked.connect(lambda: self.split_selected())
        self.merge_previous.clicked.connect(lambda: self.merge_selected(with_next=False))
        self.merge_next.clicked.connect(lambda: self.merge_selected(with_next=True))
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.rate_entry.textChanged.connect(self._rate_typed)
        self.rate_unit.currentIndexChanged.connect(self._rate_typed)
        self.rate_entry.returnPressed.connect(self.set_rate_from_entry)
        self.set_rate_button.clicked.connect(self.set_rate_from_entry)
        self.table.selectionModel().currentRowChanged.connect(self._table_row_changed)
        self.model.modelReset.connect(self._reconnect_table_selection)
        self.week.day_clicked.connect(self.select_weekday)

    def _reconnect_table_selection(self) -> None:
        self._select_table_row()

    # --- the session ------------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Edit the session of each visit `events` announces; redraw on each new snapshot or pending program."""
        self._events = events
        bind(self, events.visit, lambda visit: self.bind(visit.session if visit is not None else None))
        for signal in (events.snapshot, events.pending):
            bind(self, signal, lambda _change: self._session_changed(self.session))

    def bind(self, session: ProgrammingSession | None) -> None:
        """Edit `session`'s pending prescription (None: no pump); its events must reach `follow`."""
        if session is not None and session.events is not getattr(self, "_events", None):
            self.follow(session.events)  # a session on its own (not the window's): follow its events too
        self.session = session
        self._say("", "none")  # what was said to the last visit is not this one's
        self.undo_stack.clear()
        self._state = None
        self._expected = None
        self._pump_prescription = None
        self._view = (0, 0)
        self._session_changed(session)

    @property
    def state(self) -> ScheduleEdit | None:
        return self._state

    def _session_changed(self, session: ProgrammingSession | None) -> None:
        if session is None or session.current is None:
            self._show_disconnected()
            return
        current = session.current.prescription
        pending = session.pending_prescription
        # Undo steps only make sense on the program they were made on: a change from elsewhere starts afresh.
        if self._pump_prescription is not None and (current != self._pump_prescription or pending != self._expected):
            self.undo_stack.clear()
        self._pump_prescription, self._expected = current, pending
        try:
            drug = self.library[pending.drug]
        except KeyError:
            drug = None
        weekday, selected = self._view
        self._state = ScheduleEdit(current, pending, session.model, drug, weekday, selected)
        self._view = (self._state.weekday, self._state.selected)
        self.findings = session.findings() if session.has_pending_changes else []
        self._refresh()

    def _apply(self, prescription: Prescription, weekday: int, selected: int | None) -> None:
        """Hand `prescription` to the session as pending, showing `weekday` and step `selected` afterwards."""
        self._view = (weekday, selected)
        self._expected = prescription
        if self.session is not None:
            self.session.edit(prescription=prescription)

    def _push(self, text: str, after: Prescription, selected: int | None = None, weekday: int | None = None) -> None:
        state = self._state
        before_view = (state.weekday, state.selected)
        after_view = (state.weekday if weekday is None else weekday, state.selected if selected is None else selected)
        self.undo_stack.push(ScheduleCommand(self, text, state.edited, after, before_view, after_view))
        self._say(f"{text[:1].upper()}{text[1:]}. Ctrl+Z undoes it.", "info")

    def _attempt(self, action) -> bool:
        """Run an edit; a refusal is shown in words with its limit, and nothing changes."""
        if self._state is None:
            return False
        try:
            action()
        except (ScheduleError, SessionError, ValueError) as error:
            message = str(error)
            self._say(message[:1].upper() + message[1:], "critical")
            return False
        return True

    # --- what a nurse does (also what the buttons call) ----------------------------------------------------
    def select_step(self, index: int | None) -> None:
        if self._state is None or not self._state.is_flex:
            return
        self._state = self._state.with_selected(index)
        self._view = (self._state.weekday, self._state.selected)
        self._refresh_selection()

    def select_weekday(self, weekday: int) -> None:
        if self._state is None:
            return
        self.timeline.cancel_drag()
        self._state = self._state.with_weekday(weekday)
        self._view = (weekday, self._state.selected)
        self._refresh()

    def convert_to_flex(self) -> bool:
        return self._attempt(lambda: self._push("convert to a flexible schedule", self._state.converted(), 0))

    def split_selected(self, at_minute: int | None = None) -> bool:
        """Split the selected step at `at_minute` (default: the time in the Split box)."""

        def split() -> None:
            state = self._state
            index = state.selected
            minute = self._split_box_minute() if at_minute is None else at_minute
            after = state.split(index, minute)
            new_day = day_of(after, state.weekday)
            self._push(
                f"split step {index + 1} at {format_minute(minute % MINUTES_PER_DAY)}",
                after,
                new_day.index_at(minute),
            )

        return self._attempt(split)

    def _split_requested(self, index: int, minute: int) -> None:
        self.select_step(index)
        self.split_selected(minute)

    def merge_selected(self, with_next: bool) -> bool:
        def merge() -> None:
            state = self._state
            index = state.selected
            after = state.merge(index, with_next)
            kept = state.day.steps[index].start_minute if with_next else state.day.steps[index - 1].start_minute
            new_day = day_of(after, state.weekday)
            side = "next" if with_next else "previous"
            self._push(f"merge step {index + 1} with the {side} step", after, new_day.index_at(kept))

        return self._attempt(merge)

    def delete_selected(self) -> bool:
        def delete() -> None:
            state = self._state
            index = state.selected
            after = state.delete(index)
            label = f"{format_minute(state.day.steps[index].start_minute)}"
            self._push(f"delete step {index + 1} (from {label})", after, max(0, index - 1))

        return self._attempt(delete)

    def move_boundary(self, index: int, minute: int) -> bool:
        """Move the start of step `index` (the end of the one before) to `minute`."""

        def move() -> None:
            state = self._state
            before = state.day.steps[index].start_minute
            after = state.move_start(index, minute)
            new_day = day_of(after, state.weekday)
            self._push(
                f"move the start of step {index + 1} from {format_minute(before)} to {format_minute(minute)}",
                after,
                new_day.index_at(minute),
            )

        ok = self._attempt(move)
        if not ok:
            self._refresh()  # the timeline shows the boundary back where it was
        return ok

    def set_rate(self, index: int, rate: DoseRate) -> bool:
        def set_() -> None:
            state = self._state
            before = state.day.steps[index].rate
            after = state.set_rate(index, rate)
            self._push(f"rate of step {index + 1} from {before} to {rate} ({rate.per_hour_text()})", after, index)

        return self._attempt(set_)

    def set_rate_from_entry(self) -> bool:
        """Take the entry row's rate, in the unit chosen beside it."""
        state = self._state
        if state is None or state.selected is None:
            return False
        entry = self._entry()
        if not entry.usable:
            self._say(entry.error[:1].upper() + entry.error[1:], "critical")
            return False
        return self.set_rate(state.selected, entry.rate)

    def copy_day_to(self, weekdays) -> bool:
        def copy() -> None:
            state = self._state
            targets = sorted(set(weekdays) - {state.weekday})
            after = state.copy_day(targets)
            self._push(f"copy {WEEKDAYS[state.weekday]} to {weekday_names(targets)}", after)

        return self._attempt(copy)

    def set_per_weekday(self, separate: bool) -> bool:
        def change() -> None:
            state = self._state
            if separate == state.per_weekday:
                return
            after = state.per_weekday_schedule(separate)
            if separate:
                self._push("use a separate schedule per weekday", after)
            else:
                self._push(f"use {WEEKDAYS[state.weekday]}'s schedule for every day", after)

        ok = self._attempt(change)
        if not ok:
            self._refresh()
        return ok

    def _per_weekday_toggled(self, checked: bool) -> None:
        if not self._syncing:
            self.set_per_weekday(checked)

    def open_copy_dialog(self) -> CopyDayDialog | None:
        """Open (not modal-blocking) the "copy this day to…" dialog; its Copy button copies."""
        if self._state is None or not self._state.per_weekday:
            return None
        dialog = CopyDayDialog(self._state.weekday, self)
        dialog.accepted.connect(lambda: self.copy_day_to(dialog.chosen()))
        dialog.finished.connect(dialog.deleteLater)
        self.copy_dialog = dialog
        dialog.open()
        return dialog

    # --- edits typed in the table --------------------------------------------------------------------------
    def _table_edit(self, row: int, column: int, text: str) -> str:
        state = self._state
        if state is None or not state.is_flex:
            return "convert to a flexible schedule first"
        try:
            if column in (START, END):
                minute = parse_minute(text) % MINUTES_PER_DAY
                if column == START:
                    before = state.day.steps[row].start_minute
                    after = state.move_start(row, minute)
                    what = f"start of step {row + 1} from {format_minute(before)} to {format_minute(minute)}"
                else:
                    before = state.day.intervals()[row].end_minute
                    after = state.move_end(row, minute)
                    what = f"end of step {row + 1} from {end_text(before)} to {format_minute(minute)}"
                new_day = day_of(after, state.weekday)
                anchor = minute if column == START else (minute - 1) % MINUTES_PER_DAY
                self._push(f"move the {what}", after, new_day.index_at(anchor))
                return ""
            if column in RATE_COLUMNS:
                entry = state.rate_entry(text, column == PER_HOUR, row)
                if not entry.usable:
                    raise ScheduleError(entry.error)
                before = state.day.steps[row].rate
                after = state.set_rate(row, entry.rate)
                rate = entry.rate
                self._push(f"rate of step {row + 1} from {before} to {rate} ({rate.per_hour_text()})", after, row)
                return ""
        except (ScheduleError, ValueError) as error:
            message = str(error)
            self._say(message[:1].upper() + message[1:], "critical")
            return message
        return "this cell cannot be edited"

    def _cell_preview(self, row: int, per_hour: bool, text: str) -> RateEntry:
        return self._state.rate_entry(text, per_hour, row)

    def _table_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not self._syncing and current.isValid():
            self.select_step(current.row())

    # --- drawing ---------------------------------------------------------------------------------------------
    def _show_disconnected(self) -> None:
        self._state = None
        self.title.setText("Flexible schedule: no pump connected")
        self.convert_box.setVisible(False)
        self.timeline.show_schedule(None)
        self.model.set_rows([], self.model.unit)
        for widget in [*self._editing_widgets(), self.convert_button, self.per_weekday, self.copy_button]:
            widget.setEnabled(False)
        for button in self.day_buttons.buttons():
            button.setEnabled(False)
        for label in (self.total_dose, self.total_volume, self.total_rates, self.total_change, self.total_steps):
            label.setText("—")
        self._show_findings([])
        self._undo_buttons()

    def _editing_widgets(self) -> list[QWidget]:
        return [
            self.split_button,
            self.split_time,
            self.merge_previous,
            self.merge_next,
            self.delete_button,
            self.rate_entry,
            self.rate_unit,
            self.set_rate_button,
            self.table,
        ]

    def _refresh(self) -> None:
        state = self._state
        if state is None:
            self._show_disconnected()
            return
        edited = state.edited
        flex = state.is_flex
        model = state.model
        self.title.setText(f"Flexible schedule — {edited.drug} {edited.concentration}, {model.name}")
        self.convert_box.setVisible(not flex)
        self.convert_button.setEnabled(not flex)
        if not flex:
            dose = edited.nominal_daily_dose
            self.convert_text.setText(
                f"The pending program is {edited.mode.title.lower()}"
                + (f": {dose.day_and_hour_text()} all day." if dose.per_day > 0 else ".")
                + " Convert it to edit rates by time of day (it starts as one step, 00:00–24:00, at this dose)."
            )
        # Days: only where the pump model can hold a schedule per weekday.
        allowed = model.per_weekday_schedules
        self._syncing = True
        try:
            self.day_label.setVisible(allowed)
            for weekday, button in enumerate(self.day_buttons.buttons()):
                button.setVisible(allowed)
                button.setEnabled(state.per_weekday)
                button.setChecked(state.per_weekday and weekday == state.weekday)
            self.per_weekday.setVisible(allowed)
            self.per_weekday.setEnabled(flex)
            self.per_weekday.setChecked(state.per_weekday)
            self.per_weekday.setToolTip(
                "Off: one schedule runs every day. On: Monday to Sunday each have their own steps."
            )
            self.copy_button.setVisible(allowed)
            self.copy_button.setEnabled(state.per_weekday)
            self.copy_button.setText(
                f"Copy {WEEKDAYS[state.weekday]} to…" if state.per_weekday else "Copy this day to…"
            )
            self.week_box.setVisible(allowed)
        finally:
            self._syncing = False
        for widget in self._editing_widgets():
            widget.setEnabled(flex)
        self._fill_unit_choices()

        rows = state.rows()
        self.model.set_rows(rows if flex else [], state.unit)
        fit_columns(self.table)
        self._draw_timeline(rows)
        self._show_totals(state.totals())
        self._show_week()
        problems = [] if not flex else state.pump_problems()
        self._show_findings(self.findings, problems)
        self._refresh_selection()
        self._undo_buttons()

    def _draw_timeline(self, rows, day: DaySchedule | None = None) -> None:
        state = self._state
        shown = day or state.day
        name_ = state.day_name if state.is_flex else state.edited.mode.title
        if state.is_flex:
            caption = f"{name_} · {len(shown.steps)} step{'s' if len(shown.steps) != 1 else ''}"
            if self.timeline.interactive:
                caption += " · drag a boundary (15-min snap, Esc cancels)"
        else:
            caption = f"{name_} (convert to edit)"
        ceiling = ScheduleTimeline.rate_ceiling(shown, state.pump_day)
        self.timeline.show_schedule(
            shown,
            state.concentration,
            selected=state.selected,
            problems=[[problem.short for problem in row.problems] for row in rows] if state.is_flex else (),
            reference=state.pump_day,
            reference_label="Pump now",
            ceiling=ceiling,
            caption=caption,
            weekday_name=state.weekday_name,
        )

    def _show_totals(self, totals: DayTotals, dragging: bool = False) -> None:
        state = self._state
        title = f"Totals — {totals.name}" + (" (while dragging)" if dragging else "")
        self.totals_box.setTitle(title)
        self.total_dose.setText(totals.dose_text)
        self.total_volume.setText(totals.volume_text)
        self.total_rates.setText(totals.rates_text)
        self.total_change.setText(totals.change_text)
        change = totals.change_percent
        set_flag(self.total_change, SEVERITY, "warning" if change is not None and abs(change) >= 0.05 else "none")
        per_weekday = state.per_weekday
        self.weekly_title.setVisible(per_weekday)
        self.total_weekly.setVisible(per_weekday)
        self.total_weekly.setText(state.weekly_mean_text() if per_weekday else "")
        self.total_steps.setText(f"{totals.steps} of at most {state.model.max_flex_steps} ({state.model.name})")
        self.flow_limits.setText(state.flow_limits_text())
        self.drug_limits.setText(state.drug_limits_text())

    def _show_week(self, preview: DaySchedule | None = None) -> None:
        state = self._state
        rows = []
        for weekday, totals in enumerate(state.week()):
            day = day_of(state.edited, weekday)
            if preview is not None and (weekday == state.weekday or not state.per_weekday):
                day = preview
                totals = state.totals(preview, weekday)
            change = totals.change_percent
            detail = f"{totals.volume_text}"
            if change is not None:
                detail += f" · {'no change' if abs(change) < 0.05 else f'{change:+.1f} %'}"
            pieces = calendar_day_text(day) if state.per_weekday else ""  # each weekday 00:00–24:00, piece by piece
            rows.append(
                WeekRow(WEEKDAYS[weekday], day, str(totals.daily_dose), detail, totals.problem_count > 0, pieces)
            )
        self.week.show_week(rows, state.weekday if state.per_weekday else None)
        self.week_note.setText(state.week_note)
        self.week_note.setVisible(bool(state.week_note))

    def _show_findings(self, findings: list[Finding], pump_problems: list[str] = ()) -> None:
        rows = [("critical", f"Pump refuses: {problem}") for problem in pump_problems]
        for finding in findings:
            text = str(finding)
            if finding.severity is FindingSeverity.BLOCK:
                text += " — blocks programming"
            rows.append((FINDING_LEVELS[finding.severity], text))
        if not rows:
            pending = self.session is not None and self.session.current is not None and self.session.has_pending_changes
            rows = [("ok", "No safety findings." if pending else "No changes yet: the schedule is the pump's own.")]
        # The boxes are kept and refilled: making and styling new widgets on every edit costs a frame.
        while len(self._finding_boxes) < len(rows):
            index = len(self._finding_boxes)
            # The coloured box is a frame around the label: a word-wrapped label with stylesheet padding
            # miscounts its own height and clips its first and last lines.
            box = QFrame()
            box.setObjectName(f"scheduleFindingBox_{index}")
            inner = QVBoxLayout(box)
            inner.setContentsMargins(2, 1, 2, 1)
            label = QLabel()
            label.setObjectName(f"scheduleFinding_{index}")
            label.setWordWrap(True)
            inner.addWidget(label)
            self.findings_layout.insertWidget(index, box)
            self._finding_boxes.append((box, label))
        for index, (box, label) in enumerate(self._finding_boxes):
            used = index < len(rows)
            if used:
                level, text = rows[index]
                label.setText(text)
                label.setAccessibleName(text)
                set_flag(box, SEVERITY, level)
            box.setVisible(used)
        self.finding_labels = [label for _, label in self._finding_boxes[: len(rows)]]

    def _refresh_selection(self) -> None:
        """Everything that follows the selected step: timeline, table row, step buttons, rate entry."""
        state = self._state
        if state is None:
            return
        flex = state.is_flex
        index = state.selected
        if not self.timeline.dragging:
            self.timeline.set_selected(index)
        self._select_table_row()
        if not flex or index is None:
            self.selection_label.setText("No step selected" if flex else "")
            self.rate_entry.clear()
            self.rate_label.setText("New r&ate:")
            for widget in self._editing_widgets()[:-1]:
                widget.setEnabled(False)
            self._rate_typed()
            return
        interval = state.day.intervals()[index]
        count = len(state.day.steps)
        self.selection_label.setText(
            f"Step {index + 1}: {step_times_text(interval, state.weekday_name)}, {interval.rate.day_and_hour_text()}"
        )
        split_at = state.default_split_minute(index)
        self.split_time.setTime(QTime(split_at // 60, split_at % 60))
        self.merge_previous.setEnabled(count > 1)
        self.merge_next.setEnabled(count > 1)
        self.delete_button.setEnabled(count > 1)
        self.split_button.setEnabled(True)
        self.split_time.setEnabled(True)
        self.rate_label.setText(f"New &rate for step {index + 1}:")
        self._syncing = True
        try:
            self.rate_unit.setCurrentIndex(0)  # per day, unless the nurse says otherwise for this entry
            self.rate_entry.setText(format_number(interval.rate.per_day))
        finally:
            self._syncing = False
        self._rate_typed()

    def _select_table_row(self) -> None:
        state = self._state
        if state is None:
            return
        index = state.selected
        selection = self.table.selectionModel()
        self._syncing = True
        try:
            if index is None or index >= self.model.rowCount():
                selection.clearSelection()
            elif selection.currentIndex().row() != index or not selection.isRowSelected(index, QModelIndex()):
                selection.setCurrentIndex(
                    self.model.index(index, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
        finally:
            self._syncing = False

    def _fill_unit_choices(self) -> None:
        unit = self._state.unit.value
        texts = [f"{unit}/day", f"{unit}/h"]
        if [self.rate_unit.itemText(i) for i in range(self.rate_unit.count())] != texts:
            self._syncing = True
            try:
                self.rate_unit.clear()
                self.rate_unit.addItem(texts[0], False)
                self.rate_unit.addItem(texts[1], True)
            finally:
                self._syncing = False

    def _entry(self) -> RateEntry:
        per_hour = bool(self.rate_unit.currentData())
        return self._state.rate_entry(self.rate_entry.text(), per_hour, self._state.selected)

    def _rate_typed(self) -> None:
        state = self._state
        if state is None or not state.is_flex or state.selected is None:
            self.rate_equivalent.setText("")
            self.rate_warning.setText("")
            self.rate_warning.setVisible(False)
            return
        entry = self._entry()
        self.rate_equivalent.setText(entry.equivalent)
        self.rate_equivalent.setAccessibleName(f"Typed rate equals {entry.equivalent[2:]}" if entry.usable else "")
        warning = entry.warning or entry.error
        self.rate_warning.setText(f"⚠ {warning}" if warning else "")
        self.rate_warning.setVisible(bool(warning))
        set_flag(self.rate_warning, SEVERITY, "warning" if warning else "none")
        self.set_rate_button.setEnabled(entry.usable)

    def _split_box_minute(self) -> int:
        time = self.split_time.time()
        return time.hour() * 60 + time.minute()

    def _drag_preview(self, day: DaySchedule | None) -> None:
        """While a boundary moves, the totals follow it; when the drag ends they show the schedule again."""
        state = self._state
        if state is None or not state.is_flex:
            return
        if day is None:
            self._show_totals(state.totals())
            self._show_week()
            return
        self._show_totals(state.totals(day), dragging=True)
        self._show_week(day)

    def _say(self, text: str, level: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        set_flag(self.message, SEVERITY, level if text else "none")

    def _undo_buttons(self) -> None:
        stack = self.undo_stack
        self.undo_button.setEnabled(stack.canUndo())
        self.redo_button.setEnabled(stack.canRedo())
        self.undo_button.setToolTip(f"Undo {stack.undoText()} (Ctrl+Z)" if stack.canUndo() else "Nothing to undo")
        self.redo_button.setToolTip(f"Redo {stack.redoText()} (Ctrl+Shift+Z)" if stack.canRedo() else "Nothing to redo")


class ScheduleComparison(QWidget):
    """The pump's schedule and the new one, one above the other on the same scale, for the review screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleComparison")
        self._old: Prescription | None = None
        self._new: Prescription | None = None
        self.day_choice = name(QComboBox(), "comparisonDay", "Weekday to compare")
        for weekday, day in enumerate(WEEKDAYS):
            self.day_choice.addItem(day, weekday)
        self.day_choice.setVisible(False)
        self.day_choice.currentIndexChanged.connect(self._redraw)
        self.old_title = QLabel("Current")
        self.old_title.setObjectName("comparisonCurrentTitle")
        self.new_title = QLabel("New")
        self.new_title.setObjectName("comparisonNewTitle")
        for title in (self.old_title, self.new_title):
            title.setProperty(ROLE, "value")
        self.old_summary = hint_label(object_name="comparisonCurrentSummary")
        self.new_summary = hint_label(object_name="comparisonNewSummary")
        self.old_timeline = ScheduleTimeline(interactive=False)
        self.old_timeline.setObjectName("comparisonCurrentTimeline")
        self.old_timeline.setAccessibleName("Current schedule timeline")
        self.new_timeline = ScheduleTimeline(interactive=False)
        self.new_timeline.setObjectName("comparisonNewTimeline")
        self.new_timeline.setAccessibleName("New schedule timeline")
        for timeline in (self.old_timeline, self.new_timeline):
            timeline.setMinimumHeight(150)
        top = QHBoxLayout()
        top.addWidget(QLabel("Schedule through the day"))
        top.addStretch(1)
        top.addWidget(self.day_choice)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        for title, summary, timeline in (
            (self.old_title, self.old_summary, self.old_timeline),
            (self.new_title, self.new_summary, self.new_timeline),
        ):
            row = QHBoxLayout()
            row.addWidget(title)
            row.addWidget(summary, 1)
            layout.addLayout(row)
            layout.addWidget(timeline, 1)

    def show(self, old: Prescription | None = None, new: Prescription | None = None) -> None:
        """show(old, new) lays out both schedules; show() with no arguments is QWidget.show()."""
        if old is None and new is None:
            super().show()
            return
        self.show_prescriptions(old, new)

    def show_prescriptions(self, old: Prescription, new: Prescription) -> None:
        self._old, self._new = old, new
        per_weekday = any(p.mode is InfusionMode.FLEX and p.schedule.per_weekday for p in (old, new))
        self.day_choice.setVisible(per_weekday)
        if per_weekday:
            differing = [w for w in range(7) if day_of(old, w) != day_of(new, w)]
            self.day_choice.blockSignals(True)
            self.day_choice.setCurrentIndex(differing[0] if differing else 0)
            self.day_choice.blockSignals(False)
        self._redraw()

    def _redraw(self) -> None:
        old, new = self._old, self._new
        if old is None or new is None:
            return
        per_weekday = not self.day_choice.isHidden()
        weekday = self.day_choice.currentData() if per_weekday else 0
        old_day, new_day = day_of(old, weekday), day_of(new, weekday)
        same_unit = old.unit is new.unit
        ceiling = ScheduleTimeline.rate_ceiling(old_day, new_day) if same_unit else None
        label = WEEKDAYS[weekday] if per_weekday else "Every day"
        self.old_summary.setText(self._summary(old, weekday))
        self.new_summary.setText(self._summary(new, weekday))
        weekday_name = label if per_weekday else None  # the day's steps read as pieces of that calendar day
        self.old_timeline.show_schedule(
            old_day, old.concentration, ceiling=ceiling, caption=f"Current — {label}", weekday_name=weekday_name
        )
        self.new_timeline.show_schedule(
            new_day,
            new.concentration,
            ceiling=ceiling,
            caption=f"New — {label}",
            reference=old_day if same_unit else None,
            reference_label="Current",
            weekday_name=weekday_name,
        )

    @staticmethod
    def _summary(prescription: Prescription, weekday: int) -> str:
        mode = prescription.mode
        if mode is InfusionMode.STOPPED:
            return "Stopped — no delivery"
        dose = prescription.daily_dose_on(weekday)
        volume = prescription.concentration.ml_per_day(dose)
        steps = ""
        if mode is InfusionMode.FLEX:
            count = len(prescription.schedule.day(weekday).steps)
            steps = f", {count} step{'s' if count != 1 else ''}"
        return (
            f"{mode.title}{steps}: {dose.day_and_hour_text()}, {format_number(volume)} mL/day "
            f"at {prescription.concentration}"
        )
