"""The refill wizard walked as a nurse walks it: clicks and typing, step by step, on a real pump file.

The pump: PX-20 (20 mL), morphine 10 mg/mL at 1.5 mg/day, filled with 20 mL on 2026-01-05 and run
112 days: 3.2 mL are expected in the reservoir on 2026-04-27 09:00 (limit for a discrepancy 2.436 mL).
Step 1 starts from what the pharmacy sent: entered by the nurse, or handed over by a scenario.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QRadioButton,
    QWidget,
)

from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.session.refill.steps import Port, RefillOutcome, Step
from programmer.session.refill.syringe import SyringeLabel
from programmer.session.refill.workflow import RefillWorkflow
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import Concentration, DrugUnit
from programmer.ui.main_window import MainWindow
from programmer.ui.refill.port_drawing import PortDrawing
from programmer.ui.refill.wizard import RefillWizard
from tests.helpers import as_read, connected, morphine_pump

IMPLANT = datetime(2026, 1, 5, 9, 0)
MORPHINE_25 = SyringeLabel("morphine", Concentration(25, DrugUnit.MG), 20, "T-1")


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", IMPLANT, serial="PX20-0001", patient_id="T-1")


@pytest.fixture
def session(pump_path):
    with connected(pump_path, days_later=112) as session:
        yield session


def end_quietly(wizard: RefillWizard) -> None:
    """Closing an unfinished refill asks first: end it without the question when the test is over."""
    if wizard.workflow.outcome is RefillOutcome.IN_PROGRESS:
        wizard.workflow.abandon()


@pytest.fixture
def open_wizard(qtbot, session):
    def open_(label: SyringeLabel | None = None) -> RefillWizard:
        wizard = RefillWizard(RefillWorkflow(session, syringe_label=label))
        qtbot.addWidget(wizard, before_close_func=end_quietly)
        wizard.show()
        qtbot.waitExposed(wizard)
        return wizard

    return open_


def click(qtbot, widget) -> None:
    """Click where a nurse would: a radio button or check box on its indicator, anything else in its middle."""
    if isinstance(widget, QRadioButton | QCheckBox):
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(8, widget.height() // 2))
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def retype(qtbot, box, text: str, *, enter: bool = False) -> None:
    """Select what is in the box and type over it; Enter takes a number box's value (as Tab or Record do)."""
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    if enter:
        qtbot.keyClick(box, Qt.Key.Key_Return)


def choose(qtbot, combo: QComboBox, text: str) -> None:
    """Pick an entry with the keyboard: Home, then Down until it shows."""
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText() == text, [combo.itemText(i) for i in range(combo.count())]


def enter_syringe(qtbot, wizard, *, drug: str | None = None, concentration: str | None = None,
                  typed: tuple[str, str] | None = None, volume: str | None = None, patient: str | None = None) -> None:
    """Step 1: what the pharmacy sent, typed as its label reads (every field starts empty), then Show the label.

    A field not given keeps what it holds; an empty one is typed as a syringe of what the pump runs
    (morphine 10 mg/mL, 20 mL, patient T-1).
    """
    page = wizard.page
    assert page.step is Step.LABEL
    if drug is not None or page.drug.currentIndex() < 0:
        choose(qtbot, page.drug, drug or "morphine")
    entry = page.concentration
    if typed is not None:
        choose(qtbot, entry.combo, "Custom concentration…")
        retype(qtbot, entry.custom_entry, typed[0])
        retype(qtbot, entry.custom_confirm, typed[1])
    elif concentration is not None or entry.combo.currentIndex() < 0:
        choose(qtbot, entry.combo, concentration or "10 mg/mL (labelled)")
    if volume is not None or not page.volume.text().strip():
        retype(qtbot, page.volume, volume or "20")
    if patient is not None or not page.patient.text():
        retype(qtbot, page.patient, patient or "T-1")
    click(qtbot, page.show_button)


def click_port(qtbot, drawing: PortDrawing, port: Port) -> None:
    qtbot.mouseClick(drawing, Qt.MouseButton.LeftButton, pos=drawing.port_centre(port).toPoint())


def label_and_port(qtbot, wizard, *, matches: bool = True) -> None:
    """Step 1 (the syringe as the pump runs it, unless a scenario or the test entered another) and step 2."""
    page = wizard.page
    assert page.step is Step.LABEL
    if wizard.workflow.syringe_label is None:
        enter_syringe(qtbot, wizard)
    click(qtbot, page.matches if matches else page.differs)
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.PORT
    click_port(qtbot, wizard.page.drawing, Port.RESERVOIR_FILL)
    assert wizard.page.picked.text() == "Needle at: the central port"
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.EMPTY


