"""Where the trainee's own files live: the demo pump copy, the recently opened pumps and the settings.

The shipped demo pump is never changed: the trainee works on a copy in the user data
folder, so a session that stops the pump or empties the reservoir can be undone with
`reset_demo_pump()`. No Qt here: the window and the command line share this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs
from msgspec import Struct
from msgspec.structs import asdict, fields, replace

from programmer.errors import ProgrammerError
from programmer.pump.pumpfile import OPEN_FILTER, SUFFIX, PumpFileError, PumpInSessionError, load_pump, save_pump
from programmer.resources import resource_path

APP_NAME = "intrathecal-programmer"
DATA_DIR_VARIABLE = "PROGRAMMER_DATA_DIR"  # tests and portable installs point this elsewhere
DEMO_PUMP_NAME = "demo_pump.json"  # the shipped one
TRAINEE_DEMO_NAME = "demo.pump"  # the trainee's own, a version-2 pump file
RECENT_NAME = "recent.json"
PUMP_SUFFIX, PUMP_FILES = SUFFIX, OPEN_FILTER  # for the window's file dialogs
RECENT_FORMAT = "recent-pumps/1"
MAX_RECENT = 8
SETTINGS_NAME = "settings.json"
SETTINGS_FORMAT = "settings/1"


class WorkspaceError(ProgrammerError):
    """The data folder or the shipped demo pump cannot be used."""


def data_dir() -> Path:
    """The user data folder, created on first use."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    folder = Path(override) if override else platformdirs.user_data_path(APP_NAME, appauthor=False)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise WorkspaceError(
            f"cannot create the data folder {folder} ({error.strerror}); "
            f"set {DATA_DIR_VARIABLE} to a folder you can write to"
        ) from error
    return folder


def _write_demo(target: Path) -> None:
    """The shipped demo pump (JSON text a person can review) written as the trainee's own pump file."""
    source = shipped_demo_pump_path()
    if not source.is_file():
        raise WorkspaceError(f"the shipped demo pump {source} is missing: reinstall the programmer")
    try:
        save_pump(target, load_pump(source))  # refused while a session holds the demo pump
    except PumpInSessionError:
        raise
    except PumpFileError as error:
        raise WorkspaceError(f"cannot copy the demo pump to {target}: {error}") from error


def shipped_demo_pump_path() -> Path:
    return resource_path(DEMO_PUMP_NAME)


def demo_pump_path() -> Path:
    """The trainee's copy of the demo pump, copied from the shipped one the first time."""
    target = data_dir() / TRAINEE_DEMO_NAME
    if not target.exists():
        _write_demo(target)
    return target


def reset_demo_pump() -> Path:
    """Overwrite the trainee's copy with the shipped demo pump (a fresh start); refused while a session holds it."""
    target = data_dir() / TRAINEE_DEMO_NAME
    _write_demo(target)
    return target


def _recent_file() -> Path:
    return data_dir() / RECENT_NAME


def _read_recent() -> list[Path]:
    """Paths from recent.json; a missing, unreadable or corrupt file means no recent pumps."""
    data = _read_json(_recent_file())
    if not isinstance(data, dict) or data.get("format") != RECENT_FORMAT or not isinstance(data.get("pumps"), list):
        return []
    return [Path(entry) for entry in data["pumps"] if isinstance(entry, str) and entry]


def recent_pumps() -> list[Path]:
    """Recently opened pump files, most recent first; files that no longer exist are left out."""
    seen: set[Path] = set()
    recent = []
    for path in _read_recent():
        if path not in seen and path.is_file():
            seen.add(path)
            recent.append(path)
    return recent[:MAX_RECENT]


def remember_pump(path: Path) -> None:
    """Put `path` at the top of the recent list (at most MAX_RECENT entries)."""
    path = Path(path).expanduser().resolve()
    pumps = [path, *(other for other in recent_pumps() if other != path)][:MAX_RECENT]
    _write_json(_recent_file(), {"format": RECENT_FORMAT, "pumps": [str(p) for p in pumps]})


def _read_json(target: Path) -> Any:
    """What `target` holds, or None when it is missing, unreadable or not JSON."""
    try:
        return json.loads(target.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


def _write_json(target: Path, data: object) -> None:
    """Replace `target` whole (never half-written); a failure is ignored.

    The recent list and the settings are conveniences: failing to save them must never stop the trainee.
    """
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(json.dumps(data, indent=2) + "\n")
        os.replace(temporary, target)
    except OSError:
        Path(temporary).unlink(missing_ok=True)


class Settings(Struct, frozen=True):
    """What the trainee chose and the programmer remembers between runs."""

    alarm_sound_muted: bool = False  # a classroom: alarms are shown, never heard
    tones_through_skin: bool = False  # alarm tones muffled, as a pump under the skin is heard
    kiosk: bool = False  # a demo station: full screen, no files, no quitting without the instructor PIN
    kiosk_scenario: str = ""  # the scenario id a demo station starts on; empty: the demo pump
    idle_reset_minutes: int = 5  # a demo station goes back to its start after this long without input; 0: never


def settings() -> Settings:
    """The saved settings; a missing or corrupt file, or a value of the wrong type, gives that setting's default."""
    try:
        data = _read_json(data_dir() / SETTINGS_NAME)
    except WorkspaceError:  # no data folder: the defaults, as on a first run
        data = None
    if not isinstance(data, dict) or data.get("format") != SETTINGS_FORMAT:
        return Settings()
    defaults = Settings()
    chosen = {  # the type itself, not a subclass: `true` is no number of minutes
        field.name: data[field.name]
        for field in fields(Settings)
        if type(data.get(field.name)) is type(getattr(defaults, field.name))
    }
    return replace(defaults, **chosen)


def change_settings(**changes: object) -> Settings:
    """Save the settings with `changes` (by field name) and return them."""
    changed = replace(settings(), **changes)
    with contextlib.suppress(WorkspaceError):  # no data folder: kept for this run only (a convenience)
        _write_json(data_dir() / SETTINGS_NAME, {"format": SETTINGS_FORMAT, **asdict(changed)})
    return changed
