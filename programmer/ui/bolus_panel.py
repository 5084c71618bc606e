"""Priming and clinician boluses: lengths or dose in, volume and duration out, progress, cancel.

The panel shows programmer.session.bolus_screen.BolusScreen and forwards what the nurse
types and clicks to it: every rule (which button is live, what a missing entry says,
what a plan shows) is the screen model's. While the confirmation is open the bolus is
the session's pending program, so a reservoir plot bound to the same session shows its drop.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from programmer.pump.telemetry import ProgramResult
from programmer.session.bolus_history import CancelledBolus
from programmer.session.bolus_screen import (
    CLINICIAN_ROWS,
    PRIMING_ROWS,
    BolusScreen,
    Confirmation,
    PlanScreen,
    ProgressScreen,
)
from programmer.session.bolus_workflow import BolusWorkflow, PrimingOccasion
from programmer.session.events import ProgrammerEvents
from programmer.session.levels import FINDING_LEVELS
from programmer.session.programming import ProgrammingSession
from programmer.therapy.safety import FindingSeverity
from programmer.ui import dialogs
from programmer.ui.binding import bind
from programmer.ui.level_lines import LevelLines
from programmer.ui.style import ROLE, SEVERITY, name, set_flag, value_label

PROGRESS_STEPS = 1000
TIME_STEPS = (("+15 min", "bolusClockQuarter", timedelta(minutes=15)), ("+1 h", "bolusClockHour", timedelta(hours=1)))


class _PlanView(QWidget):
    """A plan's rows (label and value), its findings, and what stops it, in words."""

    def __init__(self, prefix: str, labels: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}Plan")
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(1, 1)
        self.values: dict[str, QLabel] = {}
        self._captions: dict[str, QLabel] = {}
        for row, label in enumerate(labels):
            caption = QLabel(f"{label}:")
            field = value_label(f"{prefix}{label.replace(' ', '')}", label)
            caption.setBuddy(field)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(field, row, 1)
            self.values[label] = field
            self._captions[label] = caption
        self.problem = QLabel()
        self.problem.setObjectName(f"{prefix}Problem")
        self.problem.setAccessibleName("Why this bolus cannot be given")
        self.problem.setProperty(ROLE, "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self.finding_lines = LevelLines(spacing=4, selectable=True)
        self._shown_findings: tuple = ()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        layout.addLayout(self.finding_lines)

    def show_screen(self, screen: PlanScreen) -> None:
        rows = dict(screen.rows)
        for label, field in self.values.items():
            shown = label in rows
            field.setText(rows.get(label, "—"))
            field.setVisible(shown)
            self._captions[label].setVisible(shown)
        set_flag(self.problem, ROLE, "hint" if screen.hint else "problem")
        self.problem.setText(screen.problem)
        self.problem.setVisible(bool(screen.problem))
        self._show_findings(screen.findings)

    def _show_findings(self, findings: tuple) -> None:
        if findings == self._shown_findings:
            return  # typing a reason redraws the panel: the same findings stay where they are
        self._shown_findings = findings
        lines = []
        for finding in findings:
            blocks = " — this bolus cannot be given" if finding.severity is FindingSeverity.BLOCK else ""
            lines.append((FINDING_LEVELS[finding.severity], f"{finding}{blocks}"))
        self.finding_lines.show_lines(lines, [f"Safety check: {finding.severity.title}" for finding in findings])

    @property
    def finding_labels(self) -> list[QLabel]:
        return self.finding_lines.labels


def _plan_group(
    title: str, object_name: str, hint: str, form: QFormLayout, view: _PlanView, give: QPushButton
) -> QGroupBox:
    """A bolus's box: what it does, its fields, its plan, and the button that gives it."""
    group = QGroupBox(title)
    group.setObjectName(object_name)
    words = QLabel(hint)
    words.setProperty(ROLE, "hint")
    words.setWordWrap(True)
    layout = QVBoxLayout(group)
    layout.addWidget(words)
    layout.addLayout(form)
    layout.addWidget(view)
    layout.addStretch(1)  # the two boxes share a height: the room goes above the button
    layout.addWidget(give, 0, Qt.AlignmentFlag.AlignRight)
    return group


class BolusProgressView(QGroupBox):
    """The bolus the pump runs: kind, delivered so far of the total (mL and drug), time left, a bar, Cancel."""

    cancel_requested = Signal()
    advance_requested = Signal(object)  # a timedelta of simulated time

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Bolus running", parent)
        self.setObjectName("bolusProgress")
        self.setAccessibleName("Bolus progress")
        self.kind = value_label("bolusProgressKind", "Bolus")
        self.delivered = value_label("bolusProgressDelivered", "Delivered so far")
        self.remaining = value_label("bolusProgressRemaining", "Time remaining")
        self.then = value_label("bolusProgressThen", "Afterwards")
        self.then.setProperty(ROLE, "hint")
        self.bar = name(QProgressBar(), "bolusProgressBar", "Bolus delivered")
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setFormat("%p % delivered")
        self.cancel = name(QPushButton("Cancel b&olus…"), "cancelBolusButton", "Cancel the running bolus")
        self.cancel.clicked.connect(self.cancel_requested)
        self.last = value_label("bolusLast", "Last bolus")
        self.last.setProperty(ROLE, "hint")

        self.details = QWidget()
        self.details.setObjectName("bolusProgressDetails")
        form = QFormLayout(self.details)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Bolus:", self.kind)
        form.addRow("Delivered:", self.delivered)
        form.addRow("Time:", self.remaining)
        form.addRow("", self.then)
        time_row = QHBoxLayout()
        caption = QLabel("Simulated time:")
        caption.setProperty(ROLE, "hint")
        time_row.addWidget(caption)
        self.time_buttons: list[QPushButton] = []
        for text, object_name, step in TIME_STEPS:
            button = name(QPushButton(text), object_name, f"Advance the pump clock by {text.removeprefix('+')}")
            button.clicked.connect(lambda _checked=False, step=step: self.advance_requested.emit(step))
            time_row.addWidget(button)
            self.time_buttons.append(button)
        time_row.addStretch(1)
        time_row.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.details)
        layout.addWidget(self.bar)
        layout.addLayout(time_row)
        layout.addWidget(self.last)

    def show_screen(self, screen: ProgressScreen) -> None:
        self.setTitle(screen.title)
        self.details.setVisible(screen.running)
        self.bar.setVisible(screen.running)
        self.cancel.setEnabled(screen.running)
        for button in self.time_buttons:
            button.setEnabled(screen.connected)
        self.last.setText(screen.last)
        self.last.setVisible(bool(screen.last))
        self.kind.setText(screen.kind)
        self.delivered.setText(screen.delivered)
        self.remaining.setText(screen.remaining)
        self.then.setText(screen.then)
        self.bar.setValue(round(screen.fraction * PROGRESS_STEPS))