def empty(qtbot, wizard, removed: str) -> None:
    page = wizard.page
    retype(qtbot, page.removed, removed)
    click(qtbot, page.record)


def fill(qtbot, wizard, added: str, drawn_up: str | None = None) -> None:
    """Step 4: the volume drawn up to instil (as much as is added, unless said) and the volume added, recorded."""
    page = wizard.page
    assert page.step is Step.FILL
    retype(qtbot, page.drawn_up, drawn_up or added)
    retype(qtbot, page.added, added)
    click(qtbot, page.record)


def review_rows(wizard) -> dict[str, tuple[str, str]]:
    table = wizard.page.panel.table
    return {table.item(row, 0).text(): (table.item(row, 1).text(), table.item(row, 2).text())
            for row in range(table.rowCount())}


def test_a_normal_refill_from_interrogation_to_summary(qtbot, open_wizard, pump_path):
    wizard = open_wizard()
    page = wizard.page
    assert page.values["Expected reservoir volume now"].text() == (
        "3.2 mL (filled with 20 mL on 2026-01-05; 16.8 mL delivered since)"
    )
    # Nothing of what the pharmacy sent is offered: the nurse types the label, so "Matches" is read, not clicked.
    assert page.drug.currentIndex() == -1 and page.drug.placeholderText() == "choose the drug on the label"
    assert page.concentration.combo.currentIndex() == -1
    assert page.volume.text().strip() == ""
    assert page.patient.text() == "" and page.patient.placeholderText() == "as printed on the label"
    assert page.card.isHidden() and page.card_placeholder.isVisible()
    assert not page.matches.isEnabled() and not page.differs.isEnabled()
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Enter what the pharmacy sent and press Show the label."
    assert wizard.progress_labels[Step.LABEL].text() == "1. Interrogate and review\nin progress"
    enter_syringe(qtbot, wizard)
    assert page.card.isVisible()
    assert page.card.drug.text() == "MORPHINE"
    assert page.card.concentration.text() == "10 mg/mL"
    assert page.card.volume.text() == "20 mL syringe, preservative-free"
    assert page.card.patient.text() == "Patient: T-1"
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Compare the syringe label with the pump and say whether it matches."
    label_and_port(qtbot, wizard)
    assert wizard.progress_labels[Step.PORT].text() == "2. Locate the port\n✓ done"

    page = wizard.page
    assert page.expected.text() == "3.2 mL"
    assert not wizard.next_button.isEnabled()
    empty(qtbot, wizard, "3.1")
    assert page.verdict.text() == "No discrepancy: removed 3.1 mL, within 0.1 mL of expected (limit 2.436 mL)."
    assert page.verdict.property("severity") == "ok"
    assert page.ack_box.isHidden()
    click(qtbot, wizard.next_button)

    page = wizard.page
    assert page.filling.text() == "morphine 10 mg/mL, 20 mL (patient T-1)"  # the syringe from step 1
    fill(qtbot, wizard, "20")
    assert page.verdict.text() == "Reservoir filled with 20 mL of morphine 10 mg/mL (capacity 20 mL)."
    click(qtbot, wizard.next_button)

    # No concentration change: straight from the fill to the review.
    assert wizard.page.step is Step.REVIEW
    assert wizard.progress_labels[Step.DOSE].text() == "5. Concentration change\nnot needed"
    rows = review_rows(wizard)
    assert rows["Reservoir volume"] == ("3.2 mL expected (3.1 mL removed)", "20 mL added")
    assert rows["Alarm date"] == ("2026-05-05 09:00", "2026-08-25 09:00")
    assert wizard.page.second_box.isHidden()
    assert wizard.page.plot.appointment == datetime(2026, 8, 18, 9, 0)  # a week before the new alarm date
    assert wizard.page.plot.data.pending.alarm_date == datetime(2026, 8, 25, 9, 0)
    assert wizard.next_button.text() == "&Program pump"
    assert wizard.next_button.isEnabled()
    assert load_pump(pump_path).reservoir_ml == pytest.approx(3.2)  # nothing written yet

    with qtbot.waitSignal(wizard.refill_ended) as ended:
        click(qtbot, wizard.next_button)
    record = ended.args[0]
    assert record.outcome is RefillOutcome.PROGRAMMED
    assert load_pump(pump_path).reservoir_ml == 20
    finish = wizard.page
    assert finish.step is Step.FINISH
    assert finish.headline.text() == "Refill programmed and verified."
    assert finish.changes.text() == "Verified: the pump read back matches what was sent.\n• Reservoir: 3.2 mL → 20 mL"
    assert finish.values["Syringe label"] == "morphine 10 mg/mL, 20 mL"
    assert finish.values["Expected in reservoir"] == "3.2 mL"
    assert finish.values["Removed"] == "3.1 mL"
    assert finish.values["New reservoir volume"] == "20 mL"
    assert finish.values["Alarm date"] == "2026-08-25 09:00 (was 2026-05-05 09:00)"
    assert finish.values["Next refill appointment"] == "2026-08-18 09:00"
    assert not wizard.back_button.isEnabled()
    click(qtbot, wizard.next_button)  # Close
    assert not wizard.isVisible()


