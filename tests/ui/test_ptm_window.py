"""The patient therapy manager's window and Clock → MRI scan, as a nurse and a patient use them.

The demo pump: PX-20, morphine 10 mg/mL at 1.5 mg/day, clock Sat 2026-11-21 09:00; PTM 0.1 mg (0.01 mL) over
10 min, at most 4 per 24 h, lockout 3 h.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtWidgets import QApplication

from programmer.pump.factory import new_pump
from programmer.pump.log import BolusDetails
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump, save_pump
from programmer.session.ptm import OwnLink, PatientTherapyManager
from programmer.therapy.prescription import BolusKind
from programmer.therapy.units import DoseRate, DrugUnit
from programmer.ui.main_window import MainWindow
from programmer.ui.mri_dialog import MriDialog
from programmer.ui.ptm_window import PtmWindow, opening_place
from tests.helpers import as_read, connected
from tests.ui.conftest import end_quietly, shown_window, title_shown


@pytest.fixture
def window(qtbot, pump_path) -> MainWindow:
    return shown_window(qtbot, pump_path)


def patient_boluses(memory) -> list:
    return [
        event for event in memory.events.of_kind(EventKind.BOLUS)
        if isinstance(event.details, BolusDetails) and event.details.bolus is BolusKind.PATIENT
    ]


def shown(label) -> str:
    """A label's words as they read: its no-break spaces and word joiners (it never wraps inside '10 min') undone."""
    return label.text().replace("\u00a0", " ").replace("\u2060", "")


def press(qtbot, ptm: PtmWindow, window: MainWindow | None = None) -> None:
    qtbot.mouseClick(ptm.give, Qt.MouseButton.LeftButton)
    if window is not None:
        window.wait_for_pump()


def test_window_menu_opens_the_handheld_a_press_gives_a_bolus_the_programmer_shows_at_once(qtbot, window, pump_path):
    (action,) = [a for a in window.menuBar().actions() if a.text() == "Window"]
    assert [a.text() for a in action.menu().actions()] == ["&Patient therapy manager…"]
    window.ptm_action.trigger()
    ptm = window.ptm_window
    qtbot.waitExposed(ptm)
    assert shown(ptm.status) == "Bolus available now."
    assert shown(ptm.bolus) == "Each bolus: 0.1 mg (0.01 mL of morphine 10 mg/mL) over 10 min"
    press(qtbot, ptm, window)
    assert shown(ptm.answer) == "Bolus given at 2026-11-21 09:00: 0.1 mg (0.01 mL) over 10 min, until 2026-11-21 09:10."
    assert shown(ptm.status) == (
        "Lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 3 h 10 min."
    )
    assert shown(ptm.used) == "Boluses 1 of 4 used in the last 24 h"
    assert ptm.history.item(0).text().startswith("0.01 mL (0.1 mg) over 10 min from 2026-11-21 09:00; running:")
    # The programmer holds the pump's session: the bolus went through it, so its screens have it already.
    assert len(patient_boluses(window.session.current)) == 1 and window.session.current == load_pump(pump_path)
    assert [point.at for point in window.reservoir_plot.data.patient_boluses] == [window.session.now]
    assert window.reservoir_plot.patient_bolus_points.isVisible()


def test_a_press_in_the_lockout_is_refused_with_the_time_left(qtbot, window, pump_path):
    ptm = window.show_ptm()
    press(qtbot, ptm, window)
    window.advance(window.session.now + timedelta(hours=1))  # 10:00: the lockout runs to 12:10
    events = len(load_pump(pump_path).events)
    press(qtbot, ptm, window)
    assert shown(ptm.answer) == "Pressed at 10:00: no bolus given (see above)."
    assert shown(ptm.status) == (  # the time left, rounded up to the minute
        "Lockout of 3 h after each bolus: the next is allowed at 2026-11-21 12:10, in 2 h 10 min."
    )
    assert ptm.status.property("severity") == "warning" and ptm.answer.property("severity") == "warning"
    assert len(load_pump(pump_path).events) == events  # nothing sent
    assert window.last_refusal is None  # the programmer's link did not fail: the handheld said no itself


def test_the_handheld_keeps_working_over_its_own_link_once_the_visit_ends(qtbot, window, pump_path):
    ptm = window.show_ptm()
    window.programmer.close(confirm=True)
    assert isinstance(ptm.ptm.link, OwnLink) and ptm.give.isEnabled()
    press(qtbot, ptm)
    qtbot.waitUntil(lambda: not ptm.ptm.busy)
    assert len(patient_boluses(load_pump(pump_path))) == 1
    assert shown(ptm.answer).startswith("Bolus given at 2026-11-21 09:00")


def test_the_handheld_names_the_pump_as_the_header_does_and_the_program_once(qtbot, window):
    ptm = window.show_ptm()
    assert shown(ptm.pump) == f"{window.header.pump.text()}\n{window.header.patient.text()}"
    assert shown(ptm.pump) == "Pump PX-20 · serial PX20-DEMO-0001\nPatient ID DEMO-0001"  # not "PX-20 #PX20-…"
    assert title_shown(ptm) == "Patient therapy manager — Intrathecal pump programmer (training)"


def test_the_handheld_opens_centred_on_the_programmer_when_there_is_no_room_beside_it(qtbot, window):
    """Walk-through finding: it opened at 0,0, over the programmer's menus."""
    window.move(0, 0)
    ptm = window.show_ptm()
    qtbot.waitExposed(ptm)
    owner, screen = window.frameGeometry(), window.screen().availableGeometry()
    assert owner.width() + ptm.frameGeometry().width() > screen.width()  # 1280 px wide on the 800 px test screen
    assert ptm.frameGeometry().center().y() == owner.center().y()  # centred, and on the screen
    assert screen.contains(ptm.frameGeometry())
    assert ptm.frameGeometry().top() > window.menuBar().geometry().bottom()


