"""Starting the window: on the demo pump unless a pump file is given, or just to render a screenshot."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from programmer.errors import ProgrammerError
from programmer.session import workspace
from programmer.ui import dialogs
from programmer.ui.main_window import MainWindow

SCREENSHOT_SIZE = (1280, 800)
SCREENSHOT_TABS = {"status": 0, "prescription": 1, "schedule": 2, "review": 3, "boluses": 4, "log": 5}


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Intrathecal pump programmer")
    app.setApplicationDisplayName("Intrathecal pump programmer (training)")
    return app


def render_screenshot(window: MainWindow, target: Path, tab: str = "status") -> bool:
    """Draw the window at 1280×800 into a PNG (works offscreen: no display needed)."""
    window.tabs.setCurrentIndex(SCREENSHOT_TABS[tab])
    for _ in range(3):  # nested layouts (tabs, scroll areas, wrapped labels) settle over a few passes
        QApplication.processEvents()
    return window.grab().save(str(target))


def run(pump_path: Path | None, screenshot: Path | None, *, screenshot_tab: str = "status") -> int:
    """The GUI. With `screenshot`: interrogate, render the window to that PNG and exit (0 on success)."""
    app = application()
    window = MainWindow()
    window.resize(*SCREENSHOT_SIZE)
    if screenshot is not None:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # rendered, never flashed on a desktop
    window.show()
    try:
        path = pump_path if pump_path is not None else workspace.demo_pump_path()
    except ProgrammerError as error:
        return _cannot_open(window, screenshot, error)
    if screenshot is not None:
        # Opened here, not through the window's dialogs: a refusal is one line on the command line.
        try:
            window.programmer.open(path)
        except ProgrammerError as error:
            return _cannot_open(window, screenshot, error)
        window.wait_for_pump()
        if window.visit is None:
            return _cannot_open(window, screenshot, window.last_refusal)
        saved = render_screenshot(window, screenshot, screenshot_tab)
        window.programmer.close(confirm=True)  # nothing was changed: the pump is left as it was found
        window.close()
        if not saved:
            print(f"programmer: cannot write the screenshot to {screenshot}", file=sys.stderr)
            return 1
        return 0
    window.open_pump(path)
    return app.exec()


def _cannot_open(window: MainWindow, screenshot: Path | None, error: Exception | None) -> int:
    if screenshot is None:
        dialogs.show_error(window, "Cannot open the pump", str(error))
        return application().exec()
    print(f"programmer: cannot open the pump: {error}", file=sys.stderr)
    return 1