def test_a_scenario_hands_over_the_syringe_and_the_nurse_still_reads_its_label(qtbot, open_wizard, pump_path):
    wizard = open_wizard(MORPHINE_25)
    page = wizard.page
    assert page.entry_box.isHidden()  # nothing to enter: the scenario says what the pharmacy sent
    assert page.card.concentration.text() == "25 mg/mL"
    assert wizard.gate.text() == "Compare the syringe label with the pump and say whether it matches."
    click(qtbot, page.matches)
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.LABEL  # the label says 25 mg/mL, the pump runs 10 mg/mL
    assert page.problem.text().startswith(
        "The syringe label reads morphine 25 mg/mL but the pump runs morphine 10 mg/mL: they do not match."
    )
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    assert wizard.page.filling.text() == "morphine 25 mg/mL, 20 mL (patient T-1)"
    fill(qtbot, wizard, "20")
    assert wizard.page.verdict.text() == "Reservoir filled with 20 mL of morphine 25 mg/mL (capacity 20 mL)."
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.DOSE


def test_a_whole_refill_with_a_concentration_change_from_the_main_window(qtbot, pump_path):
    """Ctrl+Shift+F on a morphine 10 mg/mL pump; the pharmacy sent 25 mg/mL: the dose is re-checked in the new
    units, the 0.546 mL of old fluid gets a bridge bolus, and a second person must check before programming."""
    with connected(pump_path, days_later=112):
        pass  # the pump's clock 112 days on: 3.2 mL expected in the reservoir
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=lambda w: w.session and w.session.close(confirm=True))
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # a window's shortcuts work while it is active
    window.load_pump(pump_path)
    seen: dict[str, object] = {}
    failures: list[BaseException] = []
    attempts = [200]

    def refill() -> None:
        """Runs inside the modal wizard's event loop, as the nurse's clicks would."""
        wizard = QApplication.activeModalWidget()
        if not isinstance(wizard, RefillWizard):
            attempts[0] -= 1
            if attempts[0] > 0:
                QTimer.singleShot(10, refill)
            return
        try:
            walk(wizard)
        except BaseException as failure:  # reported once the modal wizard is closed
            failures.append(failure)
            wizard.workflow.abandon()
            QDialog.done(wizard, QDialog.DialogCode.Rejected)

    def walk(wizard: RefillWizard) -> None:
        enter_syringe(qtbot, wizard, concentration="25 mg/mL (labelled)")
        assert wizard.page.card.concentration.text() == "25 mg/mL"
        label_and_port(qtbot, wizard, matches=False)
        empty(qtbot, wizard, "3.1")
        click(qtbot, wizard.next_button)
        fill(qtbot, wizard, "20")
        click(qtbot, wizard.next_button)

        page = wizard.page
        assert page.step is Step.DOSE
        assert page.change_text.text() == (
            "The refill changes morphine 10 mg/mL → morphine 25 mg/mL: re-check the daily dose in the new terms."
        )
        assert page.plan.text() == (
            "Now: 1.5 mg/day = 0.15 mL/day of morphine 10 mg/mL\n"
            "Same dose with morphine 25 mg/mL: 1.5 mg/day = 0.06 mL/day"
        )
        assert not wizard.next_button.isEnabled()
        click(qtbot, page.keep)
        assert page.keep.text() == "&Keep the daily dose 1.5 mg/day: new rate 0.06 mL/day"
        assert page.bridge_rows["Volume"].text() == (
            "0.546 mL of morphine 10 mg/mL (5.46 mg): pump tubing 0.26 mL + catheter 110 cm × 0.0026 mL/cm"
        )
        assert page.bridge_rows["Duration"].text() == "3 d 15 h 22 min, until 2026-05-01 00:22"
        assert page.bridge_rows["Rate"].text() == "0.15 mL/day = 1.5 mg/day of the old 10 mg/mL"
        assert page.bridge_rows["Then"].text() == "1.5 mg/day at 0.06 mL/day of morphine 25 mg/mL"
        assert "0.6 mg/day for 9.1 days instead of 1.5 mg/day" in page.without_text.text()
        assert page.give_bridge.isChecked()
        click(qtbot, wizard.next_button)

        page = wizard.page
        assert page.step is Step.REVIEW
        rows = review_rows(wizard)
        assert rows["Bolus"][1].endswith("until 2026-05-01 00:22")  # the bridge's end, as step 5 said
        assert rows["Concentration"] == ("10 mg/mL", "25 mg/mL")
        assert rows["Daily volume"] == ("0.15 mL/day", "0.06 mL/day")
        assert rows["Days until alarm"] == ("8.0 days", "294.5 days")
        assert page.second_because.text() == "Required before programming, because concentration 10 mg/mL → 25 mg/mL."
        # Without the second person's name the pump is not programmed: Program pump stays off and says why.
        assert not wizard.next_button.isEnabled()
        assert wizard.gate.text() == (
            "Enter the name of the second person who checked the drug, concentration and dose."
        )
        click(qtbot, wizard.next_button)
        assert wizard.page.step is Step.REVIEW
        seen["before"] = load_pump(pump_path).prescription.concentration
        qtbot.keyClicks(page.second_checker, "R. Patel")
        assert wizard.next_button.isEnabled()
        click(qtbot, wizard.next_button)  # Program pump: the window's link answers off its thread
        qtbot.waitUntil(lambda: wizard.page.step is Step.FINISH)
        assert wizard.page.values["Second check"] == "R. Patel"
        assert wizard.page.values["Bridge bolus"] == (
            "0.546 mL (5.46 mg) over 3 d 15 h 22 min at 0.15 mL/day from 2026-04-27 09:00 until 2026-05-01 00:22"
        )
        seen["appointment"] = wizard.page.values["Next refill appointment"]
        click(qtbot, wizard.next_button)  # Close

    QTimer.singleShot(0, refill)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    if failures:
        raise failures[0]
    assert "before" in seen, "the refill wizard did not open on Ctrl+Shift+F"
    assert seen["before"] == Concentration(10, DrugUnit.MG)  # refused without a second checker: nothing written
    pump = load_pump(pump_path)
    assert pump.prescription.concentration == Concentration(25, DrugUnit.MG)
    assert pump.prescription.nominal_daily_dose.per_day == pytest.approx(1.5)
    assert pump.reservoir_ml == 20
    bridge = pump.prescription.bolus
    assert bridge.kind is BolusKind.BRIDGE
    assert bridge.volume_ml == pytest.approx(0.546)
    assert bridge.ml_per_day == pytest.approx(0.15)  # 1.5 mg/day of the old 10 mg/mL
    programming = [event for event in pump.events if event.kind is EventKind.PROGRAMMING][-1]
    assert programming.details.record.second_checker == "R. Patel"
    assert as_read(window.status_panel.values["concentration"].text()) == "25 mg/mL"
    # The appointment booked in the wizard is the visit's: the main window's plot shows it afterwards.
    assert seen["appointment"] == "2027-02-08 09:00"  # a week before the new alarm date, 2027-02-15 21:00
    assert window.visit.appointment == datetime(2027, 2, 8, 9, 0)
    assert window.reservoir_plot.appointment == datetime(2027, 2, 8, 9, 0)


