"""The pump file: exact round trips, refusals that name the problem and never touch the file, atomic saves, the lock."""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from programmer.pump import pumpfile
from programmer.pump.demo import DEMO_CLOCK, LAST_REFILL_AT, demo_pump, low_alarm_reached_at
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
    dumps_pump,
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


def baclofen_flex_pump() -> PumpMemory:
    """Every optional part filled in: per-weekday flex, a pending bridge bolus, stopped, alarms, rich event details."""
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
        stopped_since=datetime(2026, 3, 3, 23, 0),
        alarms=(
            Alarm(AlarmKind.PUMP_STOPPED, datetime(2026, 3, 4, 6, 0)),
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
            Event(datetime(2026, 3, 4, 6, 0), EventKind.ALARM_RAISED, "Pump stopped for more than 48 h"),
        ),
    )


# --- round trips ------------------------------------------------------------------------------
def test_demo_round_trips_exactly_in_memory_and_on_disk(tmp_path):
    demo = demo_pump(DEMO_CLOCK)
    assert loads_pump(dumps_pump(demo)) == demo
    save_pump(tmp_path / "pump.json", demo)
    assert load_pump(tmp_path / "pump.json") == demo


def test_every_optional_field_round_trips_exactly(tmp_path):
    pump = baclofen_flex_pump()
    save_pump(tmp_path / "pump.json", pump)
    loaded = load_pump(tmp_path / "pump.json")
    assert loaded == pump
    assert loaded.prescription.schedule.daily_dose(5).per_day == pytest.approx(100 * 555 / 1440 + 250.5 * 885 / 1440)
    assert loaded.prescription.bolus.duration == timedelta(hours=7, seconds=3)
    assert loaded.events[1].details.record.acknowledged[0].note == "spasticity ↑ at night"
    assert loaded.events[2].details.duration == timedelta(hours=7, seconds=3)
    assert loaded.events[3].details is None  # logged with nothing but its text
    assert loaded.prescription_entered_at.microsecond == 123456


def test_file_is_indented_json_with_a_checksum_over_the_canonical_memory():
    text = dumps_pump(demo_pump(DEMO_CLOCK))
    data = json.loads(text)
    assert list(data) == ["format", "version", "checksum", "memory"]
    assert data["format"] == "intrathecal-pump-memory" and data["version"] == FORMAT_VERSION == 1
    canonical = json.dumps(data["memory"], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["checksum"] == "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    assert '\n    "reservoir_ml": 16.99375,\n' in text  # indented, one field a line
    assert '"clock": "2026-11-21T09:00:00"' in text and '"lockout": "PT3H"' in text  # ISO-8601


def test_reformatting_the_file_keeps_it_valid_but_any_value_change_is_caught():
    text = dumps_pump(demo_pump(DEMO_CLOCK))
    assert loads_pump(json.dumps(json.loads(text), indent=8)) == demo_pump(DEMO_CLOCK)
    with pytest.raises(PumpFileError, match="checksum mismatch"):
        loads_pump(text.replace('"low_alarm_ml": 2.0', '"low_alarm_ml": 3.0'))


moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
names = st.text(min_size=1, max_size=20)


@st.composite
def pump_memories(draw) -> PumpMemory:
    model = draw(st.sampled_from(pump_models().models))
    drug = draw(st.sampled_from(drug_library().drugs))
    unit = drug.unit
    concentration = Concentration(draw(st.floats(0.01, drug.max_concentration_per_ml)), unit)
    # Keep every flow under 1 mL/day, well inside every model's maximum.
    rates = st.floats(1e-6, concentration.per_ml).map(lambda per_day: DoseRate(per_day, unit))
    doses = st.floats(0, 1e4).map(lambda amount: Dose(amount, unit))
    durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3))
    mode = draw(st.sampled_from(InfusionMode))

    def day():
        starts = sorted(draw(st.sets(st.integers(0, 1439), min_size=1, max_size=model.max_flex_steps)))
        return DaySchedule(tuple(FlexStep(start, draw(rates)) for start in starts))

    schedule = None
    if mode is InfusionMode.FLEX:
        count = draw(st.sampled_from((1, 7) if model.per_weekday_schedules else (1,)))
        schedule = FlexSchedule(tuple(day() for _ in range(count)))
    bolus = None
    if mode is InfusionMode.SINGLE_BOLUS or (mode is not InfusionMode.STOPPED and draw(st.booleans())):
        kind = BolusKind.SINGLE if mode is InfusionMode.SINGLE_BOLUS else draw(st.sampled_from(BolusKind))
        assume(kind is not BolusKind.SINGLE or mode is InfusionMode.SINGLE_BOLUS)
        # A bridge bolus carries the previous fluid, possibly another drug in another unit.
        dose = (
            Dose(draw(st.floats(0, 1e4)), draw(st.sampled_from(DrugUnit))) if kind is BolusKind.BRIDGE else draw(doses)
        )
        bolus = Bolus(kind, draw(moments), draw(durations), draw(st.floats(0.001, 20)), dose)
    prescription = Prescription(
        drug.name,
        concentration,
        mode,
        daily_dose=draw(rates) if mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.MINIMUM_RATE) else None,
        schedule=schedule,
        bolus=bolus,
    )
    length = draw(st.floats(1, 200))
    capacity = st.floats(0, model.reservoir_capacity_ml)
    ptm = None
    if model.ptm_supported and draw(st.booleans()):
        lockout = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=1)))
        dose = Dose(draw(st.floats(1e-6, 1e4)), unit)
        ptm = PtmSettings(dose, draw(durations), draw(st.integers(0, 48)), lockout)
    return PumpMemory(
        model_name=model.name,
        serial=draw(names),
        implant_date=draw(st.dates()),
        patient_id=draw(names),
        catheter=Catheter(length, draw(st.floats(0, length, exclude_max=True)), draw(names)),
        prescription=prescription,
        prescription_entered_at=draw(moments),
        reservoir_ml=draw(capacity),
        last_refill_at=draw(moments),
        last_refill_ml=draw(capacity),
        low_alarm_ml=draw(st.floats(model.low_alarm_min_ml, model.low_alarm_max_ml)),
        eri_at=draw(moments),
        clock=draw(moments),
        ptm=ptm,
        stopped_since=draw(st.none() | moments),
        alarms=tuple(draw(st.lists(st.builds(Alarm, st.sampled_from(AlarmKind), moments), max_size=3))),
        events=tuple(draw(st.lists(log_examples.events, max_size=4))),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pump_memories())
