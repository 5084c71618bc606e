"""What goes wrong with a pump file: each error names the file and what is wrong with it."""

from __future__ import annotations

import os
from pathlib import Path

from programmer.errors import ProgrammerError


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


class PumpExistsError(PumpFileError):
    """A new pump file was asked for where a file already is: an existing pump is never overwritten."""


class PumpChangedError(PumpFileError):
    """The pump file no longer holds the pump as this session last read it: another pump, or another writer."""
