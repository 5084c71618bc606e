"""The pump's log read lazily from its file: a sequence like any other, read a page at a time.

A pump logs for years; an action needs only the end of its log. So a log loaded from a pump
file answers its length at once, reads its last page for the last event, finds events of a
kind or since a moment in the file's indexes, and compares equal to the same events in memory.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from programmer.pump import store
from programmer.pump.demo import DEMO_CLOCK, LAST_REFILL_AT, demo_pump
from programmer.pump.log import AlarmClearedDetails, AlarmRaisedDetails, BolusDetails, BolusPhase
from programmer.pump.logbook import PumpLog
from programmer.pump.memory import AlarmKind, Event, EventKind, PumpMemory
from programmer.pump.pumpfile import PumpChangedError, PumpFile, load_pump, save_pump
from programmer.pump.telemetry import Telemetry
from programmer.therapy.prescription import Bolus, BolusKind
from programmer.therapy.units import Dose, DrugUnit

EVENTS = 5000
PAGE = 256


def history(start: datetime, count: int) -> list[Event]:
    """Every 5 minutes from `start`: low-reservoir alarms raised and cleared, and every 100th a clinician bolus
    finishing, which logs the reservoir's volume (an anchor: the firmware counts delivery from there)."""
    events = []
    for index in range(count):
        at = start + timedelta(minutes=5 * (index + 1))
        if index % 100 == 99:
            bolus = Bolus(BolusKind.CLINICIAN, at, timedelta(minutes=10), 0.01, Dose(0.1, DrugUnit.MG))
            details = BolusDetails.of(bolus, BolusPhase.FINISHED, reservoir_ml=17.0)
            events.append(Event(at, EventKind.BOLUS, f"Clinician bolus finished {index}", details))
        elif index % 2:
            details = AlarmClearedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity)
            events.append(Event(at, EventKind.ALARM_CLEARED, f"Low reservoir cleared {index}", details))
        else:
            details = AlarmRaisedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity)
            events.append(Event(at, EventKind.ALARM_RAISED, f"Low reservoir {index}", details))
    return events


def long_pump() -> PumpMemory:
    """The demo pump with 5,000 events: its own ten, then 4,990 over the 17 days after its last refill."""
    demo = demo_pump(DEMO_CLOCK)
    return replace(demo, events=[*demo.events, *history(demo.events[-1].at, EVENTS - len(demo.events))])


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, PumpMemory]:
    path = tmp_path_factory.mktemp("long") / "pump.pump"
    memory = long_pump()
    save_pump(path, memory)
    return path, memory


@pytest.fixture
def pages_read(monkeypatch) -> list[tuple[int, int]]:
    """Each page of events read from a file, as (first, last + 1)."""
    pages = []
    real = store._decoded

    def counted(source, where, parameters, positions):
        pages.append((positions[0], positions[-1] + 1))
        return real(source, where, parameters, positions)

    monkeypatch.setattr(store, "_decoded", counted)
    return pages


def test_a_long_log_answers_its_length_and_its_end_without_reading_the_rest(saved, pages_read):
    path, memory = saved
    log = load_pump(path).events
    assert pages_read in ([], [(4864, EVENTS)])  # opening checks the log in SQL; at most its last page is read
    assert len(log) == EVENTS and log.stored == EVENTS and log.appended == ()
    assert log[-1] == memory.events[-1] and log[-1].text == "Low reservoir cleared 4989"
    assert log[-1].at == datetime(2026, 11, 18, 15, 50)  # 4,990 × 5 minutes after the last refill
    assert log[0] == memory.events[0] and log[0].kind is EventKind.IMPLANT
    assert sorted(pages_read) == [(0, PAGE), (4864, EVENTS)]  # two pages of twenty, each read once


def test_a_long_log_reads_back_equal_in_every_way_a_sequence_is_read(saved):
    path, memory = saved
    log = load_pump(path).events
    expected = list(memory.events)
    assert log == memory.events and list(log) == expected
    assert list(reversed(log)) == expected[::-1]
    assert list(log[1000:1010]) == expected[1000:1010] and log[-2] == expected[-2]
    positions = (255, 256, 257, 4999, -5000)
    assert [log[position] for position in positions] == [expected[position] for position in positions]
    with pytest.raises(IndexError):
        log[EVENTS]


def test_of_kind_and_since_find_their_events_without_reading_the_others(saved, pages_read):
    path, memory = saved
    log = load_pump(path).events
    pages_read.clear()
    boluses = log.of_kind(EventKind.BOLUS)
    assert len(boluses) == 51 and not pages_read  # 49 clinician boluses and the demo's two, found in the index
    assert list(boluses) == [event for event in memory.events if event.kind is EventKind.BOLUS]
    assert len(log.of_kind(EventKind.REFILL, EventKind.PROGRAMMING)) == 7
    moment = datetime(2026, 11, 18, 0, 0)
    recent = log.since(moment)
    assert recent[0].at >= moment > log[EVENTS - len(recent) - 1].at
    assert list(recent) == [event for event in memory.events if event.at >= moment]
    assert len(recent) == 191  # the last 15 h 50 min, every 5 minutes
    assert list(log.since(LAST_REFILL_AT))[:2] == [memory.events[8], memory.events[9]]  # the refill and its program
    assert log.since(DEMO_CLOCK + timedelta(days=1)) == []


