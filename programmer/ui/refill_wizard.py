"""The refill wizard: seven steps in order, a progress list beside them, Abandon at every step.

Every rule lives in programmer.session.refill_workflow: each page shows what the
workflow says and forwards what the nurse does, and shows a refusal where it was
made. Nothing reaches the pump before "Program pump" on the review step; abandoning
(or closing the window) first says, in words, what state the pump is left in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from programmer import TRAINING_BANNER
from programmer.errors import ProgrammerError
from programmer.session.plot_data import HORIZON_PRESETS_DAYS
from programmer.session.refill_workflow import (
    SYRINGE_MAX_ML,
    BridgeProposal,
    Port,
    RefillOutcome,
    RefillRecord,
    RefillWorkflow,
    Step,
    StepStatus,
    SyringeLabel,
)
from programmer.session.status import format_datetime
from programmer.therapy.units import format_number
from programmer.ui import dialogs
from programmer.ui.binding import bind
from programmer.ui.concentration_entry import ConcentrationEntry
from programmer.ui.port_drawing import PLACE_NAMES, PortDrawing
from programmer.ui.prescription_editor import NumberSpinBox
from programmer.ui.reservoir_plot import ReservoirPlot
from programmer.ui.review_panel import ReviewPanel
from programmer.ui.style import ROLE, SEVERITY, STYLESHEET, hint_label, name, see_through, set_flag

WIZARD_STYLE = """
QFrame#syringeLabel { background: #ffffff; border: 2px solid #2b2b2b; border-radius: 6px; }
QFrame#syringeLabel QLabel { background: transparent; border: none; color: #1a1a1a; }
QLabel#syringeDrug { font-size: 20pt; font-weight: bold; letter-spacing: 1px; }
QLabel#syringeConcentration { font-size: 16pt; font-weight: bold; }
QLabel#syringeBand { background: #1f3a4d; color: #ffffff; font-weight: bold; padding: 3px 8px; }
QWidget#progressList { background: #e8edf1; border-right: 1px solid #c5ced6; }
QLabel[progress="true"] { padding: 6px 8px; border-radius: 3px; }
QLabel[viewing="true"] { font-weight: bold; border: 2px solid #1f5f8b; }
QLabel#wizardHeader { font-size: 12pt; font-weight: bold; }
QStackedWidget QLabel[severity="critical"], QStackedWidget QLabel[severity="warning"],
QStackedWidget QLabel[severity="ok"], QStackedWidget QLabel[severity="info"] { padding: 7px 10px; }
QPushButton#nextButton:enabled { background: #1f5f8b; color: white; border: 1px solid #173f5c; border-radius: 3px;
    font-weight: bold; padding: 6px 18px; }
"""

_STATUS_LEVEL = {
    StepStatus.DONE: "ok",
    StepStatus.CURRENT: "info",
    StepStatus.STOPPED: "critical",
    StepStatus.TO_DO: "none",
    StepStatus.NOT_NEEDED: "none",
    StepStatus.ABANDONED: "warning",
    StepStatus.NOT_DONE: "none",
}
_STATUS_MARK = {
    StepStatus.DONE: "✓ done",
    StepStatus.CURRENT: "in progress",
    StepStatus.STOPPED: "✗ stopped",
    StepStatus.TO_DO: "to do",
    StepStatus.NOT_NEEDED: "not needed",
    StepStatus.ABANDONED: "✗ abandoned here",
    StepStatus.NOT_DONE: "not done",
}


# --- small pieces -----------------------------------------------------------------------------------------


def _message(object_name: str, accessible_name: str) -> QLabel:
    """A verdict or refusal: hidden while there is nothing to say, coloured by severity and worded."""
    label = QLabel()
    name(label, object_name, accessible_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def _flag(widget: QWidget, name_: str, value: object) -> None:
    """set_flag, and the padding and border follow too.

    Qt's unpolish/polish recolours a widget whose dynamic property changed after it was shown
    but keeps its old box margins; re-setting its own (empty) style sheet recomputes them.
    """
    if widget.property(name_) == value:
        return
    set_flag(widget, name_, value)
    widget.setStyleSheet(widget.styleSheet())


def _say(label: QLabel, text: str, level: str = "critical") -> None:
    label.setText(text)
    label.setVisible(bool(text))
    _flag(label, SEVERITY, level if text else "none")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value_grid(rows: list[tuple[str, str]], prefix: str) -> tuple[QGridLayout, dict[str, QLabel]]:
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(6)
    values = {}
    for row, (title, text) in enumerate(rows):
        value = QLabel(text)
        value.setProperty(ROLE, "value")
        value.setWordWrap(True)
        value.setObjectName(f"{prefix}_{row}")
        value.setAccessibleName(title)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(QLabel(f"{title}:"), row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(value, row, 1)
        values[title] = value
    grid.setColumnStretch(1, 1)
    return grid, values


def _volume_box(object_name: str, accessible_name: str, maximum: float) -> NumberSpinBox:
    box = name(NumberSpinBox(), object_name, accessible_name)
    box.setDecimals(2)
    box.setRange(0.0, maximum)
    box.setSuffix(" mL")
    box.setMinimumWidth(140)
    return box


def _clear_choice(*buttons: QRadioButton) -> None:
    """No answer chosen: an exclusive group never lets its checked button go, so it is not exclusive meanwhile."""
    group = buttons[0].group()
    group.setExclusive(False)
    for button in buttons:
        button.setChecked(False)
    group.setExclusive(True)


class _NumberField:
    """A number box on a page: a refused entry is said at the field, and never taken or recorded.

    The box takes a value on Enter, Tab or leaving it (not keystroke by keystroke): `pending` is True
    while it shows a number it has not taken, and `take()` takes it, as Record buttons do first.
    """

    def __init__(self, box: NumberSpinBox, problem: QLabel, refusal: Callable[[str], str], changed: Callable) -> None:
        self.box = box
        self.problem = problem
        self._refusal = refusal
        self._changed = changed
        self.refused = False
        box.refused.connect(self._refused)
        box.lineEdit().textEdited.connect(self._typing)
        box.valueChanged.connect(self._taken)

    @property
    def pending(self) -> bool:
        return not self.box.is_typed_value_taken()

    def _refused(self, text: str) -> None:
        self.refused = True
        _say(self.problem, self._refusal(text.replace(self.box.suffix(), "").strip()))

    def _typing(self) -> None:
        if not self.box.above_maximum(self.box.text()):
            self._clear()
        self._changed()

    def _taken(self) -> None:
        self._clear()
        self._changed()

    def _clear(self) -> None:
        self.refused = False
        _say(self.problem, "")

    def take(self) -> bool:
        """Take what is typed, as Enter would; False while the box shows a refused entry (said at the field)."""
        if self.refused:
            return False
        self.box.interpretText()
        return True


class SyringeLabelCard(QFrame):
    """The simulated pharmacy label on the refill syringe: what the pharmacy sent, as `set_label` says."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syringeLabel")
        band = QLabel("PHARMACY · FOR INTRATHECAL USE ONLY")
        band.setObjectName("syringeBand")
        self.drug = QLabel()
        self.drug.setObjectName("syringeDrug")
        self.concentration = QLabel()
        self.concentration.setObjectName("syringeConcentration")
        self.volume = QLabel()
        self.patient = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 10)
        layout.setSpacing(4)
        layout.addWidget(band)
        for widget in (self.drug, self.concentration, self.volume, self.patient):
            widget.setContentsMargins(12, 0, 12, 0)
            layout.addWidget(widget)
        self.setMinimumWidth(300)

    def set_label(self, label: SyringeLabel) -> None:
        self.setAccessibleName(f"Syringe label: {label}")
        self.drug.setText(label.drug.upper())
        self.concentration.setText(str(label.concentration))
        self.volume.setText(f"{format_number(label.volume_ml)} mL syringe, preservative-free")
        self.patient.setText(f"Patient: {label.patient_id or '—'}")


