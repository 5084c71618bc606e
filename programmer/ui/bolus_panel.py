"""Priming and clinician boluses: lengths or dose in, volume and duration out, progress, cancel.

Every number here comes from programmer.session.bolus_workflow: the panel lays the plan
out, asks before a bolus is given or cancelled, and shows the bolus running on the
pump's clock. While the confirmation is open the bolus is the session's pending
program, so a reservoir plot bound to the same session shows its drop.
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

from programmer.errors import ProgrammerError
from programmer.pump.telemetry import ProgramResult
from programmer.session.bolus_workflow import (
    BolusProgress,
    BolusWorkflow,
    CancelledBolus,
    ClinicianBolusPlan,
    PrimingOccasion,
    PrimingPlan,
    bolus_history,
    ml_text,
)
from programmer.session.events import ProgrammerEvents
from programmer.session.programming import ProgrammingSession
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.units import Dose
from programmer.ui import dialogs
from programmer.ui.binding import bind
from programmer.ui.style import ROLE, SEVERITY, name, set_flag, value_label
from programmer.wording import duration_text

# Refusals a nurse can act on, said in words at the field or under the buttons.
FINDING_LEVELS = {
    FindingSeverity.BLOCK: "critical",
    FindingSeverity.NEEDS_REASON: "warning",
    FindingSeverity.WARNING: "warning",
    FindingSeverity.INFO: "info",
}
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
        self._captions: list[QLabel] = []
        for row, label in enumerate(labels):
            caption = QLabel(f"{label}:")
            field = value_label(f"{prefix}{label.replace(' ', '')}", label)
            caption.setBuddy(field)
            grid.addWidget(caption, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(field, row, 1)
            self.values[label] = field
            self._captions.append(caption)
        self.problem = QLabel()
        self.problem.setObjectName(f"{prefix}Problem")
        self.problem.setAccessibleName("Why this bolus cannot be given")
        self.problem.setProperty(ROLE, "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        self._findings_box = QVBoxLayout()
        self._findings_box.setSpacing(4)
        self.finding_labels: list[QLabel] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        layout.addLayout(self._findings_box)

    def _show_rows(self, visible: bool) -> None:
        for widget in (*self._captions, *self.values.values()):
            widget.setVisible(visible)

    def show_lines(self, lines: list[tuple[str, str]]) -> None:
        self.problem.hide()
        self._show_rows(True)
        for label, value in lines:
            if label in self.values:  # a row the fields above already show (the dose) is left out
                self.values[label].setText(value)

    def show_problem(self, message: str, *, hint: bool = False) -> None:
        """Why there is no plan: a refusal (red) or, with `hint`, an entry still missing."""
        self._show_rows(False)
        self.show_findings([])
        set_flag(self.problem, ROLE, "hint" if hint else "problem")
        self.problem.setText(message[:1].upper() + message[1:])
        self.problem.show()

    def show_findings(self, findings: list[Finding] | tuple[Finding, ...]) -> None:
        for label in self.finding_labels:
            self._findings_box.removeWidget(label)
            label.setParent(None)
            label.deleteLater()
        self.finding_labels = []
        for finding in findings:
            text = str(finding)
            if finding.severity is FindingSeverity.BLOCK:
                text += " — this bolus cannot be given"
            label = QLabel(text)
            label.setWordWrap(True)
            label.setAccessibleName(f"Safety check: {finding.severity.title}")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            set_flag(label, SEVERITY, FINDING_LEVELS[finding.severity])
            self._findings_box.addWidget(label)
            self.finding_labels.append(label)


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
        self.show_progress(None)

    def show_progress(self, progress: BolusProgress | None, last: str = "", connected: bool = True) -> None:
        running = progress is not None
        self.details.setVisible(running)
        self.bar.setVisible(running)
        self.cancel.setEnabled(running)
        for button in self.time_buttons:
            button.setEnabled(connected)
        if not last and not running:
            last = "The pump is running no bolus now."
        self.last.setText(last)
        self.last.setVisible(bool(last))
        if progress is None:
            self.setTitle("No bolus running")
            self.kind.setText("—")
            self.delivered.setText("—")
            self.remaining.setText("—")
            self.then.setText("")
            self.bar.setValue(0)
            return
        self.setTitle(f"{progress.title} running")
        self.kind.setText(f"{progress.title}: {progress.dose} in {ml_text(progress.volume_ml)}")
        self.delivered.setText(progress.delivered_text())
        self.remaining.setText(progress.remaining_text())
        self.then.setText(progress.then[:1].upper() + progress.then[1:])
        self.bar.setValue(round(progress.fraction * PROGRESS_STEPS))


class BolusPanel(QWidget):
    """Priming bolus (after implant or catheter revision) and clinician bolus on the session's pump."""

    bolus_given = Signal(object)  # the ProgramResult, read back and verified
    bolus_cancelled = Signal(object)  # the CancelledBolus

    def __init__(self, events: ProgrammerEvents | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        name(self, "bolusPanel", "Boluses")
        self._session: ProgrammingSession | None = None
        self._workflow: BolusWorkflow | None = None
        self._priming_plan: PrimingPlan | None = None
        self._clinician_plan: ClinicianBolusPlan | None = None

        # --- priming ---
        self.catheter_length = name(QDoubleSpinBox(), "catheterLength", "Catheter length before trimming, cm")
        self.trimmed = name(QDoubleSpinBox(), "catheterTrimmed", "Length trimmed off the catheter, cm")
        for spin in (self.catheter_length, self.trimmed):
            spin.setRange(0, 300)
            spin.setDecimals(1)
            spin.setSingleStep(1)
            spin.setSuffix(" cm")
            spin.valueChanged.connect(self._plan_priming)
        # Why prime: only an empty catheter may be primed, so the nurse says which case this is.
        self.occasion_buttons: dict[PrimingOccasion, QRadioButton] = {}
        occasion_group = QButtonGroup(self)
        for occasion, text, object_name in (
            (PrimingOccasion.IMPLANT, "The pump was &just implanted", "primingAfterImplant"),
            (PrimingOccasion.CATHETER_REVISION, "The cat&heter was revised", "primingAfterRevision"),
        ):
            button = name(QRadioButton(text), object_name, f"Priming because: {occasion.title}")
            occasion_group.addButton(button)
            button.toggled.connect(self._plan_priming)
            self.occasion_buttons[occasion] = button
        self.priming_view = _PlanView(
            "priming", ("Holds now", "Catheter", "Pump tubing", "Priming volume", "Flow", "Duration", "Afterwards")
        )
        self.give_priming = name(QPushButton("Give &priming bolus…"), "givePrimingButton", "Give the priming bolus")
        self.give_priming.clicked.connect(self._give_priming)
        priming_form = QFormLayout()
        occasions = QVBoxLayout()
        for button in self.occasion_buttons.values():
            occasions.addWidget(button)
        priming_form.addRow("Why prime:", occasions)
        priming_form.addRow("Catheter &length:", self.catheter_length)
        priming_form.addRow("Tri&mmed:", self.trimmed)
        priming_hint = QLabel(
            "After implant or catheter revision: fills the pump tubing and the implanted catheter at the pump's "
            "maximum flow, so drug reaches the tip before the continuous rate starts."
        )
        priming_hint.setProperty(ROLE, "hint")
        priming_hint.setWordWrap(True)
        priming = QGroupBox("Priming bolus")
        priming.setObjectName("primingGroup")
        priming_layout = QVBoxLayout(priming)
        priming_layout.addWidget(priming_hint)
        priming_layout.addLayout(priming_form)
        priming_layout.addWidget(self.priming_view)
        priming_layout.addStretch(1)  # the two groups share a height: the room goes above the button
        priming_layout.addWidget(self.give_priming, 0, Qt.AlignmentFlag.AlignRight)

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
        self.hours.setValue(1)
        for spin in (self.dose, self.hours, self.minutes):
            spin.valueChanged.connect(self._plan_clinician)
        duration = QHBoxLayout()
        duration.addWidget(self.hours)
        duration.addWidget(self.minutes)
        duration.addStretch(1)
        self.clinician_view = _PlanView("clinician", ("Volume", "Flow", "Duration", "Afterwards"))
        self.reason = name(QLineEdit(), "bolusReason", "Reason for giving the bolus beyond a soft limit")
        self.reason.setPlaceholderText("required beyond a soft limit; logged in the pump")
        self.reason.textChanged.connect(self._update_buttons)
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
        clinician_hint = QLabel("A dose in the drug's unit over a duration; then the pump's own mode resumes.")
        clinician_hint.setProperty(ROLE, "hint")
        clinician_hint.setWordWrap(True)
        clinician = QGroupBox("Clinician bolus")
        clinician.setObjectName("clinicianGroup")
        clinician_layout = QVBoxLayout(clinician)
        clinician_layout.addWidget(clinician_hint)
        clinician_layout.addLayout(clinician_form)
        clinician_layout.addWidget(self.clinician_view)
        clinician_layout.addStretch(1)
        clinician_layout.addWidget(self.give_clinician, 0, Qt.AlignmentFlag.AlignRight)

        # --- progress and result ---
        self.progress = BolusProgressView()
        self.progress.cancel_requested.connect(self._cancel)
        self.progress.advance_requested.connect(self._advance)
        self.clinician_name = name(QLineEdit(), "bolusClinician", "Clinician giving the bolus")
        self.clinician_name.setPlaceholderText("name, logged with the bolus")
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
        self._refresh()
        if events is not None:
            self.follow(events)

    # --- the session ------------------------------------------------------------------------------
    def follow(self, events: ProgrammerEvents) -> None:
        """Give boluses on each visit `events` announces; redraw on every new snapshot (program, clock)."""
        self._events = events
        bind(self, events.visit, lambda visit: self.bind(visit.session if visit is not None else None))
        bind(self, events.snapshot, lambda _memory: self._refresh())

    def bind(self, session: ProgrammingSession | None) -> None:
        """Give boluses on `session`'s pump (None: no pump); its events must reach `follow`."""
        if session is not None and session.events is not getattr(self, "_events", None):
            self.follow(session.events)  # a session on its own (not the window's): follow its events too
        self._session = session
        self._workflow = BolusWorkflow(session) if session is not None else None
        # A new visit starts from nothing typed and nothing said: the last trainee's entries and results go.
        self.result.hide()
        self.dose.setValue(0)
        self.hours.setValue(1)
        self.minutes.setValue(0)
        self.clinician_name.clear()
        self._clear_occasion()
        self._fill_catheter()
        self._refresh()

    @property
    def workflow(self) -> BolusWorkflow | None:
        return self._workflow

    def _memory(self):
        return self._session.current if self._session is not None else None

    def _fill_catheter(self) -> None:
        memory = self._memory()
        if memory is None:
            return
        # The pump's own catheter to start from; a revision changes the lengths.
        catheter = memory.catheter
        for spin, value in ((self.catheter_length, catheter.length_cm), (self.trimmed, catheter.trimmed_cm)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    def _refresh(self) -> None:
        memory = self._memory()
        unit = memory.prescription.unit.value if memory is not None else ""
        self.dose.setSuffix(f" {unit}" if unit else "")
        self._plan_priming()
        self._plan_clinician()
        if memory is None:
            self.progress.show_progress(None, connected=False)
            return
        history = bolus_history(memory)
        last = ""
        if history and not history[-1].outcome.startswith("running"):
            entry = history[-1]
            last = f"Last: {entry.title.lower()} {entry.given}; {entry.outcome}"
        self.progress.show_progress(self._workflow.progress(), last)

    # --- plans ----------------------------------------------------------------------------------------
    def _plan_priming(self) -> None:
        self._priming_plan = None
        if self._workflow is None or self._memory() is None:
            self.priming_view.show_problem("no pump is connected: interrogate the pump first", hint=True)
        else:
            try:
                plan = self._workflow.priming_plan(
                    self.catheter_length.value(), self.trimmed.value(), self._occasion()
                )
            except ProgrammerError as error:
                self.priming_view.show_problem(str(error))
            else:
                self._priming_plan = plan
                self.priming_view.show_lines(plan.lines())
                self.priming_view.show_findings(plan.findings)
        self._update_buttons()

    def _clear_occasion(self) -> None:
        group = next(iter(self.occasion_buttons.values())).group()
        group.setExclusive(False)  # an exclusive group keeps one button checked
        for button in self.occasion_buttons.values():
            button.setChecked(False)
        group.setExclusive(True)

    def _occasion(self) -> PrimingOccasion | None:
        return next((occasion for occasion, button in self.occasion_buttons.items() if button.isChecked()), None)

    def _duration(self) -> timedelta:
        return timedelta(hours=self.hours.value(), minutes=self.minutes.value())

    def _plan_clinician(self) -> None:
        self._clinician_plan = None
        memory = self._memory()
        if self._workflow is None or memory is None:
            self.clinician_view.show_problem("no pump is connected: interrogate the pump first", hint=True)
        elif self.dose.value() <= 0:
            self.clinician_view.show_problem(f"enter the dose in {memory.prescription.unit.value}", hint=True)
        else:
            try:
                dose = Dose(self.dose.value(), memory.prescription.unit)
                plan = self._workflow.clinician_plan(dose, self._duration())
            except ProgrammerError as error:
                self.clinician_view.show_problem(str(error))
            else:
                self._clinician_plan = plan
                self.clinician_view.show_lines(plan.lines())
                self.clinician_view.show_findings(plan.findings)
        self._update_buttons()

    def _update_buttons(self) -> None:
        priming = self._priming_plan
        self.give_priming.setEnabled(priming is not None and not priming.blocking and not priming.needs_reason)
        plan = self._clinician_plan
        needs_reason = plan is not None and bool(plan.needs_reason)
        self.reason.setVisible(needs_reason)
        self.reason_label.setVisible(needs_reason)
        self.give_clinician.setEnabled(
            plan is not None and plan.can_give and (not needs_reason or bool(self.reason.text().strip()))
        )

    # --- giving, cancelling -----------------------------------------------------------------------------
    def _confirm(self, title: str, lines: list[tuple[str, str]], question: str, accept: str) -> bool:
        return dialogs.confirm(self, title, [f"{label}: {value}" for label, value in lines], question, accept, "&Back")

    def _give_priming(self) -> None:
        plan = self._priming_plan
        if plan is None or self._workflow is None:
            return
        length, trimmed, occasion = self.catheter_length.value(), self.trimmed.value(), self._occasion()
        try:
            self._workflow.review_priming(length, trimmed, occasion)  # the plot shows the drop meanwhile
            question = f"Give the priming bolus of {plan.volume_ml:.4g} mL now?"
            if not self._confirm("Priming bolus", plan.lines(), question, "&Give priming bolus"):
                self._session.discard_changes()
                return
            self._workflow.give_priming(
                length, trimmed, occasion, clinician=self.clinician_name.text(),
                then=lambda result: self._given("Priming bolus", result), otherwise=self._not_given,
            )
        except ProgrammerError as error:
            self._not_given(error)

    def _give_clinician(self) -> None:
        plan = self._clinician_plan
        memory = self._memory()
        if plan is None or self._workflow is None or memory is None:
            return
        prescription = memory.prescription
        dose, duration = Dose(self.dose.value(), prescription.unit), self._duration()
        try:
            self._workflow.review_clinician(dose, duration)
            question = (
                f"Give {dose} of {prescription.drug} {prescription.concentration} ({ml_text(plan.bolus.volume_ml)}) "
                f"over {duration_text(duration)} now?"
            )
            if not self._confirm("Clinician bolus", plan.lines(), question, "&Give clinician bolus"):
                self._session.discard_changes()
                return
            self._workflow.give_clinician(
                dose, duration, reason=self.reason.text(), clinician=self.clinician_name.text(),
                then=lambda result: self._given("Clinician bolus", result), otherwise=self._not_given,
            )
        except ProgrammerError as error:
            self._not_given(error)

    def _given(self, title: str, result: ProgramResult) -> None:
        """The pump read back the bolus as sent: say so, and start the next bolus from a clean slate."""
        self.reason.clear()
        self._clear_occasion()  # priming again needs its reason asked again
        self._show_result(f"{title} programmed and verified: " + "; ".join(result.changes), "ok")
        self.bolus_given.emit(result)

    def _not_given(self, error: Exception) -> None:
        self._show_result(f"Not given: {error}", "critical")

    def _cancel(self) -> None:
        progress = self._workflow.progress() if self._workflow is not None else None
        if progress is None:
            return
        lines = [("Delivered so far", progress.delivered_text()), ("Afterwards", progress.then)]
        if not self._confirm("Cancel bolus", lines, f"Cancel the {progress.title.lower()} now?", "&Cancel bolus"):
            return
        try:
            self._workflow.cancel(then=self._cancelled, otherwise=self._not_cancelled)
        except ProgrammerError as error:
            self._not_cancelled(error)

    def _cancelled(self, cancelled: CancelledBolus) -> None:
        self._show_result(cancelled.text() + ". The pump logged the volume delivered.", "ok")
        self.bolus_cancelled.emit(cancelled)

    def _not_cancelled(self, error: Exception) -> None:
        self._show_result(f"Not cancelled: {error}", "critical")

    def _advance(self, step: timedelta) -> None:
        if self._session is None or self._session.current is None:
            return
        try:
            self._session.advance(self._session.now + step)
        except ProgrammerError as error:
            self._show_result(f"The clock did not move: {error}", "critical")

    def _show_result(self, text: str, severity: str) -> None:
        self.result.setText(text)
        self.result.show()
        set_flag(self.result, SEVERITY, severity)
