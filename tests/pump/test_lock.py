"""The session lock: one programmer session at a time per pump, by whatever name the pump file is reached.

The lock is the operating system's lock on the pump file itself, so it needs the file: every
test starts from a saved pump. Nothing is written to take it (a full disk cannot leave a pump
locked); a note in the temporary folder, named after the file, names the holder for a second session's message.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.pumpfile import PumpFileError, PumpInSessionError, PumpLock, load_pump, save_pump, temp_files
from programmer.pump.telemetry import Telemetry
from programmer.session.programming import ProgrammingSession

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX file kinds, links and modes")


@pytest.fixture
def path(tmp_path) -> Path:
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    return path


def folder_of(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def test_a_second_session_is_refused_while_the_first_holds_the_pump(path):
    with PumpLock(path) as first:
        assert first.held
        with pytest.raises(PumpInSessionError) as refusal:
            PumpLock(path).acquire()
        message = str(refusal.value)
        assert message.startswith(f"{path}: pump in session elsewhere (pid {os.getpid()}, this programmer")
        assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\): close the other session first$", message)
        assert refusal.value.pid == os.getpid()
    with PumpLock(path) as second:  # released: the next session may start
        assert second.held
    assert not second.held
    assert folder_of(path) == ["pump.pump"]  # the note goes with the session


def test_taking_the_lock_writes_nothing_to_the_pump_file(path):
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = path.read_bytes(), path.stat().st_mtime_ns
    with PumpLock(path):
        assert (path.read_bytes(), path.stat().st_mtime_ns) == before
        assert folder_of(path) == ["pump.pump"]  # the note is never beside the pump


def test_the_lock_survives_saving_the_pump(path):
    with PumpLock(path) as lock:
        save_pump(path, demo_pump(DEMO_CLOCK + timedelta(hours=1)), lock)  # the new file is locked as it takes the name
        save_pump(path, demo_pump(DEMO_CLOCK + timedelta(hours=2)), lock)
        assert lock.held
        with pytest.raises(PumpInSessionError):
            PumpLock(path).acquire()
        with pytest.raises(PumpInSessionError):
            save_pump(path, demo_pump(DEMO_CLOCK))  # anyone else's save is refused meanwhile
    assert load_pump(path).clock == DEMO_CLOCK + timedelta(hours=2)
    assert folder_of(path) == ["pump.pump"]


HOLDER = """
import sys
from pathlib import Path
from programmer.pump.pumpfile import PumpLock
lock = PumpLock(Path(sys.argv[1])).acquire()
print("locked", flush=True)
sys.stdin.read()
lock.release()
"""


def start_holder(path: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


def test_a_session_in_another_process_is_named_and_released_when_it_closes(path):
    holder = start_holder(path)
    with pytest.raises(PumpInSessionError, match=rf"pump in session elsewhere \(pid {holder.pid}, since "):
        PumpLock(path).acquire()
    holder.communicate("")  # the other session closes
    PumpLock(path).acquire().release()
    assert folder_of(path) == ["pump.pump"]


def test_a_crashed_session_does_not_keep_the_pump_locked(path):
    holder = start_holder(path)
    holder.kill()
    holder.communicate()
    with PumpLock(path) as lock:  # its note is still there; the lock itself went with the process
        assert lock.held
    assert folder_of(path) == ["pump.pump"]


def test_refusing_a_session_changes_nothing_on_disk(path):
    with PumpLock(path) as first:
        note = first.note_path
        before = path.read_bytes(), path.stat().st_mtime_ns, note.read_bytes()
        with pytest.raises(PumpInSessionError):
            PumpLock(path).acquire()
        with pytest.raises(PumpInSessionError):
            ProgrammingSession(path).connect()
        assert (path.read_bytes(), path.stat().st_mtime_ns, note.read_bytes()) == before


# --- what is not a pump file ------------------------------------------------------------------------------------
@pytest.mark.timeout(30)  # a FIFO or a device read as a file would hang or never end
@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("fifo", r"fifo\.pump: is not a regular file \(a pipe or a device\), not a pump file"),
        ("device", r"^/dev/zero: is not a regular file \(a pipe or a device\), not a pump file"),
        ("folder", r"folder\.pump: (is a folder, not a pump file|cannot be opened \(Is a directory\))"),
        ("missing", r"missing\.pump: no pump file here"),
        ("read-only", r"read-only\.pump: the file is read-only: a session changes the pump, so make the file "
                      r"writable or work on a copy"),
    ],
)
def test_what_cannot_hold_a_session_is_refused_by_name(tmp_path, kind, message):
    if kind == "fifo":
        target = tmp_path / "fifo.pump"
        os.mkfifo(target)
    elif kind == "device":
        target = Path("/dev/zero")
    elif kind == "folder":
        target = tmp_path / "folder.pump"
        target.mkdir()
    elif kind == "missing":
        target = tmp_path / "missing.pump"
    else:
        target = tmp_path / "read-only.pump"
        save_pump(target, demo_pump(DEMO_CLOCK))
        target.chmod(0o444)  # refused even where the system would let an administrator write it
    before = sorted(tmp_path.iterdir())
    with pytest.raises(PumpFileError, match=message):
        PumpLock(target).acquire()
    with pytest.raises(PumpFileError, match=message):
        ProgrammingSession(target).connect()
    if kind != "read-only":  # reading is refused too, and never hangs; a read-only pump reads as it is
        with pytest.raises(PumpFileError):
            load_pump(target)
    else:
        assert load_pump(target) == demo_pump(DEMO_CLOCK)
    assert sorted(tmp_path.iterdir()) == before


def test_a_read_only_pump_file_is_never_written_even_without_a_session(path):
    path.chmod(0o444)
    before = path.read_bytes()
    with pytest.raises(PumpFileError, match="read-only"):
        Telemetry(path).advance(DEMO_CLOCK + timedelta(days=1))
    assert path.read_bytes() == before


# --- a full disk ---------------------------------------------------------------------------------------------------
def test_a_full_disk_while_writing_the_note_still_locks_and_releases_cleanly(path, monkeypatch):
    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full_disk)
    session = ProgrammingSession(path)
    session.connect()  # no traceback: the lock holds without its note
    assert session.current == demo_pump(DEMO_CLOCK)
    with pytest.raises(PumpInSessionError, match=r"pump in session elsewhere \(pid unknown, since unknown\)"):
        PumpLock(path).acquire()
    session.close(confirm=True)
    monkeypatch.undo()
    assert folder_of(path) == ["pump.pump"]
    with PumpLock(path) as next_session:  # nothing left locked: the next session starts at once
        assert next_session.held


# --- one pump, several names ---------------------------------------------------------------------------------------
def test_a_session_through_a_symbolic_link_holds_the_pump_for_every_name(path, tmp_path):
    link = tmp_path / "current.pump"
    link.symlink_to(path)
    session = ProgrammingSession(link)
    session.connect()
    try:
        with pytest.raises(PumpInSessionError, match=rf"pump in session elsewhere \(pid {os.getpid()}"):
            PumpLock(path).acquire()
        with pytest.raises(PumpInSessionError):
            save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
        session.advance_days(1)
    finally:
        session.close(confirm=True)
    assert link.is_symlink() and load_pump(path).clock == DEMO_CLOCK + timedelta(days=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current.pump", "pump.pump"]


def test_a_second_session_through_a_hard_link_is_refused(path, tmp_path):
    other = tmp_path / "same-pump.pump"
    os.link(path, other)
    session = ProgrammingSession(path)
    session.connect()
    try:
        with pytest.raises(PumpInSessionError, match="pump in session elsewhere"):
            ProgrammingSession(other).connect()
        session.advance_days(1)  # appended in place: both names still hold the one pump
    finally:
        session.close(confirm=True)
    assert os.path.samefile(path, other) and load_pump(other).clock == DEMO_CLOCK + timedelta(days=1)
    assert temp_files(path) == [] == temp_files(other)


def test_a_second_session_through_a_hard_link_is_told_who_holds_the_pump(path, tmp_path):
    other = tmp_path / "same-pump.pump"
    os.link(path, other)
    with PumpLock(path), pytest.raises(PumpInSessionError, match=rf"\(pid {os.getpid()}, this programmer, since "):
        PumpLock(other).acquire()