# --- the pages --------------------------------------------------------------------------------------------


class _Page(QWidget):
    """One step: `enter` shows the workflow's state, `gate` says why Next is off, `commit` forwards the step."""

    step: Step
    next_text = "&Next"

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__()
        self.wizard = wizard
        self.workflow = wizard.workflow
        self.setObjectName(f"page_{self.step.name.lower()}")
        title = QLabel(f"Step {self.step.value} of {len(Step)}: {self.step.title}")
        title.setObjectName("pageTitle")
        title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(self.body, 1)

    def enter(self) -> None:
        """Called each time the page is shown."""

    def gate(self) -> str:
        return ""

    def commit(self) -> bool:
        return True

    def changed(self) -> None:
        self.wizard.update_nav()


class LabelPage(_Page):
    """What the pump runs, what the pharmacy sent (entered by the nurse, or given by a scenario), and the check."""

    step = Step.LABEL

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        workflow = self.workflow
        # A scenario hands the syringe over: its label is shown and only the check is left to the nurse.
        self.scenario = workflow.syringe_label is not None
        grid, self.values = _value_grid(workflow.interrogation_rows(), "pumpValue")
        pump = QGroupBox("The pump, as interrogated")
        pump_layout = QVBoxLayout(pump)
        pump_layout.addLayout(grid)
        pump_layout.addStretch(1)

        self.drug = name(QComboBox(), "pharmacyDrug", "Drug on the syringe label")
        for drug in workflow.library.drugs:
            self.drug.addItem(f"{drug.name} (off-label)" if drug.off_label else drug.name, drug.name)
        self.concentration = ConcentrationEntry("pharmacy", "Concentration on the syringe label")
        self.volume = _volume_box("pharmacyVolume", "Syringe volume on the label", SYRINGE_MAX_ML)
        self.volume.setValue(workflow.model.reservoir_capacity_ml)
        self.volume_field = _NumberField(
            self.volume,
            _message("pharmacyVolumeProblem", "Syringe volume problem"),
            lambda typed: f"{typed} mL refused: a refill syringe holds at most {format_number(SYRINGE_MAX_ML)} mL.",
            self._edited,
        )
        self.patient = name(QLineEdit(workflow.memory.patient_id), "pharmacyPatient", "Patient ID on the syringe label")
        self.show_button = name(QPushButton("&Show the label"), "showLabel", "Show the syringe label")
        self.entry_problem = _message("syringeProblem", "Syringe problem")
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        rows = (
            ("D&rug:", self.drug, self.drug),
            ("C&oncentration:", self.concentration, self.concentration.combo),
            ("Syringe &volume:", self.volume, self.volume),
            (None, self.volume_field.problem, None),
            ("&Patient ID:", self.patient, self.patient),
        )
        for row, (text, widget, buddy) in enumerate(rows):
            if text is not None:
                label = QLabel(text)
                label.setBuddy(buddy)
                # Beside the first line of its field: the concentration's field grows when typed twice.
                label.setMinimumHeight(self.drug.sizeHint().height())
                form.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            # The concentration and a refusal take the hint column too: two typed entries need the room.
            wide = widget is self.concentration or text is None
            form.addWidget(widget, row, 1, 1, 2 if wide else 1, Qt.AlignmentFlag.AlignTop)
        form.addWidget(hint_label(f"at most {format_number(SYRINGE_MAX_ML)} mL"), 2, 2, Qt.AlignmentFlag.AlignTop)
        form.addWidget(hint_label("as printed on the label"), 4, 2, Qt.AlignmentFlag.AlignTop)
        form.setColumnStretch(1, 1)
        self.entry_box = QGroupBox("What the pharmacy sent")
        self.entry_box.setObjectName("pharmacyBox")
        entry_layout = QVBoxLayout(self.entry_box)
        entry_layout.addWidget(hint_label("Enter the refill syringe as its pharmacy label reads."))
        entry_layout.addLayout(form)
        show_row = QHBoxLayout()
        show_row.addWidget(self.show_button)
        show_row.addStretch(1)
        entry_layout.addLayout(show_row)
        entry_layout.addWidget(self.entry_problem)
        entry_layout.addStretch(1)

        self.card = SyringeLabelCard()
        self.card_placeholder = hint_label("The syringe label appears here when you press Show the label.")
        self.card_placeholder.setObjectName("labelPlaceholder")
        question = QLabel("Compare the syringe label with the drug and concentration the pump runs:")
        question.setWordWrap(True)
        self.matches = name(
            QRadioButton("&Matches: same drug and concentration as the pump"), "labelMatches", "Label matches the pump"
        )
        self.differs = name(
            QRadioButton("&Differs: this refill changes the drug or concentration"),
            "labelDiffers",
            "Label differs from the pump",
        )
        group = QButtonGroup(self)
        group.addButton(self.matches)
        group.addButton(self.differs)
        self.problem = _message("labelProblem", "Label check problem")
        answer = QVBoxLayout()
        answer.addWidget(question)
        answer.addWidget(self.matches)
        answer.addWidget(self.differs)
        answer.addWidget(self.problem)
        answer.addStretch(1)
        card_column = QVBoxLayout()
        card_column.addWidget(self.card)
        card_column.addWidget(self.card_placeholder)
        card_column.addStretch(1)
        compare = QGroupBox("Syringe label")
        compare_layout = QHBoxLayout(compare)
        compare_layout.addLayout(card_column)
        compare_layout.addLayout(answer, 1)

        columns = QGridLayout()
        columns.setHorizontalSpacing(12)
        columns.setVerticalSpacing(10)
        columns.addWidget(pump, 0, 0)
        if self.scenario:
            self.entry_box.hide()
            columns.addWidget(compare, 0, 1)
        else:
            columns.addWidget(self.entry_box, 0, 1)
            columns.addWidget(compare, 1, 0, 1, 2)
        columns.setColumnStretch(0, 1)
        columns.setColumnStretch(1, 1)
        # Scrolled rather than squeezed when it does not fit (a large font, a small screen).
        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(hint_label("Nothing is written to the pump until you press Program pump at step 6."))
        content_layout.addLayout(columns)
        content_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        self.body.addWidget(see_through(scroll), 1)

        old = workflow.old_prescription
        pump_drug = workflow.library[old.drug]
        self.drug.setCurrentIndex(max(0, self.drug.findData(pump_drug.name)))
        # Offered as the pump runs it when that is a labelled strength; a custom one is always typed twice.
        self.concentration.set_drug(pump_drug, old.concentration if pump_drug.is_labelled(old.concentration) else None)
        self._shown: tuple | None = None  # the entries the label on show was made from
        self.drug.currentIndexChanged.connect(self._drug_changed)
        self.concentration.edited.connect(self._edited)
        self.patient.textChanged.connect(self._edited)
        self.show_button.clicked.connect(self.show_label)
        for button in (self.matches, self.differs):
            button.toggled.connect(self._answered)
        self._show_card()

    def _fields(self) -> tuple:
        return (self.drug.currentData(), *self.concentration.fields(), self.volume.cleanText(), self.patient.text())

    def _drug_changed(self) -> None:
        self.concentration.set_drug(self.workflow.library[self.drug.currentData()])
        self._edited()

    def _edited(self) -> None:
        _say(self.entry_problem, "")
        self.changed()

    def show_label(self) -> None:
        """Give the workflow the syringe as entered; its label is shown, or the refusal at the box."""
        if not self.volume_field.take():
            return
        try:
            concentration = self.concentration.concentration()
        except ValueError as error:  # UnitError too: the typed-twice rule's own words
            self.concentration.show_problem(_sentence(str(error)) + ".")
            return
        entered = SyringeLabel(self.drug.currentData(), concentration, self.volume.value(), self.patient.text())
        before = self.workflow.syringe_label
        try:
            label = self.workflow.set_syringe(entered)
        except ProgrammerError as error:
            _say(self.entry_problem, _sentence(str(error)) + ".")
            self.changed()
            return
        self._shown = self._fields()
        if label != before:  # a new label is read afresh
            _clear_choice(self.matches, self.differs)
        self._show_card()
        self.changed()

    def _show_card(self) -> None:
        label = self.workflow.syringe_label
        if label is not None:
            self.card.set_label(label)
        self.card.setVisible(label is not None)
        self.card_placeholder.setVisible(label is None)
        for button in (self.matches, self.differs):
            button.setEnabled(label is not None)

    def enter(self) -> None:
        # Once the needle is in, the syringe is the one in the reservoir: it cannot change any more.
        placed = self.workflow.chosen_port is not None
        self.entry_box.setEnabled(not placed)
        if placed:
            _say(self.entry_problem, "The needle is in place: the syringe cannot change now.", "info")

    def _answered(self) -> None:
        _say(self.problem, "")
        self.changed()

    def gate(self) -> str:
        if self.workflow.syringe_label is None:
            return "Enter what the pharmacy sent and press Show the label."
        if not self.scenario and self.entry_box.isEnabled() and self._shown != self._fields():
            return "The syringe entries changed: press Show the label to see the label as entered."
        if not (self.matches.isChecked() or self.differs.isChecked()):
            return "Compare the syringe label with the pump and say whether it matches."
        return ""

    def commit(self) -> bool:
        try:
            self.workflow.confirm_label(self.matches.isChecked())
        except ProgrammerError as error:
            _say(self.problem, _sentence(str(error)) + ".")
            return False
        return True


