"""One programmer session at a time per pump: the session lock.

The lock is the operating system's lock on the pump file itself (flock), so every name the file
has (a symbolic link, a hard link) is the same pump, and the system releases it when the
holder dies, however it dies. Nothing is written to take it: a full disk cannot leave a pump
locked. A note in the temporary folder, named after the file itself (device and inode, so every
link finds it) and never beside the pump, says who holds it and since when, for the message a
second session gets; writing it may fail without harm, and it is removed when the session ends.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from datetime import datetime
from pathlib import Path

from .file_errors import PumpFileError, PumpInSessionError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt

# Windows locks are mandatory: lock one byte far beyond any pump file and SQLite's own lock bytes (at 1 GiB).
_WINDOWS_LOCK_OFFSET = 1 << 31


def _notes_folder() -> Path:
    """The folder of the notes on who holds which pump, in the temporary folder.

    Found when a session locks a pump, not at import: reading a pump takes no lock, and importing `tempfile`
    and its probe of the temporary folder cost every start over a millisecond (issue 16).
    """
    import tempfile

    return Path(tempfile.gettempdir()) / "intrathecal-programmer-sessions"


class PumpLock:
    """Held while a programmer session holds the pump; a second session gets PumpInSessionError."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._descriptor: int | None = None
        self._note: Path | None = None

    @property
    def held(self) -> bool:
        return self._descriptor is not None

    @property
    def note_path(self) -> Path:
        """Where the note on who holds this pump is: named after the file itself, so every link finds it."""
        found = os.fstat(self._descriptor) if self._descriptor is not None else os.stat(self.path)
        return _notes_folder() / f"{found.st_dev}-{found.st_ino}.lock"

    def acquire(self) -> PumpLock:
        if self._descriptor is not None:
            return self
        while True:
            descriptor = open_pump_file(self.path, write=True)
            try:
                _lock(descriptor)
            except BlockingIOError:
                os.close(descriptor)
                pid, since = self._holder()
                raise PumpInSessionError(self.path, pid, since) from None
            except OSError as error:
                os.close(descriptor)
                raise PumpFileError(f"{self.path}: cannot be locked for a session ({error.strerror})") from error
            if _same_file(descriptor, self.path):
                break
            # The name was given to a new file between opening and locking (a migration, a reset): lock that one.
            _unlock(descriptor)
            os.close(descriptor)
        self._descriptor = descriptor
        self._write_note()
        return self

    def adopt(self, descriptor: int) -> None:
        """Hold the lock already taken on `descriptor`, the new file now at this path, and let the old one go."""
        old, self._descriptor = self._descriptor, descriptor
        if old is not None:
            _unlock(old)
            os.close(old)

    def release(self) -> None:
        descriptor, self._descriptor = self._descriptor, None
        if descriptor is None:
            return
        try:
            if self._note is not None:  # before unlocking: the next holder's note is never removed
                with contextlib.suppress(OSError):
                    self._note.unlink()
                self._note = None
            _unlock(descriptor)
        finally:
            os.close(descriptor)

    def __enter__(self) -> PumpLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _write_note(self) -> None:
        # The host computer's wall time, not the pump's clock: it tells a person when the other session began.
        note = f"pid {os.getpid()}\nsince {datetime.now().isoformat(sep=' ', timespec='seconds')}\n"
        try:
            notes = _notes_folder()
            if not notes.is_dir():
                notes.mkdir(exist_ok=True)
                notes.chmod(0o1777)  # every user's sessions leave their notes here, as in the temporary folder
            self.note_path.write_text(note, encoding="utf-8")
            self._note = self.note_path
        except OSError:
            self._note = None  # a full disk or a read-only folder: the lock holds without its note

    def _holder(self) -> tuple[int | None, str | None]:
        try:
            note = self.note_path.read_text(encoding="utf-8", errors="replace")  # OSError: no note, or no file
        except OSError:
            return None, None
        pid = re.search(r"^pid (\d+)$", note, re.MULTILINE)
        since = re.search(r"^since (.+)$", note, re.MULTILINE)
        return (int(pid[1]) if pid else None), (since[1] if since else None)


def open_pump_file(path: Path, *, write: bool) -> int:
    """A descriptor of the regular file at `path`; refused by name when it is missing, not a file, or not writable."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise PumpFileError(f"{path}: no pump file here") from None
    except IsADirectoryError:
        raise PumpFileError(f"{path}: is a folder, not a pump file") from None
    except PermissionError:
        if write and os.access(path, os.R_OK):
            raise _read_only(path) from None
        raise PumpFileError(f"{path}: cannot be read (permission denied)") from None
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be opened ({error.strerror})") from error
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):  # a FIFO or a device would block or never end
        os.close(descriptor)
        what = "is a folder" if stat.S_ISDIR(mode) else "is not a regular file (a pipe or a device)"
        raise PumpFileError(f"{path}: {what}, not a pump file")
    if write and not mode & 0o222:  # marked read-only: honoured even where the system would let an administrator write
        os.close(descriptor)
        raise _read_only(path)
    return descriptor


def _read_only(path: Path) -> PumpFileError:
    return PumpFileError(
        f"{path}: the file is read-only: a session changes the pump, so make the file writable or work on a copy"
    )


def lock_new(descriptor: int) -> None:
    """Lock a file just made and not yet given its name: it is locked from the moment it appears."""
    _lock(descriptor)


def _same_file(descriptor: int, path: Path) -> bool:
    try:
        named = os.stat(path)
    except OSError:
        return False
    held = os.fstat(descriptor)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


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
