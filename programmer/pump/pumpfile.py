"""The file a virtual pump's memory lives in, whatever its format: read, created, replaced, migrated, committed.

Today's pump file is format version 2, an SQLite database (programmer.pump.store). Files of
version 1, JSON text (programmer.pump.version_1), are read as they are, and rewritten as
version 2 when a session opens them: the new file is written beside the old, synced and read
back before it takes the old one's name, so a crash leaves one or the other, whole.

Reading never changes a file, and refuses anything malformed, damaged, from a newer programmer
or impossible for a pump, naming the field and the problem. A session reads the pump once,
then appends each change in one transaction (`PumpFile`); creating or replacing a whole file
goes through a temporary file, synced, then linked or renamed into place.
"""

from __future__ import annotations

import contextlib
import glob
import os
import sqlite3
import stat
from pathlib import Path

from . import store, version_1
from .file_errors import PumpChangedError, PumpExistsError, PumpFileError, PumpInSessionError
from .lock import PumpLock, lock_new, open_pump_file
from .memory import PumpMemory

FORMAT_NAME = version_1.FORMAT_NAME
FORMAT_VERSION = store.VERSION
SUFFIX = ".pump"  # what a new pump file is called; version-1 files were ".json"
OPEN_FILTER = "Pump files (*.pump *.json);;All files (*)"
MAX_VERSION_1_BYTES = 256 * 1024 * 1024  # far above any real log; a bigger "pump" is something else

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "OPEN_FILTER",
    "SUFFIX",
    "PumpChangedError",
    "PumpFile",
    "PumpFileError",
    "PumpInSessionError",
    "PumpLock",
    "create_pump",
    "dumps_pump",
    "file_version",
    "load_pump",
    "loads_pump",
    "save_pump",
    "temp_files",
]

dumps_pump = version_1.dumps
loads_pump = version_1.loads


def file_version(path: Path) -> int:
    """1 (JSON text) or 2 (SQLite), from the file's first bytes; refused when it is not a regular file."""
    descriptor = open_pump_file(path, write=False)
    try:
        start = os.read(descriptor, len(store.HEADER))
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be read ({error.strerror})") from error
    finally:
        os.close(descriptor)
    return store.VERSION if start == store.HEADER else version_1.VERSION


def load_pump(path: Path) -> PumpMemory:
    """Read the pump at `path`, in either format. Never modifies, renames or creates anything."""
    path = Path(path)
    if file_version(path) == store.VERSION:
        return store.read(path)[0]
    return _load_version_1(path)


def _load_version_1(path: Path) -> PumpMemory:
    descriptor = open_pump_file(path, write=False)
    try:
        size = os.fstat(descriptor).st_size
        if size > MAX_VERSION_1_BYTES:
            raise PumpFileError(f"{path}: {size} bytes is far too large for a pump memory file")
        with os.fdopen(descriptor, "rb", closefd=False) as file:
            raw = file.read()
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be read ({error.strerror})") from error
    finally:
        os.close(descriptor)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PumpFileError(f"{path}: not UTF-8 text (byte {error.start}): the file is damaged") from error
    return version_1.loads(text, str(path))


# --- whole files ---------------------------------------------------------------------------------------------------


def create_pump(path: Path, memory: PumpMemory) -> None:
    """Write a new pump file at `path`, whole or not at all; refused when any file is there, even one just made.

    Linking the finished temporary file to its name is atomic and fails if the name exists, so two
    programmers creating the same pump at the same moment cannot both succeed.
    """
    path = Path(path)
    temp = _written_temp(path, memory)
    try:
        os.link(temp, path)
    except FileExistsError:
        raise PumpExistsError(
            f"{path} already exists: choose another file (an existing pump is never overwritten)"
        ) from None
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be created ({error.strerror})") from error
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    _fsync_directory(path.parent)


