"""A version-1 pump file (JSON text) becomes version 2 (SQLite) when a session opens it, in place, the same pump.

The new file is written beside the old one, synced and read back before it takes the old one's
name: until then the original's bytes stay where they were, and a failure leaves them untouched.
Loading alone never migrates.
"""

from __future__ import annotations

import errno
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from programmer.pump import store
from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.pumpfile import (
    PumpFileError,
    dumps_pump,
    file_version,
    load_pump,
    temp_files,
)
from programmer.pump.telemetry import Telemetry
from programmer.session.programming import ProgrammingSession

HERE = Path(__file__).resolve().parent
VERSION_1_DEMO = HERE / "version_1_demo_pump.json"  # as shipped before event details were typed


@pytest.fixture
def old_file(tmp_path) -> Path:
    path = tmp_path / "pump.json"
    path.write_text(dumps_pump(demo_pump(DEMO_CLOCK)), encoding="utf-8")
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("source", ["written today", "shipped before details were typed"])
def test_a_session_makes_a_version_1_file_version_2_in_place_with_the_same_memory(tmp_path, source):
    path = tmp_path / "pump.json"
    if source == "written today":
        path.write_text(dumps_pump(demo_pump(DEMO_CLOCK)), encoding="utf-8")
    else:
        shutil.copy(VERSION_1_DEMO, path)
    before = load_pump(path)
    assert file_version(path) == 1
    session = ProgrammingSession(path)
    session.connect()
    try:
        assert file_version(path) == 2  # the same name, now an SQLite pump file
        assert session.current == before and load_pump(path) == before
        assert list(load_pump(path).events) == list(before.events)
        assert listing(tmp_path) == ["pump.json"]  # no temporary file left, no note beside the pump
        session.advance_days(1)  # and it works as any version-2 pump
    finally:
        session.close(confirm=True)
    assert listing(tmp_path) == ["pump.json"]
    assert load_pump(path).clock == before.clock + timedelta(days=1)


def test_loading_never_migrates_and_a_link_without_a_session_migrates_on_its_first_write(old_file):
    original = old_file.read_bytes()
    link = Telemetry(old_file)
    assert link.interrogate() == demo_pump(DEMO_CLOCK) and load_pump(old_file) == demo_pump(DEMO_CLOCK)
    assert old_file.read_bytes() == original  # read as it is
    link.advance(DEMO_CLOCK + timedelta(days=1))
    assert file_version(old_file) == 2
    assert load_pump(old_file).clock == DEMO_CLOCK + timedelta(days=1)
    assert listing(old_file.parent) == ["pump.json"]


def test_the_original_stays_in_place_until_the_new_file_is_complete(old_file, monkeypatch):
    original = old_file.read_bytes()
    seen = []
    real_replace = os.replace

    def rename(source, target):
        assert Path(target) == old_file and old_file.read_bytes() == original  # untouched until this instant
        assert store.read(Path(source))[0] == demo_pump(DEMO_CLOCK)  # the whole pump, beside it, readable
        seen.append(Path(source).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", rename)
    open_and_close(old_file)
    assert len(seen) == 1 and seen[0].startswith(".pump.json.") and seen[0].endswith(".tmp")
    assert file_version(old_file) == 2


def test_a_migration_that_fails_leaves_the_original_untouched_and_the_pump_free(old_file, monkeypatch):
    os.utime(old_file, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = old_file.read_bytes(), old_file.stat().st_mtime_ns

    def full_disk(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    session = ProgrammingSession(old_file)
    with pytest.raises(PumpFileError, match=r"pump\.json: cannot be saved \(No space left on device\); the previous "
                                            r"memory is unchanged"):
        session.connect()
    assert session.current is None  # all or nothing: no half-open session
    assert (old_file.read_bytes(), old_file.stat().st_mtime_ns) == before
    assert temp_files(old_file) == [] and listing(old_file.parent) == ["pump.json"]
    monkeypatch.undo()
    open_and_close(old_file)  # the lock went with the failed session: the next one migrates
    assert file_version(old_file) == 2 and load_pump(old_file) == demo_pump(DEMO_CLOCK)


def test_a_refused_version_1_file_is_not_migrated(tmp_path):
    path = tmp_path / "pump.json"
    shutil.copy(HERE / "bad_files" / "reservoir_above_capacity.json", path)
    before = path.read_bytes(), path.stat().st_mtime_ns
    with pytest.raises(PumpFileError, match="reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity"):
        ProgrammingSession(path).connect()
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before and listing(tmp_path) == ["pump.json"]


def test_a_version_1_file_reached_through_a_symbolic_link_is_migrated_where_it_is(old_file, tmp_path):
    link = tmp_path / "current.pump"
    link.symlink_to(old_file)
    open_and_close(link)
    assert link.is_symlink() and file_version(old_file) == 2
    assert load_pump(link) == demo_pump(DEMO_CLOCK)
    assert listing(tmp_path) == ["current.pump", "pump.json"]


def open_and_close(path: Path) -> None:
    session = ProgrammingSession(path)
    session.connect()
    session.close(confirm=True)


def test_a_migrated_file_is_not_rewritten_by_the_next_session(old_file):
    open_and_close(old_file)
    os.utime(old_file, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    migrated = old_file.read_bytes(), old_file.stat().st_mtime_ns
    open_and_close(old_file)
    assert (old_file.read_bytes(), old_file.stat().st_mtime_ns) == migrated  # opened and closed: only read


def test_migration_keeps_the_file_permissions(old_file):
    old_file.chmod(0o640)
    open_and_close(old_file)
    assert file_version(old_file) == 2 and old_file.stat().st_mode & 0o777 == 0o640


def test_a_version_1_file_with_two_names_is_not_split_into_two_pumps(old_file, tmp_path):
    """Migrating one name would leave the other on the old file, for a second session to migrate again."""
    other = tmp_path / "same-pump.json"
    os.link(old_file, other)
    original = old_file.read_bytes()
    for name in (old_file, other):
        session = ProgrammingSession(name)
        with pytest.raises(PumpFileError, match=r"the file has 2 names \(hard links\): replacing it would leave the "
                                                r"others on the old pump; work on a copy of it instead"):
            session.connect()
        assert session.current is None
    assert os.path.samefile(old_file, other) and old_file.read_bytes() == original and file_version(other) == 1
    assert listing(tmp_path) == ["pump.json", "same-pump.json"]  # no lock note, no temporary file left