def test_any_valid_memory_round_trips_exactly(memory):
    text = dumps_pump(memory)
    assert loads_pump(text) == memory
    assert dumps_pump(loads_pump(text)) == text  # and writes back byte for byte


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
    assert listed == on_disk and len(listed) >= 30
    spec = importlib.util.spec_from_file_location("make_bad_files", BAD_FILES / "make_bad_files.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for name, data in generator.corpus().items():
        assert (BAD_FILES / name).read_bytes() == data, f"{name} is stale: run {BAD_FILES / 'make_bad_files.py'}"


def test_a_valid_file_is_not_modified_by_loading(tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    os.utime(path, ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    before = fingerprint(path)
    load_pump(path)
    assert fingerprint(path) == before


def test_missing_file_is_named():
    with pytest.raises(PumpFileError, match=r"nowhere[/\\]pump\.json: no pump file here"):
        load_pump(Path("nowhere/pump.json"))


def test_text_without_a_source_names_pump_memory():
    with pytest.raises(PumpFileError, match=r"^pump memory: the file is empty"):
        loads_pump("  \n")


def test_a_memory_the_loader_would_refuse_is_not_saved_and_the_old_file_stays(tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    before = fingerprint(path)
    with pytest.raises(PumpFileError, match="reservoir_ml: 25 mL is above the PX-20 reservoir capacity of 20 mL"):
        save_pump(path, replace(demo_pump(DEMO_CLOCK), reservoir_ml=25.0))
    assert fingerprint(path) == before


def test_event_details_of_the_wrong_type_are_refused_by_field():
    demo = demo_pump(DEMO_CLOCK)
    refill = demo.events[-2]
    wrong = replace(refill, details=msgspec.structs.replace(refill.details, removed_ml="6.2"))
    where = rf"memory\.events\.{len(demo.events)}\.details\.removed_ml"  # the added event, named by its place
    with pytest.raises(PumpFileError, match=where + ": Expected `float`, got `str`"):
        dumps_pump(replace(demo, events=(*demo.events, wrong)))


# --- atomic save --------------------------------------------------------------------------------
def test_save_writes_a_temp_file_syncs_renames_then_syncs_the_folder(tmp_path, monkeypatch):
    path = tmp_path / "pump.json"
    steps = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        kind = "folder" if os.path.isdir(f"/proc/self/fd/{descriptor}") else "file"
        steps.append(f"fsync {kind}")
        real_fsync(descriptor)

    def rename(source, target):
        assert Path(source).parent == tmp_path and Path(source).name.startswith(".pump.json.")
        assert json.loads(Path(source).read_text(encoding="utf-8"))["memory"]["reservoir_ml"] == 16.99375
        steps.append("replace")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", rename)
    save_pump(path, demo_pump(DEMO_CLOCK))
    assert steps == ["fsync file", "replace", "fsync folder"]
    assert temp_files(path) == []


def test_a_failed_rename_keeps_the_old_memory_and_leaves_no_temp_file(tmp_path, monkeypatch):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    before = fingerprint(path)

    def full_disk(source, target):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(PumpFileError, match=r"No space left on device.*previous memory is unchanged"):
        save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert fingerprint(path) == before
    assert load_pump(path) == demo_pump(DEMO_CLOCK)


def test_save_keeps_the_file_permissions(tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    path.chmod(0o640)
    save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=1)))
    assert path.stat().st_mode & 0o777 == 0o640


def test_temp_files_of_dead_savers_are_cleared_and_never_read_as_the_pump(tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    dead = tmp_path / f".pump.json.{int(finished.stdout)}.0badc0de.tmp"
    dead.write_text("{half a pump")
    ours = tmp_path / f".pump.json.{os.getpid()}.0123abcd.tmp"  # a save in progress in this process: keep it
    ours.write_text("{another half")
    assert load_pump(path) == demo_pump(DEMO_CLOCK)
    assert temp_files(path) == sorted([dead, ours])
    save_pump(path, demo_pump(DEMO_CLOCK + timedelta(days=2)))
    assert temp_files(path) == [ours]
    assert load_pump(path).clock == datetime(2026, 11, 23, 9, 0)


# --- demo pump ----------------------------------------------------------------------------------
def test_shipped_demo_pump_shows_the_demo_values():
    demo = load_pump(resource_path("demo_pump.json"))
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
    assert demo.events[-1].text == "Programmed simple continuous 1 mg/day → 1.5 mg/day (+50 %)"


def test_shipped_demo_is_what_the_generator_makes():
    assert load_pump(resource_path("demo_pump.json")) == demo_pump(DEMO_CLOCK)
    assert resource_path("demo_pump.json").read_text(encoding="utf-8") == dumps_pump(demo_pump(DEMO_CLOCK))


def test_demo_clock_follows_now_and_stays_between_refill_and_low_alarm():
    assert demo_pump(LAST_REFILL_AT).reservoir_ml == 20.0
    assert low_alarm_reached_at() == datetime(2027, 3, 1, 8, 0)  # 18 mL at 0.15 mL/day: 120 days
    assert demo_pump(low_alarm_reached_at()).reservoir_ml == pytest.approx(2.0)
    with pytest.raises(ValueError, match="between its last refill \\(2026-11-01 08:00\\)"):
        demo_pump(datetime(2026, 10, 31))


# --- the session lock ---------------------------------------------------------------------------
def test_a_second_session_is_refused_while_the_first_holds_the_pump(tmp_path):
    path = tmp_path / "pump.json"
    with PumpLock(path) as first:
        assert first.held
        with pytest.raises(PumpInSessionError) as refusal:
            PumpLock(path).acquire()
        message = str(refusal.value)
        assert message.startswith(f"{path}: pump in session elsewhere (pid {os.getpid()}")
        assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\): close the other session first$", message)
        assert refusal.value.pid == os.getpid()
    with PumpLock(path) as second:  # released: the next session may start
        assert second.held
    assert not second.held


def test_the_lock_survives_saving_the_pump(tmp_path):
    path = tmp_path / "pump.json"
    with PumpLock(path):
        save_pump(path, demo_pump(DEMO_CLOCK))
        save_pump(path, demo_pump(DEMO_CLOCK + timedelta(hours=1)))
        with pytest.raises(PumpInSessionError):
            PumpLock(path).acquire()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pump.json", "pump.json.lock"]


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


def test_a_session_in_another_process_is_named_and_released_when_it_closes(tmp_path):
    path = tmp_path / "pump.json"
    holder = start_holder(path)
    with pytest.raises(PumpInSessionError, match=rf"pump in session elsewhere \(pid {holder.pid}, since "):
        PumpLock(path).acquire()
    holder.communicate("")  # the other session closes
    PumpLock(path).acquire().release()


def test_a_crashed_session_does_not_keep_the_pump_locked(tmp_path):
    path = tmp_path / "pump.json"
    holder = start_holder(path)
    holder.kill()
    holder.communicate()
    with PumpLock(path) as lock:
        assert lock.held


def test_refusing_a_session_changes_nothing_on_disk(tmp_path):
    path = tmp_path / "pump.json"
    save_pump(path, demo_pump(DEMO_CLOCK))
    with PumpLock(path):
        before = fingerprint(path), (tmp_path / "pump.json.lock").read_bytes()
        with pytest.raises(PumpInSessionError):
            PumpLock(path).acquire()
        assert (fingerprint(path), (tmp_path / "pump.json.lock").read_bytes()) == before


def test_module_constants():
    assert pumpfile.FORMAT_NAME == "intrathecal-pump-memory"
    assert issubclass(PumpInSessionError, PumpFileError)


def test_a_pump_without_a_patient_id_yet_saves_and_loads(tmp_path):
    from programmer.pump.factory import new_pump
    from programmer.therapy.units import DoseRate, DrugUnit

    path = tmp_path / "unassigned.json"
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2026, 11, 21, 9))
    save_pump(path, memory)
    assert load_pump(path).patient_id == ""
