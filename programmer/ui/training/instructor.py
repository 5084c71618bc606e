"""The instructor's side, behind the PIN: steering a running attempt, and the records of every attempt."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.training.debrief import Debrief, build_debrief
from programmer.training.engine import Attempt
from programmer.training.records import TrainingRecords
from programmer.ui import dialogs
from programmer.ui.style import hint_label, name
from programmer.ui.training.dialog import titled
from programmer.wording import format_number, moment_text


class InstructorPanel(QDialog):
    """Steer the running attempt: pause, reset, inject a fault, reveal the truth, give a hint, end, pass mark."""

    def __init__(self, attempt: Attempt, parent: QWidget | None = None, reset=None) -> None:
        super().__init__(parent)
        titled(self, "instructorPanel", f"Instructor — {attempt.scenario.spec.title}")
        self.attempt = attempt
        self._reset = reset  # the window's: a reset also reopens the fresh pump
        self.status = hint_label(object_name="instructorStatus")
        self.pause_button = name(QPushButton("&Pause"), "pauseButton", "Pause or resume the attempt")
        self.reset_button = name(QPushButton("&Reset attempt"), "resetAttemptButton", "Reset the attempt")
        self.end_button = name(QPushButton("&End attempt"), "instructorEndButton", "End the attempt now")
        self.faults = name(QComboBox(), "faultChoice", "Fault to inject")
        for fault in attempt.scenario.spec.faults:
            self.faults.addItem(f"{fault.id} ({fault.kind.replace('_', ' ')})", fault.id)
        for kind in ("lost_link", "program_refused", "slow_link"):
            self.faults.addItem(f"any {kind.replace('_', ' ')}", kind)
        self.inject_button = name(QPushButton("&Inject now"), "injectButton", "Inject the fault now")
        self.hint_edit = name(QLineEdit(), "hintText", "Hint to give")
        self.hint_edit.setPlaceholderText("empty: the scenario's next hint")
        self.hint_button = name(QPushButton("&Give hint"), "giveHintButton", "Give the hint")
        self.reveal_button = name(QPushButton("Re&veal the hidden truth"), "revealButton", "Reveal the hidden truth")
        self.truth = name(QListWidget(), "truthList", "The hidden truth")
        self.truth.setWordWrap(True)
        self.pass_mark = name(QDoubleSpinBox(), "passMark", "Pass mark in percent")
        self.pass_mark.setRange(0, 100)
        self.pass_mark.setDecimals(0)
        self.pass_mark.setSuffix(" %")
        self.pass_mark.setValue(attempt.pass_mark)
        self.pass_button = name(QPushButton("&Set"), "setPassMarkButton", "Set the pass mark")

        self.pause_button.clicked.connect(self._pause)
        self.reset_button.clicked.connect(self._do_reset)
        self.end_button.clicked.connect(lambda: self._act(lambda: attempt.end(by="instructor")))
        self.inject_button.clicked.connect(lambda: self._act(lambda: attempt.inject_fault(self.faults.currentData())))
        self.hint_button.clicked.connect(self._give_hint)
        self.reveal_button.clicked.connect(self._reveal)
        self.pass_button.clicked.connect(lambda: self._act(lambda: attempt.set_pass_mark(self.pass_mark.value())))

        steer = QHBoxLayout()
        for button in (self.pause_button, self.reset_button, self.end_button):
            steer.addWidget(button)
        fault_row = QHBoxLayout()
        fault_row.addWidget(self.faults, 1)
        fault_row.addWidget(self.inject_button)
        hint_row = QHBoxLayout()
        hint_row.addWidget(self.hint_edit, 1)
        hint_row.addWidget(self.hint_button)
        mark_row = QHBoxLayout()
        mark_row.addWidget(QLabel("Pass mark (of the scored weight):"))
        mark_row.addWidget(self.pass_mark)
        mark_row.addWidget(self.pass_button)
        mark_row.addStretch(1)
        truth = QGroupBox("Hidden truth (recorded as revealed)")
        truth_box = QVBoxLayout(truth)
        truth_box.addWidget(self.reveal_button)
        truth_box.addWidget(self.truth)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(steer)
        layout.addWidget(QLabel("Fault:"))
        layout.addLayout(fault_row)
        layout.addWidget(QLabel("Hint:"))
        layout.addLayout(hint_row)
        layout.addLayout(mark_row)
        layout.addWidget(truth, 1)
        self._connection = attempt.events.paused.connect(lambda _paused: self._show())
        self.finished.connect(lambda _code: self._connection.disconnect())
        self.resize(620, 520)
        self._show()

    def _show(self) -> None:
        attempt = self.attempt
        state = "ended" if attempt.ended else ("paused" if attempt.paused else "running")
        self.status.setText(f"{attempt.trainee or 'Trainee not named'} · {attempt.mode.value} mode · {state} · "
                            f"pass mark {format_number(attempt.pass_mark)} %")
        self.pause_button.setText("&Resume" if attempt.paused else "&Pause")
        for widget in (self.pause_button, self.reset_button, self.end_button, self.inject_button, self.hint_button,
                       self.reveal_button, self.pass_button):
            widget.setEnabled(not attempt.ended)

    def _act(self, action) -> bool:
        try:
            action()
        except ProgrammerError as error:
            dialogs.show_error(self, "The instructor's action was refused", str(error))
            return False
        self._show()
        return True

    def _pause(self) -> None:
        self._act(self.attempt.resume if self.attempt.paused else self.attempt.pause)

    def _do_reset(self) -> None:
        if self._reset is not None and self._act(self._reset):
            self.accept()

    def _give_hint(self) -> None:
        text = self.hint_edit.text().strip() or None
        if self._act(lambda: self.attempt.give_hint(text)):
            self.hint_edit.clear()

    def _reveal(self) -> None:
        found: list[str] = []
        if self._act(lambda: found.extend(self.attempt.reveal_truth())):
            self.truth.clear()
            self.truth.addItems(found)


def _moment(stored: str | None) -> str:
    """A record's wall-clock time as the programmer writes moments (the records keep ISO text)."""
    return moment_text(datetime.fromisoformat(stored).replace(tzinfo=None)) if stored else "—"