class PortPage(_Page):
    step = Step.PORT
    next_text = "Insert &needle here"

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        self.drawing = PortDrawing()
        self.drawing.port_picked.connect(self._picked)
        self.picked = QLabel("Needle at: — (click a port, or use the arrow keys and Space)")
        self.picked.setObjectName("pickedPort")
        self.picked.setProperty(ROLE, "value")
        self.picked.setWordWrap(True)
        self.verdict = _message("portVerdict", "Port check")
        side = QVBoxLayout()
        side.addWidget(
            hint_label(
                "Place the template over the pump and feel for the ports. Choose where the refill needle goes: "
                "click the port on the drawing, or move with the arrow keys and press Space."
            )
        )
        side.addWidget(self.picked)
        side.addWidget(self.verdict)
        side.addStretch(1)
        columns = QHBoxLayout()
        columns.addWidget(self.drawing, 3)
        columns.addLayout(side, 2)
        self.body.addLayout(columns, 1)

    def _picked(self, port: Port) -> None:
        self.picked.setText(f"Needle at: the {PLACE_NAMES[port]}")
        _say(self.verdict, "")
        self.changed()

    def enter(self) -> None:
        if self.workflow.recorded_discrepancy is not None:
            self.drawing.setEnabled(False)
            _say(self.verdict, "The reservoir was emptied through the reservoir fill port: the needle is in place.",
                 "ok")

    def gate(self) -> str:
        if self.drawing.picked is None:
            return "Choose where the needle goes on the drawing."
        return ""

    def commit(self) -> bool:
        port = self.drawing.picked
        if self.workflow.chosen_port is port is Port.RESERVOIR_FILL and self.workflow.step > Step.PORT:
            return True  # back and forward again: the needle is where it was
        try:
            check = self.workflow.choose_port(port)
        except ProgrammerError as error:
            _say(self.verdict, _sentence(str(error)) + ".")
            return False
        self.drawing.set_verdict(check.safe)
        if not check.safe:
            self.drawing.setEnabled(False)
            _say(self.verdict, f"{check.message}\n\n{self.workflow.abandon_statement()}", "critical")
            self.wizard.refill_over()
            return False
        return True


