"""The pump file: exact round trips in both formats, refusals that name the problem and never touch the file,
whole-file saves that are atomic, and the shipped demo pump.

Format version 2 (what programmers write) is one SQLite database; version 1 (JSON text) is how
pump files were written before, and how the demo pump ships. The session lock is in test_lock.py,
the version-2 format as a script and a damaged file see it in test_store.py, migration in
test_migration.py, the lazily read log in test_logbook.py, crashes in test_pumpfile_kill.py.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from programmer.pump import pumpfile, store
from programmer.pump.demo import DEMO_CLOCK, LAST_REFILL_AT, demo_pump, low_alarm_reached_at
from programmer.pump.firmware import LATEST_CLOCK, memory_problems
from programmer.pump.log import (
    Acknowledged,
    BolusDetails,
    BolusPhase,
    ProgrammingDetails,
    ProgramRecord,
    RefillDetails,
)
from programmer.pump.memory import Alarm, AlarmKind, Catheter, Event, EventKind, PumpMemory
from programmer.pump.pumpfile import (
    FORMAT_VERSION,
    PumpFileError,
    PumpInSessionError,
    PumpLock,
    create_pump,
    dumps_pump,
    file_version,
    load_pump,
    loads_pump,
    save_pump,
    temp_files,
)
from programmer.resources import resource_path
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from tests.pump import log_examples

BAD_FILES = Path(__file__).resolve().parent / "bad_files"
MCG = DrugUnit.MCG


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """What a refusal must leave alone: the bytes, the modification time and the folder's contents."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def file_fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


def baclofen_flex_pump() -> PumpMemory:
    """Every optional part filled in: per-weekday flex, a running bridge bolus, PTM, alarms, rich event details."""
    rate = lambda per_day: DoseRate(per_day, MCG)  # noqa: E731
    weekday = DaySchedule(
        (FlexStep(0, rate(150.0)), FlexStep(6 * 60 + 30, rate(300.0)), FlexStep(22 * 60, rate(120.0)))
    )
    weekend = DaySchedule((FlexStep(0, rate(100.0)), FlexStep(9 * 60 + 15, rate(250.5))))
    schedule = FlexSchedule((weekday,) * 5 + (weekend, weekend))
    concentration = Concentration(500.0, MCG)
    bridge = Bolus(
        BolusKind.BRIDGE, datetime(2026, 3, 2, 10, 0, 0, 250), timedelta(hours=7, seconds=3), 0.4, Dose(37.5, MCG)
    )
    return PumpMemory(
        model_name="PX-40",
        serial="PX40-Ü-17",
        implant_date=date(2024, 2, 29),
        patient_id="PAT-µ-0042",
        catheter=Catheter(length_cm=110.0, trimmed_cm=23.5, tip_location="T8"),
        prescription=Prescription.flex("baclofen", concentration, schedule).with_bolus(bridge),
        prescription_entered_at=datetime(2026, 3, 2, 9, 58, 12, 123456),
        reservoir_ml=37.123456789,
        last_refill_at=datetime(2026, 3, 2, 9, 40),
        last_refill_ml=40.0,
        low_alarm_ml=2.5,
        eri_at=datetime(2031, 2, 28, 12, 0),
        clock=datetime(2026, 3, 4, 7, 0),
        ptm=PtmSettings(Dose(25.0, MCG), timedelta(minutes=15), 6, timedelta(hours=2, minutes=30)),
        alarms=(
            Alarm(AlarmKind.ELECTIVE_REPLACEMENT, datetime(2026, 3, 4, 6, 0)),
            Alarm(AlarmKind.LOW_RESERVOIR, datetime(2026, 3, 4, 6, 1)),
        ),
        events=(
            Event(
                datetime(2026, 3, 2, 9, 40),
                EventKind.REFILL,
                "Refill 40 mL",
                RefillDetails(
                    expected_ml=3.4,
                    removed_ml=3.1,
                    added_ml=40,
                    discrepancy_ml=-0.3,
                    record=ProgramRecord(reason="", clinician="", acknowledged=(), second_checker="R. Patel"),
                    reservoir_ml=40.0,
                ),
            ),
            Event(
                datetime(2026, 3, 2, 9, 58, 12, 123456),
                EventKind.PROGRAMMING,
                "Flex per weekday; bridge bolus",
                ProgrammingDetails(
                    old=None,
                    new="baclofen 500 mcg/mL, flexible (time of day), 4 steps per weekday, 269.6 mcg/day",
                    daily_dose_per_day=269.6,
                    unit=MCG,
                    concentration_per_ml=500.0,
                    low_alarm_ml=2.5,
                    record=ProgramRecord(
                        reason="spasticity ↑ at night",
                        clinician="Dr Ünal",
                        acknowledged=(Acknowledged("soft_max", "above the soft limit", "spasticity ↑ at night"),),
                        second_checker="",
                        legacy_note="an older log's note: kept; as written",
                    ),
                    reservoir_ml=39.9,
                ),
            ),
            Event(
                datetime(2026, 3, 2, 9, 58, 12, 123456),
                EventKind.BOLUS,
                "Bridge bolus programmed",
                BolusDetails.of(bridge, BolusPhase.PROGRAMMED),
            ),
            Event(datetime(2026, 3, 4, 6, 0), EventKind.ALARM_RAISED, "Elective replacement indicator"),
        ),
    )