def test_a_custom_concentration_typed_twice_differently_is_refused_at_step_1(qtbot, open_wizard):
    wizard = open_wizard()
    page = wizard.page
    choose(qtbot, page.drug, "hydromorphone (off-label)")
    entry = page.concentration
    assert [entry.combo.itemText(i) for i in range(entry.combo.count())] == ["Custom concentration…"]
    assert entry.custom_box.isVisible()  # compounded: no labelled strengths, so typed twice
    assert entry.twice_hint.text() == "Entered twice, so a misread label is caught before it reaches the pump."
    assert entry.hint.text() == "Maximum 15 mg/mL; compounded: type it from the label"
    click(qtbot, page.show_button)
    assert entry.problem.text() == "Type the concentration in mg/mL twice, from the label."
    enter_syringe(qtbot, wizard, typed=("2", "0.2"))
    assert entry.problem.text() == (
        "The two entries differ (2 mg/mL and 0.2 mg/mL): read the label again and re-enter both."
    )
    assert entry.problem.isVisible()
    assert wizard.workflow.syringe_label is None and page.card.isHidden()
    assert not wizard.next_button.isEnabled()
    retype(qtbot, entry.custom_confirm, "2")
    assert entry.problem.isHidden()  # typing again clears the refusal
    click(qtbot, page.show_button)
    assert page.card.drug.text() == "HYDROMORPHONE"
    assert page.card.concentration.text() == "2 mg/mL"
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.DOSE
    assert not wizard.page.keep.isEnabled()  # a new drug needs a new dose


