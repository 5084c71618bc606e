"""File → New pump: a newly implanted pump for practice, with its first prescription and its file.

The dialog refuses what cannot be right where it is typed (the dose box stops at the
drug's hard limit, a typed concentration must be entered twice and match) and keeps
OK disabled, with the reason beside it, until the pump's own firmware would accept
the values: it asks the implant's safety gate, so the dialog does no dose math of its own.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from msgspec import Struct
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.session import workspace
from programmer.session.implant import implant_check
from programmer.therapy.drugs import Drug, DrugLibrary, drug_library
from programmer.therapy.pump_models import PumpModel, PumpModelCatalog, pump_models
from programmer.therapy.units import Concentration, DoseRate
from programmer.ui.concentration_entry import ConcentrationEntry
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.style import ROLE, hint_label, name
from programmer.wording import format_number, ml_text

# Only for asking the gate whether the pump would be accepted: the dates it makes do not matter.
_CHECK_TIME = datetime(2000, 1, 1)


class NewPumpValues(Struct, frozen=True):
    """What the nurse chose; the window passes `pump_arguments()` and a `now` to the implant."""

    model_name: str
    drug_name: str
    concentration_per_ml: float
    daily_dose: DoseRate
    serial: str
    patient_id: str
    path: Path

    @property
    def concentration(self) -> Concentration:
        return Concentration(self.concentration_per_ml, self.daily_dose.unit)

    def pump_arguments(self) -> dict[str, Any]:
        """Keyword arguments for programmer.session.implant.implant (add `now`)."""
        return {
            "model_name": self.model_name,
            "drug_name": self.drug_name,
            "concentration_per_ml": self.concentration_per_ml,
            "daily_dose": self.daily_dose,
            "serial": self.serial,
            "patient_id": self.patient_id,
        }


def _problem(object_name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setProperty(ROLE, "problem")
    label.setWordWrap(True)
    return label


def file_name_for(serial: str) -> str:
    """A file name from the serial number: letters, digits, '-', '_' and '.' only."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", serial.strip()).strip("._")
    return f"{cleaned or 'new_pump'}{workspace.PUMP_SUFFIX}"


def drug_title(drug: Drug) -> str:
    return f"{drug.name} (off-label)" if drug.off_label else drug.name


def limits_text(drug: Drug) -> str:
    """'Hard limit 30 mg/day (cannot be programmed); usual 0.1–15 mg/day; start 0.1–1 mg/day'."""
    unit = f"{drug.unit.value}/day"
    limits = drug.daily_dose
    parts = [
        f"Hard limit {format_number(limits.hard_max)} {unit} (cannot be programmed)",
        f"usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit}",
    ]
    if drug.starting_dose is not None:
        parts.append(
            f"starting dose {format_number(drug.starting_dose.min)}–{format_number(drug.starting_dose.max)} {unit}"
        )
    return "; ".join(parts)