class BolusPanel(QWidget):
    """Priming bolus (after implant or catheter revision) and clinician bolus on the session's pump."""

    bolus_given = Signal(object)  # the ProgramResult, read back and verified
    bolus_cancelled = Signal(object)  # the CancelledBolus

    def __init__(self, events: ProgrammerEvents | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "bolusPanel", "Boluses")
        self.screen = BolusScreen()

        # --- priming ---
        self.catheter_length = name(QDoubleSpinBox(), "catheterLength", "Catheter length before trimming, cm")
        self.trimmed = name(QDoubleSpinBox(), "catheterTrimmed", "Length trimmed off the catheter, cm")
        for spin in (self.catheter_length, self.trimmed):
            spin.setRange(0, 300)
            spin.setDecimals(1)
            spin.setSingleStep(1)
            spin.setSuffix(" cm")
            spin.valueChanged.connect(self._lengths_typed)
        # Why prime: it says what is empty, so the nurse answers it before every priming.
        self.occasion_buttons: dict[PrimingOccasion, QRadioButton] = {}
        self._occasion_group = QButtonGroup(self)
        for occasion, text, object_name in (
            (PrimingOccasion.IMPLANT, "The pump was &just implanted: prime pump tubing and catheter",
             "primingAfterImplant"),
            (PrimingOccasion.CATHETER_REVISION, "The cat&heter was revised: prime the catheter only",
             "primingAfterRevision"),
        ):
            button = name(QRadioButton(text), object_name, f"Priming because: {occasion.title}")
            self._occasion_group.addButton(button)
            button.toggled.connect(lambda checked, occasion=occasion: self._occasion_picked(occasion, checked))
            self.occasion_buttons[occasion] = button
        self.priming_view = _PlanView("priming", PRIMING_ROWS)
        self.give_priming = name(QPushButton("Give &priming bolus…"), "givePrimingButton", "Give the priming bolus")
        self.give_priming.clicked.connect(self._give_priming)
        priming_form = QFormLayout()
        occasions = QVBoxLayout()
        for button in self.occasion_buttons.values():
            occasions.addWidget(button)
        priming_form.addRow("Why prime:", occasions)
        priming_form.addRow("Catheter &length:", self.catheter_length)
        priming_form.addRow("Tri&mmed:", self.trimmed)
        priming = _plan_group(
            "Priming bolus",
            "primingGroup",
            "Fills what is empty at the pump's maximum flow, so drug reaches the tip before the continuous rate "
            "starts: after an implant the pump tubing and the catheter, after a catheter revision the new "
            "catheter only (type its lengths).",
            priming_form,
            self.priming_view,
            self.give_priming,
        )

        # --- clinician ---
        self.dose = name(QDoubleSpinBox(), "bolusDose", "Clinician bolus dose")
        self.dose.setRange(0, 100000)
        self.dose.setDecimals(3)
        self.dose.setSingleStep(0.1)
        self.hours = name(QSpinBox(), "bolusHours", "Clinician bolus duration, hours")
        self.hours.setRange(0, 24)
        self.hours.setSuffix(" h")
        self.minutes = name(QSpinBox(), "bolusMinutes", "Clinician bolus duration, minutes")
        self.minutes.setRange(0, 59)
        self.minutes.setSingleStep(5)
        self.minutes.setSuffix(" min")
        for spin in (self.dose, self.hours, self.minutes):
            spin.valueChanged.connect(self._clinician_typed)
        duration = QHBoxLayout()
        duration.addWidget(self.hours)
        duration.addWidget(self.minutes)
        duration.addStretch(1)
        self.clinician_view = _PlanView("clinician", CLINICIAN_ROWS)
        self.reason = name(QLineEdit(), "bolusReason", "Reason for giving the bolus beyond a soft limit")
        self.reason.setPlaceholderText("required beyond a soft limit; logged in the pump")
        self.reason.textChanged.connect(self._clinician_typed)
        self.reason_label = QLabel("&Reason:")
        self.reason_label.setBuddy(self.reason)
        self.give_clinician = name(
            QPushButton("Give &clinician bolus…"), "giveClinicianButton", "Give the clinician bolus"
        )
        self.give_clinician.clicked.connect(self._give_clinician)
        clinician_form = QFormLayout()
        clinician_form.addRow("&Dose:", self.dose)
        duration_label = QLabel("Durat&ion:")
        duration_label.setBuddy(self.hours)
        clinician_form.addRow(duration_label, duration)
        clinician_form.addRow(self.reason_label, self.reason)
        clinician = _plan_group(
            "Clinician bolus",
            "clinicianGroup",
            "A dose in the drug's unit over a duration; then the pump's own mode resumes.",
            clinician_form,
            self.clinician_view,
            self.give_clinician,
        )

        # --- progress and result ---
        self.progress = BolusProgressView()
        self.progress.cancel_requested.connect(self._cancel)
        self.progress.advance_requested.connect(self._advance)
        self.clinician_name = name(QLineEdit(), "bolusClinician", "Clinician giving the bolus")
        self.clinician_name.setPlaceholderText("name, logged with the bolus")
        self.clinician_name.textChanged.connect(self._name_typed)
        self.result = QLabel()
        self.result.setObjectName("bolusResult")
        self.result.setAccessibleName("Bolus result")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()

        plans = QHBoxLayout()
        plans.addWidget(priming, 1)
        plans.addWidget(clinician, 1)
        who = QHBoxLayout()
        who_label = QLabel("Clinician &name:")
        who_label.setBuddy(self.clinician_name)
        who.addWidget(who_label)
        who.addWidget(self.clinician_name, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(who)
        layout.addLayout(plans)
        layout.addWidget(self.result)
        layout.addWidget(self.progress)
        layout.addStretch(1)
        self._show_entries()
        self._show()
        if events is not None:
            self.follow(events)

    # --- the session ------------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Give boluses on each visit `events` announces; redraw on every new snapshot (program, clock)."""
        self._events = events
        bind(self, events.visit, lambda visit: self.bind(visit.session if visit is not None else None))
        bind(self, events.snapshot, lambda _memory: self._snapshot())

    def bind(self, session: ProgrammingSession | None) -> None:
        """Give boluses on `session`'s pump (None: no pump); its events must reach `follow`."""
        if session is not None and session.events is not getattr(self, "_events", None):
            self.follow(session.events)  # a session on its own (not the window's): follow its events too
        self.screen.start(session)
        self._show_entries()
        self._show()

    @property
    def workflow(self) -> BolusWorkflow | None:
        return self.screen.workflow

    def _snapshot(self) -> None:
        self.screen.refresh()
        self._show_entries()  # the first snapshot gives the pump's own catheter lengths
        self._show()

    # --- showing the screen model -------------------------------------------------------------------
    def _show_entries(self) -> None:
        """The fields as the screen model holds them (a new visit clears them; giving a bolus clears some)."""
        screen = self.screen
        values = (
            (self.catheter_length, screen.priming.length_cm),
            (self.trimmed, screen.priming.trimmed_cm),
            (self.dose, screen.clinician.dose),
            (self.hours, screen.clinician.duration // timedelta(hours=1)),
            (self.minutes, screen.clinician.duration % timedelta(hours=1) // timedelta(minutes=1)),
        )
        for spin, value in values:
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        for line, text in ((self.reason, screen.clinician.reason), (self.clinician_name, screen.clinician_name)):
            if line.text() != text:
                line.blockSignals(True)
                line.setText(text)
                line.blockSignals(False)
        self._occasion_group.setExclusive(False)  # an exclusive group keeps one button checked
        for occasion, button in self.occasion_buttons.items():
            button.blockSignals(True)
            button.setChecked(occasion is screen.priming.occasion)
            button.blockSignals(False)
        self._occasion_group.setExclusive(True)

    def _show(self) -> None:
        screen = self.screen
        self.dose.setSuffix(f" {screen.unit}" if screen.unit else "")
        priming = screen.priming_screen()
        self.priming_view.show_screen(priming)
        self.give_priming.setEnabled(priming.can_give)
        clinician = screen.clinician_screen()
        self.clinician_view.show_screen(clinician)
        self.reason.setVisible(clinician.needs_reason)
        self.reason_label.setVisible(clinician.needs_reason)
        self.give_clinician.setEnabled(clinician.can_give)
        self.progress.show_screen(screen.progress_screen())
        outcome = screen.outcome
        self.result.setVisible(outcome is not None)
        if outcome is not None:
            self.result.setText(outcome.text)
            set_flag(self.result, SEVERITY, outcome.level)

    # --- what the nurse types ---------------------------------------------------------------------------
    def _lengths_typed(self) -> None:
        self.screen.priming.length_cm = self.catheter_length.value()
        self.screen.priming.trimmed_cm = self.trimmed.value()
        self._show()

    def _occasion_picked(self, occasion: PrimingOccasion, checked: bool) -> None:
        if checked:
            self.screen.priming.occasion = occasion
            self._show()

    def _clinician_typed(self) -> None:
        entry = self.screen.clinician
        entry.dose = self.dose.value()
        entry.duration = timedelta(hours=self.hours.value(), minutes=self.minutes.value())
        entry.reason = self.reason.text()
        self._show()

    def _name_typed(self, text: str) -> None:
        self.screen.clinician_name = text

    # --- giving, cancelling -----------------------------------------------------------------------------
    def _confirm(self, confirmation: Confirmation) -> bool:
        return dialogs.confirm(
            self, confirmation.title, list(confirmation.lines), confirmation.question, confirmation.accept, "&Back"
        )

    def _give_priming(self) -> None:
        self._give(self.screen.review_priming, self.screen.give_priming)

    def _give_clinician(self) -> None:
        self._give(self.screen.review_clinician, self.screen.give_clinician)

    def _give(self, review, give) -> None:
        confirmation = review()  # the bolus is pending now: the plot shows its drop while the nurse decides
        if confirmation is not None and not self._confirm(confirmation):
            self.screen.back()
        elif confirmation is not None:
            give(then=self._given, otherwise=lambda _error: self._show())
        self._show()

    def _given(self, result: ProgramResult) -> None:
        self._show_entries()  # the screen model cleared the occasion and the reason
        self._show()
        self.bolus_given.emit(result)

    def _cancel(self) -> None:
        confirmation = self.screen.cancel_confirmation()
        if confirmation is None or not self._confirm(confirmation):
            return
        self.screen.cancel(then=self._cancelled, otherwise=lambda _error: self._show())

    def _cancelled(self, cancelled: CancelledBolus) -> None:
        self._show()
        self.bolus_cancelled.emit(cancelled)

    def _advance(self, step: timedelta) -> None:
        self.screen.advance(step)
        self._show()
