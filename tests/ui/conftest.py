"""Fixtures for the window tests: a private data folder, a fresh copy of the demo pump, dialogs answered by clicks."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

# The offscreen platform (tests run without a display) says this for every top-level window it shows.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


def end_quietly(window) -> None:
    """At teardown: the pump's lock released without the confirmation a nurse would see."""
    window.wait_for_pump()
    window.programmer.close(confirm=True)


def shown_window(qtbot, pump_path: Path | None = None, *, size=(1280, 800), before_close=None):
    """A programmer window shown at `size` with `pump_path` open (None: no pump yet). At teardown,
    `before_close(window)` if given (a running clock paused, a tour left), then the pump let go quietly."""
    from programmer.ui.main_window import MainWindow

    def close(window) -> None:
        if before_close is not None:
            before_close(window)
        end_quietly(window)

    widget = MainWindow()
    qtbot.addWidget(widget, before_close_func=close)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    if pump_path is not None:
        widget.load_pump(pump_path)
    return widget


def wrapped_lines(label, width: int | None = None) -> list[str]:
    """The lines a word-wrapped `label` takes at `width` (default: its own), as Qt wraps it, and as they read."""
    from PySide6.QtGui import QTextLayout, QTextOption

    from tests.helpers import as_read

    text = label.text()
    layout = QTextLayout(text, label.font())
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(label.contentsRect().width() if width is None else width)
        lines.append(as_read(text[line.textStart() : line.textStart() + line.textLength()]))
    layout.endLayout()
    return lines


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch) -> Path:
    """Every test gets its own user data folder: the real one is never touched."""
    folder = tmp_path / "data"
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def silent_speakers(monkeypatch) -> None:
    """No test beeps on a developer's speakers: the real player still looks for an audio output, plays nothing."""
    from programmer.ui.alarm_sound import QtTonePlayer

    monkeypatch.setattr(QtTonePlayer, "_start", lambda self, multimedia, pcm: False)


def title_shown(window: QWidget) -> str:
    """A window's title as the desktop shows it: Qt adds the program's display name to the window's own (unless the
    title ends with it already), as the window manager's title bar and task list read it on Linux and Windows."""
    from programmer.ui.application import DISPLAY_NAME

    own = window.windowTitle()
    return own if own.endswith(DISPLAY_NAME) else f"{own} — {DISPLAY_NAME}" if own else DISPLAY_NAME


@pytest.fixture
def pump_path(data_dir) -> Path:
    """The trainee's copy of the shipped demo pump, in the test's data folder."""
    from programmer.session import workspace

    return workspace.demo_pump_path()


class DialogAnswerer:
    """Clicks a button in the next modal dialog, the way a nurse would, and keeps what the dialog said."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self._timers: list[QTimer] = []

    def answer(self, button_object_name: str, attempts: int = 200) -> None:
        timer = QTimer()
        timer.setInterval(10)
        remaining = [attempts]

        def click() -> None:
            box = QApplication.activeModalWidget()
            remaining[0] -= 1
            if isinstance(box, QMessageBox):
                timer.stop()
                self.seen.append(f"{box.windowTitle()}\n{box.text()}\n{box.informativeText()}")
                box.findChild(QPushButton, button_object_name).click()
            elif remaining[0] <= 0:
                timer.stop()

        timer.timeout.connect(click)
        timer.start()
        self._timers.append(timer)


@pytest.fixture
def dialogs() -> DialogAnswerer:
    return DialogAnswerer()


@pytest.fixture
def timers():
    kept: list[QTimer] = []
    yield kept
    for timer in kept:
        timer.stop()


def when_shown(kind: type, then, timers: list[QTimer]) -> None:
    """Once a modal dialog of `kind` is up, `then(dialog)`, as a person would act on it."""
    timer = QTimer()
    timer.setInterval(20)

    def look() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, kind):
            timer.stop()
            then(dialog)

    timer.timeout.connect(look)
    timer.start()
    timers.append(timer)
