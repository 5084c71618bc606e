"""The file the virtual pump's memory lives in: one versioned, checksummed, human-readable JSON file per pump.

    {"format": "intrathecal-pump-memory", "version": 1,
     "checksum": "sha256:<hex of the canonical JSON of memory>", "memory": {...}}

Loading never changes the file, and refuses anything malformed, truncated, tampered
with, from a newer programmer or out of range, naming the field and the problem.
Saving is atomic (temporary file, fsync, rename, fsync of the folder), so a crash
leaves the old memory or the new one, never half of each. While a programmer
session holds the pump, a sidecar "<file>.lock" keeps a second session out.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import math
import os
import re
import secrets
import stat
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from programmer.errors import ProgrammerError
from programmer.pump.file_schema import DETAILS_PATH, MemoryField, catalogue_problems
from programmer.pump.memory import PumpMemory

FORMAT_NAME = "intrathecal-pump-memory"
FORMAT_VERSION = 1
_CHECKSUM = re.compile(r"^sha256:[0-9a-f]{64}$")
_MAX_PROBLEMS_SHOWN = 6

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt


class PumpFileError(ProgrammerError):
    """A pump file cannot be read, written or locked; the message names the file and what is wrong."""


class PumpInSessionError(PumpFileError):
    """Another programmer session holds the pump."""

    def __init__(self, path: Path, pid: int | None, since: str | None) -> None:
        self.path, self.pid, self.since = path, pid, since
        holder = "pid unknown" if pid is None else f"pid {pid}"
        if pid == os.getpid():
            holder += ", this programmer"
        super().__init__(
            f"{path}: pump in session elsewhere ({holder}, since {since or 'unknown'}): close the other session first"
        )


# --- the format, in memory -----------------------------------------------------------------
def canonical_json(memory_data: dict[str, Any]) -> str:
    """The text the checksum covers: sorted keys, no spaces, so indentation never changes it."""
    return json.dumps(memory_data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def checksum_of(memory_data: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(memory_data).encode("utf-8")).hexdigest()


def dumps_pump(memory: PumpMemory, source: str = "pump memory") -> str:
    """The file's text for `memory`. Refuses anything load_pump would refuse or not read back identically."""
    try:
        memory_data = MemoryField.from_domain(memory).model_dump(mode="json")
        envelope = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "checksum": checksum_of(memory_data)}
        envelope["memory"] = memory_data
        text = json.dumps(envelope, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValidationError as error:
        raise PumpFileError(f"{source}: cannot be saved: {_describe(error, 'memory')}") from error
    except ValueError as error:  # NaN or infinity in event details
        raise PumpFileError(f"{source}: cannot be saved: {error}") from error
    readback = loads_pump(text, source)
    if readback != memory:
        differing = [f.name for f in fields(PumpMemory) if getattr(readback, f.name) != getattr(memory, f.name)]
        raise PumpFileError(
            f"{source}: cannot be saved: {', '.join(differing)} would not read back identically "
            "(event details must hold the types their fields declare)"
        )
    return text


def loads_pump(text: str, source: str = "pump memory") -> PumpMemory:
    """Read the file format from `text`; `source` names it in error messages."""
    if not text.strip():
        raise PumpFileError(f"{source}: the file is empty: restore it from a backup")
    try:
        data = json.loads(
            text, object_pairs_hook=_refuse_duplicate_keys, parse_constant=_refuse_constant, parse_float=_finite
        )
    except json.JSONDecodeError as error:
        stripped = text.strip()
        hint = " (the file is truncated)" if stripped.startswith("{") and not stripped.endswith("}") else ""
        raise PumpFileError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}{hint}"
        ) from error
    except ValueError as error:
        raise PumpFileError(f"{source}: {error}") from error
    except RecursionError:
        raise PumpFileError(f"{source}: nested too deeply to be a pump memory file") from None
    memory_data = _checked_envelope(data, source)
    found, expected = data["checksum"], checksum_of(memory_data)
    if found != expected:
        raise PumpFileError(
            f"{source}: checksum mismatch: the memory was changed outside the programmer or damaged "
            f"(checksum: expected {expected[:19]}…, found {found[:19]}…)"
        )
    try:
        memory = MemoryField.model_validate_json(json.dumps(memory_data, ensure_ascii=False))
    except ValidationError as error:
        raise PumpFileError(f"{source}: {_describe(error, 'memory', memory_data)}") from error
    problems = catalogue_problems(memory)
    if problems:
        raise PumpFileError(f"{source}: {_join(problems)}")
    return memory.to_domain()


