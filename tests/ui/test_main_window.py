"""The programmer window end to end, driven like a nurse: keys, clicks, typing; checked by what the screen says."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QTabWidget,
    QWidget,
)

from programmer import TRAINING_BANNER
from programmer.pump.factory import new_pump
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import InfusionMode
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui import app
from programmer.ui.main_window import BOLUS_TAB, EDITOR_TAB, LOG_TAB, REVIEW_TAB, STATUS_TAB, MainWindow
from tests.helpers import as_read
from tests.ui.conftest import end_quietly, shown_window, title_shown

CTRL = Qt.KeyboardModifier.ControlModifier


def open_window(qtbot, pump_path) -> MainWindow:
    return shown_window(qtbot, pump_path)


@pytest.fixture
def window(qtbot, pump_path):
    return open_window(qtbot, pump_path)


def press(qtbot, window, key, modifier=CTRL) -> None:
    """A shortcut, then what it sent to the pump answered (exchanges run off the window's thread)."""
    qtbot.keyClick(window, key, modifier)
    window.wait_for_pump()


def click_tab(qtbot, window, index: int) -> None:
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert window.tabs.currentIndex() == index


def type_dose(qtbot, window, text: str) -> None:
    click_tab(qtbot, window, EDITOR_TAB)
    dose = window.editor.dose
    qtbot.mouseClick(dose.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(dose, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(dose, text)
    qtbot.keyClick(dose, Qt.Key.Key_Return)


def status(window, field: str) -> str:
    return as_read(window.status_panel.values[field].text())


def test_the_title_names_the_program_once_then_the_patient_and_the_pump_file(qtbot, pump_path):
    """Walk-through finding: "Intrathecal pump programmer — training emulator — DEMO-0001 (demo.pump) — Intrathecal
    pump programmer (training)"."""
    widget = MainWindow()
    qtbot.addWidget(widget, before_close_func=end_quietly)
    assert title_shown(widget) == "Intrathecal pump programmer (training)"
    widget.load_pump(pump_path)
    assert title_shown(widget) == f"DEMO-0001 ({pump_path.name}) — Intrathecal pump programmer (training)"
    assert title_shown(widget).count("Intrathecal pump programmer") == 1


def test_header_and_status_after_interrogating_the_demo_pump(qtbot, window):
    header = window.header
    assert header.banner.text() == TRAINING_BANNER
    assert header.pump.text() == "Pump PX-20 · serial PX20-DEMO-0001"
    assert header.patient.text() == "Patient ID DEMO-0001"
    assert header.link.text() == "connected"
    assert header.clock.text() == "Pump clock (simulated): Sat 2026-11-21 09:00"
    assert status(window, "drug") == "morphine"
    assert status(window, "concentration") == "10 mg/mL"
    assert status(window, "mode") == "Simple continuous"
    assert status(window, "dailyDose") == "1.5 mg/day (0.0625 mg/h)"
    assert status(window, "reservoir") == "16.994 mL (capacity 20 mL)"
    assert status(window, "lowAlarm") == "2 mL"
    assert status(window, "alarmDate") == "2027-03-01 08:00"
    assert status(window, "daysToAlarm") == "100.0 days"
    assert status(window, "replaceBy") == "2032-08-10"
    alarms = window.status_panel.alarm_labels
    assert [label.text() for label in alarms] == ["No active alarms"]


def test_change_the_dose_review_program_and_interrogate_again(qtbot, window, pump_path):
    press(qtbot, window, Qt.Key.Key_I)  # Ctrl+I: interrogate
    assert window.header.link.text() == "connected"

    type_dose(qtbot, window, "2")
    assert window.editor.badges["dose"].text() == "pending"

    press(qtbot, window, Qt.Key.Key_R)  # Ctrl+R: review
    assert window.tabs.currentIndex() == REVIEW_TAB
    review = window.review_panel
    assert review.dose_change.text() == "+33.3 %"
    assert review.new_alarm.text() == "2027-02-04 08:15 (now 2027-03-01 08:00)"
    assert review.new_volume.text() == "0.2 mL/day (now 0.15 mL/day)"

    qtbot.mouseClick(review.program, Qt.MouseButton.LeftButton)

    window.wait_for_pump()
    assert review.result.text().startswith("Verified: pump read back matches the program.")
    assert "Daily dose: 1.5 mg/day → 2 mg/day" in review.result.text()
    assert window.editor.badges["dose"].text() == ""

    press(qtbot, window, Qt.Key.Key_I)
    click_tab(qtbot, window, STATUS_TAB)
    assert status(window, "dailyDose") == "2 mg/day (0.08333 mg/h)"
    assert status(window, "alarmDate") == "2027-02-04 08:15"
    assert load_pump(pump_path).prescription.daily_dose == DoseRate(2, DrugUnit.MG)


def test_a_dose_above_the_hard_limit_is_refused_and_never_programmed(qtbot, window, pump_path):
    type_dose(qtbot, window, "45")
    editor = window.editor
    assert editor.dose.text() == "1.5 mg/day"  # back to the last dose taken: no partial "4" left pending
    assert editor.dose_problem.text() == (
        "45 mg/day refused: the hard limit for morphine is 30 mg/day; the daily dose stays 1.5 mg/day."
    )
    assert "max 30 mg/day (hard limit)" in editor.dose_limits.text()
    assert not window.session.has_pending_changes
    press(qtbot, window, Qt.Key.Key_R)
    rows = {window.review_panel.table.item(row, 0).text(): row for row in range(window.review_panel.table.rowCount())}
    assert window.review_panel.table.item(rows["Daily dose"], 2).text() == "1.5 mg/day (0.0625 mg/h)"
    assert load_pump(pump_path).prescription.daily_dose == DoseRate(1.5, DrugUnit.MG)


def test_a_soft_limit_dose_needs_a_reason_that_lands_in_the_pumps_log(qtbot, window, pump_path):
    type_dose(qtbot, window, "20")
    press(qtbot, window, Qt.Key.Key_R)
    review = window.review_panel
    assert any("soft limit" in label.text() for label in review.finding_labels)
    assert not review.program.isEnabled()
    press(qtbot, window, Qt.Key.Key_P)  # Ctrl+P does nothing while the reason is missing
    assert load_pump(pump_path).prescription.daily_dose == DoseRate(1.5, DrugUnit.MG)

    qtbot.mouseClick(review.reason, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(review.reason, "breakthrough pain, agreed with Dr Lee")
    assert review.program.isEnabled()
    press(qtbot, window, Qt.Key.Key_P)  # Ctrl+P: program
    assert review.result.text().startswith("Verified")

    pump = load_pump(pump_path)
    assert pump.prescription.daily_dose == DoseRate(20, DrugUnit.MG)
    programming = [event for event in pump.events if event.kind is EventKind.PROGRAMMING][-1]
    assert programming.details.record.reason == "breakthrough pain, agreed with Dr Lee"
    assert [item.rule for item in programming.details.record.acknowledged] == ["soft_max", "titration_rate"]
    assert programming.details.record.acknowledged[0].note == "breakthrough pain, agreed with Dr Lee"
    assert "breakthrough pain, agreed with Dr Lee" in str(window.event_log.model.events[-1].details)


def test_double_entry_concentration_mismatch_blocks_programming(qtbot, window):
    click_tab(qtbot, window, EDITOR_TAB)
    editor = window.editor
    editor.concentration.setFocus()
    qtbot.keyClick(editor.concentration, Qt.Key.Key_End)
    qtbot.keyClicks(editor.custom_entry, "25")
    qtbot.keyClicks(editor.custom_confirm, "2.5")
    assert "The two entries differ (25 mg/mL and 2.5 mg/mL)" in editor.custom_problem.text()
    press(qtbot, window, Qt.Key.Key_R)
    assert window.tabs.currentIndex() == REVIEW_TAB
    assert not window.review_panel.program.isEnabled()
    assert window.review_panel.gate.text().startswith("Fix the prescription first")


def test_a_concentration_or_drug_change_outside_a_refill_is_refused_with_use_refill(qtbot, window, pump_path):
    click_tab(qtbot, window, EDITOR_TAB)
    editor = window.editor
    editor.concentration.setFocus()
    qtbot.keyClick(editor.concentration, Qt.Key.Key_Down)  # 10 → 25 mg/mL (labelled)
    assert editor.problem.text() == (
        "Refused: this changes the concentration from 10 mg/mL to 25 mg/mL, but the reservoir still holds morphine "
        "10 mg/mL: the pump would deliver the wrong dose. A drug or concentration changes only with a refill: use "
        "Refill."
    )
    assert editor.concentration.currentText() == "10 mg/mL (labelled)"  # the field is back to what the pump holds
    assert not window.session.has_pending_changes
    editor.drug.setFocus()
    qtbot.keyClicks(editor.drug, "baclofen")
    assert "changes the drug from morphine to baclofen" in editor.problem.text()
    assert editor.drug.currentText() == "morphine"
    assert not window.session.has_pending_changes
    assert window.refill_action.isEnabled()  # the way to change it is one shortcut away
    assert load_pump(pump_path).prescription.concentration == Concentration(10, DrugUnit.MG)


def test_leaving_a_stopped_pump_asks_first_and_names_the_consequence(qtbot, window, dialogs, pump_path):
    click_tab(qtbot, window, EDITOR_TAB)
    window.editor.mode.setFocus()
    qtbot.keyClicks(window.editor.mode, "Stopped")
    press(qtbot, window, Qt.Key.Key_R)
    findings = [label.text() for label in window.review_panel.finding_labels]
    assert any("the pump will deliver no drug" in text for text in findings)
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert load_pump(pump_path).prescription.mode is InfusionMode.STOPPED

    dialogs.answer("confirmReject")
    window.close()
    assert "the pump will deliver no drug" in dialogs.seen[-1]
    assert window.isVisible()
    assert window.session is not None  # kept open: the nurse can still restart the pump

    dialogs.answer("confirmAccept")
    window.close()
    assert not window.isVisible()
    assert window.session is None
    other = ProgrammingSession(pump_path)  # the lock was released
    other.connect()
    other.close(confirm=True)


def test_unprogrammed_changes_are_named_before_opening_another_pump(qtbot, window, dialogs, pump_path):
    type_dose(qtbot, window, "2")
    dialogs.answer("confirmReject")
    assert not window.open_pump(pump_path)
    assert "Changes not programmed (Daily dose)" in dialogs.seen[-1]
    assert "the pump keeps its old program" in dialogs.seen[-1]
    assert window.session.has_pending_changes


def test_a_lost_link_during_programming_leaves_the_pump_unchanged_and_says_so(qtbot, window, pump_path):
    before = pump_path.read_bytes()
    window.session.faults.lose_link_mid_program = True
    type_dose(qtbot, window, "2")
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    result = window.review_panel.result.text()
    assert result.startswith("Not programmed: link lost during programming: the pump kept its previous program.")
    assert "Interrogate (Ctrl+I)" in result
    assert window.review_panel.result.property("severity") == "critical"
    assert pump_path.read_bytes() == before
    assert status(window, "dailyDose") == "1.5 mg/day (0.0625 mg/h)"
    assert window.header.link.text() == "connected"
    assert window.session.has_pending_changes  # still there to try again


def test_advancing_the_clock_refreshes_status_and_log(qtbot, window):
    click_tab(qtbot, window, LOG_TAB)
    events_before = len(window.event_log.model.events)
    qtbot.mouseClick(window.clock_panel.plus_30_days_button, Qt.MouseButton.LeftButton)
    assert window.header.clock.text() == "Pump clock (simulated): Mon 2026-12-21 09:00"
    assert status(window, "reservoir") == "12.494 mL (capacity 20 mL)"
    assert status(window, "daysToAlarm") == "70.0 days"
    assert len(window.event_log.model.events) >= events_before


def test_a_damaged_pump_file_is_refused_with_the_reason_and_left_untouched(qtbot, window, dialogs, tmp_path):
    bad = tmp_path / "bad_pump.json"
    bad.write_text('{"format": "pump-file/1", "memory": ', encoding="utf-8")
    content = bad.read_bytes()
    dialogs.answer("errorOk")
    assert not window.load_pump(bad)  # the pump's answer is a refusal: no visit starts
    qtbot.waitUntil(lambda: bool(dialogs.seen))
    assert "bad_pump.json" in dialogs.seen[-1]
    assert bad.read_bytes() == content
    assert window.session is None
    assert window.header.link.text() == "not connected"
    assert not window.editor.isEnabled()


def test_a_refused_open_leaves_nothing_of_the_last_visit_on_the_prescription_tab(qtbot, window, dialogs, tmp_path):
    click_tab(qtbot, window, EDITOR_TAB)
    window.editor.concentration.setFocus()
    qtbot.keyClick(window.editor.concentration, Qt.Key.Key_Down)  # refused: "use Refill"
    assert window.editor.problem.isVisibleTo(window)
    bad = tmp_path / "bad_pump.json"
    bad.write_text("not a pump", encoding="utf-8")
    dialogs.answer("errorOk")
    assert not window.load_pump(bad)
    assert not window.editor.isEnabled() and not window.editor.problem.isVisibleTo(window)
    assert window.editor.on_pump.text().startswith("No pump interrogated")


def test_screenshot_renders_the_window_after_interrogation(tmp_path):
    target = tmp_path / "shot.png"
    assert app.run(None, target) == 0
    image = QImage(str(target))
    assert (image.width(), image.height()) == (1280, 800)


def test_screenshot_of_a_bad_pump_file_prints_the_reason(tmp_path, capsys):
    bad = tmp_path / "not_a_pump.json"
    bad.write_text("hello", encoding="utf-8")
    assert app.run(bad, tmp_path / "shot.png") == 1
    assert "not_a_pump.json" in capsys.readouterr().err
    assert bad.read_text(encoding="utf-8") == "hello"
    assert not (tmp_path / "shot.png").exists()


def test_every_interactive_widget_has_an_object_name_and_an_accessible_name(window):
    kinds = (QAbstractButton, QComboBox, QLineEdit, QAbstractSpinBox, QTabWidget)
    unnamed = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, kinds) or isinstance(widget.parent(), QAbstractSpinBox | QComboBox):
            continue
        if widget.objectName().startswith("qt_") or type(widget).__name__ in ("QTabBar", "QToolBarExtension"):
            continue
        if not widget.objectName() or not widget.accessibleName():
            unnamed.append(f"{type(widget).__name__} {widget.objectName()!r} {widget.accessibleName()!r}")
    assert unnamed == []


def test_shortcuts_and_mnemonics_reach_every_step(qtbot, window):
    assert window.interrogate_action.shortcut().toString() == "Ctrl+I"
    assert window.review_action.shortcut().toString() == "Ctrl+R"
    assert window.program_action.shortcut().toString() == "Ctrl+P"
    press(qtbot, window, Qt.Key.Key_P)  # Ctrl+P away from the review screen opens it first
    assert window.tabs.currentIndex() == REVIEW_TAB
    click_tab(qtbot, window, EDITOR_TAB)
    qtbot.keyClick(window, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)  # "Daily d&ose"
    assert QApplication.focusWidget() in (window.editor.dose, window.editor.dose.lineEdit())


@pytest.fixture
def large_font(qtbot):
    application = QApplication.instance()
    original = QFont(application.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 2)
    application.setFont(bigger)
    yield
    application.setFont(original)


def settled_minimum_width(window: MainWindow) -> int:
    """The window's minimum width once its layouts took in the last change (they do on posted events)."""
    QApplication.processEvents()
    QApplication.processEvents()  # a child's layout, once settled, asks its parent's again
    return window.minimumSizeHint().width()


def test_text_does_not_clip_at_double_font_size(qtbot, large_font, pump_path):
    window = open_window(qtbot, pump_path)
    window.wait_for_pump()
    # The window still fits a 1280×800 screen once the pump answered (the plot's legend, in rows of three,
    # made it 1309 px wide: measured before the answer was laid out, it passed) and while the pump answers
    # (the header's progress and its Stop button).
    assert settled_minimum_width(window) <= 1280
    window.faults.delay_s = 1.0
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL)
    assert window.header.cancel.isVisible()
    assert settled_minimum_width(window) <= 1280
    window.wait_for_pump()
    window.faults.delay_s = 0.0
    type_dose(qtbot, window, "2")
    clipped = []
    pages = {
        STATUS_TAB: [window.header.banner, window.header.link, window.header.pump, window.header.clock,
                     *window.status_panel.values.values(), *window.status_panel.alarm_labels],
        EDITOR_TAB: [window.editor.dose_limits, window.editor.per_hour, window.editor.on_pump],
        REVIEW_TAB: [window.review_panel.dose_change, window.review_panel.new_alarm, window.review_panel.gate],
    }

    def fits(label) -> bool:
        if label.wordWrap():
            return label.height() >= label.heightForWidth(label.width())
        return label.width() >= label.sizeHint().width()

    for tab, labels in pages.items():
        window.tabs.setCurrentIndex(tab)
        # Nested layouts (tab, splitter, scroll area, group boxes, wrapped labels) settle over several passes.
        try:
            qtbot.waitUntil(lambda labels=labels: all(fits(label) for label in labels), timeout=2000)
        except AssertionError:
            clipped += [f"{lb.objectName()}: {lb.text()!r} {lb.size().toTuple()}" for lb in labels if not fits(lb)]
    assert clipped == [], "\n".join(clipped)


def test_opening_a_new_session_remembers_the_pump(window, pump_path):
    from programmer.session import workspace

    assert workspace.recent_pumps() == [pump_path.resolve()]
    assert isinstance(window.session.now, datetime)



def test_file_new_pump_creates_saves_and_opens_it(qtbot, window, data_dir):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialogButtonBox, QInputDialog

    from programmer.ui.new_pump_dialog import NewPumpDialog

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, NewPumpDialog):
            QTimer.singleShot(10, fill_in)
            return
        qtbot.keyClicks(dialog.serial, serial)
        qtbot.keyClicks(dialog.patient_id, "TRAINING-01")
        dialog.dose.setFocus()
        qtbot.keyClick(dialog.dose, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(dialog.dose, dose)
        qtbot.keyClick(dialog.dose, Qt.Key.Key_Return)  # a typed dose counts once it is entered
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()

    def give_reason() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, give_reason)
            return
        seen.append(dialog.labelText())
        qtbot.keyClicks(dialog.findChild(QLineEdit, "reasonEntry"), "converted from 450 mg/day oral morphine")
        dialog.accept()

    serial, dose, seen = "NP-0001", "0.5", []
    QTimer.singleShot(0, fill_in)
    window.new_action.trigger()
    window.wait_for_pump()
    assert window.header.pump.text() == "Pump PX-20 · serial NP-0001"
    assert window.header.patient.text() == "Patient ID TRAINING-01"
    assert status(window, "dailyDose") == "0.5 mg/day (0.02083 mg/h)"
    assert load_pump(data_dir / "NP-0001.pump").serial == "NP-0001"

    # Above the usual starting dose, the implant asks for the reason, which is logged with it.
    serial, dose = "NP-0002", "1.5"
    QTimer.singleShot(0, fill_in)
    QTimer.singleShot(0, give_reason)
    window.new_action.trigger()
    window.wait_for_pump()
    assert "Morphine starts at 1.5 mg/day from no delivery of it" in seen[0]
    implanted = load_pump(data_dir / "NP-0002.pump").events[0]
    assert implanted.details.record.reason == "converted from 450 mg/day oral morphine"


def test_every_mnemonic_on_screen_is_unique(window):
    """Qt fires the mnemonics of visible widgets: tab bar, menus and the page shown must not share a key."""
    import re

    from PySide6.QtWidgets import QLabel

    from programmer.ui.later_screen import build_every_later_screen

    def keys(texts) -> list[str]:
        return [match.lower() for text in texts for match in re.findall(r"&([A-Za-z])", text)]

    def mnemonic_texts(widgets) -> list[str]:
        return [w.text() for w in widgets if not isinstance(w, QLabel) or w.buddy() is not None]

    build_every_later_screen(window)  # the screens built on first show have their mnemonics too
    candidates = window.findChildren(QLabel) + window.findChildren(QAbstractButton)
    widgets = [w for w in candidates if w.parent() is not window]
    always = [window.tabs.tabText(index) for index in range(window.tabs.count())]
    always += [action.text() for action in window.menuBar().actions()]
    always += mnemonic_texts(w for w in widgets if not window.tabs.isAncestorOf(w))
    for index in range(window.tabs.count()):
        page = window.tabs.widget(index)
        shown = keys(always + mnemonic_texts(w for w in widgets if page.isAncestorOf(w)))
        repeated = sorted({key for key in shown if shown.count(key) > 1})
        assert not repeated, (window.tabs.tabText(index), repeated)
    assert {"r", "p", "o"} <= set(keys(always + mnemonic_texts(widgets)))


def test_recent_pumps_and_reset_demo_pump(qtbot, window, dialogs, pump_path):
    window.recent_menu.aboutToShow.emit()
    assert [action.text() for action in window.recent_menu.actions()] == [str(pump_path.resolve())]

    type_dose(qtbot, window, "2")
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert load_pump(pump_path).prescription.daily_dose == DoseRate(2, DrugUnit.MG)

    dialogs.answer("confirmAccept")
    window.reset_action.trigger()
    window.wait_for_pump()
    assert "Reset the demo pump" in dialogs.seen[-1]
    assert load_pump(pump_path).prescription.daily_dose == DoseRate(1.5, DrugUnit.MG)
    assert status(window, "dailyDose") == "1.5 mg/day (0.0625 mg/h)"
    assert window.header.link.text() == "connected"


def test_after_reset_demo_pump_every_screen_shows_the_fresh_pump(qtbot, window, dialogs, pump_path):
    fresh = load_pump(pump_path)
    # The last trainee: 98 days on, a clinician bolus given, a flex-schedule message, an appointment booked.
    window.advance(timedelta(days=98))
    window.tabs.setCurrentIndex(BOLUS_TAB)
    bolus = window.bolus_panel
    bolus.dose.setValue(0.5)
    bolus.clinician_name.setText("Trainee A")
    dialogs.answer("confirmAccept")
    qtbot.mouseClick(bolus.give_clinician, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert bolus.result.isVisible()
    window.schedule_editor._say("a message for the last trainee", "warning")
    window.reservoir_plot.set_appointment(fresh.clock + timedelta(days=120))

    dialogs.answer("confirmAccept")
    window.reset_action.trigger()
    window.wait_for_pump()
    assert window.session.current.clock == fresh.clock
    assert window.clock_panel.target == fresh.clock + timedelta(days=1)  # not the last trainee's +98 days
    assert f"{fresh.clock:%Y-%m-%d %H:%M}" in window.header.clock.text()
    assert not bolus.result.isVisible() and bolus.dose.value() == 0 and bolus.clinician_name.text() == ""
    assert not window.schedule_editor.message.isVisible()
    assert window.reservoir_plot.appointment is None
    assert window.event_log.model.rowCount() == len(fresh.events)
    assert status(window, "reservoir") == "16.994 mL (capacity 20 mL)"  # the shipped demo pump's volume


def test_session_report_pdf_after_a_dose_change_names_both_doses(qtbot, window, tmp_path, monkeypatch):
    from pypdf import PdfReader
    from PySide6.QtWidgets import QFileDialog

    type_dose(qtbot, window, "2")
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    target = tmp_path / "report.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "PDF (*.pdf)"))
    window.report_action.trigger()
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(target).pages).split())
    assert "1.5 mg/day" in text and "2 mg/day" in text
    assert "Training emulator" in text