class EmptyPage(_Page):
    step = Step.EMPTY

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        workflow = self.workflow
        capacity = workflow.model.reservoir_capacity_ml
        self.expected = QLabel(f"{format_number(workflow.expected_ml)} mL")
        name(self.expected, "expectedVolume", "Expected reservoir volume")
        self.expected.setProperty(ROLE, "value")
        self.removed = _volume_box("removedVolume", "Volume removed from the reservoir", capacity)
        model = workflow.model
        self.removed_field = _NumberField(
            self.removed,
            _message("removedProblem", "Volume removed problem"),
            lambda typed: f"{typed} mL refused: the {model.name} reservoir holds at most "
            f"{format_number(capacity)} mL.",
            self.changed,
        )
        self.field_problem = self.removed_field.problem
        self.record = name(QPushButton("&Record volume removed"), "recordRemoved", "Record volume removed")
        self.record.clicked.connect(self._record)
        self.verdict = _message("discrepancyVerdict", "Discrepancy verdict")
        self.acknowledgement = name(QLineEdit(), "discrepancyAcknowledgement", "Discrepancy acknowledgement")
        self.acknowledgement.setPlaceholderText(
            "e.g. catheter and pump checked with the physician; patient assessed for overdose"
        )
        self.acknowledgement.textChanged.connect(self.changed)
        ack_label = QLabel("&Acknowledge: what you found and did (logged in the pump's event log):")
        ack_label.setBuddy(self.acknowledgement)
        ack_label.setWordWrap(True)
        self.ack_box = QWidget()
        self.ack_box.setObjectName("acknowledgementBox")
        ack_layout = QVBoxLayout(self.ack_box)
        ack_layout.setContentsMargins(0, 0, 0, 0)
        ack_layout.addWidget(ack_label)
        ack_layout.addWidget(self.acknowledgement)
        self.ack_box.hide()
        self._recorded: str | None = None  # the volume recorded, as the box showed it

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.addWidget(QLabel("Expected in the reservoir now:"), 0, 0)
        grid.addWidget(self.expected, 0, 1)
        grid.addWidget(
            hint_label(
                "calculated from the programmed rate since the last refill: the pump never measures its reservoir"
            ),
            0,
            2,
        )
        removed_label = QLabel("&Volume removed:")
        removed_label.setBuddy(self.removed)
        grid.addWidget(removed_label, 1, 0)
        grid.addWidget(self.removed, 1, 1)
        grid.addWidget(self.record, 1, 2, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.field_problem, 2, 1, 1, 2)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("Empty the reservoir completely and read the volume off the syringe")
        box.setLayout(grid)
        self.body.addWidget(box)
        self.body.addWidget(self.verdict)
        self.body.addWidget(self.ack_box)
        self.body.addStretch(1)

    def _record(self) -> None:
        if not self.removed_field.take():
            return
        try:
            verdict = self.workflow.record_removed(self.removed.value())
        except ProgrammerError as error:
            _say(self.field_problem, _sentence(str(error)) + ".")
            return
        self._recorded = self.removed.cleanText()
        if verdict.flagged:
            _say(self.verdict, "Discrepancy: " + verdict.message + ".", "critical")
        else:
            _say(self.verdict, f"No discrepancy: removed {format_number(verdict.removed_ml)} mL, "
                 f"{verdict.message}.", "ok")
        self.ack_box.setVisible(verdict.flagged)
        self.acknowledgement.clear()
        self.changed()

    def gate(self) -> str:
        recorded = self.workflow.recorded_discrepancy
        if recorded is None or self._recorded is None or self._recorded != self.removed.cleanText():
            return "Enter the volume removed and press Record volume removed."
        if self.ack_box.isVisible() and not self.acknowledgement.text().strip():
            return "The discrepancy must be acknowledged: type what you found and did (it is logged)."
        return ""

    def commit(self) -> bool:
        if not self.ack_box.isVisible():
            return True
        try:
            self.workflow.acknowledge_discrepancy(self.acknowledgement.text())
        except ProgrammerError as error:
            _say(self.verdict, _sentence(str(error)) + ".")
            return False
        return True