def save_pump(path: Path, memory: PumpMemory, lock: PumpLock | None = None) -> None:
    """Make the pump file at `path` hold `memory` and nothing older, whole or not at all.

    For a pump starting afresh (the demo pump reset, a test's setup) or a migration; a session's
    changes are appended instead (PumpFile.commit). Refused while another session holds the pump
    (`lock`: this programmer's, when it holds it). A pump file is rewritten in place, in one
    SQLite transaction, so its other names (a symbolic or a hard link) and its lock stay; where
    there is no file a new one is linked into place; a version-1 file is replaced by its rewrite.
    """
    path = Path(path)
    if not os.path.lexists(path):
        with contextlib.suppress(PumpExistsError):  # made at the same moment by another: rewrite that one
            create_pump(path, memory)
            return
    own = lock is None or not lock.held
    if own:
        lock = PumpLock(path).acquire()  # PumpInSessionError while someone else holds it
    try:
        if file_version(path) == store.VERSION:
            _copy_into(path, memory, lock)
        else:
            _replace(path, memory, lock)
    finally:
        if own:
            lock.release()


def _copy_into(path: Path, memory: PumpMemory, lock: PumpLock) -> None:
    """Write `memory` into the pump file's own pages, in one transaction of SQLite's backup."""
    real = Path(os.path.realpath(path))
    temp = _written_temp(real, memory)
    try:
        try:
            target = store.connect(path)
        except PumpFileError:  # not a pump file any more (damaged): replace it whole
            _replace(path, memory, lock, temp)
            return
        source = store.connect(temp)
        try:
            source.backup(target)
        except sqlite3.Error as error:
            raise PumpFileError(f"{path}: cannot be saved ({error}); the previous memory is unchanged") from error
        finally:
            source.close()
            target.close()
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _replace(path: Path, memory: PumpMemory, lock: PumpLock, temp: Path | None = None) -> None:
    """A new version-2 file renamed over the file at `path`, locked from the moment it has the pump's name."""
    real = Path(os.path.realpath(path))
    links = os.stat(real).st_nlink
    if links > 1:
        raise PumpFileError(
            f"{path}: the file has {links} names (hard links): replacing it would leave the others on the old pump; "
            "work on a copy of it instead"
        )
    temp = temp or _written_temp(real, memory)
    descriptor = os.open(temp, os.O_RDWR)
    try:
        os.fchmod(descriptor, stat.S_IMODE(os.stat(real).st_mode))  # the pump file's permissions stay
        lock_new(descriptor)
        os.replace(temp, real)
    except OSError as error:
        os.close(descriptor)
        with contextlib.suppress(OSError):
            temp.unlink()
        raise PumpFileError(f"{path}: cannot be saved ({error.strerror}); the previous memory is unchanged") from error
    _fsync_directory(real.parent)
    lock.adopt(descriptor)


def migrate(path: Path, lock: PumpLock) -> bool:
    """Rewrite a version-1 pump file as version 2 under the session's `lock`; False when there is nothing to do."""
    if file_version(path) != version_1.VERSION:
        return False
    save_pump(path, _load_version_1(path), lock)
    return True


