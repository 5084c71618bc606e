"""Help → User guide and Help → About, as a nurse opens them; the one rule for drawing without a display."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QStyle

from programmer import TRAINING_BANNER
from programmer.ui import app, application
from programmer.ui.help import AboutDialog
from tests.ui.conftest import shown_window


@pytest.fixture
def window(qtbot):
    return shown_window(qtbot)


def test_help_is_the_last_menu_with_the_guide_first_and_about_last(window):
    assert window.menuBar().actions()[-1] is window.help.menu.menuAction()
    assert window.help.menu.title().replace("&", "") == "Help"
    items = [action.text() for action in window.help.menu.actions() if not action.isSeparator()]
    assert items[0] == "&User guide" and items[-1] == "&About"


def test_f1_opens_the_user_guide_beside_the_window(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_F1)
    guide = window.help.guide
    assert guide is not None and guide.isVisible() and not guide.isModal()
    text = guide.browser.toPlainText()
    assert text.startswith("User guide")
    assert TRAINING_BANNER in text
    for screen in ("Status", "Prescription", "Schedule (flex)", "Review and program", "Boluses", "Event log",
                   "Refill", "Training", "Demo station", "Shortcuts"):
        assert screen in text


def test_the_guide_names_every_shortcut_of_the_window(window):
    """A shortcut added to the window and not to the guide is one a nurse never learns."""
    text = window.help.show_guide().browser.toPlainText()
    portable = QKeySequence.SequenceFormat.PortableText
    missing = sorted(
        f"{action.objectName()} {action.shortcut().toString(portable)}"
        for action in window.findChildren(QAction)
        if action.shortcut().toString(portable) and action.shortcut().toString(portable) not in text
    )
    assert missing == []
    tabs = window.tabs
    for index in range(tabs.count()):
        label = tabs.tabText(index)
        if "&" in label:  # the tab's Alt+letter
            assert f"Alt+{label[label.index('&') + 1].upper()}" in text


def test_about_shows_the_version_the_purpose_and_each_licence(qtbot, window):
    window.help.about_action.trigger()
    about = window.help.about
    assert isinstance(about, AboutDialog) and about.isVisible()
    version = metadata.version("programmer")
    assert about.heading.text() == f"Intrathecal pump programmer {version}"
    assert "not for clinical use" in about.purpose.text()
    assert about.licence_of("PySide6").startswith("LGPL-3.0")
    assert about.licence_of("pyqtgraph") == "MIT"
    assert about.licence_of("numpy").startswith("BSD-3-Clause")
    assert about.licence_of("msgspec") == "BSD-3-Clause"
    assert about.licence_of("platformdirs") == "MIT"
    about.reject()


@pytest.mark.parametrize(
    ("environment", "platform", "offscreen"),
    [
        ({}, "linux", True),  # an ssh session, a CI runner: no display
        ({"DISPLAY": ":0"}, "linux", False),
        ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"QT_QPA_PLATFORM": "eglfs"}, "linux", False),  # a kiosk on a framebuffer: chosen on purpose
        ({}, "darwin", False),  # macOS and Windows have no DISPLAY, and a screen all the same
        ({}, "win32", False),
    ],
)
def test_offscreen_only_where_there_is_no_display(monkeypatch, environment, platform, offscreen):
    for variable in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setattr(application.sys, "platform", platform)
    assert application.no_display() is offscreen


def test_the_window_without_a_display_says_so_instead_of_aborting(monkeypatch, capsys):
    monkeypatch.setattr(app, "no_display", lambda: True)
    assert app.run(None, None) == 1
    assert capsys.readouterr().err.startswith("programmer: no display to open the window on")


def test_a_screenshot_needs_no_display_and_says_nothing_when_it_works(tmp_path):
    """`programmer --screenshot` on a machine with no display: offscreen by itself, no Qt noise on stderr."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environment["PROGRAMMER_DATA_DIR"] = str(tmp_path / "data")
    target = tmp_path / "shot.png"
    done = subprocess.run([sys.executable, "-m", "programmer", "--screenshot", str(target)], env=environment,
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert QImage(str(target)).size().toTuple() == (1280, 800)


def cut_off_cells(table) -> list[str]:
    """Each cell whose text does not fit it, wrapped at its column's width: Qt draws it ending in '…'."""
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    metrics = table.fontMetrics()
    cut = []
    for row in range(table.rowCount()):
        for column in range(table.columnCount()):
            text = table.item(row, column).text()
            room = QRect(0, 0, table.columnWidth(column) - 2 * margin, 10_000)
            needed = metrics.boundingRect(room, Qt.TextFlag.TextWordWrap, text)
            if needed.width() > room.width() or needed.height() > table.rowHeight(row):
                cut.append(text)
    return cut


def test_about_cuts_off_no_cell_and_states_the_programmers_own_licence(qtbot, window):
    """Walk-through finding: msgspec's "Used for" ended in "…file and t…"; the programmer's own licence was not
    stated; colorama was "needed by the packages above"."""
    window.help.about_action.trigger()
    about = window.help.about
    qtbot.waitExposed(about)
    assert cut_off_cells(about.licences) == []
    assert about.own_licence.text() == "The programmer itself is under the MIT licence."
    used_for = {about.licences.item(row, 0).text(): about.licences.item(row, 3).text()
                for row in range(about.licences.rowCount())}
    assert used_for["msgspec"] == (
        "the programmer's records, and reading and checking the pump file and the resource files"
    )
    assert used_for["shiboken6"] == "needed by PySide6"
    about.reject()