def test_a_syringe_the_workflow_refuses_is_said_at_the_box(qtbot, open_wizard):
    wizard = open_wizard()
    page = wizard.page
    enter_syringe(qtbot, wizard, patient="T-2")
    assert page.entry_problem.text() == (
        "The syringe is labelled for patient T-2, but this pump is patient T-1's: do not use it; call the pharmacy."
    )
    assert page.card.isHidden()
    retype(qtbot, page.volume, "75")
    assert page.volume_field.problem.text() == "75 mL refused: a refill syringe holds at most 60 mL."
    click(qtbot, page.show_button)
    assert wizard.workflow.syringe_label is None  # a refused volume is never taken
    retype(qtbot, page.volume, "50")
    assert page.volume_field.problem.isHidden()
    enter_syringe(qtbot, wizard, patient="T-1")
    assert page.entry_problem.isHidden()
    assert page.card.volume.text() == "50 mL syringe, preservative-free"
    assert wizard.workflow.syringe_label == SyringeLabel("morphine", Concentration(10, DrugUnit.MG), 50, "T-1")


def test_changing_the_syringe_after_showing_it_asks_to_show_it_again(qtbot, open_wizard):
    wizard = open_wizard()
    page = wizard.page
    enter_syringe(qtbot, wizard)
    click(qtbot, page.matches)
    assert wizard.next_button.isEnabled()
    choose(qtbot, page.concentration.combo, "25 mg/mL (labelled)")
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "The syringe entries changed: press Show the label to see the label as entered."
    click(qtbot, page.show_button)
    assert page.card.concentration.text() == "25 mg/mL"
    assert not page.matches.isChecked()  # a new label is read afresh
    assert wizard.gate.text() == "Compare the syringe label with the pump and say whether it matches."


def test_a_flagged_discrepancy_waits_for_an_acknowledgement_that_is_logged(qtbot, open_wizard, pump_path):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    page = wizard.page
    empty(qtbot, wizard, "0.7")
    assert page.verdict.text() == (
        "Discrepancy: 2.5 mL less than expected — possible over-infusion; investigate before refilling "
        "(removed 0.7 mL, expected 3.2 mL, limit 2.436 mL)."
    )
    assert page.verdict.property("severity") == "critical"
    assert page.ack_box.isVisible()
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "The discrepancy must be acknowledged: type what you found and did (it is logged)."
    qtbot.keyClicks(page.acknowledgement, "pump and catheter checked; patient assessed for overdose")
    qtbot.keyClick(page.acknowledgement, Qt.Key.Key_Return)  # Enter in a field presses no button
    assert page.acknowledgement.text() == "pump and catheter checked; patient assessed for overdose"
    assert wizard.page is page
    assert wizard.next_button.isEnabled()
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.next_button)  # Program pump

    assert wizard.page.step is Step.FINISH
    refill = [event for event in load_pump(pump_path).events if event.kind is EventKind.REFILL][-1]
    assert refill.details.discrepancy_ml == pytest.approx(-2.5)
    assert [(item.rule, item.note) for item in refill.details.record.acknowledged] == [
        ("refill_discrepancy", "pump and catheter checked; patient assessed for overdose")
    ]
    assert wizard.page.values["Discrepancy acknowledged"] == "pump and catheter checked; patient assessed for overdose"


