"""The process's one QApplication, and the one rule for where it draws when there is no screen.

Headless work (a screenshot, a PDF report or debrief) runs offscreen on a Linux machine with no display
(no DISPLAY or WAYLAND_DISPLAY), where Qt would otherwise abort. The window itself is never sent
offscreen: it would run invisibly, so it says instead that there is no display.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

NAME = "Intrathecal pump programmer"
# Qt adds it to every window's title ("DEMO-0001 (demo.pump) — Intrathecal pump programmer (training)"), as
# desktops show a document's window: a window's own title names only what is its own, never the program again.
DISPLAY_NAME = "Intrathecal pump programmer (training)"
# Said by the offscreen platform for every window it shows: noise on a command's stderr, not a problem.
OFFSCREEN_NOISE = "This plugin does not support propagateSizeHints()"


def no_display() -> bool:
    """True on a Linux (or other X11/Wayland) machine with no display to open and no Qt platform chosen."""
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return False  # a platform chosen on purpose (offscreen, eglfs on a kiosk's framebuffer…), or a desktop OS
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def application(*, headless: bool = True) -> QApplication:
    """The running application, or a new one; a new headless one draws offscreen when there is no display."""
    app = QApplication.instance()
    if app is None:
        if headless and no_display():
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            qInstallMessageHandler(_without_offscreen_noise)
        app = QApplication(sys.argv[:1])
        app.setApplicationName(NAME)
        app.setApplicationDisplayName(DISPLAY_NAME)
    return app


def _without_offscreen_noise(_kind: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    if message != OFFSCREEN_NOISE:
        print(message, file=sys.stderr)