def test_with_room_on_the_screen_the_handheld_opens_beside_the_programmer_right_or_else_left():
    programmer, handheld, screen = QRect(100, 50, 1280, 800), QSize(420, 540), QRect(0, 0, 1920, 1080)
    assert opening_place(programmer, handheld, screen) == QPoint(1388, 50)  # 100 + 1280 + a gap of 8
    assert opening_place(programmer.translated(500, 0), handheld, screen) == QPoint(172, 50)  # 600 − 8 − 420
    # No room either side: centred on it, kept on the screen.
    assert opening_place(QRect(0, 0, 1920, 1080), handheld, screen) == QPoint(750, 270)
    assert opening_place(QRect(0, 0, 1280, 800), handheld, QRect(0, 0, 1280, 800)) == QPoint(430, 130)


def test_esc_puts_the_handheld_away(qtbot, window):
    ptm = window.show_ptm()
    qtbot.waitExposed(ptm)
    qtbot.keyClick(ptm.give, Qt.Key.Key_Escape)
    assert not ptm.isVisible() and ptm.closed
    assert window.show_ptm() is not ptm  # Window → Patient therapy manager opens a new one, paired again


def test_a_refused_press_is_said_until_the_pumps_clock_moves_on(qtbot, window):
    """Walk-through finding: "Pressed at 09:00: no bolus given (see above)" beside "Bolus available now." a month
    of pump time later."""
    ptm = window.show_ptm()
    press(qtbot, ptm, window)
    press(qtbot, ptm, window)  # in the lockout
    assert shown(ptm.answer) == "Pressed at 09:00: no bolus given (see above)." and ptm.answer.isVisibleTo(ptm)
    qtbot.mouseClick(window.clock_panel.plus_30_days_button, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert shown(ptm.clock) == "Pump clock: Mon 2026-12-21 09:00"
    assert shown(ptm.status) == "Bolus available now."
    assert not ptm.answer.isVisibleTo(ptm) and shown(ptm.answer) == ""


def test_a_handheld_window_on_its_own_says_when_the_pump_is_out_of_reach(qtbot, pump_path):
    ptm = PtmWindow(PatientTherapyManager(OwnLink(pump_path)))
    qtbot.addWidget(ptm)
    with connected(pump_path):
        press(qtbot, ptm)
    assert shown(ptm.answer).startswith("No bolus given: ")
    assert shown(ptm.answer).endswith("the handheld cannot reach it until that session ends; nothing was given.")
    assert ptm.give.isEnabled()


def scan_when_shown(qtbot, hours: float, emptied_ml: float | None = None) -> list[tuple[MriDialog, bool]]:
    """Fill in the MRI dialog when it opens and press Scan; the dialogs seen, each with whether it asked the volume
    withdrawn to empty the pump."""
    seen: list[tuple[MriDialog, bool]] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, MriDialog):
            QTimer.singleShot(10, fill)
            return
        seen.append((dialog, dialog.emptied.isVisible()))
        dialog.hours.setValue(hours)
        if emptied_ml is not None:
            dialog.emptied.setValue(emptied_ml)
        qtbot.mouseClick(dialog.scan_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(10, fill)
    return seen


def test_clock_mri_scan_stalls_the_motor_until_the_nurse_interrogates(qtbot, window, pump_path):
    seen = scan_when_shown(qtbot, 2)
    window.mri_action.trigger()
    assert seen and seen[0][0].advice.text().startswith("In the magnet the PX-20's motor stalls") and not seen[0][1]
    memory = window.session.current
    assert memory.clock == load_pump(pump_path).clock and memory.delivery_held_since is not None
    assert [as_read(label.text()) for label in window.status_panel.alarm_labels] == [
        "CRITICAL: Motor stall: no delivery since 2026-11-21 09:00",
        "No delivery since the MRI scan of 2026-11-21 09:00 (motor stalled): interrogate the pump to restart its motor",
    ]
    window.advance(window.session.now + timedelta(days=2))
    assert window.session.current.reservoir_ml == memory.reservoir_ml  # nothing delivered
    window.interrogate_action.trigger()
    window.wait_for_pump()
    assert window.session.current.delivery_held_since is None
    assert load_pump(pump_path).events.of_kind(EventKind.MRI)[-1].text.startswith("Delivery resumed after the MRI scan")


def test_clock_mri_scan_on_a_valve_gated_pump_empties_it_first(qtbot, tmp_path):
    path = tmp_path / "vg.pump"
    save_pump(path, new_pump("VG-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2026, 11, 21, 9)))
    widget = MainWindow()
    qtbot.addWidget(widget, before_close_func=end_quietly)
    widget.show()
    widget.load_pump(path)
    seen = scan_when_shown(qtbot, 1, emptied_ml=19.5)
    widget.mri_action.trigger()
    qtbot.waitUntil(lambda: widget.session.current.delivery_held_since is not None)
    assert seen[0][1] and seen[0][0].advice.text().startswith("The VG-20 must be emptied before")
    refill = load_pump(path).events.of_kind(EventKind.REFILL)[-1].details
    assert (refill.removed_ml, refill.added_ml) == (19.5, 0.0)
    assert widget.status_panel.alarm_labels[-1].text().endswith("(flow valve closed): interrogate the pump to reset "
                                                                  "its flow valve")
