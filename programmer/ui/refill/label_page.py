"""Step 1 of the refill wizard: the pump as interrogated, the syringe as its label reads, and the check."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.session.refill.label_screens import LabelScreen
from programmer.session.refill.screen import Said, refusal
from programmer.session.refill.syringe import SYRINGE_MAX_ML, SyringeLabel
from programmer.ui.concentration_entry import ConcentrationEntry
from programmer.ui.refill.common import NumberField, Page, clear_choice, message, say, value_grid, volume_box
from programmer.ui.style import hint_label, name, see_through
from programmer.wording import ml_text, sentence

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard

AS_ON_THE_LABEL = "as printed on the label"


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
        self.volume.setText(f"{ml_text(label.volume_ml)} syringe, preservative-free")
        self.patient.setText(f"Patient: {label.patient_id or '—'}")


class LabelPage(Page):
    """What the pump runs, what the pharmacy sent (typed from its label, or given by a scenario), and the check."""

    screen: LabelScreen

    def __init__(self, wizard: RefillWizard, screen: LabelScreen) -> None:
        super().__init__(wizard, screen, ("labelProblem", "Label check problem"))
        library = self.workflow.library
        grid, self.values = value_grid(screen.pump_rows(), "pumpValue")
        pump = QGroupBox("The pump, as interrogated")
        pump_layout = QVBoxLayout(pump)
        pump_layout.addLayout(grid)
        pump_layout.addStretch(1)

        # Every field starts empty: the nurse types what the label says, so "Matches" means it was read.
        self.drug = name(QComboBox(), "pharmacyDrug", "Drug on the syringe label")
        for drug in library.drugs:
            self.drug.addItem(f"{drug.name} (off-label)" if drug.off_label else drug.name, drug.name)
        self.drug.setPlaceholderText("choose the drug on the label")
        self.drug.setCurrentIndex(-1)
        self.concentration = ConcentrationEntry("pharmacy", "Concentration on the syringe label")
        self.concentration.combo.setPlaceholderText("choose the drug first")
        self.volume = volume_box("pharmacyVolume", "Syringe volume on the label", SYRINGE_MAX_ML, empty=True)
        self.volume_field = NumberField(
            self.volume, message("pharmacyVolumeProblem", "Syringe volume problem"), screen.volume_refusal, self._edited
        )
        self.patient = name(QLineEdit(), "pharmacyPatient", "Patient ID on the syringe label")
        self.patient.setPlaceholderText(AS_ON_THE_LABEL)
        self.show_button = name(QPushButton("&Show the label"), "showLabel", "Show the syringe label")
        self.entry_problem = message("syringeProblem", "Syringe problem")
        self.entry_box = self._entry_box()

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
        answer = QVBoxLayout()
        for widget in (question, self.matches, self.differs, self.problem):
            answer.addWidget(widget)
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
        if screen.scenario:  # a scenario hands the syringe over: its label is shown, only the check is left
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

        self.drug.currentIndexChanged.connect(self._drug_changed)
        self.concentration.edited.connect(self._edited)
        self.patient.textChanged.connect(self._edited)
        self.show_button.clicked.connect(self.show_label)
        for button in (self.matches, self.differs):
            button.toggled.connect(self._answered)
        screen.edit(self._fields())
        self._show_card()

    def _entry_box(self) -> QGroupBox:
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
        form.addWidget(hint_label(f"at most {ml_text(SYRINGE_MAX_ML)}"), 2, 2, Qt.AlignmentFlag.AlignTop)
        form.addWidget(hint_label(AS_ON_THE_LABEL), 4, 2, Qt.AlignmentFlag.AlignTop)
        form.setColumnStretch(1, 1)
        box = QGroupBox("What the pharmacy sent")
        box.setObjectName("pharmacyBox")
        layout = QVBoxLayout(box)
        layout.addWidget(hint_label("Type the refill syringe as its pharmacy label reads."))
        layout.addLayout(form)
        show_row = QHBoxLayout()
        show_row.addWidget(self.show_button)
        show_row.addStretch(1)
        layout.addLayout(show_row)
        layout.addWidget(self.entry_problem)
        layout.addStretch(1)
        return box

    def _fields(self) -> tuple:
        return (self.drug.currentData(), *self.concentration.fields(), self.volume.cleanText(), self.patient.text())

    def _drug_changed(self) -> None:
        drug = self.workflow.library[self.drug.currentData()]
        self.concentration.set_drug(drug)
        if drug.labelled_concentrations:  # the strength is read off the label too, never offered
            with QSignalBlocker(self.concentration.combo):
                self.concentration.combo.setCurrentIndex(-1)
            self.concentration.combo.setPlaceholderText(AS_ON_THE_LABEL)
        self._edited()

    def _edited(self) -> None:
        say(self.entry_problem, "")
        self.screen.edit(self._fields())
        self.changed()

    def show_label(self) -> None:
        """Give the workflow the syringe as typed; its label is shown, or the refusal at the box."""
        if not self.volume_field.take():
            return
        concentration = None
        if self.concentration.combo.currentIndex() >= 0:
            try:
                concentration = self.concentration.concentration()
            except ProgrammerError as error:  # the typed-twice rule's own words, at its field
                self.concentration.show_problem(sentence(str(error)))
                return
        self.screen.edit(self._fields())
        try:
            self.screen.show_label(
                self.drug.currentData(), concentration, self.volume_field.value, self.patient.text()
            )
        except ProgrammerError as error:
            say(self.entry_problem, refusal(error))
            self.changed()
            return
        if self.screen.answer is None:  # a new label is read afresh
            clear_choice(self.matches, self.differs)
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
        locked = self.screen.locked
        self.entry_box.setEnabled(not locked)
        if locked:
            say(self.entry_problem, Said(locked, "info"))

    def _answered(self) -> None:
        self.screen.answer = True if self.matches.isChecked() else False if self.differs.isChecked() else None
        say(self.problem, "")
        self.changed()