def _checked_envelope(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict) or "format" not in data:
        found = f"a JSON {_json_type(data)}" if not isinstance(data, dict) else "no format field"
        raise PumpFileError(f"{source}: is not a pump memory file (format: expected {FORMAT_NAME!r}, found {found})")
    if data["format"] != FORMAT_NAME:
        raise PumpFileError(
            f"{source}: is not a pump memory file (format: expected {FORMAT_NAME!r}, found {data['format']!r})"
        )
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise PumpFileError(
            f"{source}: written by a newer programmer (version: expected {FORMAT_VERSION}, found {version}): "
            "open it with that programmer or update this one"
        )
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise PumpFileError(f"{source}: version: expected {FORMAT_VERSION}, found {_shown(version)}")
    unexpected = sorted(set(data) - {"format", "version", "checksum", "memory"})
    if unexpected:
        raise PumpFileError(f"{source}: unexpected top-level field(s) {', '.join(map(repr, unexpected))}")
    checksum = data.get("checksum")
    if not isinstance(checksum, str) or not _CHECKSUM.match(checksum):
        raise PumpFileError(f"{source}: checksum: expected 'sha256:' and 64 hex digits, found {_shown(checksum)}")
    memory_data = data.get("memory")
    if not isinstance(memory_data, dict):
        raise PumpFileError(f"{source}: memory: expected a JSON object, found {_shown(memory_data)}")
    return memory_data


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads would keep the last of two equal keys silently: a hand-edit the checksum cannot see.
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}: a field may appear only once")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a pump can store")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text} is out of range")
    return value


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "true/false", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


def _shown(value: Any) -> str:
    text = "nothing" if value is None else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(error: ValidationError, prefix: str, raw: Any = None) -> str:
    """'memory.reservoir_ml: Input should be ..., found -1.0' for each problem, showing the value as written."""
    problems = []
    for problem in error.errors():
        loc = (*problem["loc"], *problem.get("ctx", {}).get(DETAILS_PATH, ()))  # event details name their field
        where = ".".join([prefix, *(str(part) for part in loc)])
        message = problem["msg"]
        found = _as_written(raw, loc, problem.get("input"))
        if problem["type"] != "missing" and not isinstance(found, dict):
            message += f", found {_shown(found)}"
        problems.append(f"{where}: {message}")
    return _join(problems)


def _as_written(raw: Any, loc: tuple[Any, ...], parsed: Any) -> Any:
    """The value at `loc` in the file's own data ('-PT3H'), else pydantic's parsed input."""
    if raw is None:
        return parsed
    for part in loc:
        in_object = isinstance(raw, dict) and part in raw
        in_list = isinstance(raw, list) and isinstance(part, int) and 0 <= part < len(raw)
        if not (in_object or in_list):
            return parsed
        raw = raw[part]
    return raw


def _join(problems: list[str]) -> str:
    shown = problems[:_MAX_PROBLEMS_SHOWN]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f"; and {more} more" if more else "")