def test_boluses_tab_is_one_shortcut_away(qtbot, window):
    window.bolus_action.trigger()
    assert window.tabs.currentIndex() == window.tabs.indexOf(window.bolus_panel.parentWidget().parentWidget())


def test_near_the_clocks_end_the_window_advances_to_it_and_no_further(qtbot, tmp_path):
    """A pump five days before 2200-01-01 00:00: the picker stops at that moment, the plot still draws a year."""
    from programmer.pump.factory import new_pump
    from programmer.pump.pumpfile import save_pump

    path = tmp_path / "late.json"
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2199, 12, 27, 0, 0)))
    window = open_window(qtbot, path)
    panel = window.clock_panel
    assert not panel.plus_week_button.isEnabled()
    assert panel.plus_week_button.toolTip() == "The pump's clock runs to 2200-01-01 00:00 at the latest"
    window.reservoir_plot.set_horizon_days(365)
    panel.target_edit.setFocus()
    panel.target_edit.selectAll()
    qtbot.keyClicks(panel.target_edit, "2300-06-01 08:00")
    assert panel.target <= datetime(2200, 1, 1, 0, 0)
    panel.target_edit.setDateTime(panel.target_edit.maximumDateTime())
    qtbot.mouseClick(panel.advance_to_button, Qt.MouseButton.LeftButton)
    assert window.header.clock.text() == "Pump clock (simulated): Wed 2200-01-01 00:00"
    assert status(window, "alarmDate") == "2200-04-26 00:00"  # 120 days after implant, as ever
    assert not panel.advance_to_button.isEnabled() and not any(b.isEnabled() for b in panel.step_buttons)


