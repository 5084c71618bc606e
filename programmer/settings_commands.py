"""`programmer settings`: show or change the station's settings (the user data folder's settings.json). No Qt.

The window reads the same file (programmer/session/workspace.py, the one settings mechanism): a demo
station is set up once from the command line (`--kiosk on --kiosk-scenario ID --idle-reset-minutes 5`)
and every later `programmer` starts as one.
"""

from __future__ import annotations

import argparse

from msgspec.structs import asdict

from programmer.errors import ProgrammerError
from programmer.session import workspace

NO_SCENARIO = "none"


class SettingsError(ProgrammerError, ValueError):
    """A setting the station cannot use."""


def minutes(text: str) -> int:
    """Whole minutes, 0 or more (0: never)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"whole minutes are expected, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"minutes cannot be negative ({value}); 0 turns the idle reset off")
    return value


def add_settings_command(subparsers: argparse._SubParsersAction) -> None:
    settings = subparsers.add_parser(
        "settings", help="show or change the station's settings: the demo station (kiosk), the alarm sounds"
    )
    settings.add_argument("--kiosk", choices=("on", "off"),
                          help="start every window as a demo station: full screen, no files, quit with the PIN")
    settings.add_argument("--kiosk-scenario", metavar="ID",
                          help=f"the scenario a demo station starts on (see `programmer training list`); "
                          f"{NO_SCENARIO!r}: the demo pump")
    settings.add_argument("--idle-reset-minutes", type=minutes, metavar="MINUTES",
                          help="a demo station goes back to its start after this long without input (0: never)")
    settings.set_defaults(run=_settings)


def _settings(args: argparse.Namespace) -> str:
    changes: dict[str, object] = {}
    if args.kiosk is not None:
        changes["kiosk"] = args.kiosk == "on"
    if args.kiosk_scenario is not None:
        changes["kiosk_scenario"] = _scenario_id(args.kiosk_scenario)
    if args.idle_reset_minutes is not None:
        changes["idle_reset_minutes"] = args.idle_reset_minutes
    chosen = workspace.change_settings(**changes) if changes else workspace.settings()
    if changes and workspace.settings() != chosen:  # the window would not see them: say so, never pretend
        raise SettingsError(f"cannot save the settings in {workspace.data_dir()}: check that it can be written")
    lines = [f"{name} = {_shown(value)}" for name, value in asdict(chosen).items()]
    return "\n".join([f"# {workspace.data_dir() / workspace.SETTINGS_NAME}", *lines])


def _scenario_id(text: str) -> str:
    from programmer.training.library import scenario_library  # the scenarios' modules: only when one is named

    if text.strip().lower() in (NO_SCENARIO, ""):
        return ""
    library = scenario_library()
    if library.find(text) is None:
        known = ", ".join(scenario.id for scenario in library.scenarios)
        raise SettingsError(f"no scenario {text!r}; the library has: {known}")
    return text


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return repr(value) if isinstance(value, str) else str(value)
