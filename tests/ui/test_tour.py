"""Help → Guided tour: each step rings its control on the right screen; Next, Back, Esc; the attract loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from programmer.session.tour import STEPS
from programmer.ui.main_window import EDITOR_TAB, LOG_TAB, REVIEW_TAB, STATUS_TAB
from tests.ui.conftest import shown_window

# The screen each step's control is on, in order: toolbar (any tab), status, prescription, review ×2, status.
TABS = [LOG_TAB, STATUS_TAB, EDITOR_TAB, REVIEW_TAB, REVIEW_TAB, STATUS_TAB]


@pytest.fixture
def window(qtbot, pump_path):
    widget = shown_window(qtbot, pump_path, before_close=lambda window: window.tour.leave())
    widget.tabs.setCurrentIndex(LOG_TAB)  # where the visitor was before the tour
    return widget


def ring_of(window) -> QRect:
    """Where the step's control is, in the window: what the tour must leave undimmed."""
    target = window.tour.target()
    return QRect(target.mapTo(window, QPoint(0, 0)), target.size())


def test_help_menu_starts_the_tour_on_the_interrogate_button(window):
    help_menu = window.menuBar().findChild(type(window.recent_menu), "helpMenu")
    assert window.tour_action in help_menu.actions()
    window.tour_action.trigger()
    tour = window.tour
    assert tour.isVisible() and tour.geometry() == window.rect()
    assert tour.target() is window.findChild(type(tour.target()), "interrogateToolButton")
    assert tour.hole() == ring_of(window)
    assert (tour.position.text(), tour.title.text()) == ("Step 1 of 6", "Interrogate the pump")
    assert tour.text.text().startswith("Interrogate (Ctrl+I) reads the pump")
    assert not tour.back_button.isEnabled() and tour.next_button.text() == "Next"


def test_each_step_rings_its_control_on_its_screen_and_the_bubble_never_covers_it(qtbot, window):
    window.tour.start()
    for index, step in enumerate(STEPS):
        tour = window.tour
        target = tour.target()
        assert target.objectName() == step.control
        assert window.tabs.currentIndex() == TABS[index], step.title
        assert target.isVisible() and not tour.hole().isEmpty()
        assert ring_of(window).contains(tour.hole()), step.title  # what shows of it (a scroll area may clip)
        bubble = tour.bubble.geometry()
        assert window.rect().contains(bubble), step.title
        assert not bubble.intersects(tour.hole()), step.title
        assert tour.title.text() == step.title and tour.position.text() == f"Step {index + 1} of 6"
        if index < len(STEPS) - 1:
            qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
    assert window.tour.next_button.text() == "Finish"
    qtbot.mouseClick(window.tour.next_button, Qt.MouseButton.LeftButton)
    assert not window.tour.isVisible()
    assert window.tabs.currentIndex() == LOG_TAB  # the tour turned the tabs; leaving turns them back


def test_back_goes_to_the_step_before_on_its_screen(qtbot, window):
    window.tour.start()
    for _ in range(3):
        qtbot.mouseClick(window.tour.next_button, Qt.MouseButton.LeftButton)
    assert window.tour.target().objectName() == "reviewTable"
    qtbot.mouseClick(window.tour.back_button, Qt.MouseButton.LeftButton)
    assert window.tour.target().objectName() == "dailyDose"
    assert window.tabs.currentIndex() == EDITOR_TAB


def test_arrow_keys_move_and_esc_leaves_the_tour_where_the_visitor_was(qtbot, window):
    window.tour.start()
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Right)
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Right)
    assert window.tour.tour.index == 2 and window.tabs.currentIndex() == EDITOR_TAB
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Left)
    assert window.tour.tour.index == 1
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Escape)
    assert not window.tour.isVisible()
    assert window.tabs.currentIndex() == LOG_TAB


def test_the_tour_never_presses_anything(qtbot, window):
    before = window.session.current
    window.tour.start()
    for _ in STEPS:
        qtbot.mouseClick(window.tour.next_button, Qt.MouseButton.LeftButton)
    assert window.session.current is before and not window.session.has_pending_changes


def test_the_attract_loop_moves_on_by_itself_round_and_round(qtbot, window):
    window.tour.start_attract_loop(every=timedelta(milliseconds=30))
    tour = window.tour
    assert tour.isVisible() and tour.attracting and tour.attract_hint.isVisible()
    qtbot.waitUntil(lambda: tour.tour.index == 3, timeout=2000)
    assert window.tabs.currentIndex() == REVIEW_TAB and tour.target().objectName() == "reviewTable"
    qtbot.waitUntil(lambda: tour.tour.index == 0, timeout=2000)  # after the last step, the first again
    assert tour.isVisible()


def test_the_attract_loop_stops_on_input_and_the_visitor_takes_over_at_that_step(qtbot, window):
    window.tour.start_attract_loop(every=timedelta(milliseconds=30))
    tour = window.tour
    qtbot.waitUntil(lambda: tour.tour.index == 2, timeout=2000)
    qtbot.mouseClick(tour, Qt.MouseButton.LeftButton, pos=QPoint(5, window.height() - 5))  # a touch anywhere
    index = tour.tour.index
    qtbot.wait(150)
    assert not tour.attracting and tour.tour.index == index
    assert tour.isVisible() and not tour.attract_hint.isVisible()  # the tour, now driven by Next and Back
    qtbot.keyClick(tour.next_button, Qt.Key.Key_Escape)
    assert not tour.isVisible()


def test_a_key_stops_the_attract_loop_too(qtbot, window):
    window.tour.start_attract_loop(every=timedelta(milliseconds=30))
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Shift)
    assert not window.tour.attracting


def test_the_overlay_follows_the_window_size(qtbot, window):
    window.tour.start()
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.tour.geometry() == window.rect())
    assert window.rect().contains(window.tour.bubble.geometry())


def test_with_no_pump_open_the_tour_still_shows_every_control(qtbot, window):
    """An idle station between visitors may have no pump open: the attract loop still has a control to show."""
    window.programmer.close(confirm=True)
    window.tour.start()
    for step in STEPS:
        assert window.tour.target().objectName() == step.control
        assert not window.tour.hole().isEmpty(), step.title
        window.tour.next()
    assert not window.tour.isVisible()


def test_esc_while_the_pump_answers_stops_waiting_first(qtbot, window, dialogs):
    """The header's "Stop waiting (Esc)" and the tour's Esc never compete: the exchange is stopped, the tour stays."""
    window.faults.delay_s = 3.0
    window.tour.start()
    window.interrogate_action.trigger()
    dialogs.answer("errorOk", attempts=1000)  # "Interrogation failed: cancelled while waiting for the pump"
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Escape)
    window.wait_for_pump()
    qtbot.waitUntil(lambda: bool(dialogs.seen))
    window.faults.delay_s = 0.0
    assert "cancelled while waiting for the pump" in dialogs.seen[-1].lower()
    assert window.tour.isVisible()
    qtbot.keyClick(window.tour.next_button, Qt.Key.Key_Escape)
    assert not window.tour.isVisible()
