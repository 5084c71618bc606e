"""The prescription editor: drug, concentration, mode, daily dose and low-reservoir alarm.

It shows programmer.session.prescription_form for the pump's program and forwards every
valid change as a whole Prescription (the session keeps the pending copy). Input that cannot
be right is refused where it is typed, with the limit beside it: the dose box stops at the
drug's hard limit, a dose is typed per day or per hour with the other figure always shown,
a typed concentration must be entered twice and match. Edited fields carry a "pending"
badge until they are programmed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from programmer.errors import ProgrammerError
from programmer.session.prescription_form import DOSED_MODES, FIELDS, DoseEntry, PrescriptionForm
from programmer.therapy.drugs import Drug, DrugLibrary
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.units import Concentration
from programmer.ui.concentration_entry import ConcentrationEntry
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.style import PENDING, ROLE, SEVERITY, hint_label, name, set_flag


def _label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    # Measured and drawn text differ by a few pixels at large font sizes: a character of slack, never a clip.
    label.setMinimumWidth(label.sizeHint().width() + label.fontMetrics().averageCharWidth())
    return label


def _badge(object_name: str) -> QLabel:
    badge = QLabel()
    badge.setObjectName(object_name)
    badge.setProperty(ROLE, "badge")
    return badge


def _problem(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setProperty(ROLE, "problem")
    label.setWordWrap(True)
    label.hide()
    return label


def _say(label: QLabel, text: str) -> None:
    """A problem label takes no room while there is nothing to say."""
    label.setText(text)
    label.setVisible(bool(text))


class PrescriptionEditor(QWidget):
    prescription_edited = Signal(object)  # Prescription
    substance_edited = Signal(str, object)  # another drug picked: its name (and None: no concentration yet)
    low_alarm_edited = Signal(float)  # mL
    discard_requested = Signal()
    review_requested = Signal()
    validity_changed = Signal(bool)

    def __init__(self, library: DrugLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("prescriptionEditor")
        self._library = library
        self._form: PrescriptionForm | None = None
        self._loading = False
        self._valid = True
        self.problem_text = ""

        self.drug = name(QComboBox(), "drugCombo", "Drug")
        for drug_name, title in PrescriptionForm.drug_choices(library):
            self.drug.addItem(title, drug_name)
        self.off_label = hint_label(object_name="offLabelWarning")
        self.concentration_entry = ConcentrationEntry("rx")
        self.concentration = self.concentration_entry.combo
        self.custom_entry = self.concentration_entry.custom_entry
        self.custom_confirm = self.concentration_entry.custom_confirm
        self.custom_problem = self.concentration_entry.problem
        self.mode = name(QComboBox(), "modeCombo", "Infusion mode")
        self.mode_hint = hint_label(object_name="modeHint")
        self.dose = name(NumberSpinBox(), "dailyDose", "Daily dose")
        self.dose.setMinimumWidth(140)
        self.dose_unit = name(QComboBox(), "doseUnit", "Daily dose typed per day or per hour")
        self.per_hour = QLabel()
        self.per_hour.setObjectName("dosePerHour")
        self.dose_limits = hint_label(object_name="doseLimits")
        self.dose_problem = _problem("doseProblem")
        self.low_alarm = name(NumberSpinBox(), "lowAlarm", "Low-reservoir alarm volume")
        self.low_alarm.setSuffix(" mL")
        self.low_alarm.setDecimals(1)
        self.low_alarm.setMinimumWidth(170)
        self.low_alarm_hint = hint_label(object_name="lowAlarmHint")
        self.badges = {key: _badge(f"{key}Pending") for key in FIELDS}
        self._build_layout()

        self.drug.currentIndexChanged.connect(self._drug_changed)
        self.concentration_entry.edited.connect(self._edited)
        self.mode.currentIndexChanged.connect(self._edited)
        self.dose.valueChanged.connect(self._edited)
        self.dose.refused.connect(self._dose_refused)
        self.dose.lineEdit().textEdited.connect(self._dose_typed)
        self.dose_unit.currentIndexChanged.connect(self._dose_unit_changed)
        self.low_alarm.valueChanged.connect(self._low_alarm_changed)
        self.discard.clicked.connect(self.discard_requested)
        self.review.clicked.connect(self.review_requested)
        self.setEnabled(False)

    def _build_layout(self) -> None:
        grid = QGridLayout()
        grid.setColumnStretch(3, 1)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        dose_box = QHBoxLayout()
        dose_box.setSpacing(6)
        dose_box.addWidget(self.dose, 1)
        dose_box.addWidget(self.dose_unit)
        dose_side = QVBoxLayout()
        dose_side.setSpacing(2)
        dose_side.addWidget(self.per_hour)
        dose_side.addWidget(self.dose_limits)
        rows = (
            ("&Drug", self.drug, self.drug, "drug", self.off_label),
            ("&Concentration", self.concentration, self.concentration_entry, "concentration", None),
            ("&Mode", self.mode, self.mode, "mode", self.mode_hint),
            ("Daily d&ose", self.dose, dose_box, "dose", dose_side),
            ("&Low-reservoir alarm", self.low_alarm, self.low_alarm, "lowAlarm", self.low_alarm_hint),
        )
        for row, (text, buddy, field, key, side) in enumerate(rows):
            grid.addWidget(_label(text, buddy), row * 2, 0, Qt.AlignmentFlag.AlignTop)
            if isinstance(field, QWidget):
                grid.addWidget(field, row * 2, 1)
            else:
                grid.addLayout(field, row * 2, 1)
            grid.addWidget(self.badges[key], row * 2, 2, Qt.AlignmentFlag.AlignTop)
            if isinstance(side, QWidget):
                grid.addWidget(side, row * 2, 3, Qt.AlignmentFlag.AlignTop)
            elif side is not None:
                grid.addLayout(side, row * 2, 3)
        grid.addWidget(self.dose_problem, 7, 1, 1, 3)
        group = QGroupBox("Prescription")
        group.setLayout(grid)

        self.problem = _problem("editorProblem")
        self.discard = name(QPushButton("Discard c&hanges"), "discardButton", "Discard changes")
        self.review = name(QPushButton("&Review changes…"), "reviewButton", "Review changes")
        buttons = QHBoxLayout()
        buttons.addWidget(self.problem, 1)
        buttons.addWidget(self.discard)
        buttons.addWidget(self.review)
        self.on_pump = hint_label(object_name="onPumpNow")
        layout = QVBoxLayout(self)
        layout.addWidget(self.on_pump)
        layout.addWidget(group)
        layout.addLayout(buttons)
        layout.addStretch(1)

    # --- what the session tells us ------------------------------------------------------------
    def load(
        self,
        current: Prescription,
        current_low_alarm_ml: float,
        model: PumpModel,
        shown: Prescription | None = None,
        shown_low_alarm_ml: float | None = None,
    ) -> None:
        """Show `shown` (the pending program, default the pump's own); pending marks compare with `current`."""
        self._form = form = PrescriptionForm(self._library, model, current, current_low_alarm_ml)
        shown = shown or current
        self._loading = True
        try:
            self.drug.setCurrentIndex(max(0, self.drug.findData(shown.drug)))
            self._fill_for_drug(shown)
            self.low_alarm.setRange(model.low_alarm_min_ml, model.low_alarm_max_ml)
            self.low_alarm.setValue(shown_low_alarm_ml if shown_low_alarm_ml is not None else current_low_alarm_ml)
            self.low_alarm_hint.setText(form.low_alarm_text())
        finally:
            self._loading = False
        self.setEnabled(True)
        self.on_pump.setText(form.on_pump_text())
        _say(self.dose_problem, "")
        self._show(self._result())

    def clear(self) -> None:
        """No pump: nothing of the last visit stays (its program, its refusals); the fields wait, disabled."""
        self.setEnabled(False)
        self.on_pump.setText("No pump interrogated: interrogate a pump to see its prescription.")
        for label in (self.problem, self.dose_problem):
            _say(label, "")

    def show_problem(self, text: str) -> None:
        """A change the session refused, shown under the fields."""
        _say(self.problem, text)

    @property
    def is_valid(self) -> bool:
        return self._valid

    # --- filling the fields ----------------------------------------------------------------------
    def _selected_drug(self) -> Drug:
        return self._library[self.drug.currentData()]

    def _selected_mode(self) -> InfusionMode:
        return InfusionMode(self.mode.currentData())  # Qt hands the enum back as its plain string value

    def _per_hour(self) -> bool:
        return self.dose_unit.currentIndex() == 1

    def _fill_for_drug(self, shown: Prescription) -> None:
        """Concentrations, modes and dose limits for the selected drug; values from `shown` when it is this drug."""
        form, drug = self._form, self._selected_drug()
        same = shown.drug == drug.name
        self.off_label.setText(form.off_label_text(drug))
        set_flag(self.off_label, SEVERITY, "warning" if drug.off_label else "none")
        self.concentration_entry.set_drug(drug, shown.concentration if same else None)
        self.mode.clear()
        for mode in form.mode_choices(drug, shown):
            self.mode.addItem(mode.title, mode)
        self.mode.setCurrentIndex(self.mode.findData(shown.mode) if same else 0)
        self.dose_unit.clear()
        self.dose_unit.addItems(form.dose_unit_texts(drug))  # a new drug's dose is typed per day first
        self._set_dose(form.shown_dose(drug, shown))
        self.dose_limits.setText(form.dose_limits_text(drug))

    def _set_dose(self, per_day: float) -> None:
        """The dose box in the unit chosen, its range the hard limit in that unit."""
        drug, per_hour = self._selected_drug(), self._per_hour()
        self.dose.setSuffix(f" {PrescriptionForm.dose_unit_texts(drug)[1 if per_hour else 0]}")
        self.dose.setDecimals(6 if per_hour else (4 if drug.daily_dose.hard_max < 100 else 2))
        self.dose.setRange(0.0, PrescriptionForm.dose_maximum(drug, per_hour))
        self.dose.setValue(per_day / 24 if per_hour else per_day)

    # --- reacting to the nurse ---------------------------------------------------------------------
    def _drug_changed(self) -> None:
        if self._loading or self._form is None:
            return
        self._loading = True
        try:
            self._fill_for_drug(self._form.current)
        finally:
            self._loading = False
        self._edited()
        # Another drug cannot make a prescription before its dose is typed: say at once whether it may change.
        self.substance_edited.emit(self._selected_drug().name, None)

    def _dose_unit_changed(self) -> None:
        """Per day ↔ per hour: the same dose, shown in the other unit (no change to the program)."""
        if self._loading or self._form is None:
            return
        per_day = self._entry().rate(self._selected_drug()).per_day * (1 / 24 if self._per_hour() else 24)
        self._loading = True
        try:
            self._set_dose(per_day)
        finally:
            self._loading = False
        _say(self.dose_problem, "")
        self._show(self._result())

    def _entry(self) -> DoseEntry:
        return DoseEntry(self.dose.value(), self._per_hour())

    def _dose_refused(self, text: str) -> None:
        typed = text.removesuffix(self.dose.suffix()).strip()
        _say(self.dose_problem, self._form.refused_dose_text(self._selected_drug(), typed, self._per_hour(),
                                                             self._entry()))

    def _dose_typed(self) -> None:
        """While a typed dose is not yet entered, the field says which dose counts."""
        if self.dose.is_typed_value_taken():
            _say(self.dose_problem, "")
        elif self.dose.refuses(self.dose.text()):
            self._dose_refused(self.dose.text())
        else:
            _say(self.dose_problem, self._form.typed_dose_text(
                self._selected_drug(), self.dose.typed_text(), self._per_hour(), self._entry()
            ))

    def _low_alarm_changed(self) -> None:
        if self._loading or self._form is None:
            return
        self._show(self._result())
        self.low_alarm_edited.emit(self.low_alarm.value())

    def _edited(self) -> None:
        if self._loading or self._form is None:
            return
        if self.sender() is self.dose:
            _say(self.dose_problem, "")
        result = self._result()
        self._show(result)
        if result.prescription is not None:
            self.prescription_edited.emit(result.prescription)

    # --- the form's answer, shown -------------------------------------------------------------------
    def _concentration(self) -> Concentration | None:
        try:
            return self.concentration_entry.concentration()
        except ProgrammerError as error:  # the typed-twice rule's own words
            if self.concentration_entry.is_custom:
                self.concentration_entry.show_problem(f"{str(error)[:1].upper()}{str(error)[1:]}.")
            return None

    def _result(self):
        drug = self._selected_drug()
        return self._form.build(drug, self._concentration(), self._selected_mode(), self._entry(),
                                self.low_alarm.value())

    def _show(self, result) -> None:
        """Pending marks, the dose both ways, which fields are live, and the overall validity."""
        self.problem_text = result.problem
        widgets = {"drug": self.drug, "concentration": self.concentration, "mode": self.mode, "dose": self.dose,
                   "lowAlarm": self.low_alarm}
        for key, pending in result.pending.items():
            set_flag(widgets[key], PENDING, pending)
            set_flag(self.badges[key], PENDING, pending)
            self.badges[key].setText("pending" if pending else "")
            self.badges[key].setAccessibleName("pending change" if pending else "")
        dosed = self._selected_mode() in DOSED_MODES
        self.dose.setEnabled(dosed)
        self.dose_unit.setEnabled(dosed)
        self.per_hour.setText(result.dose_text)
        self.mode_hint.setText(result.mode_hint)
        set_flag(self.mode_hint, SEVERITY, "critical" if result.mode_hint else "none")
        _say(self.problem, result.problem)
        if result.valid != self._valid:
            self._valid = result.valid
            self.validity_changed.emit(result.valid)
        self.discard.setEnabled(any(result.pending.values()) or not result.valid)
