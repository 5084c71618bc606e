"""The time-of-day (flex) dose schedule editor: the parts laid out, bound to the schedule screen model.

Per-hour versus per-day confusion in this screen has overdosed real patients, so
every rate is shown per day *and* per hour with its unit, every entry names its
unit, a rate typed per hour shows its per-day figure before it is accepted, and the
session's safety findings (a dose 24× the current one: "per hour instead of per
day?") are shown here as the nurse edits, not only on the review screen.

Everything this shows, checks and says is programmer.session.schedule_screen's
(ScheduleScreen): the editor lays out the timeline, the step controls, the table, the
totals, the week and the findings, redraws them when the screen model says so, and
forwards what the nurse does. Undo and redo are the model's history; Ctrl+Z and
Ctrl+Shift+Z reach it from anywhere in the editor.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from programmer.session.events import ProgrammerEvents
from programmer.session.programming import ProgrammingSession
from programmer.session.schedule_edit import ScheduleEdit
from programmer.session.schedule_history import EditHistory
from programmer.session.schedule_screen import DayControls, Message, ScheduleScreen
from programmer.therapy.drugs import DrugLibrary
from programmer.therapy.schedule import WEEKDAYS, DaySchedule
from programmer.ui.binding import bind
from programmer.ui.schedule.copy_day_dialog import CopyDayDialog
from programmer.ui.schedule.findings_list import FindingsList
from programmer.ui.schedule.step_controls import StepControlsPanel
from programmer.ui.schedule.step_table import END, PER_HOUR, RATE_COLUMNS, START, StepTable
from programmer.ui.schedule.timeline import ScheduleTimeline
from programmer.ui.schedule.totals_panel import TotalsPanel
from programmer.ui.schedule.week_overview import WeekBox
from programmer.ui.style import ROLE, SEVERITY, hint_label, name, set_flag
from programmer.wording import unbroken

RIGHT_COLUMN_WIDTH = 380  # at the usual font; wider when the side panel needs it (large fonts)


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
        self.screen = ScheduleScreen(library)
        self.copy_dialog: CopyDayDialog | None = None
        self._syncing = False  # the editor is setting a control to the model's value: not the nurse's intent
        self._build()
        self._connect()
        screen = self.screen
        bind(self, screen.events.shown, lambda _screen: self._refresh())
        bind(self, screen.events.selected, lambda _index: self._refresh_selection())
        bind(self, screen.events.said, self._show_message)
        self.destroyed.connect(lambda *_: screen.close())
        self._refresh()
        if events is not None:
            self.follow(events)

    # --- the session --------------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Edit the session of each visit `events` announces; redraw on each new snapshot or pending program."""
        self.screen.follow(events)

    def bind(self, session: ProgrammingSession | None) -> None:
        """Edit `session`'s pending prescription (None: no pump)."""
        self.screen.bind(session)

    @property
    def state(self) -> ScheduleEdit | None:
        return self.screen.state

    @property
    def history(self) -> EditHistory:
        return self.screen.history

    # --- building -----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.title = QLabel()
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

        self.timeline = ScheduleTimeline()
        self.step_controls = StepControlsPanel()
        self.message = QLabel()
        self.message.setObjectName("scheduleMessage")
        self.message.setAccessibleName("Schedule editor message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        self.table = StepTable(
            self._table_edit,
            lambda row, per_hour, text: self.screen.read_rate(text, per_hour, row),
            lambda: self.screen.state.edited.unit,
        )
        left = QVBoxLayout()
        left.setSpacing(6)
        left.addWidget(self.timeline, 4)
        left.addWidget(self.step_controls)
        left.addWidget(self.message)
        left.addWidget(self.table, 5)

        self.totals = TotalsPanel()
        self.week_box = WeekBox()
        self.findings = FindingsList()
        right = QVBoxLayout()
        right.setSpacing(6)
        right.setContentsMargins(0, 0, 4, 0)
        right.addWidget(self.totals)
        right.addWidget(self.week_box)
        right.addWidget(self.findings, 1)
        side = QWidget()
        side.setObjectName("scheduleSidePanel")
        side.setLayout(right)
        # On a short screen the side panel scrolls rather than squeezing the week or the findings.
        self.side_scroll = QScrollArea()
        self.side_scroll.setObjectName("scheduleSideScroll")
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll.setWidget(side)
        self._fit_side_column()

        columns = QHBoxLayout()
        columns.addLayout(left, 1)
        columns.addWidget(self.side_scroll)
        heading = QHBoxLayout()
        heading.addWidget(self.title)
        heading.addWidget(self.units_note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(heading)
        layout.addWidget(self.convert_box)
        layout.addLayout(self._day_row())
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

    def _day_row(self) -> QHBoxLayout:
        """The weekday buttons, 'separate schedule per weekday', 'copy this day to…', undo and redo."""
        self.day_label = QLabel("Day:")
        self.day_buttons = QButtonGroup(self)
        self.day_buttons.setExclusive(True)
        row = QHBoxLayout()
        row.setSpacing(2)
        row.addWidget(self.day_label)
        for weekday, day in enumerate(WEEKDAYS):
            button = name(QPushButton(day[:3]), f"day{day}", f"Show {day}'s schedule")
            button.setCheckable(True)
            button.setMinimumWidth(44)
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            self.day_buttons.addButton(button, weekday)
            row.addWidget(button)
        self.per_weekday = name(
            QCheckBox("Separate schedule per weekday"), "perWeekdayCheck", "Separate schedule per weekday"
        )
        self.per_weekday.setToolTip("Off: one schedule runs every day. On: Monday to Sunday each have their own steps.")
        self.copy_button = name(QPushButton("Copy this day to…"), "copyDayButton", "Copy this day to other days")
        self.undo_button = name(QPushButton("↶ Undo"), "undoButton", "Undo the last schedule edit")
        self.redo_button = name(QPushButton("↷ Redo"), "redoButton", "Redo the schedule edit")
        row.addSpacing(10)
        row.addWidget(self.per_weekday)
        row.addWidget(self.copy_button)
        row.addStretch(1)
        row.addWidget(self.undo_button)
        row.addWidget(self.redo_button)
        return row

    def _connect(self) -> None:
        screen, steps, timeline = self.screen, self.step_controls, self.timeline
        self.convert_button.clicked.connect(screen.convert)
        self.day_buttons.idClicked.connect(screen.select_weekday)
        self.week_box.overview.day_clicked.connect(screen.select_weekday)
        self.per_weekday.toggled.connect(self._per_weekday_toggled)
        self.copy_button.clicked.connect(self.open_copy_dialog)
        for trigger in (self.undo_button.clicked, self.undo_action.triggered):
            trigger.connect(screen.undo)
        for trigger in (self.redo_button.clicked, self.redo_action.triggered):
            trigger.connect(screen.redo)
        timeline.step_selected.connect(screen.select_step)
        timeline.boundary_moved.connect(screen.move_boundary)
        timeline.drag_preview.connect(self._drag_preview)
        timeline.split_requested.connect(self._split_requested)
        timeline.delete_requested.connect(lambda _index: screen.delete())
        steps.split_button.clicked.connect(lambda: self.split_selected())
        steps.merge_previous.clicked.connect(lambda: screen.merge(with_next=False))
        steps.merge_next.clicked.connect(lambda: screen.merge(with_next=True))
        steps.delete_button.clicked.connect(lambda: screen.delete())
        steps.rate_entry.textChanged.connect(self._rate_typed)
        steps.rate_unit.currentIndexChanged.connect(self._rate_typed)
        steps.rate_entry.returnPressed.connect(self.set_rate_from_entry)
        steps.set_rate_button.clicked.connect(self.set_rate_from_entry)
        self.table.selectionModel().currentRowChanged.connect(self._table_row_changed)
        self.table.steps.modelReset.connect(self._select_table_row)

    def _fit_side_column(self) -> None:
        """As wide as the side panel needs at this font, so no total is ever cut off (it scrolls up and down only)."""
        content = self.side_scroll.widget().minimumSizeHint().width()
        bar = self.side_scroll.verticalScrollBar().sizeHint().width()
        self.side_scroll.setFixedWidth(max(RIGHT_COLUMN_WIDTH, content + bar))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_side_column()
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        self._fit_side_column()  # the style sheet (fonts, padding) is applied by now
        super().showEvent(event)

    # --- what a nurse does that the model cannot read for itself ---------------------------------------
    def split_selected(self, at_minute: int | None = None) -> bool:
        """Split the selected step at `at_minute` (default: the time in the Split box)."""
        return self.screen.split(self.step_controls.split_minute() if at_minute is None else at_minute)

    def set_rate_from_entry(self) -> bool:
        """Take the entry row's rate, in the unit chosen beside it."""
        return self.screen.set_typed_rate(*self.step_controls.typed())

    def open_copy_dialog(self) -> CopyDayDialog | None:
        """Open (not modal-blocking) the "copy this day to…" dialog; its Copy button copies."""
        state = self.screen.state
        if state is None or not state.per_weekday:
            return None
        dialog = CopyDayDialog(state.weekday, self)
        dialog.accepted.connect(lambda: self.screen.copy_day_to(dialog.chosen()))
        dialog.finished.connect(dialog.deleteLater)
        self.copy_dialog = dialog
        dialog.open()
        return dialog

    def _say(self, text: str, level: str) -> None:
        self.screen.say(text, level)

    def _table_edit(self, row: int, column: int, text: str) -> str:
        if column in (START, END):
            return self.screen.type_time(row, text, end=column == END)
        if column in RATE_COLUMNS:
            return self.screen.type_rate(row, text, per_hour=column == PER_HOUR)
        return "this cell cannot be edited"

    def _per_weekday_toggled(self, checked: bool) -> None:
        if not self._syncing:
            self.screen.set_per_weekday(checked)

    def _split_requested(self, index: int, minute: int) -> None:
        self.screen.select_step(index)
        self.screen.split(minute)

    def _table_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if not self._syncing and current.isValid():
            self.screen.select_step(current.row())

    def _rate_typed(self) -> None:
        self.step_controls.show_entry(self.screen.read_rate(*self.step_controls.typed()))

    def _drag_preview(self, day: DaySchedule | None) -> None:
        """While a boundary moves, the totals follow it; when the drag ends they show the schedule again."""
        state = self.screen.state
        if state is None or not state.is_flex:
            return
        self.totals.show_totals(state.totals(day), state, dragging=day is not None)
        self._show_week(day)

    # --- drawing -----------------------------------------------------------------------------------------
    def _refresh(self) -> None:
        screen, state = self.screen, self.screen.state
        self.title.setText(screen.title)
        self._show_days(screen.days())
        self.findings.show_rows(screen.finding_rows())
        self._show_history()
        if state is None:
            self.convert_box.setVisible(False)
            self.timeline.show_schedule(None)
            self.table.show_rows([], self.table.steps.unit)
            self.totals.clear()
            self._refresh_selection()
            return
        convert = screen.convert_text
        self.convert_box.setVisible(bool(convert))
        self.convert_button.setEnabled(bool(convert))
        self.convert_text.setText(unbroken(convert))
        self.step_controls.fill_units(screen.rate_units())
        rows = screen.rows()
        self.table.show_rows(rows, state.edited.unit)
        self.timeline.show_schedule(
            state.day,
            state.edited.concentration,
            selected=state.selected,
            problems=[[problem.short for problem in row.problems] for row in rows],
            reference=state.pump_day,
            reference_label="Pump now",
            ceiling=ScheduleTimeline.rate_ceiling(state.day, state.pump_day),
            caption=screen.caption(),
            weekday_name=state.weekday_name,
        )
        self.totals.show_totals(state.totals(), state)
        self._show_week()
        self._refresh_selection()

    def _show_days(self, days: DayControls) -> None:
        self._syncing = True
        self.day_buttons.setExclusive(False)  # an exclusive group will not let its checked button go
        try:
            self.day_label.setVisible(days.shown)
            for weekday, button in enumerate(self.day_buttons.buttons()):
                button.setVisible(days.shown)
                button.setEnabled(days.per_weekday)
                button.setChecked(weekday == days.weekday)
            self.per_weekday.setVisible(days.shown)
            self.per_weekday.setEnabled(days.can_separate)
            self.per_weekday.setChecked(days.per_weekday)
            self.copy_button.setVisible(days.shown)
            self.copy_button.setEnabled(days.per_weekday)
            self.copy_button.setText(days.copy_text)
            self.week_box.setVisible(days.shown)
        finally:
            self.day_buttons.setExclusive(True)
            self._syncing = False

    def _show_week(self, preview: DaySchedule | None = None) -> None:
        state = self.screen.state
        self.week_box.show_week(state.week_rows(preview), self.screen.days().weekday, state.week_note)

    def _show_history(self) -> None:
        history = self.screen.history
        self.undo_button.setEnabled(history.can_undo)
        self.redo_button.setEnabled(history.can_redo)
        self.undo_button.setToolTip(history.undo_tip)
        self.redo_button.setToolTip(history.redo_tip)

    def _show_message(self, message: Message) -> None:
        self.message.setText(unbroken(message.text))
        self.message.setVisible(bool(message.text))
        set_flag(self.message, SEVERITY, message.level)

    def _refresh_selection(self) -> None:
        """Everything that follows the selected step: timeline, table row, step controls, rate entry."""
        state = self.screen.state
        if not self.timeline.dragging:
            self.timeline.set_selected(state.selected if state is not None else None)
        self._select_table_row()
        controls = self.screen.controls()
        self.step_controls.show_controls(controls)
        self.table.setEnabled(controls.can_edit_table)
        self._rate_typed()

    def _select_table_row(self) -> None:
        state = self.screen.state
        index = state.selected if state is not None else None
        selection = self.table.selectionModel()
        self._syncing = True
        try:
            if index is None or index >= self.table.steps.rowCount():
                selection.clearSelection()
            elif selection.currentIndex().row() != index or not selection.isRowSelected(index, QModelIndex()):
                selection.setCurrentIndex(
                    self.table.steps.index(index, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
                )
        finally:
            self._syncing = False
