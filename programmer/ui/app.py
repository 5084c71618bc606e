"""Starting the window: on the demo pump unless a pump file is given, as a demo station (kiosk), or just to
render a screenshot."""

from __future__ import annotations

import programmer.ui.start_order  # noqa: F401  (first: see its docstring)

# isort: split
import linecache
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from msgspec import Struct
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from programmer.errors import ProgrammerError
from programmer.session import workspace
from programmer.ui import dialogs
from programmer.ui.application import application, no_display
from programmer.ui.main_window import MainWindow
from programmer.ui.station import QUIT_PURPOSE, DemoStation
from programmer.ui.training.pin_dialog import ask_pin

if TYPE_CHECKING:
    from programmer.training.scenario import Scenario

SCREENSHOT_SIZE = (1280, 800)
SCREENSHOT_TABS = {"status": 0, "prescription": 1, "schedule": 2, "review": 3, "boluses": 4, "log": 5}
NO_DISPLAY = ("no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset): start it from a desktop "
              "session, or render the window with --screenshot FILE")


class StartError(ProgrammerError):
    """The command line asks for a start the programmer cannot make."""


class StationChoice(Struct, frozen=True):
    """A demo station's start, from the command line over the settings."""

    scenario: Scenario | None
    idle_after_s: float | None  # None: no idle reset


def station_choice(pump_path: Path | None, kiosk: bool, kiosk_scenario: str | None,
                   idle_reset_minutes: int | None) -> StationChoice | None:
    """The demo station asked for (None: the ordinary window); StartError for a start it cannot make."""
    settings = workspace.settings()
    if not (kiosk or kiosk_scenario is not None or settings.kiosk):
        return None
    if pump_path is not None:
        raise StartError("a demo station starts on the demo pump or on a scenario (--kiosk-scenario), not on a pump "
                         "file; turn the kiosk setting off with `programmer settings --kiosk off`")
    scenario_id = kiosk_scenario if kiosk_scenario is not None else settings.kiosk_scenario
    scenario = None
    if scenario_id:
        from programmer.training.library import scenario_library  # the scenarios load only for a scenario station

        library = scenario_library()
        scenario = library.find(scenario_id)
        if scenario is None:
            known = ", ".join(each.id for each in library.scenarios)
            raise StartError(f"no scenario {scenario_id!r} for the demo station; the library has: {known}")
    minutes = idle_reset_minutes if idle_reset_minutes is not None else settings.idle_reset_minutes
    return StationChoice(scenario, minutes * 60.0 if minutes > 0 else None)


def render_screenshot(window: MainWindow, target: Path, tab: str = "status") -> bool:
    """Draw the window at 1280×800 into a PNG (works offscreen: no display needed)."""
    window.tabs.setCurrentIndex(SCREENSHOT_TABS[tab])
    for _ in range(3):  # nested layouts (tabs, scroll areas, wrapped labels) settle over a few passes
        QApplication.processEvents()
    return window.grab().save(str(target))


def run(pump_path: Path | None, screenshot: Path | None, *, screenshot_tab: str = "status", kiosk: bool = False,
        kiosk_scenario: str | None = None, idle_reset_minutes: int | None = None) -> int:
    """The GUI. With `screenshot`: interrogate, render the window to that PNG and exit (0 on success)."""
    # The source of the window's own modules, read while they imported (see ui/start_order.py): freed before the
    # window is built, which reuses that memory (issue 16).
    linecache.clearcache()
    try:
        choice = station_choice(pump_path, kiosk, kiosk_scenario, idle_reset_minutes)
    except ProgrammerError as error:
        print(f"programmer: error: {error}", file=sys.stderr)
        return 1
    if screenshot is None and no_display():
        print(f"programmer: {NO_DISPLAY}", file=sys.stderr)
        return 1
    app = application(headless=screenshot is not None)
    window = MainWindow()
    window.resize(*SCREENSHOT_SIZE)
    if screenshot is not None:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # rendered, never flashed on a desktop
        window.show()
        return _screenshot(window, pump_path, screenshot, screenshot_tab, choice)
    if choice is not None:
        return _demo_station(app, window, choice)
    window.show()
    try:
        path = pump_path if pump_path is not None else workspace.demo_pump_path()
    except ProgrammerError as error:
        return _cannot_open(window, error)
    window.open_pump(path)
    return app.exec()


def _screenshot(window: MainWindow, pump_path: Path | None, target: Path, tab: str,
                choice: StationChoice | None) -> int:
    """Open the pump (or the demo station's start), render, leave the pump as it was found: 0, or 1 with why."""
    if choice is not None:
        station = DemoStation(window, choice.scenario, choice.idle_after_s)
        station.leave()  # its guards aside: a screenshot closes the window itself
        if not station.start():
            return _refused(window.statusBar().currentMessage())
    else:
        # Opened here, not through the window's dialogs: a refusal is one line on the command line.
        try:
            window.programmer.open(pump_path if pump_path is not None else workspace.demo_pump_path())
        except ProgrammerError as error:
            return _refused(f"cannot open the pump: {error}")
        window.wait_for_pump()
        if window.visit is None:
            return _refused(f"cannot open the pump: {window.last_refusal}")
    saved = render_screenshot(window, target, tab)
    window.training.back_to_start()  # a demo station's scenario attempt ends as "reset"
    window.programmer.close(confirm=True)  # nothing was changed: the pump is left as it was found
    window.close()
    if not saved:
        return _refused(f"cannot write the screenshot to {target}")
    return 0


def _demo_station(app: QApplication, window: MainWindow, choice: StationChoice) -> int:
    """Full screen as a demo station; its instructor PIN set first, since nobody quits it without one."""
    try:
        if not window.training.pin.is_set and not ask_pin(window.training.pin, window, QUIT_PURPOSE):
            return _refused("a demo station needs the instructor PIN (to quit it): none was set")
    except ProgrammerError as error:  # a damaged PIN file: deleting it resets the PIN
        return _refused(str(error))
    station = DemoStation(window, choice.scenario, choice.idle_after_s)
    window.showFullScreen()
    station.start()  # a refusal is said in the status bar; the instructor quits with the PIN
    return app.exec()


def _refused(message: str) -> int:
    print(f"programmer: {message}", file=sys.stderr)
    return 1


def _cannot_open(window: MainWindow, error: Exception) -> int:
    dialogs.show_error(window, "Cannot open the pump", str(error))
    return application().exec()