def _written_temp(path: Path, memory: PumpMemory) -> Path:
    """`memory` in a new version-2 file beside `path`, synced to the disk and read back; refused before any rename."""
    _remove_stale_temp_files(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")  # not `secrets`: its import is slow
    try:
        store.write_new(temp, memory)
        descriptor = os.open(temp, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        if store.read(temp)[0] != memory:
            raise PumpFileError(f"{path}: cannot be saved: the memory would not read back identically")
    except PumpFileError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise PumpFileError(str(error).replace(str(temp), str(path))) from None
    except (OSError, UnicodeEncodeError, ValueError, OverflowError) as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        problem = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise PumpFileError(f"{path}: cannot be saved ({problem}); the previous memory is unchanged") from error
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return temp


def temp_files(path: Path) -> list[Path]:
    """Leftover temporary files of interrupted saves of `path` (never read as the pump)."""
    path = Path(path)
    return sorted(path.parent.glob(f".{glob.escape(path.name)}.*.tmp*"))


def _fsync_directory(directory: Path) -> None:
    # Makes a rename itself durable; Windows cannot open a folder, and NTFS journals renames anyway.
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


# --- a session's file ----------------------------------------------------------------------------------------------


class PumpFile:
    """The pump file as one programmer uses it: read once in full, then each change appended and read back.

    Every contact checks, in microseconds, that the file still holds the pump as this programmer
    last read or wrote it: the same pump (serial and model) and no write by anyone else since.
    Reading it again while nothing else has changed it gives the memory already read, checked then.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.lock = PumpLock(self.path)
        self.database = store.Database(self.path)
        self._seen: tuple[PumpMemory, store.Head | None] | None = None
        self._version: tuple[int, ...] | None = None  # the database's version when `_seen` was read or written

    def hold(self) -> None:
        """Take the session lock (PumpInSessionError while another session holds the pump)."""
        self.lock.acquire()
        _remove_stale_temp_files(Path(os.path.realpath(self.path)))

    def let_go(self) -> None:
        self.lock.release()
        self.database.close()
        self._seen = self._version = None

    def read(self) -> PumpMemory:
        """The pump as the file holds it now. Holding the lock, a version-1 file is migrated first.

        Read in full (every event checked) the first time, and whenever anything but this programmer changed the
        file since (SQLite says so); otherwise the memory last read, or read back after this programmer's own
        commits, is the pump: an old pump's log is not decoded again at every interrogation.
        """
        if self.lock.held:
            migrate(self.path, self.lock)
        if file_version(self.path) != store.VERSION:
            self._seen, self._version = (_load_version_1(self.path), None), None
            return self._seen[0]
        version = self.database.version()  # first: a change made while the file is read shows at the next read
        if self._seen is None or version != self._version:
            self._seen, self._version = store.read(self.database), version
        return self._seen[0]

    def _read_file(self) -> tuple[PumpMemory, store.Head | None]:
        if file_version(self.path) == store.VERSION:
            return store.read(self.database)
        return _load_version_1(self.path), None

    def contact(self) -> PumpMemory:
        """The pump as last read or written, once the file is checked to hold it still."""
        if self._seen is None:
            return self.read()
        memory, seen = self._seen
        if seen is None:  # version 1: no head to compare, read it whole as it is now
            return self._unchanged(memory, self._read_file()[0])
        try:
            current = store.head(self.database)
        except PumpFileError as error:
            raise PumpChangedError(
                f"{self.path}: the pump file was replaced or damaged since the pump was interrogated ({error}): "
                "this is not the pump you interrogated"
            ) from None
        if (problem := store.changed(self.path, seen, current)) is not None:
            raise problem
        return memory

    def _unchanged(self, memory: PumpMemory, now: PumpMemory) -> PumpMemory:
        seen = store.Head(memory.serial, memory.model_name, len(memory.events), 0)
        found = store.Head(now.serial, now.model_name, len(now.events), 0 if now == memory else 1)
        if (problem := store.changed(self.path, seen, found)) is not None:
            raise problem
        return memory

    def commit(self, memory: PumpMemory) -> PumpMemory:
        """Store `memory`, a change of the pump as last read, and return it as read back from the file."""
        self.contact()
        os.close(open_pump_file(self.path, write=True))  # a read-only file stays unwritten, lock or not
        last, seen = self._seen
        if seen is None:  # a version-1 file read without the lock: the first write makes it version 2
            save_pump(self.path, memory, self.lock if self.lock.held else None)
            return self.read()
        back, head = store.append(self.database, seen, memory)
        self._seen, self._version = (back, head), self._version_after_commit(last, memory)
        return back

    def _version_after_commit(self, last: PumpMemory, memory: PumpMemory) -> tuple[int, ...] | None:
        """The version the memory read back stands for: the one read, with this commit and nothing else since.

        None (read again in full next time) when anything else changed the file since it was read (SQLite
        says so), or `memory` did not grow from that reading: its events read before might no longer hold.
        """
        if self._version is None or memory.events.source.reading is not last.events.source.reading:
            return None
        opened, written, changes = self._version
        try:
            after = self.database.version()
        except PumpFileError:
            return None
        return after if after == (opened, written + 1, changes) else None