def test_appending_shares_the_stored_events_and_changes_nothing_before(saved, pages_read):
    path, memory = saved
    log = load_pump(path).events
    pages_read.clear()
    raised = Event(DEMO_CLOCK, EventKind.ALARM_RAISED, "Reservoir empty")
    longer = log.plus(raised)
    assert not pages_read  # nothing read, nothing copied
    assert (len(longer), longer[-1], longer.stored, longer.appended) == (EVENTS + 1, raised, EVENTS, (raised,))
    assert len(log) == EVENTS and log[-1] == memory.events[-1]  # the log it came from is unchanged
    assert list(longer.since(DEMO_CLOCK)) == [raised] and list(longer.of_kind(EventKind.ALARM_RAISED))[-1] == raised
    assert longer == [*memory.events, raised] and longer != log


def test_a_log_is_equal_to_the_same_events_wherever_they_are_kept(saved, tmp_path):
    path, memory = saved
    copy = tmp_path / "copy.pump"
    save_pump(copy, memory)
    assert load_pump(path).events == load_pump(copy).events == memory.events == tuple(memory.events)
    assert PumpLog.of(list(memory.events)) == memory.events
    changed = replace(memory, events=[*memory.events[:-1], replace(memory.events[-1], text="Low reservoir")])
    assert load_pump(path).events != changed.events  # one text differs, in the last of 5,000 events
    assert load_pump(path) != changed


def test_an_action_on_a_long_pump_reads_a_few_pages_and_reads_back_equal(saved, tmp_path, pages_read):
    _, memory = saved
    working = tmp_path / "working.pump"
    save_pump(working, memory)
    link = Telemetry(working)
    link.interrogate()
    pages_read.clear()
    after, alarms = link.advance(DEMO_CLOCK + timedelta(days=1))
    assert len(pages_read) <= 2  # the firmware looks back to its last anchor (a bolus's end), no further
    assert len(after.events) == EVENTS and after.clock == DEMO_CLOCK + timedelta(days=1) and alarms == []
    assert load_pump(working) == after
    assert list(load_pump(working).events)[:EVENTS] == list(memory.events)


def test_a_log_read_from_a_file_that_now_holds_another_pump_is_refused_never_mixed(saved, tmp_path):
    _, memory = saved
    working = tmp_path / "working.pump"
    save_pump(working, memory)
    pump_file = PumpFile(working)
    log = pump_file.read().events
    other = tmp_path / "other.pump"
    save_pump(other, replace(demo_pump(DEMO_CLOCK), serial="PX20-OTHER"))
    os.replace(other, working)  # another pump's file moved over it, no session holding it
    with pytest.raises(PumpChangedError, match=r"this is not the pump you interrogated: the file now holds PX-20 "
                                               r"#PX20-OTHER, not PX-20 #PX20-DEMO-0001"):
        log[1000]


# --- what a table of the log reads: each kind's positions from the index, the texts in bulk ------------------------
def test_a_table_reads_where_each_kind_is_from_the_index_and_never_an_event(saved, pages_read):
    path, memory = saved
    log = load_pump(path).events
    pages_read.clear()
    found = log.kind_positions()
    assert not pages_read
    expected: dict[EventKind, list[int]] = {}
    for position, event in enumerate(memory.events):
        expected.setdefault(event.kind, []).append(position)
    assert found == expected == PumpLog.of(list(memory.events)).kind_positions()
    assert len(found[EventKind.BOLUS]) == 51 and found[EventKind.IMPLANT] == [0]
    raised = Event(DEMO_CLOCK, EventKind.ALARM_RAISED, "Reservoir empty")
    assert log.plus(raised).kind_positions()[EventKind.ALARM_RAISED][-1] == EVENTS  # logged since: last
    assert log.texts() == [event.text for event in memory.events] and not pages_read


def test_position_at_halves_the_log_in_the_file_and_in_memory(saved):
    path, memory = saved
    in_memory = PumpLog.of(list(memory.events))
    for moment in (datetime(2000, 1, 1), LAST_REFILL_AT, datetime(2026, 11, 18, 0, 0), DEMO_CLOCK):
        expected = next((i for i, event in enumerate(memory.events) if event.at >= moment), EVENTS)
        assert load_pump(path).events.position_at(moment) == in_memory.position_at(moment) == expected
    assert in_memory.position_at(datetime(2026, 11, 18, 0, 0)) == EVENTS - 191


def test_a_log_extends_the_log_it_grew_from_and_no_other(saved, tmp_path):
    _, memory = saved
    working = tmp_path / "working.pump"
    save_pump(working, memory)
    pump_file = PumpFile(working)
    before = pump_file.read()
    now = before.clock + timedelta(minutes=1)
    cleared = Event(now, EventKind.ALARM_CLEARED, "Low reservoir cleared by refill")
    after = pump_file.commit(replace(before, clock=now, events=before.events.plus(cleared)))
    assert after.events.extends(before.events) and after.events.stored == EVENTS + 1  # read back from the file
    assert after.events.extends(after.events) and not before.events.extends(after.events)
    # Read again, the same file is another reading: its events are not taken for the ones shown before.
    assert not PumpFile(working).read().events.extends(before.events)
    assert PumpLog.of([*memory.events, cleared]).extends(PumpLog.of(list(memory.events)))
    assert not PumpLog.of([cleared, *memory.events]).extends(PumpLog.of(list(memory.events)))
    assert before.events.in_time_order() and before.events.plus(cleared).in_time_order()
    assert not before.events.plus(replace(cleared, at=LAST_REFILL_AT)).in_time_order()