def test_changing_the_volume_after_recording_it_asks_to_record_again_and_enter_records_it(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    assert wizard.next_button.isEnabled()
    page = wizard.page
    retype(qtbot, page.removed, "0.7")
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Enter the volume removed and press Record volume removed."
    qtbot.keyClick(page.removed, Qt.Key.Key_Return)  # recorded, as the button does; no other button pressed
    assert wizard.page is page
    assert wizard.workflow.recorded_discrepancy.removed_ml == pytest.approx(0.7)
    assert page.verdict.text().startswith("Discrepancy: 2.5 mL less than expected — possible over-infusion")
    assert wizard.gate.text() == "The discrepancy must be acknowledged: type what you found and did (it is logged)."


def test_the_catheter_access_port_stops_the_refill_and_explains_why(qtbot, open_wizard, pump_path):
    before = pump_path.read_bytes()
    wizard = open_wizard()
    enter_syringe(qtbot, wizard)
    click(qtbot, wizard.page.matches)
    click(qtbot, wizard.next_button)
    page = wizard.page
    click_port(qtbot, page.drawing, Port.CATHETER_ACCESS)
    assert page.picked.text() == "Needle at: the side port"
    with qtbot.waitSignal(wizard.refill_ended) as ended:
        click(qtbot, wizard.next_button)
    assert page.verdict.property("severity") == "critical"
    text = page.verdict.text()
    assert text.startswith("Refill stopped: that is the catheter access port. It leads straight into the catheter")
    assert "overdose bolus of 200 mg, 133.3 times the daily dose of 1.5 mg/day" in text  # 20 mL × 10 mg/mL
    assert text.endswith(
        "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day with 3.2 mL expected in "
        "the reservoir."
    )
    assert ended.args[0].port is Port.CATHETER_ACCESS
    assert ended.args[0].outcome is RefillOutcome.STOPPED
    assert wizard.progress_labels[Step.PORT].text() == "2. Locate the port\n✗ stopped"
    assert not page.drawing.isEnabled()
    assert not wizard.abandon_button.isEnabled()
    assert not wizard.back_button.isEnabled()
    assert wizard.next_button.text() == "&Close"
    click(qtbot, wizard.next_button)
    assert not wizard.isVisible()
    assert pump_path.read_bytes() == before


def test_the_port_can_be_chosen_with_the_keyboard(qtbot, open_wizard):
    wizard = open_wizard()
    enter_syringe(qtbot, wizard)
    click(qtbot, wizard.page.matches)
    click(qtbot, wizard.next_button)
    drawing = wizard.page.drawing
    drawing.setFocus()
    assert "Highlighted: none yet" in drawing.accessibleDescription()
    qtbot.keyClick(drawing, Qt.Key.Key_Left)
    assert "Highlighted: side port" in drawing.accessibleDescription()
    qtbot.keyClick(drawing, Qt.Key.Key_Left)
    qtbot.keyClick(drawing, Qt.Key.Key_Space)
    assert drawing.picked is Port.RESERVOIR_FILL
    assert "Needle placed at: central port" in drawing.accessibleDescription()
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.EMPTY


def test_an_overfill_is_refused_at_the_field_with_the_limit(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    page = wizard.page
    assert page.added_limit.text() == "at most 20 mL: the PX-20 reservoir's capacity"
    retype(qtbot, page.added, "25")
    assert page.added_problem.text() == (
        "25 mL refused: that would overfill the PX-20, whose reservoir holds at most 20 mL."
    )
    assert page.added_problem.isVisible()
    click(qtbot, page.record)
    assert wizard.workflow.recorded_fill is None  # a refused volume is never recorded
    assert page.verdict.isHidden()
    assert page.added_problem.isVisible()
    retype(qtbot, page.added, "20")
    assert page.added_problem.isHidden()


def test_a_volume_added_unlike_the_volume_drawn_up_is_flagged_as_a_possible_pocket_fill(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    page = wizard.page
    fill(qtbot, wizard, "15", drawn_up="20")
    assert page.verdict.text().startswith(
        "Possible pocket fill: the volume that went in (15 mL) is not what was prepared (20 mL)"
    )
    assert not wizard.next_button.isEnabled()
    qtbot.keyClicks(page.acknowledgement, "needle re-seated in the septum; 5 mL returned to the syringe")
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.REVIEW


def test_abandoning_mid_way_leaves_the_pump_file_byte_identical(qtbot, open_wizard, pump_path, dialogs):
    before = pump_path.read_bytes()
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.FILL

    dialogs.answer("confirmReject")  # "Continue the refill": nothing ends
    click(qtbot, wizard.abandon_button)
    assert wizard.workflow.outcome is RefillOutcome.IN_PROGRESS
    statement = (
        "Nothing was written to the pump: it still runs morphine 10 mg/mL at 1.5 mg/day and expects 3.2 mL in its "
        "reservoir, but the reservoir was emptied (3.1 mL removed): refill it or the pump will run dry, and its "
        "low-reservoir alarm will not warn, as it is calculated from the volume the pump expects."
    )
    assert statement[1:] in dialogs.seen[-1]

    dialogs.answer("confirmAccept")
    with qtbot.waitSignal(wizard.refill_ended) as ended:
        click(qtbot, wizard.abandon_button)
    assert ended.args[0].outcome is RefillOutcome.ABANDONED
    assert wizard.page.step is Step.FINISH
    assert wizard.page.headline.text() == f"Refill abandoned. {statement}"
    assert wizard.page.changes.text() == "Nothing was written to the pump."
    assert wizard.progress_labels[Step.FILL].text() == "4. Fill\n✗ abandoned here"
    assert wizard.progress_labels[Step.REVIEW].text() == "6. Review and program\nnot done"
    assert pump_path.read_bytes() == before


def test_closing_the_window_asks_before_abandoning(qtbot, open_wizard, pump_path, dialogs):
    before = pump_path.read_bytes()
    wizard = open_wizard()
    dialogs.answer("confirmReject")
    wizard.close()
    assert wizard.isVisible()
    assert "with 3.2 mL expected in the reservoir" in dialogs.seen[-1]
    dialogs.answer("confirmAccept")
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    assert not wizard.isVisible()
    assert wizard.workflow.outcome is RefillOutcome.ABANDONED
    assert pump_path.read_bytes() == before


def test_back_and_forward_keep_what_was_entered(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.back_button)
    assert wizard.page.step is Step.EMPTY
    assert wizard.page.removed.value() == pytest.approx(3.1)
    click(qtbot, wizard.back_button)
    assert wizard.page.step is Step.PORT
    assert not wizard.page.drawing.isEnabled()  # the needle is in the reservoir fill port
    click(qtbot, wizard.back_button)
    page = wizard.page
    assert page.step is Step.LABEL
    assert not page.entry_box.isEnabled()  # the syringe is the one the needle is in
    assert page.entry_problem.text() == "The needle is in place: the syringe cannot change now."
    assert page.matches.isChecked()
    for _ in range(3):
        click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.FILL


def test_a_changed_dose_is_refused_above_the_hard_limit_and_taken_on_enter(qtbot, open_wizard):
    wizard = open_wizard(MORPHINE_25)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    page = wizard.page
    retype(qtbot, page.dose, "45")
    assert page.dose_problem.text() == "45 mg/day refused: the hard limit for morphine is 30 mg/day."
    retype(qtbot, page.dose, "2")
    assert page.dose_problem.isHidden()
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Press Enter or Tab to enter the daily dose typed."
    qtbot.keyClick(page.dose, Qt.Key.Key_Return)
    assert wizard.page is page  # Enter took the dose and pressed nothing
    assert page.change.isChecked()
    assert page.bridge_rows["Rate"].text() == "0.2 mL/day = 2 mg/day of the old 10 mg/mL"
    click(qtbot, wizard.next_button)
    assert wizard.page.second_because.text() == (
        "Required before programming, because concentration 10 mg/mL → 25 mg/mL; daily dose 1.5 mg/day → 2 mg/day."
    )
    assert wizard.page.panel.dose_change.text() == "+33.3 %"


def test_a_booked_appointment_after_the_alarm_date_is_warned(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    plot = wizard.page.plot
    assert plot.warning.isHidden()
    plot.set_appointment(datetime(2026, 8, 25, 9, 0) + timedelta(days=7))
    assert plot.warning.text().startswith(
        "Warning: Refill appointment Tue 2026-09-01 09:00 is 7.0 days after the low-reservoir alarm date"
    )
    assert wizard.workflow.record.appointment_warning.startswith("Refill appointment Tue 2026-09-01 09:00")


def test_every_interactive_widget_is_named_for_tests_and_screen_readers(qtbot, open_wizard):
    wizard = open_wizard()
    enter_syringe(qtbot, wizard, concentration="25 mg/mL (labelled)")
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.page.keep)
    click(qtbot, wizard.next_button)
    kinds = (QAbstractButton, QLineEdit, QAbstractSpinBox, QComboBox, PortDrawing)
    unnamed = []
    checked = 0
    for widget in wizard.findChildren(QWidget):
        if not isinstance(widget, kinds):
            continue
        if widget.objectName().startswith("qt_") or isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
            continue  # the parts Qt builds inside a spin box or combo box
        checked += 1
        if not widget.objectName() or not widget.accessibleName():
            unnamed.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    assert unnamed == []
    assert checked >= 32  # every page's buttons, fields and choices (step 1's syringe entry too), the plot's


def test_a_lost_link_is_said_on_the_review_page_and_nothing_is_written(qtbot, open_wizard, session, pump_path):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    before = pump_path.read_bytes()
    session.faults.lose_link_mid_program = True
    click(qtbot, wizard.next_button)  # Program pump
    assert wizard.page.step is Step.REVIEW
    assert wizard.page.error.text() == (
        "Not programmed: link lost during programming: the pump kept its previous program."
    )
    assert pump_path.read_bytes() == before
    session.faults.lose_link_mid_program = False
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.FINISH


# --- what a nurse walk-through found ----------------------------------------------------------------------------------


def test_show_the_label_with_nothing_typed_names_what_the_label_must_give(qtbot, open_wizard):
    wizard = open_wizard()
    page = wizard.page
    click(qtbot, page.show_button)
    assert page.entry_problem.text() == (
        "Type the drug, its concentration, the syringe volume and the patient ID as printed on the syringe label."
    )
    assert wizard.workflow.syringe_label is None and page.card.isHidden()
    choose(qtbot, page.drug, "morphine")
    assert page.concentration.combo.currentIndex() == -1  # the strength is read off the label too
    assert page.concentration.combo.placeholderText() == "as printed on the label"


def test_once_the_alarm_fired_step_one_says_when_and_how_long_ago(qtbot, pump_path):
    with connected(pump_path, days_later=122) as session:  # the 2 mL alarm fired on 2026-05-05 09:00
        wizard = RefillWizard(RefillWorkflow(session))
        qtbot.addWidget(wizard, before_close_func=end_quietly)
        assert wizard.page.values["Alarm date"].text() == "2026-05-05 09:00 (fired 2 d ago)"
        end_quietly(wizard)


def test_the_port_drawing_rings_no_port_before_the_nurse_chooses(qtbot, open_wizard):
    wizard = open_wizard()
    enter_syringe(qtbot, wizard)
    click(qtbot, wizard.page.matches)
    click(qtbot, wizard.next_button)
    drawing = wizard.page.drawing
    drawing.setFocus()
    qtbot.waitUntil(drawing.hasFocus)
    assert drawing.ring(Port.RESERVOIR_FILL) is None and drawing.ring(Port.CATHETER_ACCESS) is None
    qtbot.keyClick(drawing, Qt.Key.Key_Right)  # the nurse moves: now the keyboard's place is ringed
    assert drawing.ring(Port.RESERVOIR_FILL)[2] is Qt.PenStyle.DashLine


@pytest.mark.parametrize(
    ("removed", "example"),
    [
        ("0.7", "patient assessed for overdose (drowsiness, slow breathing, small pupils)"),  # 2.5 mL less
        ("6", "patient assessed for withdrawal (pain or spasticity returning, itching, agitation, fever)"),  # 2.8 more
    ],
)
def test_the_acknowledgement_example_points_the_way_the_discrepancy_does(qtbot, open_wizard, removed, example):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, removed)
    assert example in wizard.page.acknowledgement.placeholderText()


def test_a_partial_fill_is_typed_as_drawn_up_and_is_no_pocket_fill(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    page = wizard.page
    assert page.drawn_up.text().strip() == "" and page.added.text().strip() == ""  # nothing offered
    assert page.drawn_up_hint.text() == "read on the syringe before filling (the pharmacy syringe holds 20 mL)"
    retype(qtbot, page.added, "14", enter=True)  # Enter in the last volume records, as Record does
    assert page.problem.text() == "Type the volume drawn up to instil, as read on the syringe."
    assert wizard.workflow.recorded_fill is None
    fill(qtbot, wizard, "14")  # 14 of the 20 mL syringe drawn up, 14 mL put in
    assert page.verdict.text() == "Reservoir filled with 14 mL of morphine 10 mg/mL (capacity 20 mL)."
    assert page.ack_box.isHidden()
    fill(qtbot, wizard, "15", drawn_up="20")
    assert page.ack_box.isVisible()
    assert "patient watched for overdose signs (drowsiness, slow breathing" in page.acknowledgement.placeholderText()


def test_the_dose_field_starts_at_the_current_dose_and_its_line_follows_the_field(qtbot, open_wizard):
    wizard = open_wizard(MORPHINE_25)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    page = wizard.page
    assert page.dose.text() == "1.5 mg/day"  # the current dose, not 0
    retype(qtbot, page.dose, "45", enter=True)
    assert page.dose.text() == "1.5 mg/day"  # refused, back to the last dose taken
    assert page.dose_problem.text() == (
        "45 mg/day refused: the hard limit for morphine is 30 mg/day. The field is back to 1.5 mg/day."
    )
    assert wizard.gate.text() == "Choose to keep the daily dose or change it."
    click(qtbot, page.change)
    assert wizard.next_button.isEnabled()  # changed to 1.5 mg/day at 25 mg/mL, as the field shows
    assert wizard.workflow.new_prescription().daily_dose.per_day == pytest.approx(1.5)


def test_the_review_asks_the_reason_for_a_titration_rule_and_shows_when_the_bridge_ends(qtbot, open_wizard):
    """1.5 → 3 mg/day (+100 % in 24 h) is no soft limit: the titration rules need the reason."""
    wizard = open_wizard(MORPHINE_25)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    retype(qtbot, wizard.page.dose, "3", enter=True)
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.REVIEW
    assert wizard.gate.text() == "Type the reason for the findings marked Reason required to enable programming."
    assert review_rows(wizard)["Bolus"] == (
        "none",
        "0.546 mL (5.46 mg) over 1 d 19 h 41 min at 0.3 mL/day from 2026-04-27 09:00 until 2026-04-29 04:41",
    )
