"""The concentration of a drug as read from a label: a labelled strength, or a custom one typed twice.

One widget wherever a concentration is entered (new pump, refill syringe, prescription), so the
typed-twice rule (`Drug.confirmed_concentration`) and its wording are the same on every screen.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from programmer.therapy.drugs import Drug
from programmer.therapy.units import Concentration
from programmer.ui.style import ROLE, hint_label, name
from programmer.wording import format_number

CUSTOM = "custom"
TWICE_HINT = "Entered twice, so a misread label is caught before it reaches the pump."


class ConcentrationEntry(QWidget):
    """A combo of the drug's labelled concentrations and "Custom concentration…", typed twice when custom.

    Parts are named from `prefix`: `<prefix>Concentration` (the combo), `<prefix>CustomConcentration`,
    `<prefix>CustomConcentrationConfirm`, `<prefix>CustomConcentrationBox`, `<prefix>ConcentrationHint`
    and `<prefix>ConcentrationProblem`. The owner labels the combo (`combo` is the buddy) and decides
    when a problem is shown (`show_problem`); any edit clears it.
    """

    edited = Signal()  # the nurse changed the choice or a typed entry (not emitted by set_drug)

    def __init__(self, prefix: str, what: str = "Concentration", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{prefix}ConcentrationEntry")
        self._drug: Drug | None = None
        self.combo = name(QComboBox(), f"{prefix}Concentration", what)
        self.hint = hint_label(object_name=f"{prefix}ConcentrationHint")
        self.custom_entry = name(QLineEdit(), f"{prefix}CustomConcentration", f"{what}, typed from the label")
        self.custom_confirm = name(
            QLineEdit(), f"{prefix}CustomConcentrationConfirm", f"{what}, typed again to confirm"
        )
        self.custom_entry_label = QLabel()
        self.custom_entry_label.setBuddy(self.custom_entry)
        self.custom_confirm_label = QLabel()
        self.custom_confirm_label.setBuddy(self.custom_confirm)
        self.twice_hint = hint_label(TWICE_HINT, f"{prefix}CustomConcentrationHint")
        self.custom_box = QWidget()
        self.custom_box.setObjectName(f"{prefix}CustomConcentrationBox")
        custom = QGridLayout(self.custom_box)
        custom.setContentsMargins(0, 0, 0, 0)
        custom.setHorizontalSpacing(8)
        custom.addWidget(self.custom_entry_label, 0, 0)
        custom.addWidget(self.custom_entry, 0, 1)
        custom.addWidget(self.custom_confirm_label, 1, 0)
        custom.addWidget(self.custom_confirm, 1, 1)
        custom.addWidget(self.twice_hint, 2, 0, 1, 2)
        custom.setColumnStretch(1, 1)
        self.problem = QLabel()
        self.problem.setObjectName(f"{prefix}ConcentrationProblem")
        self.problem.setProperty(ROLE, "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.combo)
        layout.addWidget(self.hint)
        layout.addWidget(self.custom_box)
        layout.addWidget(self.problem)

        self.combo.currentIndexChanged.connect(self._choice_changed)
        self.custom_entry.textChanged.connect(self._typed)
        self.custom_confirm.textChanged.connect(self._typed)
        self.custom_box.hide()

    # --- what the owner sets ---------------------------------------------------------------------
    def set_drug(self, drug: Drug, shown: Concentration | None = None) -> None:
        """Offer `drug`'s strengths; select `shown` (a custom one is typed into both fields), else the first."""
        self._drug = drug
        unit = drug.unit.value
        blocked = [widget.blockSignals(True) for widget in (self.combo, self.custom_entry, self.custom_confirm)]
        self.combo.clear()
        for value in drug.labelled_concentrations:
            self.combo.addItem(f"{value} (labelled)", value.per_ml)
        self.combo.addItem("Custom concentration…", CUSTOM)
        index, typed = 0, ""
        if shown is not None and shown.unit is drug.unit:
            found = self.combo.findData(shown.per_ml)
            index = found if found >= 0 else self.combo.count() - 1
            typed = "" if found >= 0 else format_number(shown.per_ml)
        self.combo.setCurrentIndex(index)
        self.custom_entry.setText(typed)
        self.custom_confirm.setText(typed)
        for widget, was in zip((self.combo, self.custom_entry, self.custom_confirm), blocked, strict=True):
            widget.blockSignals(was)
        self.custom_entry.setPlaceholderText(f"e.g. 2 ({unit}/mL)")
        self.custom_confirm.setPlaceholderText(f"same value again ({unit}/mL)")
        self.custom_entry_label.setText(f"T&ype it from the label ({unit}/mL):")
        self.custom_confirm_label.setText(f"Type it a&gain ({unit}/mL):")
        self.hint.setText(
            f"Maximum {format_number(drug.max_concentration_per_ml)} {unit}/mL"
            + ("; compounded: type it from the label" if not drug.labelled_concentrations else "")
        )
        self.show_problem("")
        self.custom_box.setVisible(self.is_custom)

    def show_problem(self, text: str) -> None:
        """Say why the concentration cannot be used, at the field ("" hides it)."""
        self.problem.setText(text)
        self.problem.setVisible(bool(text))

    # --- what the nurse chose ----------------------------------------------------------------------
    @property
    def drug(self) -> Drug | None:
        return self._drug

    @property
    def is_custom(self) -> bool:
        return self.combo.currentData() == CUSTOM

    def fields(self) -> tuple:
        """The raw entries, to tell whether anything changed since a value was taken."""
        return (self.combo.currentData(), self.custom_entry.text().strip(), self.custom_confirm.text().strip())

    def concentration(self) -> Concentration:
        """The labelled strength chosen, or the custom one typed twice; UnitError/ValueError says why not."""
        if self._drug is None:
            raise ValueError("choose the drug first")
        if not self.is_custom:
            return self._drug.concentration(self.combo.currentData())
        return self._drug.confirmed_concentration(self.custom_entry.text(), self.custom_confirm.text())

    # --- reacting to the nurse -----------------------------------------------------------------------
    def _choice_changed(self) -> None:
        self.custom_box.setVisible(self.is_custom)
        self._typed()

    def _typed(self) -> None:
        self.show_problem("")
        self.edited.emit()
