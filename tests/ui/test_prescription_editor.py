"""The prescription editor, typed into like a nurse: units beside every number, refusals at the field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from programmer.pump.pumpfile import load_pump
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import InfusionMode
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.prescription_editor import PrescriptionEditor


@pytest.fixture
def memory(pump_path):
    return load_pump(pump_path)  # the demo pump: morphine 10 mg/mL, 1.5 mg/day, PX-20


@pytest.fixture
def editor(qtbot, memory):
    widget = PrescriptionEditor(drug_library())
    qtbot.addWidget(widget)
    widget.load(memory.prescription, memory.low_alarm_ml, memory.model)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def edits(editor):
    seen = []
    editor.prescription_edited.connect(seen.append)
    return seen


def retype(qtbot, spin_box, text: str, enter: bool = True) -> None:
    """Click into the box, select what is there, type over it and press Enter."""
    spin_box.setFocus()
    qtbot.keyClick(spin_box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin_box, text)
    if enter:
        qtbot.keyClick(spin_box, Qt.Key.Key_Return)


def test_shows_the_pumps_program_with_units_beside_every_number(editor):
    assert editor.dose.text() == "1.5 mg/day"
    assert editor.per_hour.text() == "= 0.0625 mg/h"
    assert "max 30 mg/day (hard limit)" in editor.dose_limits.text()
    assert editor.concentration.currentText() == "10 mg/mL (labelled)"
    assert editor.mode.currentText() == "Simple continuous"
    assert editor.low_alarm.text() == "2 mL"
    assert [badge.text() for badge in editor.badges.values()] == [""] * 5
    assert "morphine 10 mg/mL, simple continuous, 1.5 mg/day" in editor.on_pump.text()


def test_a_new_dose_is_forwarded_and_marked_pending(qtbot, editor, edits):
    retype(qtbot, editor.dose, "2")
    assert edits[-1].daily_dose == DoseRate(2, DrugUnit.MG)
    assert edits[-1].concentration == Concentration(10, DrugUnit.MG)
    assert editor.per_hour.text() == "= 0.08333 mg/h"
    assert editor.badges["dose"].text() == "pending"
    assert editor.dose.property("pending") is True
    assert editor.badges["drug"].text() == ""


def test_typing_the_dose_back_clears_the_pending_mark(qtbot, editor, edits, memory):
    retype(qtbot, editor.dose, "2")
    retype(qtbot, editor.dose, "1.5")
    assert edits[-1] == memory.prescription
    assert editor.badges["dose"].text() == ""


def test_a_dose_above_the_hard_limit_is_refused_and_leaves_no_partial_value_pending(qtbot, editor, edits):
    retype(qtbot, editor.dose, "35", enter=False)
    assert editor.dose.text() == "35 mg/day"  # what was typed stays in sight while it is refused
    assert editor.dose_problem.text() == (
        "35 mg/day refused: the hard limit for morphine is 30 mg/day; the daily dose stays 1.5 mg/day."
    )
    qtbot.keyClick(editor.dose, Qt.Key.Key_Return)
    assert editor.dose.value() == 1.5 and editor.dose.text() == "1.5 mg/day"
    assert edits == []  # neither 3 nor 35 mg/day was ever pending
    assert editor.badges["dose"].text() == ""
    assert "stays 1.5 mg/day" in editor.dose_problem.text()


def test_a_dose_typed_but_not_entered_is_not_pending_and_the_field_says_so(qtbot, editor, edits):
    retype(qtbot, editor.dose, "3", enter=False)
    assert edits == []
    assert editor.dose_problem.text() == (
        "3 mg/day typed, not yet entered: press Enter or Tab to enter it; until then the daily dose stays 1.5 mg/day."
    )
    qtbot.keyClick(editor.dose, Qt.Key.Key_Return)
    assert edits[-1].daily_dose == DoseRate(3, DrugUnit.MG)
    assert editor.dose_problem.isHidden()


def test_a_custom_concentration_must_be_typed_twice_and_match(qtbot, editor, edits):
    validity = []
    editor.validity_changed.connect(validity.append)
    editor.concentration.setFocus()
    qtbot.keyClick(editor.concentration, Qt.Key.Key_End)
    assert editor.concentration.currentText() == "Custom concentration…"
    assert editor.custom_entry.isVisible()
    assert editor.custom_confirm.isVisible()
    qtbot.keyClicks(editor.custom_entry, "12")
    qtbot.keyClicks(editor.custom_confirm, "1.2")
    assert editor.custom_problem.text() == (
        "The two entries differ (12 mg/mL and 1.2 mg/mL): read the label again and re-enter both."
    )
    assert validity == [False]
    assert editor.badges["concentration"].text() == "pending"
    assert not any(edit.concentration != Concentration(10, DrugUnit.MG) for edit in edits)

    qtbot.keyClick(editor.custom_confirm, Qt.Key.Key_Backspace)
    qtbot.keyClick(editor.custom_confirm, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor.custom_confirm, "2")
    assert editor.custom_confirm.text() == "12"
    assert editor.custom_problem.isHidden()
    assert validity == [False, True]
    assert edits[-1].concentration == Concentration(12, DrugUnit.MG)
    assert edits[-1].daily_dose == DoseRate(1.5, DrugUnit.MG)


def test_a_custom_concentration_above_the_drug_maximum_is_refused(qtbot, editor, edits):
    editor.concentration.setFocus()
    qtbot.keyClick(editor.concentration, Qt.Key.Key_End)
    qtbot.keyClicks(editor.custom_entry, "30")
    qtbot.keyClicks(editor.custom_confirm, "30")
    assert editor.custom_problem.text() == "30 mg/mL is above the maximum for morphine: 25 mg/mL."
    assert not editor.is_valid
    assert edits == []


def test_an_off_label_drug_is_marked_and_asks_for_its_own_dose_and_concentration(qtbot, editor, edits):
    names = [editor.drug.itemText(index) for index in range(editor.drug.count())]
    assert "hydromorphone (off-label)" in names
    assert "morphine" in names
    editor.drug.setFocus()
    qtbot.keyClicks(editor.drug, "clonidine")
    assert editor.drug.currentText() == "clonidine (off-label)"
    assert editor.off_label.text().startswith("Off-label drug")
    assert editor.badges["drug"].text() == "pending"
    # Compounded: no labelled strength to pick, so it is typed twice; the dose box is in mcg now.
    assert editor.concentration.currentText() == "Custom concentration…"
    assert editor.dose.suffix() == " mcg/day"
    assert editor.dose.maximum() == 1000
    assert "max 1000 mcg/day (hard limit)" in editor.dose_limits.text()
    assert editor.dose.value() == 0  # never carried over from 1.5 mg/day
    assert not editor.is_valid
    qtbot.keyClicks(editor.custom_entry, "500")
    qtbot.keyClicks(editor.custom_confirm, "500")
    assert editor.problem.text() == "Enter the daily dose in mcg/day."
    retype(qtbot, editor.dose, "100")
    assert edits[-1].drug == "clonidine"
    assert edits[-1].concentration == Concentration(500, DrugUnit.MCG)
    assert edits[-1].daily_dose == DoseRate(100, DrugUnit.MCG)
    assert editor.per_hour.text() == "= 4.167 mcg/h"


def test_stopping_the_pump_says_what_it_means(qtbot, editor, edits):
    editor.mode.setFocus()
    qtbot.keyClicks(editor.mode, "Stopped")
    assert editor.mode.currentText() == "Stopped"
    assert editor.mode_hint.text() == "the pump will deliver no drug"
    assert editor.mode_hint.property("severity") == "critical"
    assert not editor.dose.isEnabled()
    assert edits[-1].mode is InfusionMode.STOPPED
    assert editor.badges["mode"].text() == "pending"


def test_low_reservoir_alarm_within_the_models_range(qtbot, editor):
    volumes = []
    editor.low_alarm_edited.connect(volumes.append)
    assert (editor.low_alarm.minimum(), editor.low_alarm.maximum()) == (1, 5)
    retype(qtbot, editor.low_alarm, "3")
    assert volumes[-1] == 3
    assert editor.badges["lowAlarm"].text() == "pending"
    retype(qtbot, editor.low_alarm, "8")
    assert editor.low_alarm.value() < 8


def test_fields_carry_mnemonics_and_tab_in_reading_order(editor):
    from PySide6.QtWidgets import QLabel

    buddies = {label.buddy(): label.text() for label in editor.findChildren(QLabel) if label.buddy() is not None}
    assert buddies[editor.drug] == "&Drug"
    assert buddies[editor.dose] == "Daily d&ose"
    editor.concentration.setCurrentIndex(editor.concentration.count() - 1)  # show the typed-concentration rows
    chain, widget = [], editor.drug
    for _ in range(40):
        if widget.isVisible() and widget.isEnabled() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    expected = [
        editor.drug, editor.concentration, editor.custom_entry, editor.custom_confirm, editor.mode,
        editor.dose, editor.low_alarm, editor.discard, editor.review,
    ]
    assert [w for w in chain if w in expected][: len(expected)] == expected


def test_a_dose_ordered_per_hour_is_typed_per_hour_and_shown_per_day(qtbot, editor, edits):
    editor.dose_unit.setFocus()
    qtbot.keyClick(editor.dose_unit, Qt.Key.Key_Down)  # mg/day → mg/h
    assert editor.dose.text() == "0.0625 mg/h"  # the same 1.5 mg/day, shown per hour: no change yet
    assert edits == [] and editor.per_hour.text() == "= 1.5 mg/day"
    retype(qtbot, editor.dose, "0.5")
    assert edits[-1].daily_dose == DoseRate(12, DrugUnit.MG)
    assert editor.per_hour.text() == "= 12 mg/day"
    retype(qtbot, editor.dose, "2", enter=False)  # 48 mg/day: above the hard limit, in the unit typed
    assert editor.dose_problem.text() == (
        "2 mg/h refused: the hard limit for morphine is 30 mg/day = 1.25 mg/h; the daily dose stays 12 mg/day."
    )


def test_a_unit_typed_into_the_dose_is_refused_not_dropped(qtbot, editor, edits):
    retype(qtbot, editor.dose, "0.5 mg/h", enter=False)
    assert "refused: type the number only; the unit is chosen beside the field (mg/day or mg/h)" in (
        editor.dose_problem.text()
    )
    assert editor.dose.text().startswith("0.5") and "mg/h" in editor.dose.text()  # in sight while refused
    qtbot.keyClick(editor.dose, Qt.Key.Key_Return)
    assert editor.dose.text() == "1.5 mg/day"  # not 0.5 mg/day: what is left of a refused entry never counts
    assert edits == []