def stopped_baclofen_pump() -> PumpMemory:
    """The same pump stopped: the moment it stopped and the stopped alarm are stored too."""
    pump = baclofen_flex_pump()
    return replace(
        pump,
        prescription=Prescription.stopped("baclofen", pump.prescription.concentration),
        stopped_since=datetime(2026, 3, 1, 23, 0),
        alarms=(Alarm(AlarmKind.PUMP_STOPPED, datetime(2026, 3, 3, 23, 0)), *pump.alarms),
    )


def both_formats(memory: PumpMemory, folder: Path) -> tuple[PumpMemory, PumpMemory]:
    """`memory` read back from version-1 text and from a version-2 file in `folder`."""
    path = folder / "round-trip.pump"
    if path.exists():
        path.unlink()
    save_pump(path, memory)
    return loads_pump(dumps_pump(memory)), load_pump(path)


# --- round trips ------------------------------------------------------------------------------
def test_demo_round_trips_exactly_in_both_formats(tmp_path):
    demo = demo_pump(DEMO_CLOCK)
    from_text, from_file = both_formats(demo, tmp_path)
    assert from_text == demo and from_file == demo
    assert list(from_file.events) == list(demo.events)


@pytest.mark.parametrize("make", [baclofen_flex_pump, stopped_baclofen_pump], ids=["running", "stopped"])
def test_every_optional_field_round_trips_exactly(tmp_path, make):
    pump = make()
    assert memory_problems(pump) == [] and pump.events.problems(pump.clock) == []  # a pump could hold it
    for loaded in both_formats(pump, tmp_path):
        assert loaded == pump
        assert (loaded.stopped_since, loaded.alarms, loaded.ptm) == (pump.stopped_since, pump.alarms, pump.ptm)
        assert loaded.prescription_entered_at.microsecond == 123456
        assert loaded.events[1].details.record.acknowledged[0].note == "spasticity ↑ at night"
        assert loaded.events[1].details.record.legacy_note == "an older log's note: kept; as written"
        assert loaded.events[2].details.duration == timedelta(hours=7, seconds=3)
        assert loaded.events[2].details.start == datetime(2026, 3, 2, 10, 0, 0, 250)
        assert loaded.events[3].details is None  # logged with nothing but its text
    running = baclofen_flex_pump()
    for loaded in both_formats(running, tmp_path):
        # Saturday's steps: 100 mcg/day for 9 h 15 min, then 250.5 mcg/day.
        assert loaded.prescription.schedule.daily_dose(5).per_day == pytest.approx(
            100 * 555 / 1440 + 250.5 * 885 / 1440
        )
        assert loaded.prescription.bolus.duration == timedelta(hours=7, seconds=3)
        assert loaded.prescription.bolus.dose == Dose(37.5, MCG)


