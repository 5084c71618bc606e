"""Where the trainee's own files live: the demo pump copy and the list of recently opened pumps.

The shipped demo pump is never changed: the trainee works on a copy in the user data
folder, so a session that stops the pump or empties the reservoir can be undone with
`reset_demo_pump()`. No Qt here: the window and the command line share this module.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import platformdirs

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
    try:
        data = json.loads(_recent_file().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return []
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
    text = json.dumps({"format": RECENT_FORMAT, "pumps": [str(p) for p in pumps]}, indent=2)
    target = _recent_file()
    handle, temporary = tempfile.mkstemp(prefix=".recent-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text + "\n")
        os.replace(temporary, target)
    except OSError:
        # The recent list is a convenience: failing to save it must never stop the trainee.
        Path(temporary).unlink(missing_ok=True)
