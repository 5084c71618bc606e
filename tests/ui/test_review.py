"""The Finish screen on a real session: side by side, % change, alarm date, findings, and the Program gate."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.review_panel import ReviewPanel
from tests.helpers import as_read

MORPHINE_10 = Concentration(10, DrugUnit.MG)


@pytest.fixture
def session(pump_path):
    session = ProgrammingSession(pump_path)
    session.connect()  # the demo pump: morphine 10 mg/mL, 1.5 mg/day, 16.994 mL on 2026-11-21 09:00
    yield session
    session.close(confirm=True)


@pytest.fixture
def panel(qtbot):
    widget = ReviewPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def review_with_dose(session, mg_per_day: float):
    dose = DoseRate(mg_per_day, DrugUnit.MG)
    session.edit(prescription=Prescription.simple_continuous("morphine", MORPHINE_10, dose))
    return session.review()


def table(panel) -> dict[str, tuple[str, str, str]]:
    rows = {}
    for row in range(panel.table.rowCount()):
        cells = [panel.table.item(row, column).text() for column in range(4)]
        rows[cells[0]] = tuple(cells[1:])
    return rows


def test_old_and_new_side_by_side_with_the_change_marked_in_words(session, panel):
    panel.show_review(review_with_dose(session, 2))
    rows = table(panel)
    headers = [panel.table.horizontalHeaderItem(column).text() for column in range(panel.table.columnCount())]
    assert headers == ["Setting", "On the pump now", "New program", "Changed"]  # no unnamed column
    assert rows["Daily dose"] == ("1.5 mg/day (0.0625 mg/h)", "2 mg/day (0.08333 mg/h)", "yes")
    assert rows["Daily volume"] == ("0.15 mL/day", "0.2 mL/day", "yes")
    assert rows["Concentration"] == ("10 mg/mL", "10 mg/mL", "")
    assert rows["Alarm date"] == ("2027-03-01 08:00", "2027-02-04 08:15", "yes")
    assert panel.dose_change.text() == "+33.3 %"
    assert panel.new_volume.text() == "0.2 mL/day (now 0.15 mL/day)"
    assert panel.new_alarm.text() == "2027-02-04 08:15 (now 2027-03-01 08:00)"
    assert panel.program.isEnabled()
    assert panel.reason_box.isHidden()


def test_program_pump_forwards_the_click(qtbot, session, panel):
    panel.show_review(review_with_dose(session, 2))
    with qtbot.waitSignal(panel.program_requested) as signal:
        qtbot.mouseClick(panel.program, Qt.MouseButton.LeftButton)
    assert signal.args == [""]


def test_a_dose_above_the_hard_limit_cannot_be_programmed(session, panel):
    panel.show_review(review_with_dose(session, 40))
    texts = [as_read(label.text()) for label in panel.finding_labels]
    hard = [text for text in texts if "hard limit" in text and text.startswith("Not allowed")]
    assert hard == [
        "Not allowed: daily dose 40 mg/day is above the morphine hard limit of 30 mg/day: "
        "it cannot be programmed — blocks programming"
    ]
    assert panel.finding_labels[texts.index(hard[0])].property("severity") == "critical"
    assert not panel.program.isEnabled()
    assert panel.gate.text().startswith("Cannot program")


def test_a_soft_limit_dose_needs_a_reason_before_programming(qtbot, session, panel):
    panel.show_review(review_with_dose(session, 20))
    texts = [as_read(label.text()) for label in panel.finding_labels]
    soft = "Reason required: daily dose 20 mg/day is above the morphine soft limit"
    assert any(text.startswith(soft) for text in texts)
    assert panel.reason_box.isVisible()
    assert not panel.program.isEnabled()
    assert "reason" in panel.gate.text()
    qtbot.keyClicks(panel.reason, "agreed with the pain team")
    assert panel.program.isEnabled()
    with qtbot.waitSignal(panel.program_requested) as signal:
        panel.program.click()
    assert signal.args == ["agreed with the pain team"]


def test_an_entry_the_editor_refuses_keeps_program_off(session, panel):
    problem = "Fix the concentration entry above before reviewing."
    panel.show_review(review_with_dose(session, 2), editor_problem=problem)
    assert not panel.program.isEnabled()
    assert "Fix the prescription first" in panel.gate.text()


def test_nothing_pending_nothing_to_program(session, panel):
    panel.show_review(session.review())
    assert not panel.program.isEnabled()
    assert panel.gate.text() == "Nothing to program: no changes are pending."


def test_verified_read_back_and_errors_are_said_plainly(session, panel):
    panel.show_review(review_with_dose(session, 2))
    result = session.program()
    panel.show_result(result.changes)
    assert panel.result.text() == "Verified: pump read back matches the program.\n• Daily dose: 1.5 mg/day → 2 mg/day"
    panel.show_error("link lost during programming: the pump kept its previous program")
    assert panel.result.text() == "Not programmed: link lost during programming: the pump kept its previous program"
    assert panel.result.property("severity") == "critical"
