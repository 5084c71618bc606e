from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget

from programmer.pump import factory
from programmer.therapy.prescription import InfusionMode
from programmer.therapy.units import DoseRate, DrugUnit
from programmer.ui import new_pump_dialog
from programmer.ui.new_pump_dialog import NewPumpDialog, NewPumpValues, file_name_for

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def dialog(qtbot, tmp_path):
    dialog = NewPumpDialog(folder=tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def choose(qtbot, combo, text):
    """Pick an entry the way a keyboard user does: focus the combo box and type the start of it."""
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setFocus()
    combo.setCurrentIndex(index)


def type_into(qtbot, widget, text, *, enter=True):
    """Select what is in the field and type over it; a number box takes its value on Enter."""
    widget.setFocus()
    if isinstance(widget, QLineEdit):
        widget.selectAll()
        qtbot.keyClicks(widget, text)
        return
    widget.lineEdit().selectAll()
    qtbot.keyClicks(widget.lineEdit(), text)
    if enter:
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def fill_morphine(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "morphine")
    choose(qtbot, dialog.concentration.combo, "10 mg/mL (labelled)")
    type_into(qtbot, dialog.dose, "1.5")
    type_into(qtbot, dialog.serial, "NP-0042")
    type_into(qtbot, dialog.patient_id, "TRAINING-07")


def test_offers_the_models_and_the_drug_library_with_off_label_marked(dialog):
    models = [dialog.model_combo.itemText(i) for i in range(dialog.model_combo.count())]
    assert models == [
        "PX-20 programmable pump (peristaltic, 20 mL)",
        "PX-40 programmable pump (peristaltic, 40 mL)",
        "VG-20 programmable pump (valve-gated, 20 mL)",
    ]
    drugs = [dialog.drug_combo.itemText(i) for i in range(dialog.drug_combo.count())]
    assert drugs == [
        "morphine",
        "ziconotide",
        "baclofen",
        "hydromorphone (off-label)",
        "bupivacaine (off-label)",
        "clonidine (off-label)",
        "fentanyl (off-label)",
    ]
    assert dialog.model_hint.text() == "20 mL reservoir; flow 0.048–24 mL/day"


def test_ok_is_disabled_with_a_reason_until_valid(qtbot, dialog):
    assert not dialog.ok_button.isEnabled()
    assert dialog.reason_label.text() == "Enter the daily dose in mg/day (hard limit 30 mg/day)."
    assert dialog.reason_label.isVisible()
    choose(qtbot, dialog.concentration.combo, "10 mg/mL (labelled)")
    type_into(qtbot, dialog.dose, "1.5", enter=False)
    assert dialog.reason == "1.5 mg/day typed, not yet entered: press Enter or Tab to enter it."
    qtbot.keyClick(dialog.dose, Qt.Key.Key_Return)
    assert dialog.reason == "Enter the pump's serial number."
    type_into(qtbot, dialog.serial, "NP-0042")
    assert dialog.reason == "Enter the patient ID."
    type_into(qtbot, dialog.patient_id, "TRAINING-07")
    assert dialog.reason == ""
    assert not dialog.reason_label.isVisible()
    assert dialog.ok_button.isEnabled()


def test_values_for_a_morphine_pump(qtbot, dialog, tmp_path):
    fill_morphine(qtbot, dialog)
    with qtbot.waitSignal(dialog.accepted):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    values = dialog.values()
    assert values == NewPumpValues(
        model_name="PX-20",
        drug_name="morphine",
        concentration_per_ml=10.0,
        daily_dose=DoseRate(1.5, DrugUnit.MG),
        serial="NP-0042",
        patient_id="TRAINING-07",
        path=tmp_path / "NP-0042.pump",
    )
    assert str(values.concentration) == "10 mg/mL"


def test_the_values_make_a_pump_with_the_factory(qtbot, dialog):
    fill_morphine(qtbot, dialog)
    choose(qtbot, dialog.model_combo, "PX-40 programmable pump (peristaltic, 40 mL)")
    memory = factory.new_pump(**dialog.values().pump_arguments(), now=datetime(2025, 3, 4, 9, 30))
    assert (memory.model_name, memory.serial, memory.patient_id) == ("PX-40", "NP-0042", "TRAINING-07")
    assert memory.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    assert str(memory.prescription.daily_dose) == "1.5 mg/day"
    assert memory.reservoir_ml == 40.0


def test_dose_box_carries_the_drug_unit_and_stops_at_the_hard_limit(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "baclofen")
    assert dialog.dose.suffix() == " mcg/day"
    assert dialog.dose.maximum() == 2000
    assert dialog.dose_hint.text() == "Hard limit 2000 mcg/day (cannot be programmed); usual 90–800 mcg/day"
    type_into(qtbot, dialog.dose, "2500")
    assert dialog.dose.value() == 0  # nothing below the limit is taken in its place
    assert dialog.dose_problem.text() == "2500 mcg/day refused: the hard limit for baclofen is 2000 mcg/day"
    assert dialog.reason == (
        "2500 mcg/day refused: the hard limit for baclofen is 2000 mcg/day; re-enter the daily dose."
    )
    type_into(qtbot, dialog.dose, "250")
    assert dialog.dose_problem.text() == ""
    choose(qtbot, dialog.drug_combo, "ziconotide")
    assert dialog.dose_hint.text() == (
        "Hard limit 19.2 mcg/day (cannot be programmed); usual 0.5–12 mcg/day; starting dose 0.5–2.4 mcg/day"
    )


def test_changing_drug_clears_the_dose_so_mg_never_becomes_mcg(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "morphine")
    type_into(qtbot, dialog.dose, "2")
    choose(qtbot, dialog.drug_combo, "clonidine (off-label)")
    assert dialog.dose.value() == 0
    assert dialog.dose.suffix() == " mcg/day"


def test_off_label_drug_is_warned_and_needs_a_typed_concentration(qtbot, dialog):
    assert not dialog.off_label_warning.isVisible()
    choose(qtbot, dialog.drug_combo, "hydromorphone (off-label)")
    assert dialog.off_label_warning.isVisible()
    assert dialog.off_label_warning.text() == (
        "hydromorphone is off-label for intrathecal use: check the prescription and local policy."
    )
    combo = dialog.concentration.combo
    assert [combo.itemText(i) for i in range(combo.count())] == ["Custom concentration…"]
    assert dialog.concentration.custom_box.isVisible()
    assert dialog.concentration.hint.text() == "Maximum 15 mg/mL; compounded: type it from the label"


def test_labelled_concentrations_then_custom_reveals_two_fields(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "baclofen")
    offered = [dialog.concentration.combo.itemText(i) for i in range(dialog.concentration.combo.count())]
    assert offered == [
        "50 mcg/mL (labelled)",
        "500 mcg/mL (labelled)",
        "1000 mcg/mL (labelled)",
        "2000 mcg/mL (labelled)",
        "Custom concentration…",
    ]
    assert not dialog.concentration.custom_box.isVisible()
    choose(qtbot, dialog.concentration.combo, "Custom concentration…")
    assert dialog.concentration.custom_box.isVisible()
    assert dialog.concentration.custom_entry_label.text() == "T&ype it from the label (mcg/mL):"


def test_custom_concentration_must_be_typed_twice_the_same(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "hydromorphone (off-label)")
    type_into(qtbot, dialog.dose, "2")
    type_into(qtbot, dialog.serial, "NP-7")
    type_into(qtbot, dialog.patient_id, "T-7")
    assert dialog.reason == "Type the concentration in mg/mL twice, from the label."
    type_into(qtbot, dialog.concentration.custom_entry, "10")
    type_into(qtbot, dialog.concentration.custom_confirm, "1.0")
    assert dialog.reason == (
        "The two entries differ (10 mg/mL and 1 mg/mL): read the label again and re-enter both."
    )
    assert not dialog.ok_button.isEnabled()
    type_into(qtbot, dialog.concentration.custom_confirm, "10 mg/mL")
    assert dialog.reason == ""
    assert dialog.values().concentration_per_ml == 10.0


def test_custom_concentration_above_the_drug_maximum_is_refused(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "hydromorphone (off-label)")
    type_into(qtbot, dialog.concentration.custom_entry, "20")
    type_into(qtbot, dialog.concentration.custom_confirm, "20")
    assert dialog.reason == "20 mg/mL is above the maximum for hydromorphone: 15 mg/mL."


def test_custom_concentration_in_the_wrong_unit_is_refused(qtbot, dialog):
    choose(qtbot, dialog.drug_combo, "hydromorphone (off-label)")
    type_into(qtbot, dialog.concentration.custom_entry, "10 mcg/mL")
    type_into(qtbot, dialog.concentration.custom_confirm, "10 mcg/mL")
    assert dialog.reason == "Concentration '10 mcg/mL' is not in mg/mL, the unit of this drug."


def test_what_the_pump_would_refuse_keeps_ok_disabled(qtbot, dialog):
    # 0.5 mg/day of 25 mg/mL is 0.02 mL/day: below what the pump can deliver.
    fill_morphine(qtbot, dialog)
    choose(qtbot, dialog.concentration.combo, "25 mg/mL (labelled)")
    type_into(qtbot, dialog.dose, "0.5")
    assert dialog.reason.startswith("Not allowed: ")
    assert "0.02 mL/day is below the PX-20 minimum flow of 0.048 mL/day (1.2 mg/day at 25 mg/mL)" in dialog.reason
    assert not dialog.ok_button.isEnabled()
    with pytest.raises(ValueError, match="minimum flow"):
        dialog.values()


def test_the_file_follows_the_serial_until_chosen(qtbot, dialog, tmp_path, monkeypatch):
    type_into(qtbot, dialog.serial, "NP 0042/b")
    assert dialog.path_edit.text() == str(tmp_path / "NP_0042_b.pump")
    chosen = tmp_path / "practice" / "mine.pump"
    chosen.parent.mkdir()
    monkeypatch.setattr(
        new_pump_dialog.QFileDialog, "getSaveFileName", staticmethod(lambda *args: (str(chosen), "Pump files (*.json)"))
    )
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path_edit.text() == str(chosen)
    type_into(qtbot, dialog.serial, "NP-9")
    assert dialog.path_edit.text() == str(chosen)


def test_cancelled_file_chooser_keeps_the_path(qtbot, dialog, tmp_path, monkeypatch):
    monkeypatch.setattr(new_pump_dialog.QFileDialog, "getSaveFileName", staticmethod(lambda *args: ("", "")))
    before = dialog.path_edit.text()
    qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.path_edit.text() == before


def test_an_existing_pump_file_is_never_replaced(qtbot, dialog, tmp_path):
    (tmp_path / "NP-0042.pump").write_text("{}", encoding="utf-8")
    fill_morphine(qtbot, dialog)
    assert dialog.reason == (
        f"{tmp_path / 'NP-0042.pump'} already exists: choose another name (a new pump never replaces a pump file)."
    )
    assert not dialog.ok_button.isEnabled()


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "Choose the pump file."),
        ("pump.txt", "The pump file must end in .pump: pump.txt"),
    ],
)
def test_the_pump_file_must_be_a_pump_file(qtbot, dialog, typed, reason):
    fill_morphine(qtbot, dialog)
    dialog.path_edit.setFocus()
    dialog.path_edit.selectAll()
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(dialog.path_edit, typed)
    assert dialog.reason == reason


def test_a_missing_folder_is_refused(qtbot, dialog, tmp_path):
    fill_morphine(qtbot, dialog)
    type_into(qtbot, dialog.path_edit, str(tmp_path / "nowhere" / "new.pump"))
    assert dialog.reason == f"The folder {tmp_path / 'nowhere'} does not exist: choose another."


def test_enter_does_not_accept_an_invalid_dialog(qtbot, dialog):
    with qtbot.assertNotEmitted(dialog.accepted):
        dialog.accept()
    assert dialog.isVisible()


def test_file_names_from_serials():
    assert file_name_for("PX-20 #0001") == "PX-20_0001.pump"
    assert file_name_for("  ") == "new_pump.pump"


def test_every_control_is_named_for_screen_readers(dialog):
    interactive = (
        dialog.model_combo,
        dialog.drug_combo,
        dialog.concentration.combo,
        dialog.concentration.custom_entry,
        dialog.concentration.custom_confirm,
        dialog.dose,
        dialog.serial,
        dialog.patient_id,
        dialog.path_edit,
        dialog.browse_button,
        dialog.ok_button,
    )
    for widget in interactive:
        assert isinstance(widget, QWidget)
        assert widget.objectName()
        assert widget.accessibleName()
