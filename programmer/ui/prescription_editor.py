"""The prescription editor: drug, concentration, mode, daily dose and low-reservoir alarm.

It shows the pump's program, lets the nurse change it field by field and forwards
every valid change as a whole Prescription (the session keeps the pending copy).
Input that cannot be right is refused where it is typed, with the limit beside it:
the dose box stops at the drug's hard limit, a typed concentration must be entered
twice and match. Edited fields carry a "pending" badge until they are programmed.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.therapy.drugs import Drug, DrugLibrary
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.units import Concentration, DoseRate, UnitError, format_number
from programmer.ui.style import PENDING, ROLE, SEVERITY, hint_label, name, set_flag

CUSTOM = "custom"
# Modes a nurse picks here; flex and single bolus appear only when the pump already runs them
# (their schedule or bolus is kept as it is).
EDITABLE_MODES = (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE, InfusionMode.STOPPED)
DOSED_MODES = (InfusionMode.SIMPLE_CONTINUOUS,)


class NumberSpinBox(QDoubleSpinBox):
    """Shows numbers the way the rest of the programmer does (no trailing zeros) and reports refused input.

    A value is taken only when it is complete (Enter, Tab, leaving the box, the arrows), never keystroke by
    keystroke: typing "35" must not leave "3" pending on the way. A number above the maximum stays visible
    while it is refused, and on Enter the box goes back to the last value it took.
    """

    refused = Signal(str)  # the text that was refused

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One decimal point, no group separators, whatever the desktop's locale: 1,000 must never read as 1.
        locale = QLocale.c()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        self.setLocale(locale)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def typed_text(self) -> str:
        """What is in the box now, without its unit."""
        return self.text().removesuffix(self.suffix()).strip()

    def is_typed_value_taken(self) -> bool:
        """False while the box shows a number it has not taken yet (typed, Enter not pressed)."""
        return self.typed_text() == self.textFromValue(self.value())

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def validate(self, text: str, pos: int) -> object:
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid:
            self.refused.emit(text)
            if self.above_maximum(text):
                return QValidator.State.Intermediate, text, pos  # shown, refused, never taken
        return result

    def above_maximum(self, text: str) -> bool:
        try:
            return float(text.removesuffix(self.suffix()).strip()) > self.maximum()
        except ValueError:
            return False


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
        self._current: Prescription | None = None
        self._current_low_alarm_ml = 0.0
        self._model: PumpModel | None = None
        self._loading = False
        self._valid = True
        self.problem_text = ""

        self.drug = name(QComboBox(), "drugCombo", "Drug")
        for drug in library.drugs:
            self.drug.addItem(f"{drug.name} (off-label)" if drug.off_label else drug.name, drug.name)
        self.off_label = hint_label()
        self.off_label.setObjectName("offLabelWarning")
        self.concentration = name(QComboBox(), "concentrationCombo", "Concentration")
        self.concentration_hint = hint_label()
        self.concentration_hint.setObjectName("concentrationHint")
        self.custom_entry = name(QLineEdit(), "customConcentration", "Concentration, typed from the label")
        self.custom_confirm = name(QLineEdit(), "customConcentrationConfirm", "Concentration, typed again to confirm")

        self.custom_problem = QLabel()
        self.custom_problem.setObjectName("customConcentrationProblem")
        self.custom_problem.setProperty(ROLE, "problem")
        self.custom_problem.setWordWrap(True)
        self.mode = name(QComboBox(), "modeCombo", "Infusion mode")
        self.mode_hint = hint_label()
        self.mode_hint.setObjectName("modeHint")
        self.dose = name(NumberSpinBox(), "dailyDose", "Daily dose")
        self.dose.setMinimumWidth(170)
        self.per_hour = QLabel()
        self.per_hour.setObjectName("dosePerHour")
        self.dose_limits = hint_label()
        self.dose_limits.setObjectName("doseLimits")
        self.dose_problem = QLabel()
        self.dose_problem.setObjectName("doseProblem")
        self.dose_problem.setProperty(ROLE, "problem")
        self.dose_problem.setWordWrap(True)
        self.low_alarm = name(NumberSpinBox(), "lowAlarm", "Low-reservoir alarm volume")
        self.low_alarm.setSuffix(" mL")
        self.low_alarm.setDecimals(1)
        self.low_alarm.setMinimumWidth(170)
        self.low_alarm_hint = hint_label()
        self.low_alarm_hint.setObjectName("lowAlarmHint")

        self.badges = {key: _badge(f"{key}Pending") for key in ("drug", "concentration", "mode", "dose", "lowAlarm")}

        grid = QGridLayout()
        grid.setColumnStretch(3, 1)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        row = 0
        grid.addWidget(_label("&Drug", self.drug), row, 0)
        grid.addWidget(self.drug, row, 1)
        grid.addWidget(self.badges["drug"], row, 2)
        grid.addWidget(self.off_label, row, 3)
        row += 1
        grid.addWidget(_label("&Concentration", self.concentration), row, 0)
        grid.addWidget(self.concentration, row, 1)
        grid.addWidget(self.badges["concentration"], row, 2)
        grid.addWidget(self.concentration_hint, row, 3)
        row += 1
        # The typed concentration: two rows of the same form, shown only for "Custom concentration…".
        custom_hint = hint_label("Entered twice, so a misread label is caught before it reaches the pump.")
        entry_label = _label("T&ype it from the label", self.custom_entry)
        confirm_label = _label("Type it a&gain", self.custom_confirm)
        grid.addWidget(entry_label, row, 0)
        grid.addWidget(self.custom_entry, row, 1)
        grid.addWidget(custom_hint, row, 3)
        row += 1
        grid.addWidget(confirm_label, row, 0)
        grid.addWidget(self.custom_confirm, row, 1)
        row += 1
        grid.addWidget(self.custom_problem, row, 1, 1, 3)
        self._custom_rows = (entry_label, self.custom_entry, custom_hint, confirm_label, self.custom_confirm)
        row += 1
        grid.addWidget(_label("&Mode", self.mode), row, 0)
        grid.addWidget(self.mode, row, 1)
        grid.addWidget(self.badges["mode"], row, 2)
        grid.addWidget(self.mode_hint, row, 3, Qt.AlignmentFlag.AlignLeft)
        row += 1
        grid.addWidget(_label("Daily d&ose", self.dose), row, 0)
        grid.addWidget(self.dose, row, 1)
        dose_side = QVBoxLayout()
        dose_side.setSpacing(2)
        dose_side.addWidget(self.per_hour)
        dose_side.addWidget(self.dose_limits)
        grid.addWidget(self.badges["dose"], row, 2)
        grid.addLayout(dose_side, row, 3)
        row += 1
        grid.addWidget(self.dose_problem, row, 1, 1, 3)
        row += 1
        grid.addWidget(_label("&Low-reservoir alarm", self.low_alarm), row, 0)
        grid.addWidget(self.low_alarm, row, 1)
        grid.addWidget(self.badges["lowAlarm"], row, 2)
        grid.addWidget(self.low_alarm_hint, row, 3)

        group = QGroupBox("Prescription")
        group.setLayout(grid)

        self.problem = QLabel()
        self.problem.setObjectName("editorProblem")
        self.problem.setProperty(ROLE, "problem")
        self.problem.setWordWrap(True)
        self.discard = name(QPushButton("Discard c&hanges"), "discardButton", "Discard changes")
        self.review = name(QPushButton("&Review changes…"), "reviewButton", "Review changes")
        buttons = QHBoxLayout()
        buttons.addWidget(self.problem, 1)
        buttons.addWidget(self.discard)
        buttons.addWidget(self.review)

        self.on_pump = hint_label()
        self.on_pump.setObjectName("onPumpNow")

        layout = QVBoxLayout(self)
        layout.addWidget(self.on_pump)
        layout.addWidget(group)
        layout.addLayout(buttons)
        layout.addStretch(1)

        self.drug.currentIndexChanged.connect(self._drug_changed)
        self.concentration.currentIndexChanged.connect(self._concentration_changed)
        self.custom_entry.textChanged.connect(self._edited)
        self.custom_confirm.textChanged.connect(self._edited)
        self.mode.currentIndexChanged.connect(self._edited)
        self.dose.valueChanged.connect(self._edited)
        self.dose.refused.connect(self._dose_refused)
        self.dose.lineEdit().textEdited.connect(self._dose_typed)
        self.low_alarm.valueChanged.connect(self._low_alarm_changed)
        self.discard.clicked.connect(self.discard_requested)
        self.review.clicked.connect(self.review_requested)
        self.setEnabled(False)
        self._show_custom_rows()

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
        self._current, self._current_low_alarm_ml, self._model = current, current_low_alarm_ml, model
        shown = shown or current
        self._loading = True
        try:
            self.drug.setCurrentIndex(max(0, self.drug.findData(shown.drug)))
            self._fill_for_drug(shown)
            self.low_alarm.setRange(model.low_alarm_min_ml, model.low_alarm_max_ml)
            self.low_alarm.setValue(shown_low_alarm_ml if shown_low_alarm_ml is not None else current_low_alarm_ml)
            self.low_alarm_hint.setText(
                f"{format_number(model.low_alarm_min_ml)}–{format_number(model.low_alarm_max_ml)} mL, "
                f"recommended {format_number(model.low_alarm_default_ml)} mL"
            )
        finally:
            self._loading = False
        self.setEnabled(True)
        self.on_pump.setText(
            f"On the pump now: {current.describe()}; low-reservoir alarm at {format_number(current_low_alarm_ml)} mL"
        )
        self._say(self.dose_problem, "")
        self._refresh(self._build())

    def show_problem(self, text: str) -> None:
        """A change the session refused, shown under the fields."""
        self._say(self.problem, text)

    @property
    def is_valid(self) -> bool:
        return self._valid

    # --- filling the fields ----------------------------------------------------------------------
    def _selected_drug(self) -> Drug:
        return self._library[self.drug.currentData()]

    def _show_custom_rows(self) -> None:
        custom = self.concentration.currentData() == CUSTOM
        for widget in self._custom_rows:
            widget.setVisible(custom)
        if not custom:
            self.custom_problem.setVisible(False)

    def _selected_mode(self) -> InfusionMode:
        return InfusionMode(self.mode.currentData())  # Qt hands the enum back as its plain string value

    def _fill_for_drug(self, shown: Prescription | None) -> None:
        """Concentrations, modes and dose limits for the selected drug; values from `shown` when it is this drug."""
        drug = self._selected_drug()
        unit = drug.unit.value
        same = shown is not None and shown.drug == drug.name
        self.off_label.setText(
            "Off-label drug: compounded, check the label and the prescription" if drug.off_label else ""
        )
        set_flag(self.off_label, SEVERITY, "warning" if drug.off_label else "none")

        self.concentration.clear()
        for value in drug.labelled_concentrations:
            self.concentration.addItem(f"{value} (labelled)", value.per_ml)
        self.concentration.addItem("Custom concentration…", CUSTOM)
        self.concentration_hint.setText(f"max {format_number(drug.max_concentration_per_ml)} {unit}/mL for {drug.name}")
        index = self.concentration.count() - 1
        typed = ""
        if same:
            found = self.concentration.findData(shown.concentration.to(drug.unit).per_ml)
            index = found if found >= 0 else index
            typed = "" if found >= 0 else format_number(shown.concentration.per_ml)
        elif drug.labelled_concentrations:
            index = 0
        self.concentration.setCurrentIndex(index)
        self.custom_entry.setText(typed)
        self.custom_confirm.setText(typed)
        self.custom_entry.setPlaceholderText(f"e.g. 2 ({unit}/mL)")
        self.custom_confirm.setPlaceholderText(f"same value again ({unit}/mL)")
        self._show_custom_rows()

        self.mode.clear()
        modes = list(EDITABLE_MODES)
        if same and shown.mode not in modes:
            modes.insert(0, shown.mode)
        for mode in modes:
            self.mode.addItem(mode.title, mode)
        self.mode.setCurrentIndex(self.mode.findData(shown.mode) if same else 0)

        limits = drug.daily_dose
        self.dose.setSuffix(f" {unit}/day")
        self.dose.setDecimals(4 if limits.hard_max < 100 else 2)
        self.dose.setRange(0.0, limits.hard_max)
        self.dose.setValue(shown.nominal_daily_dose.per_day if same and shown.mode is not InfusionMode.STOPPED else 0.0)
        self.dose_limits.setText(
            f"usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}/day · "
            f"max {format_number(limits.hard_max)} {unit}/day (hard limit)"
        )

    # --- reacting to the nurse ---------------------------------------------------------------------
    def _drug_changed(self) -> None:
        if self._loading or self._current is None:
            return
        self._loading = True
        try:
            self._fill_for_drug(self._current)
        finally:
            self._loading = False
        self._edited()
        # Another drug cannot make a prescription before its dose is typed: say at once whether it may change.
        self.substance_edited.emit(self._selected_drug().name, None)

    def _concentration_changed(self) -> None:
        self._show_custom_rows()
        self._edited()

    def _dose_refused(self, text: str) -> None:
        drug = self._selected_drug()
        unit = drug.unit.value
        typed = text.replace(self.dose.suffix(), "").strip()
        self._say(
            self.dose_problem,
            f"{typed} {unit}/day refused: the hard limit for {drug.name} is "
            f"{format_number(drug.daily_dose.hard_max)} {unit}/day; {self._dose_stays()}.",
        )

    def _dose_typed(self) -> None:
        """While a typed dose is not yet entered, the field says which dose counts."""
        if self.dose.is_typed_value_taken():
            self._say(self.dose_problem, "")
            return
        if self.dose.above_maximum(self.dose.text()):
            return  # refused, and said so
        unit = self._selected_drug().unit.value
        self._say(
            self.dose_problem,
            f"{self.dose.typed_text()} {unit}/day typed, not yet entered: press Enter or Tab to enter it; "
            f"until then {self._dose_stays()}.",
        )

    def _dose_stays(self) -> str:
        return f"the daily dose stays {self._selected_drug().rate(self.dose.value())}"

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        """A problem label takes no room while there is nothing to say."""
        label.setText(text)
        label.setVisible(bool(text))

    def _low_alarm_changed(self) -> None:
        if self._loading or self._current is None:
            return
        self._refresh(self._build())
        self.low_alarm_edited.emit(self.low_alarm.value())

    def _edited(self) -> None:
        if self._loading or self._current is None:
            return
        if self.sender() is self.dose:
            self._say(self.dose_problem, "")
        prescription = self._build()
        self._refresh(prescription)
        if prescription is not None:
            self.prescription_edited.emit(prescription)

    # --- turning the fields into a prescription ----------------------------------------------------------
    def _concentration_value(self, drug: Drug) -> Concentration | None:
        """The selected or typed concentration; None (with the reason at the field) when it cannot be used."""
        self._say(self.custom_problem, "")
        data = self.concentration.currentData()
        if data != CUSTOM:
            return drug.concentration(data)
        try:
            return drug.confirmed_concentration(self.custom_entry.text(), self.custom_confirm.text())
        except UnitError as error:  # the typed-twice rule's own words
            self._say(self.custom_problem, f"{str(error)[:1].upper()}{str(error)[1:]}.")
            return None

    def _dose_value(self, drug: Drug) -> DoseRate:
        current = self._current
        # Keep the pump's exact dose when the box still shows it rounded: no drift from display rounding.
        if (
            current.drug == drug.name
            and current.daily_dose is not None
            and self.dose.value() == round(current.daily_dose.per_day, self.dose.decimals())
        ):
            return current.daily_dose
        return drug.rate(self.dose.value())

    def _build(self) -> Prescription | None:
        """The prescription the fields describe, or None with `problem_text` saying what to fix."""
        drug = self._selected_drug()
        mode = self._selected_mode()
        current = self._current
        self.problem_text = ""
        concentration = self._concentration_value(drug)
        if concentration is None:
            self.problem_text = "Fix the concentration entry above before reviewing."
            return None
        if mode is InfusionMode.SIMPLE_CONTINUOUS and self.dose.value() <= 0:
            self.problem_text = f"Enter the daily dose in {drug.unit.value}/day."
            return None
        if mode in (InfusionMode.FLEX, InfusionMode.SINGLE_BOLUS) and (
            current.drug != drug.name or current.unit is not drug.unit
        ):
            self.problem_text = f"The pump's {mode.title.lower()} program is for {current.drug}: choose another mode."
            return None
        try:
            if mode is InfusionMode.SIMPLE_CONTINUOUS:
                prescription = Prescription.simple_continuous(drug.name, concentration, self._dose_value(drug))
            elif mode is InfusionMode.MINIMUM_RATE:
                prescription = Prescription.minimum_rate(
                    drug.name, concentration, self._model.minimum_rate_ml_per_day
                )
            elif mode is InfusionMode.STOPPED:
                prescription = Prescription.stopped(drug.name, concentration)
            else:  # flex or single bolus: the pump's own schedule or bolus, kept as it is
                prescription = Prescription(
                    drug.name, concentration, mode, schedule=current.schedule, bolus=current.bolus
                )
            if current.bolus is not None and mode is current.mode and concentration == current.concentration:
                prescription = prescription.with_bolus(current.bolus)  # a bolus already running is not an edit
        except ValueError as error:  # PrescriptionError, UnitError: the therapy rules say why
            self.problem_text = str(error)
            return None
        return prescription

    def _refresh(self, prescription: Prescription | None) -> None:
        """Pending marks, the per-hour figure, which fields are live, and the overall validity."""
        current = self._current
        drug = self._selected_drug()
        mode = self._selected_mode()
        concentration_changed = (
            self.concentration.currentData() == CUSTOM
            and (prescription is None or prescription.concentration != current.concentration)
        ) or (prescription is not None and prescription.concentration != current.concentration)
        marks = {
            "drug": drug.name != current.drug,
            "concentration": concentration_changed,
            "mode": mode is not current.mode,
            "dose": prescription is not None
            and mode in DOSED_MODES
            and prescription.daily_dose != current.daily_dose,
            "lowAlarm": self.low_alarm.value() != round(self._current_low_alarm_ml, 1),
        }
        widgets = {
            "drug": self.drug,
            "concentration": self.concentration,
            "mode": self.mode,
            "dose": self.dose,
            "lowAlarm": self.low_alarm,
        }
        for key, pending in marks.items():
            set_flag(widgets[key], PENDING, pending)
            set_flag(self.badges[key], PENDING, pending)
            self.badges[key].setText("pending" if pending else "")
            self.badges[key].setAccessibleName("pending change" if pending else "")

        self.dose.setEnabled(mode in DOSED_MODES)
        if mode in DOSED_MODES:
            self.per_hour.setText(f"= {drug.rate(self.dose.value()).per_hour_text()}")
        elif prescription is not None and mode is not InfusionMode.STOPPED:
            dose = prescription.nominal_daily_dose
            self.per_hour.setText(f"{mode.title}: {dose} ({dose.per_hour_text()})")
        else:
            self.per_hour.setText("")
        self.mode_hint.setText(
            "the pump will deliver no drug" if mode is InfusionMode.STOPPED else ""
        )
        set_flag(self.mode_hint, SEVERITY, "critical" if mode is InfusionMode.STOPPED else "none")
        self._say(self.problem, self.problem_text)
        valid = prescription is not None
        if valid != self._valid:
            self._valid = valid
            self.validity_changed.emit(valid)
        self.discard.setEnabled(any(marks.values()) or not valid)