def test_a_stored_program_beyond_a_hard_limit_opens_with_the_finding_on_the_status_screen(qtbot, tmp_path):
    # A file made outside the programmer (by hand, or by an older version): the pump itself could run it.
    path = tmp_path / "hand-made.json"
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(35, DrugUnit.MG), datetime(2026, 11, 1, 9, 0)))
    window = open_window(qtbot, path)
    texts = [as_read(label.text()) for label in window.status_panel.alarm_labels]
    assert texts == [
        "PROGRAM BREAKS A LIMIT (Not allowed): daily dose 35 mg/day is above the morphine hard limit of 30 mg/day: "
        "it cannot be programmed"
    ]
    assert window.status_panel.alarm_labels[0].property("severity") == "critical"
    assert "No active alarms" not in texts


def test_refill_with_changes_pending_says_why_it_cannot_start(qtbot, window, dialogs):
    type_dose(qtbot, window, "2")
    assert window.session.has_pending_changes and window.refill_action.isEnabled()
    dialogs.answer("errorOk")
    window.refill_action.trigger()
    assert "The session has changes that are not programmed: program or discard them before the refill" in (
        dialogs.seen[-1]
    )


def test_a_slow_link_leaves_the_window_responsive_and_can_be_stopped(qtbot, window, dialogs, pump_path):
    window.faults.delay_s = 3.0  # the instructor's slow-link switch: each answer takes 3 s
    before = pump_path.read_bytes()
    qtbot.keyClick(window, Qt.Key.Key_I, CTRL)  # interrogate: the pump takes its time
    assert window.header.link.text() == "interrogating…"
    assert window.header.waiting.isVisible() and window.header.cancel.isVisible()
    # The window keeps taking input meanwhile: the nurse moves between screens.
    click_tab(qtbot, window, LOG_TAB)
    click_tab(qtbot, window, STATUS_TAB)
    assert not window.interrogate_action.isEnabled()  # one exchange at a time
    dialogs.answer("errorOk")
    qtbot.mouseClick(window.header.cancel, Qt.MouseButton.LeftButton)  # Stop waiting (Esc)
    window.wait_for_pump()
    qtbot.waitUntil(lambda: bool(dialogs.seen))
    assert "cancelled while waiting for the pump: nothing was sent" in dialogs.seen[-1].lower()
    assert window.header.link.text() == "connected" and not window.header.waiting.isVisible()
    assert pump_path.read_bytes() == before


def test_a_slow_answer_arrives_while_the_window_keeps_working(qtbot, window):
    window.faults.delay_s = 1.0
    type_dose(qtbot, window, "2")
    qtbot.keyClick(window, Qt.Key.Key_R, CTRL)
    qtbot.mouseClick(window.review_panel.program, Qt.MouseButton.LeftButton)
    assert window.header.link.text() == "programming…"
    click_tab(qtbot, window, LOG_TAB)  # input is processed while the pump answers
    qtbot.waitUntil(lambda: window.header.link.text() == "connected", timeout=10000)
    assert window.session.current.prescription.daily_dose == DoseRate(2, DrugUnit.MG)
    assert window.review_panel.result.text().startswith("Verified")