# --- the file on disk ------------------------------------------------------------------------
def load_pump(path: Path) -> PumpMemory:
    """Read the pump at `path`. Never modifies, renames or creates anything."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PumpFileError(f"{path}: no pump file here") from None
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be read ({error.strerror})") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PumpFileError(f"{path}: not UTF-8 text (byte {error.start}): the file is damaged") from error
    return loads_pump(text, str(path))


def save_pump(path: Path, memory: PumpMemory) -> None:
    """Write `memory` to `path` atomically: afterwards the file holds the old memory or the new, never a mix."""
    path = Path(path)
    temp = _written_temp(path, dumps_pump(memory, str(path)).encode("utf-8"))  # refused before touching the disk
    try:
        os.replace(temp, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise PumpFileError(f"{path}: cannot be saved ({error.strerror}); the previous memory is unchanged") from error
    _fsync_directory(path.parent)
    _remove_stale_temp_files(path)


def create_pump(path: Path, memory: PumpMemory) -> None:
    """Write a new pump file at `path`, whole or not at all; refused when any file is there, even one just made.

    Linking the finished temporary file to its name is atomic and fails if the name exists, so two
    programmers creating the same pump at the same moment cannot both succeed.
    """
    path = Path(path)
    temp = _written_temp(path, dumps_pump(memory, str(path)).encode("utf-8"))
    try:
        os.link(temp, path)
    except FileExistsError:
        raise PumpFileError(
            f"{path} already exists: choose another file (an existing pump is never overwritten)"
        ) from None
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be created ({error.strerror})") from error
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_directory(path.parent)


def _written_temp(path: Path, data: bytes) -> Path:
    """`data` in a new temporary file beside `path`, flushed to the disk."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with contextlib.suppress(FileNotFoundError):
                os.chmod(temp, stat.S_IMODE(os.stat(path).st_mode))  # keep the pump file's permissions
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise PumpFileError(f"{path}: cannot be saved ({error.strerror}); the previous memory is unchanged") from error
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def temp_files(path: Path) -> list[Path]:
    """Leftover temporary files of interrupted saves of `path` (never read as the pump)."""
    path = Path(path)
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; Windows cannot open a folder, and NTFS journals renames anyway.
    if os.name == "nt":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_stale_temp_files(path: Path) -> None:
    """Delete temporary files left by saves whose process died (a crash or a kill mid-save)."""
    for temp in temp_files(path):
        pid_text = temp.name[len(path.name) + 2 :].split(".")[0]
        if pid_text.isdigit() and not _process_alive(int(pid_text)):
            with contextlib.suppress(OSError):
                temp.unlink()


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return True  # no cheap check: leave the file alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- the session lock ------------------------------------------------------------------------
class PumpLock:
    """Held while a programmer session holds the pump; a second session gets PumpInSessionError.

    The lock is on a sidecar "<file>.lock", not on the pump file, because save_pump
    replaces the pump file with a new one: a lock on the old file would silently stop
    protecting the new. The sidecar records the holder's pid and since when, for the
    message. The operating system releases the lock when the holder dies.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._descriptor: int | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    def acquire(self) -> PumpLock:
        if self._descriptor is not None:
            return self
        try:
            descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as error:
            problem = f"cannot create the session lock {self.lock_path} ({error.strerror})"
            raise PumpFileError(f"{self.path}: {problem}") from error
        try:
            _lock(descriptor)
        except BlockingIOError:
            holder = _read_from_start(descriptor)
            os.close(descriptor)
            pid = re.search(r"^pid (\d+)$", holder, re.MULTILINE)
            since = re.search(r"^since (.+)$", holder, re.MULTILINE)
            raise PumpInSessionError(self.path, pid and int(pid[1]), since and since[1]) from None
        except OSError as error:
            os.close(descriptor)
            raise PumpFileError(f"{self.path}: cannot lock {self.lock_path} ({error.strerror})") from error
        # The host computer's wall time, not the pump's clock: it tells a person when the other session began.
        note = f"pid {os.getpid()}\nsince {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
        os.ftruncate(descriptor, 0)
        os.lseek(descriptor, 0, os.SEEK_SET)
        os.write(descriptor, note.encode("utf-8"))
        self._descriptor = descriptor
        return self

    def release(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            os.ftruncate(descriptor, 0)  # nobody holds it now: no stale pid to show
            _unlock(descriptor)
        finally:
            os.close(descriptor)

    def __enter__(self) -> PumpLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


# A byte far beyond the note, so locking it never blocks reading who holds the lock (Windows locks are mandatory).
_WINDOWS_LOCK_OFFSET = 1 << 30


def _lock(descriptor: int) -> None:
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    else:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)
        except OSError as error:  # held by another session: report it as flock does
            raise BlockingIOError(error.errno, error.strerror) from error


def _unlock(descriptor: int) -> None:
    if fcntl is not None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
    else:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)


def _read_from_start(descriptor: int) -> str:
    os.lseek(descriptor, 0, os.SEEK_SET)
    return os.read(descriptor, 4096).decode("utf-8", errors="replace")