class NewPumpDialog(QDialog):
    """Model, drug, concentration, daily dose, serial, patient ID and file of a new practice pump."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        library: DrugLibrary | None = None,
        models: PumpModelCatalog | None = None,
        folder: Path | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("newPumpDialog")
        self.setAccessibleName("New pump")
        self.setWindowTitle("New pump")
        self._library = library or drug_library()
        self._models = models or pump_models()
        self._folder = folder
        self._path_typed = False  # once the nurse picks or types a path, the serial no longer names the file
        self._reason = ""

        self.model_combo = name(QComboBox(), "newPumpModel", "Pump model")
        for model in self._models.models:
            self.model_combo.addItem(model.title, model.name)
        self.model_hint = hint_label(object_name="newPumpModelHint")

        self.drug_combo = name(QComboBox(), "newPumpDrug", "Drug")
        for drug in self._library.drugs:
            self.drug_combo.addItem(drug_title(drug), drug.name)
        self.off_label_warning = _problem("newPumpOffLabel")

        self.concentration = ConcentrationEntry("newPump")

        self.dose = name(NumberSpinBox(), "newPumpDailyDose", "Daily dose")
        self.dose.setDecimals(3)
        self.dose.setMinimumWidth(170)
        self.dose_hint = hint_label(object_name="newPumpDoseLimits")
        self.dose_problem = _problem("newPumpDoseProblem")

        self.serial = name(QLineEdit(), "newPumpSerial", "Serial number")
        self.serial.setPlaceholderText("e.g. NP-0001")
        self.patient_id = name(QLineEdit(), "newPumpPatientId", "Patient ID")
        self.patient_id.setPlaceholderText("e.g. TRAINING-01")

        self.path_edit = name(QLineEdit(), "newPumpPath", "Pump file")
        self.browse_button = name(QPushButton("&Browse…"), "newPumpBrowse", "Choose the pump file")
        path_row = QHBoxLayout()
        path_row.setContentsMargins(0, 0, 0, 0)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)

        self.reason_label = _problem("newPumpReason")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create pump")
        name(self.ok_button, "newPumpCreate", "Create the pump")
        name(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "newPumpCancel", "Cancel")

        # A grid rather than a form layout: a form mis-sizes rows once a field wraps (height for width).
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        rows = (
            ("Pump &model:", self.model_combo, self.model_combo),
            (None, self.model_hint, None),
            ("&Drug:", self.drug_combo, self.drug_combo),
            (None, self.off_label_warning, None),
            ("&Concentration:", self.concentration, self.concentration.combo),
            ("Daily d&ose:", self.dose, self.dose),
            (None, self.dose_hint, None),
            (None, self.dose_problem, None),
            ("&Serial number:", self.serial, self.serial),
            ("&Patient ID:", self.patient_id, self.patient_id),
            ("Pump &file:", path_row, self.path_edit),
        )
        for row, (text, field, buddy) in enumerate(rows):
            if text is not None:
                label = self._label(text, buddy)
                label.setMinimumHeight(self.serial.sizeHint().height())  # beside its field's first line
                form.addWidget(label, row, 0, Qt.AlignmentFlag.AlignTop)
            if isinstance(field, QHBoxLayout):
                form.addLayout(field, row, 1)
            else:
                form.addWidget(field, row, 1)
        form.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.buttons)

        self.model_combo.currentIndexChanged.connect(self._model_changed)
        self.drug_combo.currentIndexChanged.connect(self._drug_changed)
        self.concentration.edited.connect(self._validate)
        self.dose.valueChanged.connect(self._dose_changed)
        self.dose.refused.connect(self._dose_refused)
        self.dose.lineEdit().textEdited.connect(self._validate)  # a dose typed but not entered is said so
        self.serial.textChanged.connect(self._serial_changed)
        self.patient_id.textChanged.connect(self._validate)
        self.path_edit.textEdited.connect(self._path_typed_by_nurse)
        self.path_edit.textChanged.connect(self._validate)
        self.browse_button.clicked.connect(self.browse)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        self._drug_changed()
        self._model_changed()
        self._serial_changed()

    def _label(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    # --- what was chosen -------------------------------------------------------------------------
    @property
    def selected_model(self) -> PumpModel:
        return self._models[self.model_combo.currentData()]

    @property
    def selected_drug(self) -> Drug:
        return self._library[self.drug_combo.currentData()]

    @property
    def reason(self) -> str:
        """Why OK is disabled; empty when the pump can be created."""
        return self._reason

    def values(self) -> NewPumpValues:
        """The chosen values; ValueError (with the reason shown in the dialog) while they are not valid."""
        values, reason = self._collect()
        if values is None:
            raise ValueError(reason)
        return values

    def accept(self) -> None:
        if self._validate():
            super().accept()

    def browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the new pump as", self.path_edit.text() or str(self._default_folder()),
            f"Pump files (*{workspace.PUMP_SUFFIX})",
        )
        if chosen:
            self._path_typed = True
            self.path_edit.setText(chosen)

    # --- reacting to the nurse -----------------------------------------------------------------
    def _model_changed(self) -> None:
        model = self.selected_model
        self.model_hint.setText(
            f"{ml_text(model.reservoir_capacity_ml)} reservoir; flow {model.flow_limits_text()}"
        )
        self._validate()

    def _drug_changed(self) -> None:
        drug = self.selected_drug
        unit = drug.unit.value
        self.off_label_warning.setText(
            f"{drug.name} is off-label for intrathecal use: check the prescription and local policy."
            if drug.off_label
            else ""
        )
        self.off_label_warning.setVisible(drug.off_label)
        self.concentration.set_drug(drug)
        # A new drug may be dosed in other units: the old number must never carry over (mg/mcg slips).
        blocked = self.dose.blockSignals(True)
        self.dose.setSuffix(f" {unit}/day")
        self.dose.setRange(0, drug.daily_dose.hard_max)
        self.dose.setValue(0)
        self.dose.blockSignals(blocked)
        self.dose_hint.setText(limits_text(drug))
        self._say(self.dose_problem, "")
        self._validate()

    def _dose_changed(self) -> None:
        self._say(self.dose_problem, "")
        self._validate()

    def _dose_refused(self, text: str) -> None:
        drug = self.selected_drug
        typed = text.replace(self.dose.suffix().strip(), "").strip()
        unit = f"{drug.unit.value}/day"
        limit = format_number(drug.daily_dose.hard_max)
        self._say(self.dose_problem, f"{typed} {unit} refused: the hard limit for {drug.name} is {limit} {unit}")
        # The box keeps what was typed before the refused digit (2500 leaves 250): never accept that silently.
        self._validate()

    def _serial_changed(self) -> None:
        if not self._path_typed:
            self.path_edit.setText(str(self._default_folder() / file_name_for(self.serial.text())))
        self._validate()

    def _path_typed_by_nurse(self) -> None:
        self._path_typed = True

    def _default_folder(self) -> Path:
        return self._folder if self._folder is not None else workspace.data_dir()

    @staticmethod
    def _say(label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    # --- validation ------------------------------------------------------------------------------
    def _concentration(self) -> tuple[float | None, str]:
        try:
            return self.concentration.concentration().per_ml, ""
        except ProgrammerError as error:  # UnitError: the typed-twice rule's own words
            return None, f"{str(error)[:1].upper()}{str(error)[1:]}."

    def _path(self) -> tuple[Path | None, str]:
        text = self.path_edit.text().strip()
        if not text:
            return None, "Choose the pump file."
        path = Path(text).expanduser()
        if path.suffix.lower() != workspace.PUMP_SUFFIX:
            return None, f"The pump file must end in {workspace.PUMP_SUFFIX}: {path.name}"
        if not path.parent.is_dir():
            return None, f"The folder {path.parent} does not exist: choose another."
        if path.exists():
            return None, f"{path} already exists: choose another name (a new pump never replaces a pump file)."
        return path, ""

    def _collect(self) -> tuple[NewPumpValues | None, str]:
        drug = self.selected_drug
        concentration_per_ml, reason = self._concentration()
        if concentration_per_ml is None:
            return None, reason
        if self.dose_problem.text():
            return None, f"{self.dose_problem.text()}; re-enter the daily dose."
        if not self.dose.is_typed_value_taken():
            unit = f"{drug.unit.value}/day"
            return None, f"{self.dose.typed_text()} {unit} typed, not yet entered: press Enter or Tab to enter it."
        if self.dose.value() <= 0:
            unit, limit = f"{drug.unit.value}/day", format_number(drug.daily_dose.hard_max)
            return None, f"Enter the daily dose in {unit} (hard limit {limit} {unit})."
        serial, patient_id = self.serial.text().strip(), self.patient_id.text().strip()
        if not serial:
            return None, "Enter the pump's serial number."
        if not patient_id:
            return None, "Enter the patient ID."
        path, reason = self._path()
        if path is None:
            return None, reason
        values = NewPumpValues(
            model_name=self.selected_model.name,
            drug_name=drug.name,
            concentration_per_ml=concentration_per_ml,
            daily_dose=drug.rate(self.dose.value()),
            serial=serial,
            patient_id=patient_id,
            path=path,
        )
        try:
            check = implant_check(**values.pump_arguments(), now=_CHECK_TIME, library=self._library)
        except ProgrammerError as error:
            return None, f"The pump would refuse this: {error}"
        if check.blocking:
            return None, "Not allowed: " + "; ".join(finding.message for finding in check.blocking)
        return values, ""

    def _validate(self) -> bool:
        values, self._reason = self._collect()
        self._say(self.reason_label, self._reason)
        self.ok_button.setEnabled(values is not None)
        self.ok_button.setToolTip(self._reason)
        self._fit()
        return values is not None

    def _fit(self) -> None:
        """Grow to show every wrapped line and the typed-twice fields when they appear.

        A window follows its layout's minimum size, not its height for the width it has: without
        this, a reason or warning that wraps squeezes the rows above it until they overlap.
        """
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)