# A pump the firmware could hold: everything within its model, every time on or before its clock.
@st.composite
def pump_memories(draw) -> PumpMemory:
    model = draw(st.sampled_from(pump_models().models))
    drug = draw(st.sampled_from(drug_library().drugs))
    unit = drug.unit
    capacity_ml = model.reservoir_capacity_ml
    concentration = Concentration(draw(st.floats(0.01, drug.max_concentration_per_ml)), unit)
    flows = st.floats(model.flow_min_ml_per_day, model.flow_max_ml_per_day)  # mL/day this model can run
    rates = flows.map(concentration.rate_for)

    implant_date = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2190, 12, 31)))
    implanted = datetime.combine(implant_date, datetime.min.time())
    clock = draw(st.datetimes(min_value=implanted, max_value=min(implanted + timedelta(days=20 * 366), LATEST_CLOCK)))
    since_implant = st.datetimes(min_value=implanted, max_value=clock)

    def timed_flow(longest: timedelta) -> tuple[float, timedelta, float]:
        """(mL/day, duration, volume) of a bolus the model can run, at most `longest` and a full reservoir."""
        ml_per_day = draw(flows)
        seconds = min(longest.total_seconds(), capacity_ml / ml_per_day * 86400)
        duration = timedelta(seconds=draw(st.integers(1, max(1, int(seconds) - 1))))
        return ml_per_day, duration, ml_per_day * duration.total_seconds() / 86400

    def day() -> DaySchedule:
        starts = sorted(draw(st.sets(st.integers(0, 1439), min_size=1, max_size=model.max_flex_steps)))
        return DaySchedule(tuple(FlexStep(start, draw(rates)) for start in starts))

    mode = draw(st.sampled_from(InfusionMode))
    schedule = None
    if mode is InfusionMode.FLEX:
        count = draw(st.sampled_from((1, 7) if model.per_weekday_schedules else (1,)))
        schedule = FlexSchedule(tuple(day() for _ in range(count)))
    bolus = None
    if mode is InfusionMode.SINGLE_BOLUS or (mode is not InfusionMode.STOPPED and draw(st.booleans())):
        others = [kind for kind in BolusKind if kind is not BolusKind.SINGLE]
        kind = BolusKind.SINGLE if mode is InfusionMode.SINGLE_BOLUS else draw(st.sampled_from(others))
        _, duration, volume_ml = timed_flow(timedelta(days=30))
        # A bridge bolus carries the previous fluid, possibly another drug in another unit.
        dose = (
            Dose(draw(log_examples.amounts), draw(st.sampled_from(DrugUnit)))
            if kind is BolusKind.BRIDGE
            else concentration.dose_in(volume_ml)
        )
        start = draw(st.datetimes(min_value=implanted, max_value=clock + timedelta(days=1)))
        bolus = Bolus(kind, start, duration, volume_ml, dose)
    prescription = Prescription(
        drug.name,
        concentration,
        mode,
        daily_dose=draw(rates) if mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE) else None,
        schedule=schedule,
        bolus=bolus,
    )
    ptm = None
    if model.ptm_supported and draw(st.booleans()):
        _, duration, volume_ml = timed_flow(timedelta(days=3))
        lockout = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1)))
        ptm = PtmSettings(concentration.dose_in(volume_ml), duration, draw(st.integers(0, 48)), lockout)
    length = draw(st.floats(1, model.catheter_length_cm))  # as supplied, or trimmed
    volumes = st.floats(0, capacity_ml)
    service_life = timedelta(days=366 * model.service_life_years)
    alarm_kinds = draw(st.lists(st.sampled_from(AlarmKind), unique=True, max_size=3))  # each raised once
    return PumpMemory(
        model_name=model.name,
        serial=draw(st.text(min_size=1, max_size=20)),
        implant_date=implant_date,
        patient_id=draw(st.text(max_size=20)),
        catheter=Catheter(length, draw(st.floats(0, length, exclude_max=True)), draw(st.text(min_size=1, max_size=8))),
        prescription=prescription,
        prescription_entered_at=draw(since_implant),
        reservoir_ml=draw(volumes),
        last_refill_at=draw(since_implant),
        last_refill_ml=draw(volumes),
        low_alarm_ml=draw(st.floats(model.low_alarm_min_ml, model.low_alarm_max_ml)),
        eri_at=draw(st.datetimes(min_value=implanted, max_value=implanted + service_life)),
        clock=clock,
        ptm=ptm,
        stopped_since=draw(since_implant) if mode is InfusionMode.STOPPED else None,  # stopped: delivers nothing
        # An MRI scan held delivery (no bolus then: the scan waits for it, and none starts while held).
        delivery_held_since=draw(log_examples.maybe(since_implant)) if bolus is None else None,
        alarms=tuple(Alarm(kind, draw(since_implant)) for kind in alarm_kinds),
        events=draw(log_examples.logs(implanted, clock, max_size=4)),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pump_memories())
def test_the_generated_memories_are_ones_the_firmware_could_hold(memory):
    assert memory_problems(memory) == []
    assert memory.events.problems(memory.clock) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pump_memories())
def test_any_memory_the_firmware_could_hold_round_trips_exactly_in_both_formats(memory):
    text = dumps_pump(memory)
    assert loads_pump(text) == memory
    assert dumps_pump(loads_pump(text)) == text  # and writes back byte for byte
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        save_pump(path, memory)
        loaded = load_pump(path)
        assert loaded == memory
        assert list(loaded.events) == list(memory.events)
        assert dumps_pump(loaded) == text


