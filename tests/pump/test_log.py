"""The pump's log: typed details for every event kind, checked on load, and logs written before they were typed."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from programmer.pump.demo import DEMO_CLOCK, LAST_REFILL_AT, demo_pump
from programmer.pump.factory import new_pump
from programmer.pump.firmware import advance
from programmer.pump.log import (
    AlarmClearedDetails,
    BolusDetails,
    BolusPhase,
    EventKind,
    ImplantDetails,
    ModeChangeDetails,
    ModeChangeReason,
    ProgrammingDetails,
    RefillDetails,
)
from programmer.pump.memory import AlarmKind, Severity
from programmer.pump.pumpfile import PumpFileError, dumps_pump, load_pump, loads_pump, save_pump
from programmer.pump.version_1 import checksum_of
from programmer.resources import resource_path
from programmer.session.bolus_history import BolusEntry, bolus_history
from programmer.session.gate import dose_history
from programmer.session.report import NOT_LOGGED, FindingLine, build_report
from programmer.therapy.prescription import BolusKind, InfusionMode
from programmer.therapy.units import DoseRate, DrugUnit
from tests.pump import log_examples

MG = DrugUnit.MG
# The demo pump as the programmer shipped it before details were typed (commit 834fcfb), byte for byte.
VERSION_1_DEMO = Path(__file__).resolve().parent / "version_1_demo_pump.json"


def resealed(memory_data: dict) -> str:
    return json.dumps({"format": "intrathecal-pump-memory", "version": 1, "checksum": checksum_of(memory_data),
                       "memory": memory_data})


def demo_data() -> dict:
    return json.loads(resource_path("demo_pump.json").read_text(encoding="utf-8"))["memory"]


# --- typed details in the file -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(EventKind), ids=[kind.value for kind in EventKind])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=log_examples.st.data())
def test_every_kind_round_trips_through_the_file(kind, data):
    demo = demo_pump(DEMO_CLOCK)
    # Logged after the demo's last event, and not after its clock: a log a pump could hold.
    event = data.draw(log_examples.events_of(kind, st.datetimes(min_value=demo.events[-1].at, max_value=demo.clock)))
    memory = replace(demo, events=(*demo.events, event))
    text = dumps_pump(memory)
    assert loads_pump(text).events[-1] == event
    assert dumps_pump(loads_pump(text)) == text  # and writes back byte for byte
    with tempfile.TemporaryDirectory() as folder:
        save_pump(Path(folder) / "pump.pump", memory)
        loaded = load_pump(Path(folder) / "pump.pump")
        assert loaded.events[-1] == event and loaded == memory


def test_the_file_holds_each_fact_by_name_with_the_kind_of_its_details():
    refill = demo_data()["events"][8]
    assert refill["kind"] == "refill"
    assert refill["details"] == {
        "kind": "refill",
        "reservoir_ml": 20.0,
        "record": None,
        "expected_ml": 6.46,
        "removed_ml": 6.2,
        "added_ml": 20.0,
        "discrepancy_ml": -0.26,
    }
    bolus = demo_data()["events"][1]["details"]
    assert (bolus["bolus"], bolus["phase"], bolus["volume_ml"], bolus["dose_amount"], bolus["unit"]) == (
        "priming", "programmed", pytest.approx(0.5148), pytest.approx(5.148), "mg"  # the fluid path, as worked out
    )
    assert (bolus["start"], bolus["duration"]) == ("2025-05-12T10:40:00", "PT1800S")


def _events(index: int, change) -> callable:
    def apply(memory: dict) -> None:
        change(memory["events"][index]["details"])

    return apply


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _events(8, lambda details: details.update(removed_ml="6.2")),
            "memory.events.8.details.removed_ml: Expected float, got str, found '6.2'",
        ),
        (
            _events(8, lambda details: details.update(removed_ml=-1)),
            "memory.events.8.details.removed_ml: Expected float >= 0.0, found -1",
        ),
        (
            _events(8, lambda details: details.pop("removed_ml")),
            "memory.events.8.details: Object missing required field removed_ml",
        ),
        (
            _events(8, lambda details: details.update(battery_percent=80)),
            "memory.events.8.details: Object contains unknown field battery_percent",
        ),
        (
            _events(9, lambda details: details["record"].update(acknowledged=[{"rule": "soft_max", "message": "m",
                                                                                "note": 3}])),
            "memory.events.9.details.record.acknowledged.0.note: Expected str, got int, found 3",
        ),
        (
            _events(1, lambda details: details.update(start="2025-05-12T10:40:00+01:00")),
            "memory.events.1.details.start: Expected datetime with no timezone component, found "
            "'2025-05-12T10:40:00+01:00'",
        ),
        (
            _events(3, lambda details: details.update(phase="cancelled")),
            "memory.events.3.details: delivered_ml is logged for a cancelled bolus, and only for one",
        ),
        (
            _events(1, lambda details: details.update(kind="refill")),
            "memory.events.1.details.kind: Invalid value 'refill', found 'refill'",
        ),
        (
            _events(2, lambda details: details.update(unit=None)),
            "memory.events.2.details: a daily dose or a concentration needs its unit",
        ),
    ],
    ids=["text", "negative", "missing", "unknown", "nested", "time_zone", "phase", "other_kind", "no_unit"],
)
def test_a_bad_detail_is_refused_naming_the_field(change, message):
    memory = demo_data()
    change(memory)
    with pytest.raises(PumpFileError) as refused:
        loads_pump(resealed(memory), "pump.json")
    assert str(refused.value) == f"pump.json: {message}"


def test_an_event_carries_the_details_of_its_own_kind():
    demo = demo_pump(DEMO_CLOCK)
    with pytest.raises(TypeError, match="a bolus event carries BolusDetails, not RefillDetails"):
        replace(demo.events[1], details=demo.events[8].details)


# --- logs written before details were typed ---------------------------------------------------------------------
def test_the_demo_pump_shipped_before_details_were_typed_loads_and_reads_right():
    old = load_pump(VERSION_1_DEMO)
    demo = demo_pump(DEMO_CLOCK)
    # The same history (the old file keeps the words it was written with: the shipped demo's are the firmware's now)
    assert [(event.at, event.kind) for event in old.events][4:] == [(event.at, event.kind) for event in demo.events][4:]
    implant = old.events[0].details
    assert isinstance(implant, ImplantDetails)
    assert (implant.anchor_ml, implant.catheter_length_cm, implant.trimmed_cm, implant.tip_location) == (
        20.0, 110.0, 12.0, "T10"
    )  # its "filled_ml", and the catheter as implanted
    assert implant.model is None and implant.daily_dose is None  # not logged then: never guessed

    # The priming bolus: programmed (it logged volume_ml) and finished (it logged neither), 30 min apart.
    assert bolus_history(old) == [
        BolusEntry(
            datetime(2025, 5, 12, 10, 40), BolusKind.PRIMING, "0.515 mL over 30 min",
            "completed 2025-05-12 11:10: 0.515 mL delivered", 0.515,
        )
    ]
    assert [(change.at, change.daily_dose) for change in dose_history(old)] == [
        (datetime(2025, 5, 12, 10, 40), DoseRate(0.4, MG)),
        (datetime(2025, 5, 26, 10, 0), DoseRate(0.5, MG)),
        (datetime(2026, 7, 20, 10, 0), DoseRate(0.75, MG)),
        (datetime(2026, 9, 14, 10, 0), DoseRate(1.0, MG)),
        (LAST_REFILL_AT, DoseRate(1.5, MG)),
    ]
    report = build_report(old)
    assert report.started_at == LAST_REFILL_AT
    refill = report.refill
    assert (refill.expected_ml, refill.removed_ml, refill.added_ml) == (6.46, 6.2, 20.0)
    assert refill.discrepancy_ml == pytest.approx(-0.26)
    assert report.findings == () and report.boluses == ()
    assert report.settings[0].before == NOT_LOGGED  # the old demo did not describe the program it replaced
    assert report.settings[1].before.startswith("1 mg/day")

    # Delivery is counted from the same anchor as the typed demo's: the same volume a week on.
    week = DEMO_CLOCK + timedelta(days=7)
    assert advance(old, week)[0].reservoir_ml == advance(demo, week)[0].reservoir_ml

    # Saved again, it is written with typed details and reads back the same.
    assert loads_pump(dumps_pump(old)) == old
    assert json.loads(dumps_pump(old))["memory"]["events"][0]["details"]["kind"] == "implant"


T0 = datetime(2026, 1, 5, 9, 0)
T1 = datetime(2026, 2, 4, 10, 0)
NOTE = "soft max: 2 mg/day is above 1.8 mg/day; titration +33 % in a day"  # one free text, '; ' and all


def version_1_log() -> dict:
    """A morphine pump whose log the firmware wrote before details were typed: each object as it wrote it."""
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), T0, serial="PX20-V1")
    memory = json.loads(dumps_pump(pump))["memory"]
    memory["prescription"]["daily_dose"]["per_day"] = 2.0
    memory["prescription_entered_at"] = T1.isoformat()
    memory["clock"] = "2026-03-01T09:00:00"

    def event(at: datetime, kind: str, text: str, details: dict) -> dict:
        return {"at": at.isoformat(), "kind": kind, "text": text, "details": details}

    cancelled = T1 + timedelta(minutes=30)
    memory["events"] = [
        event(T0, "implant", "Implanted PX-20 #PX20-V1", {
            "model": "PX-20", "serial": "PX20-V1", "reservoir_ml": 20.0, "daily_dose_per_day": 1.5, "unit": "mg"
        }),
        event(T1, "programming", "Programmed: … 1.5 mg/day → … 2 mg/day", {
            "old": "morphine 10 mg/mL, simple continuous, 1.5 mg/day",
            "new": "morphine 10 mg/mL, simple continuous, 2 mg/day",
            "daily_dose_per_day": 2.0, "unit": "mg", "low_alarm_ml": 2.0,
            "reason": "pain not controlled; agreed with Dr Lee", "clinician": "Dr B", "note": NOTE,
            "reservoir_ml": 15.5,
        }),
        event(T1, "bolus", "Clinician bolus programmed: 0.1 mL (1 mg) over 1 h from 2026-02-04 10:00", {
            "bolus": "clinician", "volume_ml": 0.1
        }),
        event(cancelled, "bolus", "Clinician bolus cancelled after 0.05 mL (0.5 mg) of 0.1 mL (1 mg)", {
            "bolus": "clinician", "cancelled": True, "volume_ml": 0.1, "delivered_ml": 0.05,
            "delivered_dose": 0.5, "unit": "mg", "reservoir_ml": 15.45,
        }),
        event(T1 + timedelta(days=20), "alarm_raised", "Low reservoir (non-critical)", {
            "alarm": "low_reservoir", "severity": "non-critical"
        }),
        event(T1 + timedelta(days=21), "refill", "Refill: expected 1.5 mL, removed 1.2 mL, added 20 mL", {
            "expected_ml": 1.5, "removed_ml": 1.2, "added_ml": 20.0, "discrepancy_ml": -0.3, "reservoir_ml": 20.0
        }),
        event(T1 + timedelta(days=21), "alarm_cleared", "Low reservoir cleared: reservoir refilled", {
            "alarm": "low_reservoir"
        }),
        event(T1 + timedelta(days=22), "mode_change", "Mode: Simple continuous → Stopped (end of service)", {
            "old": "simple_continuous", "new": "stopped", "reservoir_ml": 19.9
        }),
    ]
    return memory


def test_a_log_the_old_firmware_wrote_loads_and_reads_right():
    memory = loads_pump(resealed(version_1_log()))
    events = memory.events

    # The bolus: told programmed and cancelled by what it logged; what was given from its fields, never its text.
    assert bolus_history(memory) == [
        BolusEntry(T1, BolusKind.CLINICIAN, "0.1 mL", "cancelled 2026-02-04 10:30 after 0.05 mL (0.5 mg)", 0.05, True)
    ]
    assert [(change.at, change.daily_dose) for change in dose_history(memory)] == [
        (T0, DoseRate(1.5, MG)),
        (T1, DoseRate(2.0, MG)),
    ]
    report = build_report(memory, since=T1)
    assert report.findings == (
        FindingLine(f"Logged note: {NOTE}", "", T1, "Dr B"),  # the old note whole, as written
        FindingLine("Reason given", "pain not controlled; agreed with Dr Lee", T1, "Dr B"),
    )
    assert report.clinicians == ("Dr B",)
    assert (report.refill.expected_ml, report.refill.removed_ml) == (1.5, 1.2)
    assert report.refill.discrepancy_ml == pytest.approx(-0.3)
    assert report.settings[0].before == "morphine 10 mg/mL, simple continuous, 1.5 mg/day"

    programming = events[1].details
    assert isinstance(programming, ProgrammingDetails)
    assert programming.record.acknowledged == () and programming.record.second_checker == ""  # not logged then
    assert ("Note (older log)", NOTE) in programming.lines()
    cancelled = events[3].details
    assert isinstance(cancelled, BolusDetails) and cancelled.phase is BolusPhase.CANCELLED
    assert cancelled.delivered_dose.amount == 0.5 and cancelled.anchor_ml == 15.45
    refill = events[5].details
    assert isinstance(refill, RefillDetails) and refill.record is None  # nothing acknowledged with it
    cleared = events[6].details
    assert isinstance(cleared, AlarmClearedDetails)
    assert (cleared.alarm, cleared.severity) == (AlarmKind.LOW_RESERVOIR, Severity.NON_CRITICAL)
    stop = events[7].details
    assert isinstance(stop, ModeChangeDetails)
    assert (stop.old, stop.new, stop.why) == (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.STOPPED,
                                              ModeChangeReason.END_OF_SERVICE)  # the only mode change that anchored


def test_an_old_log_is_refused_only_for_what_no_programmer_wrote():
    memory = version_1_log()
    memory["events"][5]["details"]["battery_percent"] = 80
    with pytest.raises(PumpFileError, match=r"memory\.events\.5\.details\.battery_percent: not a detail any "
                                            r"programmer logged for a refill event, found 80"):
        loads_pump(resealed(memory))
    memory = version_1_log()
    del memory["events"][5]["details"]["removed_ml"]
    with pytest.raises(PumpFileError, match=r"memory\.events\.5\.details: Object missing required field removed_ml"):
        loads_pump(resealed(memory))
    memory = version_1_log()
    memory["events"][4]["details"] = {}  # nothing logged besides its text: loaded as such
    assert loads_pump(resealed(memory)).events[4].details is None
