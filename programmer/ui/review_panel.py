"""The Finish screen: the pump's program and the new one side by side, findings, reason, Program, verify.

Everything shown comes from the session's Review and ProgramResult; this panel
only lays it out and decides nothing but which button is live: "Program pump"
stays off while a blocking finding stands, and while a soft-limit finding waits
for its reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from programmer.session.levels import FINDING_LEVELS
from programmer.session.review import COLUMNS, Review
from programmer.therapy.prescription import InfusionMode
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.ui.level_lines import LevelLines
from programmer.ui.schedule.comparison import ScheduleComparison
from programmer.ui.style import ROLE, SEVERITY, name, see_through, set_flag
from programmer.ui.theme import Palette

CHANGED_BACKGROUND = QColor(Palette.PENDING)  # as a pending edit looks


class ReviewPanel(QWidget):
    program_requested = Signal(str)  # the reason typed for a soft-limit override ("" when none is needed)
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewPanel")
        self._review: Review | None = None
        self._editor_problem = ""

        intro = QLabel("Check every row: the left column is what the pump runs now, the right what it will run.")
        intro.setProperty(ROLE, "hint")
        intro.setWordWrap(True)
        self.table = name(QTableWidget(0, len(COLUMNS)), "reviewTable", "Current and new settings side by side")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)

        self.dose_change = QLabel()
        self.dose_change.setObjectName("doseChange")
        self.new_volume = QLabel()
        self.new_volume.setObjectName("newDailyVolume")
        self.new_alarm = QLabel()
        self.new_alarm.setObjectName("newAlarmDate")
        summary = QGridLayout()
        summary.setHorizontalSpacing(16)
        rows = (("Dose change:", self.dose_change), ("New daily volume:", self.new_volume))
        for row, (title, label) in enumerate((*rows, ("New alarm date:", self.new_alarm))):
            label.setProperty(ROLE, "value")
            label.setWordWrap(True)
            label.setAccessibleName(title.rstrip(":"))
            summary.addWidget(QLabel(title), row, 0)
            summary.addWidget(label, row, 1)
        summary.setColumnStretch(1, 1)
        summary_box = QGroupBox("What follows")
        summary_box.setLayout(summary)

        self.finding_lines = LevelLines("finding")
        self.finding_lines.setAlignment(Qt.AlignmentFlag.AlignTop)
        findings = QGroupBox("Safety checks")
        findings.setObjectName("findingsGroup")
        findings.setLayout(self.finding_lines)

        self.reason = name(QLineEdit(), "reasonEdit", "Reason for programming beyond a soft limit")
        self.reason.setPlaceholderText("e.g. dose agreed with the pain team on 12 May (recorded in the pump's log)")
        self.reason_label = QLabel("Reaso&n (required, logged in the pump):")
        self.reason_label.setBuddy(self.reason)
        reason_row = QHBoxLayout()
        reason_row.addWidget(self.reason_label)
        reason_row.addWidget(self.reason, 1)
        self.reason_box = QWidget()
        self.reason_box.setObjectName("reasonBox")
        self.reason_box.setLayout(reason_row)
        reason_row.setContentsMargins(0, 0, 0, 0)

        self.gate = QLabel()
        self.gate.setObjectName("programGate")
        self.gate.setWordWrap(True)
        self.back = name(QPushButton("&Back to editing"), "backButton", "Back to editing")
        self.program = name(QPushButton("&Program pump"), "programButton", "Program pump")
        buttons = QHBoxLayout()
        buttons.addWidget(self.gate, 1)
        buttons.addWidget(self.back)
        buttons.addWidget(self.program)

        self.result = QLabel()
        self.result.setObjectName("programResult")
        self.result.setAccessibleName("Programming result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # What is read scrolls (large fonts need room); what is decided (reason, Program) stays in view.
        content = QWidget()
        content.setObjectName("reviewContent")
        below = QHBoxLayout()
        below.addWidget(summary_box, 1)
        below.addWidget(findings, 1)
        reading = QVBoxLayout(content)
        reading.setContentsMargins(0, 0, 0, 0)
        reading.addWidget(intro)
        reading.addWidget(self.table)
        reading.addLayout(below)
        # Flex schedules are compared as two timelines on one scale: a table cannot show a day's shape.
        self.schedules = ScheduleComparison()
        reading.addWidget(self.schedules)
        reading.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("reviewScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        see_through(scroll)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.reason_box)
        layout.addLayout(buttons)

        self.reason.textChanged.connect(self._update_gate)
        self.program.clicked.connect(self._program_clicked)
        self.back.clicked.connect(self.back_requested)
        self.clear()

    # --- what the session tells us ------------------------------------------------------------
    def clear(self) -> None:
        self._review = None
        self.table.setRowCount(0)
        self.schedules.setVisible(False)
        for label in (self.dose_change, self.new_volume, self.new_alarm):
            label.setText("—")
        self._show_findings([])
        self.reason_box.setVisible(False)
        self.result.setText("")
        set_flag(self.result, SEVERITY, "none")
        self._update_gate()

    def show_review(self, review: Review, editor_problem: str = "") -> None:
        """Lay out `review`; `editor_problem` is an entry the editor still refuses (it blocks programming)."""
        if review.has_changes and self._review is not None and not self._review.has_changes:
            self.reason.clear()  # a new round of changes needs its own reason
        self._review = review
        self._editor_problem = editor_problem
        self.table.setRowCount(len(review.rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        for row, difference in enumerate(review.rows):
            for column, text in enumerate(difference.cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if difference.changed:
                    item.setBackground(QBrush(CHANGED_BACKGROUND))
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        self._fit_table()
        old, new = review.old_projection.prescription, review.new_projection.prescription
        flex = InfusionMode.FLEX in (old.mode, new.mode)
        self.schedules.setVisible(flex)
        if flex:
            self.schedules.show_prescriptions(old, new)

        if not review.has_changes:
            for label in (self.dose_change, self.new_volume, self.new_alarm):
                label.setText("no changes pending")
        else:
            self._show_summary(review)
        self._show_findings(review.findings)
        self.reason_box.setVisible(bool(review.needs_reason))
        if review.has_changes:
            self.result.setText("")
            set_flag(self.result, SEVERITY, "none")
        self._update_gate()

    def _show_summary(self, review: Review) -> None:
        self.dose_change.setText(review.dose_change_text)
        self.new_volume.setText(review.daily_volume_text)
        # The review's own alarm row: once the alarm fired it says when, not "now" (session.status).
        alarm = next(row for row in review.rows if row.label == "Alarm date")
        self.new_alarm.setText(f"{alarm.new} (now {alarm.old})" if alarm.changed else f"{alarm.new}, unchanged")

    def _fit_table(self) -> None:
        """Every row on screen at once: the side-by-side table never hides a row behind its own scroll bar."""
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(row) for row in range(self.table.rowCount()))
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(self.table.horizontalHeader().height() + rows + frame)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_table()  # wrapped cells change height with the width

    def show_result(self, changes: list[str]) -> None:
        """The pump was programmed and its read-back equals what was sent; `changes` in plain language."""
        lines = ["Verified: pump read back matches the program."]
        lines += [f"• {change}" for change in changes] or ["(no setting changed)"]
        self.result.setText("\n".join(lines))
        set_flag(self.result, SEVERITY, "ok")
        self.reason.clear()
        self._update_gate()

    def show_error(self, message: str) -> None:
        self.result.setText(f"Not programmed: {message}")
        set_flag(self.result, SEVERITY, "critical")

    # --- the gate on the Program button --------------------------------------------------------------
    @property
    def finding_labels(self) -> list[QLabel]:
        return self.finding_lines.labels

    def _show_findings(self, findings: list[Finding]) -> None:
        review = self._review
        rows = []
        for finding in findings:
            text = str(finding)  # "Not allowed: …", "Reason required: …": the severity in words, not only colour
            if finding.severity is FindingSeverity.BLOCK:
                text += " — blocks programming"
            rows.append((FINDING_LEVELS[finding.severity], text))
        if not rows:
            changes = review is not None and review.has_changes
            rows = [("ok", "No safety findings." if changes else "No changes pending: nothing to check.")]
        self.finding_lines.show_lines(rows)

    def _gate_reason(self) -> str:
        """Why "Program pump" is off, or "" when it may be pressed (the review decides)."""
        if self._review is None:
            return "Nothing to program: no changes are pending."
        return self._review.why_not(self.reason.text(), self._editor_problem)

    def _update_gate(self) -> None:
        why = self._gate_reason()
        self.gate.setText(why)
        self.program.setEnabled(not why)

    def _program_clicked(self) -> None:
        if not self._gate_reason():
            self.program_requested.emit(self.reason.text().strip())
