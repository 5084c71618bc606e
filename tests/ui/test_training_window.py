"""A whole scenario through the window, as a trainee and an instructor would: the chooser, the prebrief,
the work on the normal screens with a planted fault, the debrief, the instructor panel and the records."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QMessageBox, QPushButton, QRadioButton, QScrollArea, QToolButton

from programmer.pump.pumpfile import load_pump
from programmer.session.refill.steps import Port
from programmer.therapy.units import DoseRate, DrugUnit
from programmer.training.debrief import build_debrief
from programmer.training.engine import Mode
from programmer.training.library import scenario_library
from programmer.training.recording import HintGiven
from programmer.training.records import TrainingRecords
from programmer.ui.main_window import EDITOR_TAB, REVIEW_TAB
from programmer.ui.training.chooser import PrebriefDialog, ScenarioChooser
from programmer.ui.training.debrief_view import DebriefDialog, write_debrief_pdf
from programmer.ui.training.instructor import InstructorPanel, RecordsView
from programmer.ui.training.pin_dialog import PinDialog
from tests.ui.conftest import shown_window, title_shown, when_shown

CTRL = Qt.KeyboardModifier.ControlModifier
SCENARIO = "13-unfinished-session"


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot, size=(1600, 900))


def choose(dialog: ScenarioChooser, trainee: str, mode: Mode = Mode.PRACTICE) -> str:
    """Pick the scenario, name the trainee and the mode, go on; what the chooser showed of the scenario."""
    ids = [scenario.id for scenario in dialog.library.scenarios]
    dialog.list.setCurrentRow(ids.index(SCENARIO))
    shown = dialog.details.toPlainText()
    dialog.trainee_edit.setText(trainee)
    (dialog.assessment if mode is Mode.ASSESSMENT else dialog.practice).setChecked(True)
    dialog.start_button.click()
    return shown


def begin(qtbot, window, timers, trainee: str = "Ana Ruiz", mode: Mode = Mode.PRACTICE) -> dict[str, str]:
    seen = {}

    def read_prebrief(dialog: PrebriefDialog) -> None:
        seen["prebrief"] = dialog.body.toPlainText()
        dialog.begin_button.click()

    when_shown(ScenarioChooser, lambda dialog: seen.setdefault("chooser", choose(dialog, trainee, mode)), timers)
    when_shown(PrebriefDialog, read_prebrief, timers)
    assert window.training.choose()
    window.wait_for_pump()
    return seen


def toolbar(qtbot, window, name: str) -> None:
    """A click on the session toolbar (Interrogate, Review changes …), then the pump's answer."""
    qtbot.mouseClick(window.findChild(QToolButton, f"{name}ToolButton"), Qt.MouseButton.LeftButton)
    window.wait_for_pump()