COLUMNS = ("Attempt", "Trainee", "Scenario", "Version", "Mode", "Started", "Ended", "Status", "Score",
           "Critical missed")


class RecordsView(QDialog):
    """Every attempt on this station: filter by trainee or scenario, export as CSV, open a debrief."""

    def __init__(self, records: TrainingRecords, parent: QWidget | None = None, open_debrief=None) -> None:
        super().__init__(parent)
        titled(self, "recordsView", "Training records")
        self.records = records
        self._open_debrief = open_debrief
        self.trainee = name(QLineEdit(), "recordsTrainee", "Filter by trainee")
        self.trainee.setPlaceholderText("any trainee")
        self.scenario = name(QComboBox(), "recordsScenario", "Filter by scenario")
        self.table = name(QTableWidget(0, len(COLUMNS)), "recordsTable", "Attempts")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()  # the attempt's number is the first column
        self.count = hint_label(object_name="recordsCount")
        self.export_button = name(QPushButton("E&xport CSV…"), "exportCsvButton", "Export the shown attempts as CSV")
        self.open_button = name(QPushButton("&Open debrief…"), "openDebriefButton", "Open the selected debrief")
        self.trainee.textChanged.connect(self.refresh)
        self.scenario.currentIndexChanged.connect(self.refresh)
        self.export_button.clicked.connect(self._export)
        self.open_button.clicked.connect(self._open)
        self.table.cellDoubleClicked.connect(lambda _row, _column: self._open())
        filters = QHBoxLayout()
        filters.addWidget(QLabel("&Trainee:", buddy=self.trainee))
        filters.addWidget(self.trainee, 1)
        filters.addWidget(QLabel("&Scenario:", buddy=self.scenario))
        filters.addWidget(self.scenario, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.resize(1000, 520)
        self._fill_scenarios()
        self.refresh()

    def _fill_scenarios(self) -> None:
        self.scenario.addItem("any scenario", None)
        for scenario_id in sorted({row.scenario for row in self.records.attempts()}):
            self.scenario.addItem(scenario_id, scenario_id)

    def _filters(self) -> dict[str, str | None]:
        return {"trainee": self.trainee.text().strip() or None, "scenario": self.scenario.currentData()}

    def refresh(self) -> None:
        rows = self.records.attempts(**self._filters())
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            values = (row.id, row.trainee or "—", row.scenario, row.version, row.mode, _moment(row.started),
                      _moment(row.ended), row.status,
                      f"{format_number(row.score)} %" if row.score is not None else "—",
                      "; ".join(row.critical_missed) or "—")
            for column, value in enumerate(values):
                self.table.setItem(index, column, QTableWidgetItem(str(value)))
        self.table.resizeColumnsToContents()
        self.count.setText(f"{len(rows)} attempt(s)")

    def selected_attempt(self) -> int | None:
        row = self.table.currentRow()
        return int(self.table.item(row, 0).text()) if row >= 0 else None

    def debrief_of(self, attempt_id: int) -> Debrief:
        return build_debrief(self.records.recording(attempt_id), attempt_id)

    def _open(self) -> None:
        attempt_id = self.selected_attempt()
        if attempt_id is None:
            dialogs.show_error(self, "No attempt chosen", "choose an attempt in the table first")
            return
        try:
            debrief = self.debrief_of(attempt_id)
        except ProgrammerError as error:
            dialogs.show_error(self, "Cannot open the debrief", str(error))
            return
        if self._open_debrief is not None:
            self._open_debrief(debrief)

    def csv_text(self) -> str:
        out = io.StringIO()
        self.records.export_csv(out, **self._filters())
        return out.getvalue()

    def _export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the attempts as CSV", "training-records.csv", "CSV (*.csv)")
        if not path:
            return
        try:
            Path(path).write_text(self.csv_text(), encoding="utf-8", newline="")
        except OSError as error:
            dialogs.show_error(self, "Cannot export the records", f"{path}: {error.strerror}")


