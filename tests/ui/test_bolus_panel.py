"""The bolus panel on a real session, used as a nurse would: type, read the plan, give, watch, cancel.

The pump: PX-20, morphine 10 mg/mL at 1.5 mg/day, full (20 mL) on 2026-11-21 09:00, catheter
110 cm not trimmed. Revision: 110 cm trimmed by 40 cm → 0.26 + 70 × 0.0026 = 0.442 mL at 24 mL/day.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QLineEdit, QProgressBar

from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.session.bolus_workflow import PrimingOccasion
from programmer.therapy.prescription import BolusKind
from programmer.ui.bolus_panel import BolusPanel
from programmer.ui.plot import ReservoirPlot
from programmer.ui.theme import STYLESHEET
from tests.helpers import as_read, connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)
# Set to a folder to keep the screenshots a reviewer looks at (the tests always draw them).
SCREENSHOT_DIR = os.environ.get("PROGRAMMER_SCREENSHOTS")


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", NOW, serial="PX20-UI-1", patient_id="P-3")


@pytest.fixture
def session(pump_path):
    with connected(pump_path) as session:
        yield session


@pytest.fixture
def panel(qtbot, session):
    widget = BolusPanel()
    widget.setStyleSheet(STYLESHEET)
    qtbot.addWidget(widget)
    widget.bind(session)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def screenshot(widget, tmp_path, name: str) -> Path:
    folder = Path(SCREENSHOT_DIR) if SCREENSHOT_DIR else tmp_path
    target = folder / f"{name}.png"
    QApplication.processEvents()  # new finding labels are shown at the next turn of the event loop
    assert widget.grab().save(str(target))
    return target


def set_clinician_bolus(qtbot, panel, dose: float, hours: int, minutes: int = 0) -> None:
    for spin, value in ((panel.hours, hours), (panel.minutes, minutes), (panel.dose, dose)):
        spin.clear()
        qtbot.keyClicks(spin, str(value))


def test_priming_after_an_implant_shows_volume_duration_and_the_drop(qtbot, panel, session, dialogs,
                                                                      pump_path, tmp_path):
    plot = ReservoirPlot()
    qtbot.addWidget(plot)
    plot.bind(session)
    assert panel.catheter_length.value() == 110 and panel.trimmed.value() == 0  # the pump's own catheter
    panel.trimmed.setValue(40)
    assert not panel.give_priming.isEnabled()  # not before the nurse says why the catheter needs priming
    assert panel.priming_view.problem.text().startswith("Say why the catheter needs priming")
    assert panel.priming_view.values["Holds now"].isVisibleTo(panel)  # what the catheter holds helps to answer
    assert not panel.priming_view.values["Priming volume"].isVisibleTo(panel)
    panel.occasion_buttons[PrimingOccasion.IMPLANT].click()
    assert panel.give_priming.isEnabled()
    values = {label: field.text() for label, field in panel.priming_view.values.items()}
    assert values["Primes"] == "pump tubing and catheter (a new implant: both are empty)"
    assert values["Catheter"] == "110 cm − 40 cm trimmed = 70 cm implanted: 0.182 mL"
    assert values["Pump tubing"] == "0.26 mL"
    assert values["Priming volume"] == "0.442 mL (4.42 mg)"
    assert values["Duration"] == "27 min, until 2026-11-21 09:27"  # 26 min 31 s from 09:00, both rounded up
    assert values["Afterwards"] == "then simple continuous 1.5 mg/day resumes"
    screenshot(panel, tmp_path, "bolus_panel_priming_after_implant")

    seen_pending = []
    dialogs.answer("confirmAccept")
    session.events.pending.connect(lambda pending: seen_pending.append(pending is not None))
    with qtbot.waitSignal(panel.bolus_given, timeout=5000):
        panel.give_priming.click()
    assert "Give the priming bolus of 0.442 mL (pump tubing and catheter) now?" in dialogs.seen[0]
    assert True in seen_pending  # the plot showed the pending drop while the nurse decided
    memory = load_pump(pump_path)
    assert memory.prescription.bolus.kind is BolusKind.PRIMING
    # The plot of the pump's program: 20 mL, the 0.442 mL step in 27 minutes, then 0.15 mL/day.
    xs, ys = plot.current_curve.getData()
    assert ys[0] == 20 and ys[1] == pytest.approx(19.558)
    assert xs[1] - xs[0] == pytest.approx(26 * 60 + 31.2)
    assert panel.progress.title() == "Priming bolus running"
    assert panel.progress.delivered.text() == "0 of 0.442 mL (0 of 4.42 mg)"
    assert panel.result.text().startswith("Priming bolus programmed and verified: Bolus: none → priming bolus")


def test_a_second_priming_stays_blocked_even_with_catheter_revised_chosen_again(qtbot, panel, session, dialogs,
                                                                                 tmp_path):
    # Walk-through BLOCKER: right after a priming the button was live again with "catheter revised" selected.
    panel.trimmed.setValue(40)
    panel.occasion_buttons[PrimingOccasion.CATHETER_REVISION].click()
    dialogs.answer("confirmAccept")
    with qtbot.waitSignal(panel.bolus_given, timeout=5000):
        panel.give_priming.click()
    assert not any(button.isChecked() for button in panel.occasion_buttons.values())  # asked again next time
    qtbot.mouseClick(panel.progress.time_buttons[1], Qt.MouseButton.LeftButton)  # +1 h: the priming has ended
    panel.occasion_buttons[PrimingOccasion.CATHETER_REVISION].click()
    assert not panel.give_priming.isEnabled()
    assert as_read(panel.priming_view.finding_labels[0].text()) == (
        "Not allowed: the catheter was primed 2026-11-21 09:00 (1 h ago) and is full of drug: priming it again "
        "would push 0.182 mL (1.82 mg) in 11 min into the patient — an overdose. A second priming within 24 h of "
        "the last is refused, whatever the reason — this bolus cannot be given"
    )
    screenshot(panel, tmp_path, "bolus_panel_second_priming_blocked")


def test_priming_after_a_revision_a_month_later_primes_the_catheter_only(qtbot, panel, session, tmp_path):
    session.advance_days(30)
    panel.trimmed.setValue(40)  # the new catheter, trimmed
    panel.occasion_buttons[PrimingOccasion.CATHETER_REVISION].click()
    assert panel.give_priming.isEnabled()
    values = {label: field.text() for label, field in panel.priming_view.values.items()}
    assert values["Primes"] == "catheter only (a catheter revision: the pump tubing is still full of drug)"
    assert values["Pump tubing"] == "0.26 mL, not primed: already full of drug"
    assert values["Priming volume"] == "0.182 mL (1.82 mg)"
    assert values["Duration"] == "11 min, until 2026-12-21 09:11"
    assert panel.priming_view.finding_labels == []
    screenshot(panel, tmp_path, "bolus_panel_priming_after_revision")


def test_a_clinician_bolus_above_the_soft_limit_asks_for_a_reason(qtbot, panel, dialogs, pump_path, tmp_path):
    # Walk-through BLOCKER: 15.375 mg in the 24 h from the start (soft limit 15 mg/day) only asked "Give … now?".
    set_clinician_bolus(qtbot, panel, 14, 2)
    assert panel.reason.isVisibleTo(panel)
    assert not panel.give_clinician.isEnabled()
    label = panel.clinician_view.finding_labels[0]
    assert as_read(label.text()) == (
        "Reason required: the 24 h from the start of the bolus would deliver 15.375 mg (bolus 14 mg + 1.375 mg at "
        "the base rate), above the morphine soft limit of 15 mg/day (hard limit 30 mg/day): give a reason"
    )
    assert label.property("severity") == "warning"
    qtbot.keyClicks(panel.reason, "breakthrough pain, Dr Lee")
    assert panel.give_clinician.isEnabled()
    screenshot(panel, tmp_path, "bolus_panel_clinician_needs_reason")
    dialogs.answer("confirmAccept")
    with qtbot.waitSignal(panel.bolus_given, timeout=5000):
        panel.give_clinician.click()
    assert "Reason given: breakthrough pain, Dr Lee" in dialogs.seen[0]
    assert load_pump(pump_path).events[-2].details.record.reason == "breakthrough pain, Dr Lee"
    assert panel.reason.text() == ""


def test_clinician_bolus_progress_and_cancel_half_way(qtbot, panel, session, dialogs, pump_path, tmp_path):
    panel.clinician_name.setText("Dr Ames")
    set_clinician_bolus(qtbot, panel, 2, 2)
    assert panel.dose.suffix() == " mg"
    values = {label: field.text() for label, field in panel.clinician_view.values.items()}
    assert values["Volume"] == "0.2 mL" and values["Flow"] == "2.4 mL/day"
    assert panel.give_clinician.isEnabled()
    dialogs.answer("confirmAccept")
    with qtbot.waitSignal(panel.bolus_given, timeout=5000):
        panel.give_clinician.click()
    assert panel.progress.bar.value() == 0

    qtbot.mouseClick(panel.progress.time_buttons[1], Qt.MouseButton.LeftButton)  # +1 h of simulated time
    assert session.now == NOW + timedelta(hours=1)
    assert panel.progress.bar.value() == 500  # half of the 2 hours
    assert panel.progress.delivered.text() == "0.1 of 0.2 mL (1 of 2 mg)"
    assert panel.progress.remaining.text() == "1 h left, ends 2026-11-21 11:00"
    assert panel.progress.then.text() == "Then simple continuous 1.5 mg/day resumes."
    screenshot(panel, tmp_path, "bolus_panel_running")

    dialogs.answer("confirmAccept")
    with qtbot.waitSignal(panel.bolus_cancelled, timeout=5000) as cancelled:
        panel.progress.cancel.click()
    assert cancelled.args[0].delivered_ml == pytest.approx(0.1)
    memory = load_pump(pump_path)
    event = memory.events[-1]
    assert event.kind is EventKind.BOLUS and event.details.delivered_ml == pytest.approx(0.1)
    assert memory.reservoir_ml == pytest.approx(19.9)
    assert panel.result.text() == (
        "Clinician bolus cancelled at 2026-11-21 10:00 after 0.1 mL (1 mg) of 0.2 mL (2 mg); "
        "simple continuous 1.5 mg/day resumes. The pump logged the volume delivered."
    )
    assert panel.progress.title() == "No bolus running"
    assert not panel.progress.cancel.isEnabled()
    assert panel.progress.last.text().endswith("cancelled 2026-11-21 10:00 after 0.1 mL (1 mg)")
    screenshot(panel, tmp_path, "bolus_panel_cancelled")


def test_a_clinician_bolus_above_the_hard_limit_cannot_be_given(qtbot, panel, tmp_path):
    set_clinician_bolus(qtbot, panel, 29, 4)
    texts = [as_read(label.text()) for label in panel.clinician_view.finding_labels]
    assert texts[0] == (
        "Not allowed: the 24 h from the start of the bolus would deliver 30.25 mg (bolus 29 mg + 1.25 mg at the "
        "base rate), above the morphine hard limit of 30 mg/day — this bolus cannot be given"
    )
    assert panel.clinician_view.finding_labels[0].property("severity") == "critical"
    assert not panel.give_clinician.isEnabled()
    screenshot(panel, tmp_path, "bolus_panel_refused")


def test_a_bolus_faster_than_the_pump_is_refused_at_the_field(qtbot, panel):
    set_clinician_bolus(qtbot, panel, 5, 0, 10)
    assert panel.clinician_view.problem.isVisible()
    assert panel.clinician_view.problem.text().endswith(
        "72 mL/day is above the PX-20 maximum flow of 24 mL/day (240 mg/day at 10 mg/mL)."
    )
    assert not panel.give_clinician.isEnabled()


def test_going_back_from_the_confirmation_leaves_the_pump_as_it_was(qtbot, panel, session, dialogs, pump_path):
    before = pump_path.read_bytes()
    set_clinician_bolus(qtbot, panel, 1, 1)
    dialogs.answer("confirmReject")
    panel.give_clinician.click()
    assert dialogs.seen and "Give 1 mg of morphine 10 mg/mL (0.1 mL) over 1 h now?" in dialogs.seen[0]
    assert not session.has_pending_changes
    assert pump_path.read_bytes() == before


def test_a_lost_link_is_said_and_nothing_is_given(qtbot, panel, session, dialogs, pump_path):
    session.faults.lose_link_mid_program = True
    set_clinician_bolus(qtbot, panel, 1, 1)
    dialogs.answer("confirmAccept")
    panel.give_clinician.click()
    assert panel.result.text() == "Not given: link lost during programming: the pump kept its previous program"
    assert panel.result.property("severity") == "critical"
    assert load_pump(pump_path).prescription.bolus is None
    assert not session.has_pending_changes


def test_every_interactive_widget_is_named(panel):
    kinds = (QAbstractButton, QAbstractSpinBox, QLineEdit, QProgressBar)
    widgets = [widget for kind in kinds for widget in panel.findChildren(kind)]
    assert len(widgets) >= 12
    unnamed = [widget for widget in widgets if not widget.objectName() or not widget.accessibleName()]
    # Spin boxes own an inner line edit Qt names itself ("qt_spinbox_lineedit"): the spin box carries the names.
    unnamed = [widget for widget in unnamed if widget.objectName() != "qt_spinbox_lineedit"]
    assert unnamed == []


def test_without_a_pump_the_panel_says_so(qtbot):
    widget = BolusPanel()
    qtbot.addWidget(widget)
    assert widget.priming_view.problem.text() == "No pump is connected: interrogate the pump first."
    assert not widget.give_priming.isEnabled() and not widget.give_clinician.isEnabled()
    assert widget.progress.title() == "No bolus running"