class FillPage(_Page):
    """The syringe from step 1 goes in: the volume prepared from it and the volume added, and the verdict."""

    step = Step.FILL

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        model = self.workflow.model
        self.filling = QLabel()
        name(self.filling, "fillingWith", "Filling with")
        self.filling.setProperty(ROLE, "value")
        self.filling.setWordWrap(True)
        self.prepared = _volume_box("syringePrepared", "Syringe volume prepared", SYRINGE_MAX_ML)
        self.prepared_field = _NumberField(
            self.prepared,
            _message("preparedProblem", "Syringe volume prepared problem"),
            lambda typed: f"{typed} mL refused: a refill syringe holds at most {format_number(SYRINGE_MAX_ML)} mL.",
            self._edited,
        )
        self.added = _volume_box("volumeAdded", "Volume added to the reservoir", model.reservoir_capacity_ml)
        self.added_field = _NumberField(
            self.added,
            _message("addedProblem", "Volume added problem"),
            lambda typed: f"{typed} mL refused: that would overfill the {model.name}, whose reservoir holds at most "
            f"{format_number(model.reservoir_capacity_ml)} mL.",
            self._edited,
        )
        self.added_problem = self.added_field.problem
        self.added_limit = hint_label(
            f"at most {format_number(model.reservoir_capacity_ml)} mL: the {model.name} reservoir's capacity",
            "addedLimit",
        )
        self.record = name(QPushButton("&Record fill"), "recordFill", "Record fill")
        self.record.clicked.connect(self._record)
        self.problem = _message("fillProblem", "Fill problem")
        self.verdict = _message("fillVerdict", "Fill verdict")
        self.acknowledgement = name(QLineEdit(), "fillAcknowledgement", "Possible pocket fill acknowledgement")
        self.acknowledgement.setPlaceholderText("e.g. needle position re-checked in the septum; aspirated drug")
        self.acknowledgement.textChanged.connect(self.changed)
        ack_label = QLabel("A&cknowledge: how you checked the needle position (logged in the pump's event log):")
        ack_label.setBuddy(self.acknowledgement)
        ack_label.setWordWrap(True)
        self.ack_box = QWidget()
        self.ack_box.setObjectName("fillAcknowledgementBox")
        ack_layout = QVBoxLayout(self.ack_box)
        ack_layout.setContentsMargins(0, 0, 0, 0)
        ack_layout.addWidget(ack_label)
        ack_layout.addWidget(self.acknowledgement)
        self.ack_box.hide()
        self._syringe: SyringeLabel | None = None  # the syringe the volumes below were entered for
        self._recorded: tuple | None = None

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.addWidget(QLabel("Filling with:"), 0, 0)
        grid.addWidget(self.filling, 0, 1, 1, 2)
        rows = (
            ("Syringe volume &prepared:", self.prepared, hint_label("as drawn up from the pharmacy syringe")),
            (None, self.prepared_field.problem, None),
            ("Volume a&dded to the reservoir:", self.added, self.added_limit),
            (None, self.added_problem, None),
        )
        for row, (text, widget, side) in enumerate(rows, start=1):
            if text is None:
                grid.addWidget(widget, row, 1, 1, 2)
                continue
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(side, row, 2)
        grid.addWidget(self.record, len(rows) + 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("Fill the reservoir from the syringe checked at step 1")
        box.setLayout(grid)
        self.body.addWidget(box)
        self.body.addWidget(self.problem)
        self.body.addWidget(self.verdict)
        self.body.addWidget(self.ack_box)
        self.body.addStretch(1)

    def enter(self) -> None:
        label = self.workflow.syringe_label
        self.filling.setText(f"{label} (patient {label.patient_id or '—'})")
        if label != self._syringe:  # a new syringe: its volume is what is prepared, until the nurse says otherwise
            self._syringe = label
            self.prepared.setValue(label.volume_ml)

    def _edited(self) -> None:
        _say(self.problem, "")
        self.changed()

    def _fields(self) -> tuple:
        return (self.workflow.syringe_label, self.prepared.cleanText(), self.added.cleanText())

    def _record(self) -> None:
        if not (self.prepared_field.take() and self.added_field.take()):
            return
        try:
            result = self.workflow.set_fill(self.added.value(), self.prepared.value())
        except ProgrammerError as error:
            self._recorded = None
            _say(self.problem, _sentence(str(error)) + ".")
            _say(self.verdict, "")
            self.ack_box.hide()
            self.changed()
            return
        self._recorded = self._fields()
        _say(self.problem, "")
        if result.pocket_fill_suspected:
            _say(self.verdict, _sentence(result.message) + ".", "critical")
        else:
            _say(
                self.verdict,
                f"Reservoir filled with {format_number(result.added_ml)} mL of {self.workflow.fill_drug.name} "
                f"{self.workflow.fill_concentration} (capacity {format_number(result.capacity_ml)} mL).",
                "ok",
            )
        self.ack_box.setVisible(result.pocket_fill_suspected)
        self.acknowledgement.clear()
        self.changed()

    def gate(self) -> str:
        if self.workflow.recorded_fill is None or self._recorded is None or self._recorded != self._fields():
            return "Enter the volumes prepared and added, then press Record fill."
        if self.ack_box.isVisible() and not self.acknowledgement.text().strip():
            return "A possible pocket fill must be acknowledged: type how you checked the needle position."
        return ""

    def commit(self) -> bool:
        if not self.ack_box.isVisible():
            return True
        try:
            self.workflow.acknowledge_fill(self.acknowledgement.text())
        except ProgrammerError as error:
            _say(self.problem, _sentence(str(error)) + ".")
            return False
        return True


class DosePage(_Page):
    step = Step.DOSE

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        self.change_text = QLabel()
        self.change_text.setObjectName("concentrationChange")
        self.change_text.setWordWrap(True)
        self.plan = QLabel()
        name(self.plan, "dosePlan", "The daily dose in the new concentration")
        self.plan.setProperty(ROLE, "value")
        self.plan.setWordWrap(True)
        self.keep = name(QRadioButton("&Keep the daily dose"), "keepDose", "Keep the daily dose")
        self.change = name(QRadioButton("C&hange the daily dose to:"), "changeDose", "Change the daily dose")
        group = QButtonGroup(self)
        group.addButton(self.keep)
        group.addButton(self.change)
        self.dose = name(NumberSpinBox(), "newDailyDose", "New daily dose")
        self.dose.setMinimumWidth(170)
        self.dose_field = _NumberField(
            self.dose, _message("newDoseProblem", "New daily dose problem"), self._refusal, self.changed
        )
        self.dose_limits = hint_label("", "newDoseLimits")
        self.dose_problem = self.dose_field.problem
        self.bridge_text = QLabel()
        name(self.bridge_text, "bridgeProposal", "Proposed bridge bolus")
        self.bridge_text.setWordWrap(True)
        self.bridge_rows: dict[str, QLabel] = {}
        bridge_grid = QGridLayout()
        bridge_grid.setHorizontalSpacing(16)
        for row, title in enumerate(("Volume", "Duration", "Rate", "Then")):
            value = QLabel()
            name(value, f"bridge{title}", f"Bridge bolus {title.lower()}")
            value.setProperty(ROLE, "value")
            value.setWordWrap(True)
            bridge_grid.addWidget(QLabel(f"{title}:"), row, 0, Qt.AlignmentFlag.AlignTop)
            bridge_grid.addWidget(value, row, 1)
            self.bridge_rows[title] = value
        bridge_grid.setColumnStretch(1, 1)
        self.without_text = hint_label("", "bridgeWithout")
        self.give_bridge = name(QCheckBox("&Give the bridge bolus"), "giveBridge", "Give the bridge bolus")
        self.give_bridge.setChecked(True)
        self.problem = _message("doseStepProblem", "Dose step problem")

        choice = QGridLayout()
        choice.setHorizontalSpacing(12)
        choice.addWidget(self.keep, 0, 0, 1, 3)
        choice.addWidget(self.change, 1, 0)
        choice.addWidget(self.dose, 1, 1)
        choice.addWidget(self.dose_limits, 1, 2)
        choice.addWidget(self.dose_problem, 2, 1, 1, 2)
        choice.setColumnStretch(2, 1)
        dose_box = QGroupBox("The daily dose in the new concentration")
        dose_layout = QVBoxLayout(dose_box)
        dose_layout.addWidget(self.plan)
        dose_layout.addLayout(choice)
        bridge_box = QGroupBox("Bridge bolus")
        bridge_layout = QVBoxLayout(bridge_box)
        bridge_layout.addWidget(self.bridge_text)
        bridge_layout.addLayout(bridge_grid)
        bridge_layout.addWidget(self.without_text)
        bridge_layout.addWidget(self.give_bridge)
        self.body.addWidget(self.change_text)
        self.body.addWidget(dose_box)
        self.body.addWidget(bridge_box)
        self.body.addWidget(self.problem)
        self.body.addStretch(1)

        self.keep.toggled.connect(self._choice_changed)
        self.change.toggled.connect(self._choice_changed)
        self.dose.valueChanged.connect(self._dose_typed)
        self.give_bridge.toggled.connect(self._bridge_toggled)

    def enter(self) -> None:
        workflow = self.workflow
        old = workflow.old_prescription
        self.change_text.setText(
            f"The refill changes {old.drug} {old.concentration} → {workflow.fill_drug.name} "
            f"{workflow.fill_concentration}: "
            "re-check the daily dose in the new terms."
        )
        _flag(self.change_text, SEVERITY, "warning")
        plan = workflow.dose_plan()
        self.plan.setText("\n".join(plan.lines()))
        drug = workflow.fill_drug
        unit = drug.unit.value
        limits = drug.daily_dose
        self.dose.blockSignals(True)
        self.dose.setSuffix(f" {unit}/day")
        self.dose.setDecimals(4 if limits.hard_max < 100 else 2)
        self.dose.setRange(0.0, limits.hard_max)
        self.dose.blockSignals(False)
        self.dose_limits.setText(
            f"usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}/day · "
            f"max {format_number(limits.hard_max)} {unit}/day (hard limit)"
        )
        if plan.can_keep:
            rate = plan.same_dose_ml_per_day
            rate_text = "" if rate is None else f": new rate {format_number(rate)} mL/day"
            self.keep.setText(f"&Keep the daily dose {plan.old_daily_dose}{rate_text}")
        else:
            self.keep.setText("&Keep the daily dose (not possible: " + plan.keep_refused + ")")
        self.keep.setEnabled(plan.can_keep)
        if workflow.dose_choice is None:
            _clear_choice(self.keep, self.change)
        self._show_bridge()

    def _refusal(self, typed: str) -> str:
        drug = self.workflow.fill_drug
        return (
            f"{typed} {drug.unit.value}/day refused: the hard limit for {drug.name} is "
            f"{format_number(drug.daily_dose.hard_max)} {drug.unit.value}/day."
        )

    def _dose_typed(self) -> None:
        if not self.change.isChecked():
            self.change.setChecked(True)  # typing a dose means changing it
            return
        self._apply()

    def _choice_changed(self) -> None:
        self.dose.setEnabled(True)
        self._apply()

    def _apply(self) -> None:
        drug = self.workflow.fill_drug
        try:
            if self.keep.isChecked():
                self.workflow.keep_dose()
            elif self.change.isChecked() and self.dose.value() > 0:
                self.workflow.change_dose(drug.rate(self.dose.value()))
        except ProgrammerError as error:
            _say(self.problem, _sentence(str(error)) + ".")
        else:
            _say(self.problem, "")
        self._show_bridge()
        self.changed()

    def _bridge_toggled(self, checked: bool) -> None:
        if self.workflow.step >= Step.REVIEW:
            self.workflow.accept_bridge_bolus(checked)
        self.changed()

    def _chosen(self) -> bool:
        return self.workflow.step >= Step.REVIEW

    def _show_bridge(self) -> None:
        proposal: BridgeProposal | None = self.workflow.bridge_proposal() if self._chosen() else None
        rows = dict(proposal.rows()) if proposal is not None and proposal.bolus is not None else {}
        for title, value in self.bridge_rows.items():
            value.setText(rows.get(title, "—"))
        if proposal is None:
            self.bridge_text.setText("Choose the daily dose first: the bridge bolus is computed from it.")
        elif proposal.bolus is None:
            self.bridge_text.setText(proposal.message)
        else:
            self.bridge_text.setText(
                "Proposed: push the old fluid in the pump tubing and catheter through at the prescribed dose, "
                "so the new concentration reaches the catheter tip on schedule."
            )
        self.without_text.setText(proposal.without if proposal is not None else "")
        if proposal is None:
            self.give_bridge.setEnabled(False)
            return
        self.give_bridge.setEnabled(proposal.bolus is not None)
        self.give_bridge.blockSignals(True)
        self.give_bridge.setChecked(proposal.bolus is not None and self.workflow.bridge_bolus_accepted)
        self.give_bridge.blockSignals(False)

    def gate(self) -> str:
        if self.dose_field.pending:
            return "Press Enter or Tab to enter the daily dose typed."
        if not (self.keep.isChecked() or self.change.isChecked()):
            return "Choose to keep the daily dose or change it."
        if self.change.isChecked() and self.dose.value() <= 0:
            return "Enter the new daily dose."
        if not self._chosen():
            return "The daily dose cannot be used: see the message above."
        return ""

    def commit(self) -> bool:
        return self._chosen()


class ReviewPage(_Page):
    step = Step.REVIEW
    next_text = "&Program pump"

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        self.panel = ReviewPanel()
        for widget in (self.panel.back, self.panel.program, self.panel.gate, self.panel.result):
            widget.hide()  # the wizard's own buttons and gate take their place
        self.panel.reason.textChanged.connect(self.changed)
        self.plot = ReservoirPlot()

        self.plot.appointment_changed.connect(self._appointment_changed)
        self.second_because = QLabel()
        self.second_because.setObjectName("secondCheckBecause")
        self.second_because.setWordWrap(True)
        self.second_checker = name(QLineEdit(), "secondChecker", "Name of the second person checking")
        self.second_checker.setPlaceholderText(
            "name of the nurse or physician who checked drug, concentration and dose"
        )
        self.second_checker.textChanged.connect(self.changed)
        second_label = QLabel("&Second checker:")
        second_label.setBuddy(self.second_checker)
        self.second_box = QGroupBox("Second-person check")
        self.second_box.setObjectName("secondCheckBox")
        second_layout = QGridLayout(self.second_box)
        second_layout.addWidget(self.second_because, 0, 0, 1, 2)
        second_layout.addWidget(second_label, 1, 0)
        second_layout.addWidget(self.second_checker, 1, 1)
        second_layout.setColumnStretch(1, 1)
        self.error = _message("programError", "Programming error")

        self.outlook = QLabel()
        name(self.outlook, "refillOutlook", "New alarm date and next refill appointment")
        self.outlook.setProperty(ROLE, "value")
        self.outlook.setWordWrap(True)
        self.appointment_warning = _message("refillAppointmentWarning", "Refill appointment warning")
        plot_page = QWidget()
        plot_page.setObjectName("projectionTab")
        plot_layout = QVBoxLayout(plot_page)
        plot_layout.addWidget(self.plot)
        # The Finish screen is read first; the projection and the appointment are one click away,
        # and their outcome (new alarm date, appointment, warning) stays in view above both.
        self.tabs = name(QTabWidget(), "reviewTabs", "Review and reservoir projection")
        self.tabs.addTab(self.panel, "Old and &new, side by side")
        self.tabs.addTab(plot_page, "Reservoir pro&jection and next refill")
        self.body.addWidget(self.error)
        self.body.addWidget(self.second_box)
        self.body.addWidget(self.outlook)
        self.body.addWidget(self.appointment_warning)
        self.body.addWidget(self.tabs, 1)
        self._review = None

    def enter(self) -> None:
        workflow = self.workflow
        review = workflow.review()
        self._review = review
        self.panel.show_review(review.review)
        inputs = review.plot_inputs
        self.plot.show_projections(
            inputs.current,
            inputs.pending,
            now=inputs.now,
            capacity_ml=inputs.capacity_ml,
            band=inputs.band,
            last_refill=inputs.last_refill,
        )
        days = review.review.new_projection.days_until_alarm(inputs.now)
        fitting = [preset for preset in HORIZON_PRESETS_DAYS if days is not None and preset >= days * 1.1]
        self.plot.set_horizon_days(fitting[0] if fitting else HORIZON_PRESETS_DAYS[-1])
        if self.plot.appointment is None:
            self.plot.set_appointment(review.appointment or workflow.suggested_appointment())
        self._show_outlook()
        self.second_box.setVisible(review.second_check_required)
        self.second_because.setText(
            "Required before programming, because " + "; ".join(review.second_check_because) + "."
        )
        _say(self.error, "")

    def _appointment_changed(self, moment: datetime | None) -> None:
        try:
            self.workflow.set_appointment(moment)
        except ProgrammerError as error:
            _say(self.error, _sentence(str(error)) + ".")
        self._show_outlook()

    def _show_outlook(self) -> None:
        review = self._review
        if review is None:
            return
        appointment = self.workflow.appointment
        booked = f"{appointment:%a %Y-%m-%d %H:%M}" if appointment else "not booked"
        self.outlook.setText(
            f"New alarm date: {format_datetime(review.new_alarm_date)} · Next refill appointment: {booked}"
        )
        warning = self.workflow.appointment_warning()
        _say(self.appointment_warning, f"Warning: {warning}" if warning else "", "warning")

    def gate(self) -> str:
        review = self._review
        if review is None:
            return ""
        if review.review.blocking:
            return "Cannot program: a safety check blocks this program (see Safety checks)."
        if review.review.needs_reason and not self.panel.reason.text().strip():
            return "Type the reason for going beyond the soft limit to enable programming."
        if review.second_check_required and not self.second_checker.text().strip():
            return "Enter the name of the second person who checked the drug, concentration and dose."
        return ""

    def commit(self) -> bool:
        """Send the refill; the wizard moves on when the pump has answered (`refill_ended`), not before."""
        _say(self.error, "")
        try:
            self.workflow.program(second_checker=self.second_checker.text(), reason=self.panel.reason.text())
        except ProgrammerError as error:  # refused before anything was sent
            self.show_failure(error)
        return False

    def show_failure(self, error: ProgrammerError) -> None:
        _say(self.error, "Not programmed: " + str(error) + ".")


class FinishPage(_Page):
    step = Step.FINISH
    next_text = "&Close"

    def __init__(self, wizard: RefillWizard) -> None:
        super().__init__(wizard)
        self.headline = QLabel()
        name(self.headline, "finishHeadline", "Refill outcome")
        self.headline.setWordWrap(True)
        self.summary = QWidget()
        self.summary.setObjectName("refillSummary")
        self.summary_layout = QGridLayout(self.summary)
        self.summary_layout.setHorizontalSpacing(16)
        self.summary_layout.setVerticalSpacing(5)
        self.summary_layout.setColumnStretch(1, 1)
        self.changes = QLabel()
        name(self.changes, "readBackChanges", "Changes read back from the pump")
        self.changes.setWordWrap(True)
        box = QGroupBox("Refill summary")
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(self.summary)
        box_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(box)
        self.body.addWidget(self.headline)
        self.body.addWidget(self.changes)
        self.body.addWidget(scroll, 1)
        self.values: dict[str, str] = {}

    def enter(self) -> None:
        record = self.workflow.record
        headline, level = {
            RefillOutcome.PROGRAMMED: ("Refill programmed and verified.", "ok"),
            RefillOutcome.ABANDONED: ("Refill abandoned.", "warning"),
            RefillOutcome.STOPPED: ("Refill stopped at the catheter access port.", "critical"),
            RefillOutcome.IN_PROGRESS: ("Refill in progress.", "info"),
        }[record.outcome]
        self.headline.setText(f"{headline} {record.statement}" if record.outcome is not RefillOutcome.PROGRAMMED
                              else headline)
        _flag(self.headline, SEVERITY, level)
        while self.summary_layout.count():
            item = self.summary_layout.takeAt(0)
            if item.widget() is not None:
                item.widget().setParent(None)
        self.values = {}
        for row, (title, text) in enumerate(record.summary()):
            title_label = QLabel(f"{title}:")
            title_label.setAlignment(Qt.AlignmentFlag.AlignTop)
            value = QLabel(text)
            value.setObjectName(f"summary_{row}")
            value.setAccessibleName(title)
            value.setProperty(ROLE, "value")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.summary_layout.addWidget(title_label, row, 0)
            self.summary_layout.addWidget(value, row, 1)
            self.values.setdefault(title, text)
        if record.changes:
            self.changes.setText(
                "Verified: the pump read back matches what was sent.\n" + "\n".join(f"• {c}" for c in record.changes)
            )
            _flag(self.changes, SEVERITY, "ok")
        else:
            self.changes.setText("Nothing was written to the pump.")
            _flag(self.changes, SEVERITY, "warning")


# --- the wizard -------------------------------------------------------------------------------------------


class RefillWizard(QDialog):
    """The guided refill on a connected session; `refill_ended` carries the RefillRecord when it ends."""

    refill_ended = Signal(object)  # RefillRecord: programmed, abandoned or stopped

    def __init__(self, workflow: RefillWorkflow, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        memory = workflow.memory
        name(self, "refillWizard", "Refill workflow")
        self.setWindowTitle(
            f"Refill — patient {memory.patient_id or '—'}, {memory.model_name} #{memory.serial} ({TRAINING_BANNER})"
        )
        self.setStyleSheet(STYLESHEET + WIZARD_STYLE)
        self.resize(1240, 760)  # fits a 1280×800 screen
        self._ended_sent = False

        header = QLabel(
            f"Refill · patient {memory.patient_id or '—'} · {memory.model_name} #{memory.serial} · "
            f"pump clock {memory.clock:%Y-%m-%d %H:%M}"
        )
        header.setObjectName("wizardHeader")

        self.progress = QWidget()
        self.progress.setObjectName("progressList")
        self.progress.setAccessibleName("Refill steps")
        progress_layout = QVBoxLayout(self.progress)
        progress_layout.addWidget(QLabel("<b>Refill steps</b>"))
        self.progress_labels: dict[Step, QLabel] = {}
        for step in Step:
            label = QLabel()
            label.setObjectName(f"progress_{step.name.lower()}")
            label.setProperty("progress", True)
            label.setWordWrap(True)
            label.setMinimumWidth(215)
            progress_layout.addWidget(label)
            self.progress_labels[step] = label
        progress_layout.addStretch(1)

        self.pages: list[_Page] = []
        self.stack = QStackedWidget()
        self.stack.setObjectName("refillPages")
        for page_class in (LabelPage, PortPage, EmptyPage, FillPage, DosePage, ReviewPage, FinishPage):
            page = page_class(self)
            self.pages.append(page)
            self.stack.addWidget(page)

        self.abandon_button = name(QPushButton("&Abandon refill…"), "abandonButton", "Abandon the refill")
        self.gate = QLabel()
        self.gate.setObjectName("wizardGate")
        self.gate.setWordWrap(True)
        self.gate.setProperty(ROLE, "hint")
        self.back_button = name(QPushButton("&Back"), "backButton", "Back to the previous step")
        self.next_button = name(QPushButton("&Next"), "nextButton", "Next step")
        buttons = QHBoxLayout()
        buttons.addWidget(self.abandon_button)
        buttons.addWidget(self.gate, 1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        self.next_button.setMinimumWidth(170)

        middle = QHBoxLayout()
        middle.addWidget(self.progress)
        middle.addWidget(self.stack, 1)
        layout = QVBoxLayout(self)
        # A separate window says it too: this is a training emulator.
        banner = QLabel(TRAINING_BANNER)
        name(banner, "banner", TRAINING_BANNER)
        top = QHBoxLayout()
        top.addWidget(header, 1)
        top.addWidget(banner)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)

        # Enter in a field takes what is typed there; it never presses a button (Next, Program pump, Record…).
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.abandon_button.clicked.connect(self.abandon)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        events = workflow.events
        bind(self, events.refill_ended, self._refill_ended)
        bind(self, events.link_failed, self._link_failed)
        bind(self, events.link, lambda _state: self.update_nav())
        self._show(self.pages[0])

    # --- navigation ----------------------------------------------------------------------------------------
    @property
    def page(self) -> _Page:
        return self.stack.currentWidget()

    def page_for(self, step: Step) -> _Page:
        return self.pages[step.value - 1]

    def _route(self) -> list[_Page]:
        """The pages in order; the dose page only when the concentration or drug changes."""
        skip_dose = self.workflow.step_status(Step.DOSE) is StepStatus.NOT_NEEDED
        return [page for page in self.pages if not (page.step is Step.DOSE and skip_dose)]

    def _show(self, page: _Page) -> None:
        self.stack.setCurrentWidget(page)
        page.enter()
        self.update_nav()

    def next(self) -> None:
        page = self.page
        if page.step is Step.FINISH or self.workflow.outcome is not RefillOutcome.IN_PROGRESS:
            self.accept()
            return
        if page.gate() or not page.commit():
            self.update_nav()
            return
        if self.workflow.outcome is RefillOutcome.PROGRAMMED:
            self._show(self.page_for(Step.FINISH))
            self.refill_over()
            return
        route = self._route()
        self._show(route[route.index(page) + 1])

    def back(self) -> None:
        route = self._route()
        index = route.index(self.page)
        if index > 0:
            self._show(route[index - 1])

    def update_nav(self) -> None:
        page = self.page
        workflow = self.workflow
        over = workflow.outcome is not RefillOutcome.IN_PROGRESS
        waiting = workflow.session.state.busy
        gate = "" if over else ("Waiting for the pump's answer…" if waiting else page.gate())
        self.gate.setText(gate)
        self.next_button.setText("&Close" if over else page.next_text)
        self.next_button.setAccessibleName(self.next_button.text().replace("&", ""))
        self.next_button.setEnabled(not gate)
        self.back_button.setEnabled(not over and self._route().index(page) > 0)
        self.abandon_button.setEnabled(not over)
        for step, label in self.progress_labels.items():
            status = workflow.step_status(step)
            label.setText(f"{step.value}. {step.title}\n{_STATUS_MARK[status]}")
            label.setAccessibleName(f"Step {step.value}, {step.title}: {_STATUS_MARK[status]}")
            _flag(label, SEVERITY, _STATUS_LEVEL[status])
            _flag(label, "viewing", step is page.step)

    # --- ending --------------------------------------------------------------------------------------------
    def refill_over(self) -> None:
        """The refill was programmed, stopped or abandoned: the buttons say so."""
        self.update_nav()

    def _refill_ended(self, record: RefillRecord) -> None:
        """The workflow ended (the pump answered a program, or the nurse stopped or abandoned): show it, once."""
        if self._ended_sent or self.workflow.outcome is RefillOutcome.IN_PROGRESS:
            return
        self._ended_sent = True
        if record.outcome is RefillOutcome.PROGRAMMED:
            self._show(self.page_for(Step.FINISH))
        self.refill_over()
        self.refill_ended.emit(record)

    def _link_failed(self, error: ProgrammerError) -> None:
        if self.page.step is Step.REVIEW and self.workflow.outcome is RefillOutcome.IN_PROGRESS:
            self.page.show_failure(error)
            self.update_nav()

    @property
    def record(self) -> RefillRecord:
        return self.workflow.record

    def abandon(self) -> bool:
        """Ask, naming the state the pump is left in; True when the refill was abandoned."""
        if self.workflow.outcome is not RefillOutcome.IN_PROGRESS:
            return True
        statement = self.workflow.abandon_statement()
        if not dialogs.confirm(
            self,
            "Abandon the refill?",
            [statement],
            "Abandon the refill here? Nothing more will be written to the pump.",
            "&Abandon refill",
            "&Continue the refill",
        ):
            return False
        self.workflow.abandon()
        self._show(self.page_for(Step.FINISH))
        self.refill_over()
        return True

    def reject(self) -> None:
        """Escape or the window's close button (QDialog routes both here): abandon first, asking, then close."""
        if self.abandon():
            super().reject()