def restart_at_200(qtbot, window) -> None:
    window.tabs.setCurrentIndex(EDITOR_TAB)
    editor = window.editor
    editor.mode.setCurrentIndex(editor.mode.findText("Simple continuous"))
    dose = editor.dose
    qtbot.mouseClick(dose.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(dose, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dose, "200")
    qtbot.keyClick(dose, Qt.Key.Key_Return)
    toolbar(qtbot, window, "review")
    assert window.tabs.currentIndex() == REVIEW_TAB
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()


def test_a_whole_scenario_prebrief_work_with_a_planted_fault_and_the_debrief(qtbot, window, timers, tmp_path):
    seen = begin(qtbot, window, timers)
    assert "Never end a session with the pump stopped" in seen["chooser"]  # objectives, no answer keys
    assert "Mr K. Osei" in seen["prebrief"] and "baclofen 500 mcg/mL, 200 mcg/day" in seen["prebrief"]
    attempt = window.training.attempt
    panel = window.training.panel
    assert window.training.panel.isVisible() and window.header.link.text() == "connected"
    assert window.session.current.serial == "PX20-TR-0113"
    assert any("legs jerk" in text for text in panel.room.texts())  # the cue when the visit opened
    assert panel.checklist_group.isVisible()

    restart_at_200(qtbot, window)  # the planted fault: the link drops while programming
    assert window.review_panel.result.text().startswith("Not programmed: link lost during programming")
    assert any("only an interrogation can say" in text.lower() for text in panel.hints.texts())
    toolbar(qtbot, window, "interrogate")  # again, as the hint says
    toolbar(qtbot, window, "review")
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert window.review_panel.result.text().startswith("Verified")
    assert load_pump(attempt.pump_path).prescription.daily_dose == DoseRate(200, DrugUnit.MCG)
    assert any(text.startswith("✓") and "200 mcg/day" in text for text in panel.checklist.texts())

    debriefs = []
    when_shown(QMessageBox, lambda box: box.findChild(QPushButton, "confirmAccept").click(), timers)  # End it?
    when_shown(DebriefDialog, lambda dialog: (debriefs.append(dialog.debrief), dialog.body.toPlainText(),
                                              dialog.reject()), timers)
    window.training.end_attempt()
    qtbot.waitUntil(lambda: bool(debriefs))
    debrief = debriefs[0]
    assert debrief.status == "passed" and debrief.trainee == "Ana Ruiz", debrief.plain_text()
    assert {action.key for action in debrief.critical if action.state == "met"} >= {"not-stopped",
                                                                                  "interrogate-after-link"}
    assert any("lost-link" in fault for fault in debrief.faults)
    assert not window.training.panel.isVisible()
    pages = write_debrief_pdf(debrief, tmp_path / "debrief.pdf")
    assert pages >= 1 and (tmp_path / "debrief.pdf").read_bytes().startswith(b"%PDF")

    records = TrainingRecords()
    row = records.attempts(trainee="ana ruiz")[0]
    assert (row.scenario, row.status) == (SCENARIO, "passed")
    assert build_debrief(records.recording(row.id), row.id).verdict() == debrief.verdict()  # rebuilt alike


def test_closing_with_the_pump_stopped_fails_on_the_critical_action_in_assessment_mode(qtbot, window, timers):
    begin(qtbot, window, timers, trainee="Ben", mode=Mode.ASSESSMENT)
    panel = window.training.panel
    assert not panel.checklist_group.isVisible() and not panel.hint_button.isVisible()
    debriefs = []
    when_shown(DebriefDialog, lambda dialog: (debriefs.append(dialog.debrief), dialog.reject()), timers)
    window.training.attempt.end(by="trainee")
    qtbot.waitUntil(lambda: bool(debriefs))
    assert debriefs[0].status == "failed"
    assert "not-stopped" in {action.key for action in debriefs[0].missed_critical}


def test_the_instructor_panel_and_records_need_the_pin(qtbot, window, timers):
    begin(qtbot, window, timers)
    attempt = window.training.attempt
    refused = []

    def wrong_then_cancel(dialog: PinDialog) -> None:
        dialog.entry.setText("1234")
        dialog.again.setText("1243")  # first use: the two differ
        dialog._check()
        refused.append(dialog.problem.text())
        dialog.reject()

    when_shown(PinDialog, wrong_then_cancel, timers)
    window.training.instructor()
    assert refused == ["The two PINs differ: type the same PIN twice."]
    assert not window.training.pin.is_set

    def set_pin(dialog: PinDialog) -> None:
        dialog.entry.setText("2468")
        dialog.again.setText("2468")
        dialog._check()

    steered = {}

    def steer(panel: InstructorPanel) -> None:
        panel.pause_button.click()
        steered["paused"] = attempt.paused
        panel.pause_button.click()
        panel.reveal_button.click()
        steered["truth"] = [panel.truth.item(row).text() for row in range(panel.truth.count())]
        panel.hint_edit.setText("Check the mode first.")
        panel.hint_button.click()
        panel.faults.setCurrentIndex(panel.faults.findData("slow_link"))
        panel.inject_button.click()
        panel.reject()

    when_shown(PinDialog, set_pin, timers)
    when_shown(InstructorPanel, steer, timers)
    window.training.instructor()
    assert steered["paused"] is True and not attempt.paused
    assert any("planted fault lost-link" in line for line in steered["truth"])
    assert "Check the mode first." in window.training.panel.hints.texts()
    assert window.training.pin.is_set

    opened = []

    def read_records(view: RecordsView) -> None:
        view.trainee.setText("ana ruiz")
        opened.append((view.table.rowCount(), view.table.item(0, 7).text(), view.csv_text()))
        view.reject()

    when_shown(PinDialog, lambda dialog: (dialog.entry.setText("2468"), dialog._check()), timers)
    when_shown(RecordsView, read_records, timers)
    window.training.show_records()
    rows, status, csv_text = opened[0]
    assert rows == 1 and status == "incomplete"  # still running: recorded as it goes
    assert SCENARIO in csv_text


def test_the_library_offers_every_scenario_that_checks():
    library = scenario_library()
    assert not library.broken, library.broken
    assert SCENARIO in {scenario.id for scenario in library.scenarios}


def test_a_refill_in_a_scenario_starts_from_the_pharmacys_syringe_and_shows_what_comes_out(qtbot, window):
    library = scenario_library()
    window.training.begin(library.find("05-suspected-pocket-fill"), "Cy", Mode.ASSESSMENT)
    window.wait_for_pump()
    attempt = window.training.attempt
    workflow = window.visit.start_refill(window.training.syringe())
    assert workflow.syringe_label == attempt.syringe
    assert (workflow.syringe_label.drug, workflow.syringe_label.volume_ml) == ("morphine", 20)
    workflow.confirm_label(True)
    workflow.choose_port(Port.RESERVOIR_FILL)
    panel = window.training.panel
    assert "the syringe now holds 5 mL of the old drug" in panel.room.texts()[-1]  # in assessment mode too


@pytest.fixture
def window_1280(qtbot):
    """The window at the size a clinic's laptop gives it (the walk-through's)."""
    return shown_window(qtbot)


def values_under_their_labels(window) -> list[str]:
    """The status values a narrow column put on the line below their label (QFormLayout.WrapLongRows)."""
    under = []
    for form in window.status_panel.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            value = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if value.geometry().top() >= label.geometry().bottom():
                under.append(label.widget().text())
    return under


def test_at_1280x800_the_scenario_panel_leaves_the_clock_bar_and_the_status_column_whole(qtbot, window_1280):
    """Walk-through finding: beside the screens, the panel pushed the clock bar's Advance off to a scroll bar, put
    status values under their labels, cut off "Pump and catheter", kept an empty "In the room" box and marked the
    actions not done yet with "…"."""
    window = window_1280
    window.training.begin(scenario_library().find("01-routine-refill"), "Ana Ruiz", Mode.PRACTICE)
    window.wait_for_pump()
    qtbot.waitUntil(lambda: window.training.panel.isVisible())
    panel = window.training.panel
    clock = window.clock_scroll
    assert not clock.horizontalScrollBar().isVisible()
    assert window.clock_panel.advance_to_button.geometry().right() < clock.viewport().width()  # Advance shows
    assert values_under_their_labels(window) == []
    column = window.status_panel.parentWidget().parentWidget()
    assert isinstance(column, QScrollArea) and column.verticalScrollBar().maximum() == 0  # Pump and catheter whole
    assert panel.geometry().right() < window.width() and panel.width() <= window.width() // 4  # 251 px here
    assert not panel.room_group.isVisible()  # nothing has happened in the room yet
    lines, spoken = panel.checklist.texts(), panel.checklist.spoken()
    assert lines[0] == "☐ Needle placed in the reservoir fill port (critical)"
    assert spoken[0] == "not done yet: Needle placed in the reservoir fill port (critical)"
    assert all(line.startswith("☐ ") for line in lines) and len(lines) == 7
    content = panel.checklist.widget()
    assert all(label.height() >= label.heightForWidth(label.width()) for label in content.findChildren(QLabel))
    window.training.attempt.end(by="reset")
    assert not panel.isVisible() and not clock.horizontalScrollBar().isVisible()


def test_the_trainee_s_own_hint_is_hers_in_the_record_and_the_debrief(qtbot, window, timers):
    """Walk-through finding: the attempt panel's "Ask for a hint" was logged as given by the instructor."""
    begin(qtbot, window, timers)
    attempt, panel = window.training.attempt, window.training.panel
    qtbot.mouseClick(panel.hint_button, Qt.MouseButton.LeftButton)
    asked = [entry for entry in attempt.recording if isinstance(entry.what, HintGiven)][-1]
    assert (asked.who, asked.what.by) == ("trainee", "trainee")
    assert panel.hints.texts()[-1] == asked.what.hint
    shown = []
    when_shown(DebriefDialog, lambda dialog: (shown.append(dialog.body.toPlainText()), dialog.reject()), timers)
    attempt.end(by="trainee")
    qtbot.waitUntil(lambda: bool(shown))
    text = shown[0]
    assert f"trainee\nhint asked for by the trainee: {asked.what.hint}" in text  # the timeline's Who, then What
    assert "1 shown by the scenario, 1 asked for by the trainee; hints cost no points." in text
    assert "instructor" not in text.split("Timeline")[1]  # no instructor took part
    assert "by the computer's clock" in text  # the one time not on the pump's clock says so
    assert "\nnot done\n" in text  # an action never done has no "when"


def test_each_key_of_the_chooser_reaches_one_field(qtbot):
    """Walk-through finding: "T&rainee:" and "&Read the prebrief…" both took Alt+R, which then only moved the focus."""
    chooser = ScenarioChooser(scenario_library())
    qtbot.addWidget(chooser)
    widgets = [widget for kind in (QLabel, QPushButton, QRadioButton) for widget in chooser.findChildren(kind)]
    texts = [widget.text() for widget in widgets if widget.text()]
    keys = [text[text.index("&") + 1].lower() for text in texts if "&" in text.replace("&&", "")]
    assert sorted(keys) == sorted(set(keys)) and "t" in keys, texts


def test_a_training_dialogs_title_says_not_for_clinical_use_and_training_once(qtbot):
    """Walk-through finding: "Choose a scenario — Training emulator — not for clinical use — Intrathecal pump
    programmer (training)" on the desktop's title bar."""
    chooser = ScenarioChooser(scenario_library())
    qtbot.addWidget(chooser)
    shown = title_shown(chooser)
    assert shown.startswith("Choose a scenario — ") and "not for clinical use" in shown
    assert shown.lower().count("training") == 1, shown


def test_before_any_attempt_the_records_set_the_instructor_pin_as_the_readme_says(qtbot, window, timers):
    """The README's first step for an educator: the Instructor panel steers a running attempt only (greyed out
    before one), so the PIN is set before the class through Training → Records…, which asks for it on first use."""
    training = window.training
    assert not training.instructor_action.isEnabled() and training.records_action.isEnabled()
    first_use = []

    def set_pin(dialog: PinDialog) -> None:
        first_use.append(dialog.first_use)
        dialog.entry.setText("2468")
        dialog.again.setText("2468")
        dialog._check()

    when_shown(PinDialog, set_pin, timers)
    when_shown(RecordsView, lambda view: view.reject(), timers)
    training.records_action.trigger()
    assert first_use == [True] and training.pin.is_set
