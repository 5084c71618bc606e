"""Events of every kind with typed details, for property tests of the pump file (hypothesis strategies).

A pump logs in time order and nothing after its clock: `logs(start, end)` draws such a log, events
of any kind with any details that kind can log, dated from `start` to `end`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st
from msgspec.structs import replace

from programmer.pump.alarms import AlarmKind, Severity
from programmer.pump.log import (
    Acknowledged,
    AlarmClearedDetails,
    AlarmRaisedDetails,
    BolusDetails,
    BolusPhase,
    Event,
    EventKind,
    ImplantDetails,
    ModeChangeDetails,
    ModeChangeReason,
    MriDetails,
    MriEffect,
    MriPhase,
    ProgrammingDetails,
    ProgramRecord,
    RefillDetails,
)
from programmer.therapy.prescription import BolusKind, InfusionMode
from programmer.therapy.units import MIN_AMOUNT, DrugUnit

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
texts = st.text(max_size=12)
volumes = st.floats(0, 40)
amounts = st.just(0.0) | st.floats(MIN_AMOUNT, 1e4)  # of drug: none, or an amount a pump can hold
units = st.sampled_from(DrugUnit)


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


records = st.builds(
    ProgramRecord,
    reason=texts,
    clinician=texts,
    acknowledged=st.lists(st.builds(Acknowledged, texts, texts, texts), max_size=2).map(tuple),
    second_checker=texts,
    legacy_note=texts,
)
_dosing = {
    "daily_dose_per_day": maybe(amounts),
    "unit": units,
    "concentration_per_ml": maybe(st.floats(0.001, 1e4)),
    "record": records,
    "reservoir_ml": maybe(volumes),
}


@st.composite
def boluses(draw) -> BolusDetails:
    phase = draw(st.sampled_from(BolusPhase))
    cancelled = phase is BolusPhase.CANCELLED
    return BolusDetails(
        bolus=draw(st.sampled_from(BolusKind)),
        phase=phase,
        volume_ml=draw(maybe(volumes)),
        dose_amount=draw(maybe(amounts)),
        unit=draw(units),
        start=draw(maybe(moments)),
        duration=draw(maybe(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=3)))),
        delivered_ml=draw(volumes) if cancelled else None,
        delivered_amount=draw(maybe(amounts)) if cancelled else None,
        reservoir_ml=draw(maybe(volumes)),
    )


DETAILS = {
    EventKind.IMPLANT: st.builds(
        ImplantDetails,
        model=maybe(texts),
        serial=maybe(texts),
        catheter_length_cm=maybe(st.floats(0.1, 200)),
        trimmed_cm=maybe(st.floats(0, 100)),
        tip_location=maybe(texts),
        **_dosing,
    ),
    EventKind.PROGRAMMING: st.builds(
        ProgrammingDetails, old=maybe(texts), new=maybe(texts), low_alarm_ml=maybe(volumes), **_dosing
    ),
    EventKind.REFILL: st.builds(
        RefillDetails,
        expected_ml=volumes,
        removed_ml=volumes,
        added_ml=volumes,
        discrepancy_ml=st.floats(-40, 40),
        record=maybe(records),
        reservoir_ml=maybe(volumes),
    ),
    EventKind.BOLUS: boluses(),
    EventKind.MODE_CHANGE: st.builds(
        ModeChangeDetails,
        old=st.sampled_from(InfusionMode),
        new=st.sampled_from(InfusionMode),
        why=maybe(st.sampled_from(ModeChangeReason)),
        reservoir_ml=maybe(volumes),
    ),
    EventKind.ALARM_RAISED: st.builds(
        AlarmRaisedDetails, alarm=st.sampled_from(AlarmKind), severity=st.sampled_from(Severity)
    ),
    EventKind.ALARM_CLEARED: st.builds(
        AlarmClearedDetails, alarm=st.sampled_from(AlarmKind), severity=st.sampled_from(Severity)
    ),
    EventKind.MRI: st.builds(
        MriDetails,
        phase=st.sampled_from(MriPhase),
        effect=st.sampled_from(MriEffect),
        duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)),
        reservoir_ml=maybe(volumes),
    ),
}


def events_of(kind: EventKind, at: st.SearchStrategy[datetime] = moments) -> st.SearchStrategy[Event]:
    """A `kind` event dated by `at`, with any details that kind can log, or none besides its text."""
    return st.builds(Event, at, st.just(kind), st.text(), maybe(DETAILS[kind]))


def events_between(start: datetime, end: datetime) -> st.SearchStrategy[Event]:
    """An event of any kind dated from `start` to `end`."""
    at = st.datetimes(min_value=start, max_value=end)
    return st.sampled_from(EventKind).flatmap(lambda kind: events_of(kind, at))


events = events_between(datetime(2000, 1, 1), datetime(2099, 12, 31))


@st.composite
def logs(draw, start: datetime, end: datetime, max_size: int = 6) -> tuple[Event, ...]:
    """A log a pump could hold: events dated from `start` to `end`, in time order (some at the same instant)."""
    drawn = sorted(draw(st.lists(events_between(start, end), max_size=max_size)), key=lambda event: event.at)
    # A programming logs several events at one instant (the program, a bolus, an alarm cleared).
    log: list[Event] = []
    for event in drawn:
        same_instant = bool(log) and draw(st.booleans())
        log.append(replace(event, at=log[-1].at) if same_instant else event)
    return tuple(log)
