"""Events of every kind with typed details, for property tests of the pump file (hypothesis strategies)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import strategies as st

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
    ProgrammingDetails,
    ProgramRecord,
    RefillDetails,
)
from programmer.therapy.prescription import BolusKind, InfusionMode
from programmer.therapy.units import DrugUnit

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31))
texts = st.text(max_size=12)
volumes = st.floats(0, 40)
amounts = st.floats(0, 1e4)
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
}


def events_of(kind: EventKind) -> st.SearchStrategy[Event]:
    """A `kind` event with any details that kind can log, or none besides its text."""
    return st.builds(Event, moments, st.just(kind), st.text(), maybe(DETAILS[kind]))


events = st.sampled_from(EventKind).flatmap(events_of)
