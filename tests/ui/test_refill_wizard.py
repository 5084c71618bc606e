"""The refill wizard walked as a nurse walks it: clicks and typing, step by step, on a real pump file.

The pump: PX-20 (20 mL), morphine 10 mg/mL at 1.5 mg/day, filled with 20 mL on 2026-01-05 and run
112 days: 3.2 mL are expected in the reservoir on 2026-04-27 09:00 (limit for a discrepancy 2.436 mL).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit, QRadioButton, QWidget

from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.session.refill_workflow import Port, RefillOutcome, Step, SyringeLabel
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import Concentration, DrugUnit
from programmer.ui.port_drawing import PortDrawing
from programmer.ui.refill_wizard import RefillWizard
from tests.helpers import connected, morphine_pump

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
        wizard = RefillWizard(session, syringe_label=label)
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


def retype(qtbot, box, text: str) -> None:
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)


def click_port(qtbot, drawing: PortDrawing, port: Port) -> None:
    qtbot.mouseClick(drawing, Qt.MouseButton.LeftButton, pos=drawing.port_centre(port).toPoint())


def label_and_port(qtbot, wizard, *, matches: bool = True) -> None:
    page = wizard.page
    assert page.step is Step.LABEL
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


def fill(qtbot, wizard, added: str, *, concentration_down: int = 0) -> None:
    page = wizard.page
    assert page.step is Step.FILL
    for _ in range(concentration_down):
        page.concentration.setFocus()
        qtbot.keyClick(page.concentration, Qt.Key.Key_Down)
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
    assert page.card.concentration.text() == "10 mg/mL"
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Compare the syringe label with the pump and say whether it matches."
    assert wizard.progress_labels[Step.LABEL].text() == "1. Interrogate and review\nin progress"
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
    assert page.drug.currentText() == "morphine"
    assert page.concentration.currentText() == "10 mg/mL (labelled)"
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
    assert finish.values["Expected in reservoir"] == "3.2 mL"
    assert finish.values["Removed"] == "3.1 mL"
    assert finish.values["New reservoir volume"] == "20 mL"
    assert finish.values["Alarm date"] == "2026-08-25 09:00 (was 2026-05-05 09:00)"
    assert finish.values["Next refill appointment"] == "2026-08-18 09:00"
    assert not wizard.back_button.isEnabled()
    click(qtbot, wizard.next_button)  # Close
    assert not wizard.isVisible()


def test_a_concentration_change_keeps_the_dose_with_a_bridge_bolus_and_a_second_check(qtbot, open_wizard, pump_path):
    wizard = open_wizard(MORPHINE_25)
    assert wizard.page.card.concentration.text() == "25 mg/mL"
    click(qtbot, wizard.page.matches)
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.LABEL  # the label says 25 mg/mL, the pump runs 10 mg/mL
    assert wizard.page.problem.text().startswith(
        "The syringe label reads morphine 25 mg/mL but the pump runs morphine 10 mg/mL: they do not match."
    )
    wizard.page.matches.setChecked(False)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20", concentration_down=1)
    assert wizard.page.concentration.currentText() == "25 mg/mL (labelled)"
    click(qtbot, wizard.next_button)

    page = wizard.page
    assert page.step is Step.DOSE
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
    assert page.bridge_rows["Duration"].text() == "3 d 15 h 22 min, until 2026-05-01 00:21"
    assert page.bridge_rows["Rate"].text() == "0.15 mL/day = 1.5 mg/day of the old 10 mg/mL"
    assert page.bridge_rows["Then"].text() == "1.5 mg/day at 0.06 mL/day of morphine 25 mg/mL"
    assert "0.6 mg/day for 9.1 days instead of 1.5 mg/day" in page.without_text.text()
    assert page.give_bridge.isChecked()
    click(qtbot, wizard.next_button)

    page = wizard.page
    rows = review_rows(wizard)
    assert rows["Concentration"] == ("10 mg/mL", "25 mg/mL")
    assert rows["Daily volume"] == ("0.15 mL/day", "0.06 mL/day")
    assert rows["Days until alarm"] == ("8.0 days", "294.5 days")
    assert page.plot.horizon_days == 365  # the new alarm date is on the plot
    assert page.second_box.isVisible()
    assert page.second_because.text() == "Required before programming, because concentration 10 mg/mL → 25 mg/mL."
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Enter the name of the second person who checked the drug, concentration and dose."
    qtbot.keyClicks(page.second_checker, "R. Patel")
    assert wizard.next_button.isEnabled()
    click(qtbot, wizard.next_button)

    assert wizard.page.step is Step.FINISH
    pump = load_pump(pump_path)
    assert pump.prescription.concentration == Concentration(25, DrugUnit.MG)
    assert pump.prescription.bolus.kind is BolusKind.BRIDGE
    assert pump.prescription.bolus.volume_ml == pytest.approx(0.546)
    note = [event for event in pump.events if event.kind is EventKind.PROGRAMMING][-1].details["note"]
    assert note == "second check: R. Patel"
    assert wizard.page.values["Second check"] == "R. Patel"
    assert wizard.page.values["Bridge bolus"].startswith("0.546 mL (5.46 mg) over 3 d 15 h 22 min")


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
    assert wizard.next_button.isEnabled()
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20")
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.next_button)  # Program pump

    assert wizard.page.step is Step.FINISH
    events = load_pump(pump_path).events
    refill = [event for event in events if event.kind is EventKind.REFILL][-1]
    assert refill.details["discrepancy_ml"] == pytest.approx(-2.5)
    note = [event for event in events if event.kind is EventKind.PROGRAMMING][-1].details["note"]
    assert note.endswith("acknowledged: pump and catheter checked; patient assessed for overdose")
    assert wizard.page.values["Discrepancy acknowledged"] == "pump and catheter checked; patient assessed for overdose"


def test_changing_the_volume_after_recording_it_asks_to_record_again(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    assert wizard.next_button.isEnabled()
    retype(qtbot, wizard.page.removed, "0.7")
    assert not wizard.next_button.isEnabled()
    assert wizard.gate.text() == "Enter the volume removed and press Record volume removed."


def test_the_catheter_access_port_stops_the_refill_and_explains_why(qtbot, open_wizard, pump_path):
    before = pump_path.read_bytes()
    wizard = open_wizard()
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
    assert "overdose bolus of 200 mg, 133.3 times the daily dose of 1.5 mg/day" in text
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
    click(qtbot, wizard.page.matches)
    click(qtbot, wizard.next_button)
    drawing = wizard.page.drawing
    drawing.setFocus()
    qtbot.keyClick(drawing, Qt.Key.Key_Right)
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
    assert page.added.value() == 2  # the "5" that would make 25 mL was refused
    assert page.added_problem.text() == (
        "25 mL refused: that would overfill the PX-20, whose reservoir holds at most 20 mL."
    )
    assert page.added_problem.isVisible()
    retype(qtbot, page.added, "20")
    assert page.added_problem.isHidden()


def test_a_volume_added_unlike_the_syringe_prepared_is_flagged_as_a_possible_pocket_fill(qtbot, open_wizard):
    wizard = open_wizard()
    label_and_port(qtbot, wizard)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    page = wizard.page
    assert page.prepared.value() == 20  # from the syringe label
    fill(qtbot, wizard, "15")
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
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.FILL


def test_a_soft_limit_dose_needs_a_reason_on_the_review_page(qtbot, open_wizard, pump_path):
    wizard = open_wizard(MORPHINE_25)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20", concentration_down=1)
    click(qtbot, wizard.next_button)
    page = wizard.page
    retype(qtbot, page.dose, "45")
    assert page.dose_problem.text() == "45 mg/day refused: the hard limit for morphine is 30 mg/day."
    retype(qtbot, page.dose, "2")
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
    wizard = open_wizard(MORPHINE_25)
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    fill(qtbot, wizard, "20", concentration_down=1)
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
    assert checked >= 25  # every page's buttons, fields and choices, the review panel's and the plot's


def test_a_fill_that_does_not_match_the_label_or_its_own_second_entry_is_refused(qtbot, open_wizard):
    wizard = open_wizard(SyringeLabel("hydromorphone", Concentration(2, DrugUnit.MG), 20, "T-1"))
    label_and_port(qtbot, wizard, matches=False)
    empty(qtbot, wizard, "3.1")
    click(qtbot, wizard.next_button)
    page = wizard.page
    fill(qtbot, wizard, "20")  # still morphine 10 mg/mL, as the pump runs
    assert page.problem.text() == (
        "The syringe label reads hydromorphone 2 mg/mL, but morphine 10 mg/mL was entered: read the label again."
    )
    assert not wizard.next_button.isEnabled()
    page.drug.setCurrentIndex(page.drug.findData("hydromorphone"))
    assert page.drug.currentText() == "hydromorphone (off-label)"
    assert page.custom_box.isVisible()  # compounded: no labelled strengths, so typed twice
    qtbot.keyClicks(page.custom_entry, "2")
    qtbot.keyClicks(page.custom_confirm, "0.2")
    click(qtbot, page.record)
    assert page.problem.text() == (
        "The two entries differ (2 mg/mL and 0.2 mg/mL): read the label again and re-enter both."
    )
    retype(qtbot, page.custom_confirm, "2")
    click(qtbot, page.record)
    assert page.problem.isHidden()
    click(qtbot, wizard.next_button)
    assert wizard.page.step is Step.DOSE
    assert not wizard.page.keep.isEnabled()  # a new drug needs a new dose


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