# --- version 1: JSON text (the shipped demo pump, and pump files before version 2) ----------------
def test_version_1_text_is_indented_json_with_a_checksum_over_the_canonical_memory():
    text = dumps_pump(demo_pump(DEMO_CLOCK))
    data = json.loads(text)
    assert list(data) == ["format", "version", "checksum", "memory"]
    assert data["format"] == "intrathecal-pump-memory" and data["version"] == 1
    canonical = json.dumps(data["memory"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["checksum"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert '\n    "reservoir_ml": 16.99375,\n' in text  # indented, one field a line
    assert '"clock": "2026-11-21T09:00:00"' in text  # ISO-8601
    lockout = data["memory"]["ptm"]["lockout"]
    assert lockout.startswith("PT") and msgspec.convert(lockout, timedelta) == timedelta(hours=3)  # ISO-8601 too


def test_reformatting_version_1_text_keeps_it_valid_but_any_value_change_is_caught():
    text = dumps_pump(demo_pump(DEMO_CLOCK))
    assert loads_pump(json.dumps(json.loads(text), indent=8)) == demo_pump(DEMO_CLOCK)
    with pytest.raises(PumpFileError, match="checksum mismatch"):
        loads_pump(text.replace('"low_alarm_ml": 2.0', '"low_alarm_ml": 3.0'))


# --- version 2: one SQLite file ------------------------------------------------------------------
def test_a_saved_pump_is_one_sqlite_file_a_script_reads_with_the_standard_library(tmp_path):
    path = tmp_path / "pump.pump"
    demo = demo_pump(DEMO_CLOCK)
    save_pump(path, demo)
    assert [p.name for p in tmp_path.iterdir()] == ["pump.pump"]  # one file a nurse can copy, nothing beside it
    assert path.read_bytes()[:16] == b"SQLite format 3\x00" and file_version(path) == FORMAT_VERSION == 2

    with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as script:
        assert script.execute("PRAGMA application_id").fetchone()[0] == 0x50554D50  # "PUMP"
        assert script.execute("PRAGMA user_version").fetchone()[0] == 2
        assert script.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # no -wal file beside it
        log = script.execute("SELECT at, kind, text FROM events ORDER BY position").fetchall()
        serial, model_name, state = script.execute("SELECT serial, model_name, state FROM pump").fetchone()
        refill = json.loads(script.execute("SELECT details FROM events WHERE kind = 'refill' ORDER BY at DESC")
                            .fetchone()[0])
    script.close()
    assert log == [(event.at.isoformat(), event.kind.value, event.text) for event in demo.events]
    assert log[-1] == (
        "2026-11-01T08:00:00",
        "programming",
        "Programmed: morphine 10 mg/mL, simple continuous, 1 mg/day → morphine 10 mg/mL, simple continuous, "
        "1.5 mg/day (daily dose +50 %)",
    )
    state = json.loads(state)
    assert (serial, model_name) == (state["serial"], state["model_name"]) == ("PX20-DEMO-0001", "PX-20")
    assert state["reservoir_ml"] == 16.99375 and state["clock"] == "2026-11-21T09:00:00"
    assert state["prescription"]["daily_dose"] == {"per_day": 1.5, "unit": "mg"}
    assert "events" not in state  # the log is the events table
    assert (refill["expected_ml"], refill["removed_ml"], refill["added_ml"]) == (6.46, 6.2, 20.0)


def test_a_copied_pump_file_is_the_same_pump_at_another_station(tmp_path):
    save_pump(tmp_path / "pump.pump", demo_pump(DEMO_CLOCK))
    (tmp_path / "usb").mkdir()
    shutil.copy(tmp_path / "pump.pump", tmp_path / "usb" / "pump.pump")
    assert load_pump(tmp_path / "usb" / "pump.pump") == demo_pump(DEMO_CLOCK)


# --- refusals -----------------------------------------------------------------------------------
def corpus_rows() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| `(.+?)` \| .+? \| `(.+)` \|$", (BAD_FILES / "README.md").read_text(encoding="utf-8"), re.M)
    return rows


@pytest.mark.parametrize(("name", "fragment"), corpus_rows(), ids=[name for name, _ in corpus_rows()])
def test_bad_file_is_refused_by_name_and_left_untouched(name, fragment):
    path = BAD_FILES / name
    before = fingerprint(path)
    with pytest.raises(PumpFileError) as refusal:
        load_pump(path)
    assert fragment in str(refusal.value)
    assert str(refusal.value).startswith(f"{path}: ")
    assert fingerprint(path) == before


def test_corpus_readme_lists_every_file_and_the_generator_reproduces_them():
    listed = {name for name, _ in corpus_rows()}
    on_disk = {p.name for p in BAD_FILES.iterdir()} - {"README.md", "make_bad_files.py", "__pycache__"}
    assert listed == on_disk and len(listed) >= 44
    spec = importlib.util.spec_from_file_location("make_bad_files", BAD_FILES / "make_bad_files.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for name, data in generator.corpus().items():
        assert (BAD_FILES / name).read_bytes() == data, f"{name} is stale: run {BAD_FILES / 'make_bad_files.py'}"


@pytest.mark.parametrize("version", [1, 2])
def test_a_valid_file_is_not_modified_by_loading_or_reading_its_log(tmp_path, version):
    path = tmp_path / "pump.pump"
    if version == 1:
        path.write_text(dumps_pump(demo_pump(DEMO_CLOCK)), encoding="utf-8")
    else:
        save_pump(path, demo_pump(DEMO_CLOCK))
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = fingerprint(path)
    memory = load_pump(path)
    assert file_version(path) == version
    newest_first = [event.kind for event in reversed(memory.events)]  # every event read
    assert len(newest_first) == 10 and newest_first[0] is EventKind.PROGRAMMING
    assert len(memory.events.of_kind(EventKind.REFILL)) == 2 and memory.events.since(LAST_REFILL_AT)
    assert fingerprint(path) == before  # not migrated, not rewritten: loading only reads


def test_missing_file_is_named():
    with pytest.raises(PumpFileError, match=r"nowhere[/\\]pump\.json: no pump file here"):
        load_pump(Path("nowhere/pump.json"))


def test_text_without_a_source_names_pump_memory():
    with pytest.raises(PumpFileError, match=r"^pump memory: the file is empty"):
        loads_pump("  \n")


def test_a_memory_the_firmware_could_not_hold_is_not_saved_and_the_old_file_stays(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    before = file_fingerprint(path)
    too_full = replace(demo_pump(DEMO_CLOCK), reservoir_ml=25.0)
    with pytest.raises(PumpFileError, match=r"reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity"):
        save_pump(path, too_full)
    with pytest.raises(PumpFileError, match=r"reservoir volume 25 mL is outside 0–20 mL"):
        dumps_pump(too_full)
    with pytest.raises(PumpFileError, match=r"reservoir volume 25 mL is outside 0–20 mL"):
        create_pump(tmp_path / "new.pump", too_full)
    assert file_fingerprint(path) == before and load_pump(path) == demo_pump(DEMO_CLOCK)
    assert not (tmp_path / "new.pump").exists() and temp_files(path) == [] == temp_files(tmp_path / "new.pump")


def full_disk(*_):
    raise OSError(errno.ENOSPC, "No space left on device")


class FullDiskBackup:
    """A connection whose backup into the pump file fails as on a full disk; everything else as usual."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def backup(self, target, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    def __getattr__(self, name):
        return getattr(self._connection, name)


def old_pump(path: Path, version: int) -> None:
    if version == 1:
        path.write_text(dumps_pump(demo_pump(DEMO_CLOCK)), encoding="utf-8")
    else:
        save_pump(path, demo_pump(DEMO_CLOCK))


@pytest.mark.parametrize(
    ("version", "failure", "message"),
    [
        (2, "refused", r"reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity"),
        (2, "disk full", r"cannot be saved \(database or disk is full\); the previous memory is unchanged"),
        (1, "refused", r"reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity"),
        (1, "disk full", r"cannot be saved \(No space left on device\); the previous memory is unchanged"),
    ],
)
def test_a_save_that_fails_keeps_the_old_memory_and_leaves_the_pump_free(tmp_path, monkeypatch, version, failure,
                                                                         message):
    path = tmp_path / "pump.pump"
    old_pump(path, version)
    before = file_fingerprint(path)
    memory = demo_pump(DEMO_CLOCK + timedelta(days=1))
    if failure == "refused":
        memory = replace(memory, reservoir_ml=25.0)
    elif version == 2:  # a pump file is rewritten in place, by SQLite's backup
        real_connect = store.connect
        monkeypatch.setattr(store, "connect", lambda where: FullDiskBackup(real_connect(where)))
    else:  # a version-1 file is replaced: its rewrite is renamed over it
        monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(PumpFileError, match=f"^{re.escape(str(path))}: {message}"):
        save_pump(path, memory)
    monkeypatch.undo()
    assert file_fingerprint(path) == before and load_pump(path) == demo_pump(DEMO_CLOCK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pump.pump"]  # no temporary file, no lock note left
    with PumpLock(path) as session:  # nobody holds it: a session may start at once
        assert session.held


def test_event_details_of_the_wrong_type_are_refused_by_field(tmp_path):
    demo = demo_pump(DEMO_CLOCK)
    refill = demo.events[-2]
    wrong = replace(refill, details=msgspec.structs.replace(refill.details, removed_ml="6.2"))
    forged = replace(demo, events=(*demo.events, wrong))
    where = rf"events\.{len(demo.events)}\.details\.removed_ml: Expected float, got str"  # the added event, by place
    with pytest.raises(PumpFileError, match=rf"memory\.{where}"):
        dumps_pump(forged)
    with pytest.raises(PumpFileError, match=rf"new\.pump: {where}"):
        create_pump(tmp_path / "new.pump", forged)
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary file left
    save_pump(tmp_path / "pump.pump", demo)
    before = file_fingerprint(tmp_path / "pump.pump")
    with pytest.raises(PumpFileError, match=rf"pump\.pump: {where}"):
        save_pump(tmp_path / "pump.pump", forged)
    assert file_fingerprint(tmp_path / "pump.pump") == before and [p.name for p in tmp_path.iterdir()] == ["pump.pump"]


def test_a_refused_memory_saved_where_no_pump_is_yet_is_refused_with_its_reason(tmp_path):
    with pytest.raises(PumpFileError, match=r"reservoir volume 25 mL is outside 0–20 mL"):
        save_pump(tmp_path / "new.pump", replace(demo_pump(DEMO_CLOCK), reservoir_ml=25.0))
    assert list(tmp_path.iterdir()) == []


# --- whole-file saves: atomic ---------------------------------------------------------------------
def recorded_steps(monkeypatch, memory: PumpMemory, path: Path) -> list[str]:
    """Each fsync, rename and link a save makes; each time the new memory is to take the pump's name, checks it
    is complete, synced and readable in its temporary file beside the pump."""
    steps = []
    real_fsync, real_replace, real_link = os.fsync, os.replace, os.link

    def fsync(descriptor):
        kind = "folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file"
        steps.append(f"fsync {kind}")
        real_fsync(descriptor)

    def complete(source):
        assert Path(source).parent == path.parent and "fsync file" in steps
        assert re.fullmatch(r"\.pump\.pump\.\d+\.[0-9a-f]{8}\.tmp", Path(source).name)  # hidden, named by its saver
        assert store.read(Path(source))[0] == memory  # the whole pump, readable, before it takes the name

    def rename(source, target):
        complete(source)
        steps.append("replace")
        real_replace(source, target)

    def link(source, target):
        complete(source)
        steps.append("link")
        real_link(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", rename)
    monkeypatch.setattr(os, "link", link)
    return steps


PROC_FD = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="tells a folder's descriptor by /proc")


@PROC_FD
def test_saving_over_a_pump_syncs_the_whole_new_memory_before_the_pump_file_changes(tmp_path, monkeypatch):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    inode = path.stat().st_ino
    later = demo_pump(DEMO_CLOCK + timedelta(days=1))
    checked = []
    real_fsync = os.fsync

    def fsync(descriptor):
        real_fsync(descriptor)
        synced = Path(os.readlink(f"/proc/self/fd/{descriptor}"))
        if synced.name.startswith(".pump.pump."):
            assert load_pump(path) == demo_pump(DEMO_CLOCK)  # the pump still as it was
            assert store.read(synced)[0] == later  # its successor complete and synced beside it
            checked.append(synced)

    monkeypatch.setattr(os, "fsync", fsync)
    save_pump(path, later)
    assert len(checked) == 1
    assert load_pump(path) == later and path.stat().st_ino == inode  # rewritten in place: its names and lock stay
    assert [p.name for p in tmp_path.iterdir()] == ["pump.pump"]


@PROC_FD
def test_saving_over_a_version_1_file_syncs_renames_then_syncs_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "pump.pump"
    old_pump(path, 1)
    later = demo_pump(DEMO_CLOCK + timedelta(days=1))
    steps = recorded_steps(monkeypatch, later, path)
    save_pump(path, later)
    assert steps == ["fsync file", "replace", "fsync folder"]
    assert file_version(path) == 2 and load_pump(path) == later and temp_files(path) == []


@PROC_FD
def test_create_writes_a_temp_file_syncs_links_it_then_syncs_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "pump.pump"
    steps = recorded_steps(monkeypatch, demo_pump(DEMO_CLOCK), path)
    create_pump(path, demo_pump(DEMO_CLOCK))
    assert steps == ["fsync file", "link", "fsync folder"]
    assert [p.name for p in tmp_path.iterdir()] == ["pump.pump"] and load_pump(path) == demo_pump(DEMO_CLOCK)


def test_create_never_overwrites_a_pump_and_of_two_at_once_one_wins(tmp_path):
    path = tmp_path / "pump.pump"
    create_pump(path, demo_pump(DEMO_CLOCK))
    before = file_fingerprint(path)
    with pytest.raises(PumpFileError, match=r"pump\.pump already exists: choose another file"):
        create_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert file_fingerprint(path) == before

    for round_ in range(10):  # two programmers create the same pump at the same moment: one "created" only
        racing = tmp_path / f"race-{round_}.pump"
        start, outcomes = threading.Barrier(2), []

        def create(days: int, racing: Path = racing, start: threading.Barrier = start, outcomes: list = outcomes):
            start.wait()
            try:
                create_pump(racing, demo_pump(DEMO_CLOCK + timedelta(days=days)))
                outcomes.append(days)
            except PumpFileError as error:
                outcomes.append(str(error))

        threads = [threading.Thread(target=create, args=(days,)) for days in (1, 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [outcome for outcome in outcomes if isinstance(outcome, int)]
        assert len(winners) == 1, outcomes
        assert load_pump(racing).clock == DEMO_CLOCK + timedelta(days=winners[0])
        assert temp_files(racing) == []


def test_save_keeps_the_file_permissions(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    path.chmod(0o640)  # a clinic keeps patients' pump files from other users
    save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_through_a_symbolic_link_keeps_the_link_and_replaces_its_target(tmp_path):
    (tmp_path / "pumps").mkdir()
    target = tmp_path / "pumps" / "px20.pump"
    save_pump(target, demo_pump(DEMO_CLOCK))
    link = tmp_path / "current.pump"
    link.symlink_to(target)
    later = demo_pump(DEMO_CLOCK + timedelta(days=2))
    save_pump(link, later)
    assert link.is_symlink() and link.resolve() == target
    assert load_pump(target) == later == load_pump(link)
    assert temp_files(target) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["current.pump", "pumps"]


def test_save_over_a_pump_with_two_names_keeps_them_one_pump(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    other = tmp_path / "same-pump.pump"
    os.link(path, other)
    save_pump(other, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert os.path.samefile(path, other) and load_pump(path).clock == DEMO_CLOCK + timedelta(days=1)


def test_save_over_a_version_1_file_with_two_names_is_refused_and_changes_nothing(tmp_path):
    path = tmp_path / "pump.json"
    old_pump(path, 1)
    other = tmp_path / "same-pump.json"
    os.link(path, other)
    before = file_fingerprint(path)
    with pytest.raises(PumpFileError, match=r"pump\.json: the file has 2 names \(hard links\): replacing it would "
                                            r"leave the others on the old pump; work on a copy of it instead"):
        save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert file_fingerprint(path) == before and os.path.samefile(path, other)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pump.json", "same-pump.json"]


def test_save_is_refused_while_a_session_holds_the_pump(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    with PumpLock(path):
        before = file_fingerprint(path)
        with pytest.raises(PumpInSessionError, match=r"pump in session elsewhere \(pid \d+, this programmer"):
            save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
        assert file_fingerprint(path) == before and temp_files(path) == []


def test_temp_files_of_dead_savers_are_cleared_and_never_read_as_the_pump(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead = tmp_path / f".pump.pump.{int(finished.stdout)}.0badc0de.tmp"
    dead.write_bytes(b"SQLite format 3\x00half a pump")
    ours = tmp_path / f".pump.pump.{os.getpid()}.0123abcd.tmp"  # a save in progress in this process: keep it
    ours.write_bytes(b"SQLite format 3\x00another half")
    assert load_pump(path) == demo_pump(DEMO_CLOCK)
    assert temp_files(path) == sorted([dead, ours])
    save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=2)))
    assert temp_files(path) == [ours]
    assert load_pump(path).clock == datetime(2026, 11, 23, 9, 0)


def test_a_session_opening_clears_temp_files_of_dead_savers_only(tmp_path):
    from programmer.session.programming import ProgrammingSession

    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead = [tmp_path / f".pump.pump.{int(finished.stdout)}.0badc0de.tmp",
            tmp_path / f".pump.pump.{int(finished.stdout)}.0badc0de.tmp-journal"]  # SQLite's, beside its file
    for leftover in dead:
        leftover.write_bytes(b"SQLite format 3\x00half a pump")
    ours = tmp_path / f".pump.pump.{os.getpid()}.0123abcd.tmp"  # a save in progress in this process: keep it
    ours.write_bytes(b"SQLite format 3\x00another half")
    session = ProgrammingSession(path)
    session.connect()
    try:
        assert temp_files(path) == [ours] and session.current == demo_pump(DEMO_CLOCK)
    finally:
        session.close(confirm=True)


# --- demo pump ----------------------------------------------------------------------------------
def test_shipped_demo_pump_shows_the_demo_values():
    demo = load_pump(resource_path("demo_pump.json"))
    assert file_version(resource_path("demo_pump.json")) == 1  # text a reviewer can read
    assert (demo.model_name, demo.serial, demo.patient_id) == ("PX-20", "PX20-DEMO-0001", "DEMO-0001")
    assert demo.model.reservoir_capacity_ml == 20.0
    assert demo.implant_date == date(2025, 5, 12)
    assert (demo.catheter.length_cm, demo.catheter.trimmed_cm, demo.catheter.tip_location) == (110.0, 12.0, "T10")
    assert demo.catheter.implanted_length_cm == 98.0
    assert demo.prescription.describe() == "morphine 10 mg/mL, simple continuous, 1.5 mg/day"
    assert demo.prescription.nominal_daily_volume_ml == pytest.approx(0.15)
    assert (demo.last_refill_at, demo.last_refill_ml) == (datetime(2026, 11, 1, 8, 0), 20.0)
    assert demo.clock == datetime(2026, 11, 21, 9, 0)
    # 20 mL − 0.15 mL/day × 20 days 1 hour = 16.994 mL: the 17 mL a nurse expects, to the hour.
    assert demo.reservoir_ml == pytest.approx(20 - 0.15 * (20 + 1 / 24))
    assert round(demo.reservoir_ml, 1) == 17.0
    assert demo.low_alarm_ml == 2.0
    assert demo.eri_at.date() == date(2032, 5, 12) and demo.replace_by == date(2032, 8, 10)
    assert demo.ptm == PtmSettings(Dose(0.1, DrugUnit.MG), timedelta(minutes=10), 4, timedelta(hours=3))
    assert demo.alarms == () and demo.stopped_since is None
    kinds = [event.kind for event in demo.events]
    assert kinds[:2] == [EventKind.IMPLANT, EventKind.BOLUS]
    assert "Priming bolus programmed: 0.515 mL" in demo.events[1].text
    assert kinds.count(EventKind.BOLUS) == 2  # programmed, then finished
    assert kinds.count(EventKind.REFILL) == 2 and kinds.count(EventKind.PROGRAMMING) == 5
    assert [event.at for event in demo.events] == sorted(event.at for event in demo.events)
    assert demo.events[-1].text == (
        "Programmed: morphine 10 mg/mL, simple continuous, 1 mg/day → morphine 10 mg/mL, simple continuous, "
        "1.5 mg/day (daily dose +50 %)"
    )


def test_shipped_demo_holds_what_the_generator_makes():
    assert load_pump(resource_path("demo_pump.json")) == demo_pump(DEMO_CLOCK)


def test_shipped_demo_file_is_byte_for_byte_what_the_generator_writes():
    assert resource_path("demo_pump.json").read_text(encoding="utf-8") == dumps_pump(demo_pump(DEMO_CLOCK))


def test_demo_clock_follows_now_and_stays_between_refill_and_low_alarm():
    assert demo_pump(LAST_REFILL_AT).reservoir_ml == 20.0
    assert low_alarm_reached_at() == datetime(2027, 3, 1, 8, 0)  # 18 mL at 0.15 mL/day: 120 days
    assert demo_pump(low_alarm_reached_at()).reservoir_ml == pytest.approx(2.0)
    with pytest.raises(ValueError, match="between its last refill \\(2026-11-01 08:00\\)"):
        demo_pump(datetime(2026, 10, 31))


# --- the rest ---------------------------------------------------------------------------------------
def test_module_constants():
    assert pumpfile.FORMAT_NAME == "intrathecal-pump-memory"
    assert pumpfile.FORMAT_VERSION == 2
    assert issubclass(PumpInSessionError, PumpFileError)


def test_a_pump_without_a_patient_id_yet_saves_and_loads(tmp_path):
    from programmer.pump.factory import new_pump

    path = tmp_path / "unassigned.pump"
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2026, 11, 21, 9))
    save_pump(path, memory)
    assert load_pump(path).patient_id == ""
