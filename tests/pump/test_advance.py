"""Simulated time on the pump: delivery as prescribed, alarms at their instants, boluses that end, one jump = steps."""

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import (
    EARLIEST_CLOCK,
    LATEST_CLOCK,
    ClockError,
    Program,
    advance,
    apply_program,
    refill,
)
from programmer.pump.memory import AlarmKind, EventKind, Severity
from programmer.therapy.bolus import bridge_bolus
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.projection import project
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)  # a Saturday
MONDAY = datetime(2026, 11, 23, 0, 0)
MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)
TICK = timedelta(microseconds=1)


def quarter_ml_pump():
    """2.5 mg/day at 10 mg/mL = 0.25 mL/day from a full 20 mL: low alarm (2 mL) on day 72, empty on day 80."""
    return new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), NOW, serial="T-1")


def program_at(pump, prescription, when, low_alarm_ml=2.0):
    return apply_program(pump, Program(prescription, low_alarm_ml, None), when)


def kinds(alarms):
    return [alarm.kind for alarm in alarms]


def raised_events(pump):
    return [(event.at, event.details.alarm) for event in pump.events if event.kind is EventKind.ALARM_RAISED]


# --- delivery and the reservoir alarms ---------------------------------------------------------


def test_delivery_lowers_the_reservoir_as_prescribed():
    pump, alarms = advance(quarter_ml_pump(), NOW + timedelta(days=30))
    assert pump.reservoir_ml == pytest.approx(12.5, abs=1e-9)
    assert pump.clock == NOW + timedelta(days=30) and alarms == []


def test_low_and_empty_reservoir_alarms_at_their_exact_instants():
    pump, alarms = advance(quarter_ml_pump(), NOW + timedelta(days=100))
    assert kinds(alarms) == [AlarmKind.LOW_RESERVOIR, AlarmKind.EMPTY_RESERVOIR]
    assert alarms[0].raised_at == datetime(2027, 2, 1, 9, 0)  # day 72
    assert alarms[1].raised_at == datetime(2027, 2, 9, 9, 0)  # day 80
    assert alarms[0].severity is Severity.NON_CRITICAL and alarms[1].severity is Severity.CRITICAL
    assert raised_events(pump) == [
        (datetime(2027, 2, 1, 9, 0), "low_reservoir"),
        (datetime(2027, 2, 9, 9, 0), "empty_reservoir"),
    ]
    assert pump.reservoir_ml == 0.0  # never below empty
    assert pump.alarms == tuple(alarms)


def test_an_alarm_is_raised_at_its_instant_and_not_a_microsecond_earlier():
    low_at = NOW + timedelta(days=72)
    before, alarms = advance(quarter_ml_pump(), low_at - TICK)
    assert alarms == []
    after, alarms = advance(before, low_at)
    assert kinds(alarms) == [AlarmKind.LOW_RESERVOIR] and alarms[0].raised_at == low_at
    assert after.reservoir_ml == pytest.approx(2.0, abs=1e-9)
    again, alarms = advance(after, low_at + timedelta(days=1))
    assert alarms == [] and again.has_alarm(AlarmKind.LOW_RESERVOIR)  # raised once, kept until a refill


def test_flex_schedule_alarms_fall_inside_the_step_that_reaches_them():
    # 10.5 mL from Monday 00:00; 00:00–12:00 at 15 mg/day (1.5 mL/day), 12:00–24:00 at 5 mg/day (0.5 mL/day):
    # 1 mL a day. 8.5 mL to the alarm: 8 days, then 0.5 mL at 1.5 mL/day = 8 h. Empty 2 days later.
    pump = new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), MONDAY, reservoir_ml=10.5)
    day = DaySchedule((FlexStep(0, DoseRate(15, MG)), FlexStep(720, DoseRate(5, MG))))
    pump = program_at(pump, Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(day)), MONDAY)
    pump, alarms = advance(pump, MONDAY + timedelta(days=20))
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [
        (AlarmKind.LOW_RESERVOIR, datetime(2026, 12, 1, 8, 0)),
        (AlarmKind.EMPTY_RESERVOIR, datetime(2026, 12, 3, 8, 0)),
    ]


def test_the_pump_agrees_with_the_projection_the_programmer_shows():
    start = MONDAY
    pump = new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), start, reservoir_ml=17.3)
    days = tuple(
        DaySchedule((FlexStep(0, DoseRate(1 + w / 3, MG)), FlexStep(400 + w, DoseRate(7.7 - w / 7, MG))))
        for w in range(7)
    )
    prescription = Prescription.flex("morphine", MORPHINE_10, FlexSchedule(days))
    pump = program_at(pump, prescription, start)
    projection = project(prescription, start, 17.3, 2.0)
    for hours in (1, 13.7, 50, 24 * 7 + 3, 24 * 30 + 0.1):
        moment = start + timedelta(hours=hours)
        pump, _ = advance(pump, moment)
        assert pump.reservoir_ml == pytest.approx(projection.volume_at(moment), abs=1e-9)
    low = next(alarm for alarm in pump.alarms if alarm.kind is AlarmKind.LOW_RESERVOIR)
    assert low.raised_at == projection.alarm_date


def test_a_refill_below_the_alarm_volume_alarms_at_once():
    pump = quarter_ml_pump()
    when = NOW + timedelta(days=3)
    pump = refill(pump, removed_ml=19.0, added_ml=1.5, now=when)
    _, alarms = advance(pump, when)
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [(AlarmKind.LOW_RESERVOIR, when)]


def test_a_memory_set_outside_the_firmware_runs_on_from_its_own_volume():
    # A training scenario may hand the pump a volume no event explains: delivery counts from that volume.
    pump = replace(quarter_ml_pump(), reservoir_ml=5.0)
    pump, alarms = advance(pump, NOW + timedelta(days=4))
    assert pump.reservoir_ml == pytest.approx(4.0, abs=1e-9) and alarms == []
    _, alarms = advance(pump, NOW + timedelta(days=30))
    assert [(a.kind, a.raised_at) for a in alarms] == [
        (AlarmKind.LOW_RESERVOIR, NOW + timedelta(days=12)),
        (AlarmKind.EMPTY_RESERVOIR, NOW + timedelta(days=20)),
    ]


def test_advancing_to_the_clock_changes_nothing_and_time_never_runs_back():
    pump = quarter_ml_pump()
    same, alarms = advance(pump, NOW)
    assert same == pump and alarms == []
    later, _ = advance(pump, NOW + timedelta(days=1))
    with pytest.raises(ClockError, match="cannot go back"):
        advance(later, NOW)


def test_the_clock_runs_to_its_latest_moment_and_no_further():
    """Every path moves the clock through advance: past LATEST_CLOCK dates would overflow, so it refuses."""
    pump = quarter_ml_pump()
    at_end, _ = advance(pump, LATEST_CLOCK)
    assert at_end.clock == datetime(2200, 1, 1, 0, 0)
    assert at_end.end_of_service_at == datetime(2034, 2, 19, 9, 0)  # long stopped: the dates still compute
    for later in (LATEST_CLOCK + TICK, datetime(9999, 12, 31)):
        with pytest.raises(ClockError, match=r"cannot move the pump's clock to .*: .* to 2200-01-01 00:00 at"):
            advance(pump, later)
    with pytest.raises(ClockError, match="2200-01-01 00:00 at the latest"):
        refill(pump, 20, 20, datetime(2300, 1, 1))  # a refill runs the clock to its time first


@pytest.mark.parametrize("implanted", [EARLIEST_CLOCK - TICK, LATEST_CLOCK + TICK, datetime(1, 1, 1)])
def test_a_pump_cannot_be_implanted_outside_the_clocks_range(implanted):
    with pytest.raises(ClockError, match=r"cannot implant a pump at .*: .* from 2000-01-01 00:00 to 2200-01-01"):
        new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), implanted)


# --- boluses ------------------------------------------------------------------------------------


def test_a_clinician_bolus_replaces_the_base_flow_and_then_the_mode_resumes():
    pump = quarter_ml_pump()
    bolus = Bolus(BolusKind.CLINICIAN, NOW + timedelta(hours=1), timedelta(hours=2), 0.5, Dose(5, MG))
    pump = program_at(pump, pump.prescription.with_bolus(bolus), NOW)
    during, _ = advance(pump, NOW + timedelta(hours=2))
    assert during.prescription.bolus == bolus
    # 1 h of base (0.25 mL/day), then half the bolus.
    assert during.reservoir_ml == pytest.approx(20 - 0.25 / 24 - 0.25, abs=1e-9)
    after, alarms = advance(during, NOW + timedelta(days=1))
    assert alarms == []
    assert after.prescription.bolus is None and after.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    # 22 h of base flow around the 2 h bolus.
    assert after.reservoir_ml == pytest.approx(20 - 0.25 * 22 / 24 - 0.5, abs=1e-9)
    finished = [event for event in after.events if event.kind is EventKind.BOLUS][-1]
    assert finished.at == NOW + timedelta(hours=3)
    assert finished.text == "Clinician bolus finished (0.5 mL): simple continuous resumed"
    assert after.stopped_since is None


def test_a_single_bolus_ends_with_the_pump_stopped_and_the_stopped_alarm_48_h_later():
    bolus = Bolus(BolusKind.SINGLE, NOW, timedelta(hours=4), 1.0, Dose(10, MG))
    single = Prescription("morphine", MORPHINE_10, InfusionMode.SINGLE_BOLUS, bolus=bolus)
    pump = program_at(quarter_ml_pump(), single, NOW)
    assert pump.stopped_since is None  # a bolus is delivering
    pump, alarms = advance(pump, NOW + timedelta(days=3))
    end = NOW + timedelta(hours=4)
    assert pump.prescription.mode is InfusionMode.STOPPED and pump.prescription.bolus is None
    assert pump.stopped_since == end
    assert pump.reservoir_ml == pytest.approx(19.0, abs=1e-9)
    mode_change = [event for event in pump.events if event.kind is EventKind.MODE_CHANGE][-1]
    assert mode_change.at == end and mode_change.text == "Mode: Single bolus → Stopped (bolus finished)"
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [(AlarmKind.PUMP_STOPPED, end + timedelta(hours=48))]


def test_a_bridge_bolus_pushes_the_old_concentration_through_then_the_new_rate_runs():
    pump = quarter_ml_pump()
    model = pump.model
    # Tubing 0.26 mL + 110 cm × 0.0026 mL/cm = 0.546 mL, pushed at 2.5 mg/day in the old 10 mg/mL: 0.25 mL/day.
    bridge = bridge_bolus(model, 110, 0, MORPHINE_10, DoseRate(2.5, MG), NOW)
    assert bridge.volume_ml == pytest.approx(0.546)
    stronger = Prescription.simple_continuous("morphine", Concentration(25, MG), DoseRate(2.5, MG)).with_bolus(bridge)
    pump = refill(pump, removed_ml=20.0, added_ml=20.0, now=NOW, program=Program(stronger, 2.0, None))
    pump, _ = advance(pump, NOW + timedelta(days=10))
    finished = [event for event in pump.events if event.kind is EventKind.BOLUS][-1]
    assert finished.at == NOW + bridge.duration
    assert bridge.duration == pytest.approx(timedelta(days=2.184), abs=TICK)
    assert finished.text == "Bridge bolus finished (0.546 mL): simple continuous resumed"
    # 0.546 mL of bridge, then 0.1 mL/day at 25 mg/mL for the rest of the 10 days.
    assert pump.reservoir_ml == pytest.approx(20 - 0.546 - 0.1 * (10 - 2.184), abs=1e-9)


# --- the battery and a stopped pump ---------------------------------------------------------------


def test_eri_then_end_of_service_stops_the_pump_then_the_stopped_alarm():
    # 0.5 mg/day at 10 mg/mL: a full reservoir lasts 400 days, so it is not what stops the pump.
    pump = new_pump("PX-20", "morphine", 10, DoseRate(0.5, MG), NOW)
    pump = refill(pump, 0, 20, NOW + timedelta(days=7 * 365))
    pump, alarms = advance(pump, datetime(2034, 3, 1))
    assert [(a.kind, a.raised_at, a.severity) for a in alarms] == [
        (AlarmKind.ELECTIVE_REPLACEMENT, datetime(2033, 11, 21, 9, 0), Severity.NON_CRITICAL),
        (AlarmKind.END_OF_SERVICE, datetime(2034, 2, 19, 9, 0), Severity.CRITICAL),
        (AlarmKind.PUMP_STOPPED, datetime(2034, 2, 21, 9, 0), Severity.CRITICAL),
    ]
    assert pump.prescription.mode is InfusionMode.STOPPED and pump.stopped_since == datetime(2034, 2, 19, 9, 0)
    stopped_volume = pump.reservoir_ml
    later, _ = advance(pump, datetime(2034, 6, 1))
    assert later.reservoir_ml == stopped_volume  # no delivery after end of service
    assert [e.text for e in pump.events if e.kind is EventKind.MODE_CHANGE][-1] == (
        "Mode: Simple continuous → Stopped (end of service)"
    )


def test_a_pump_stopped_for_more_than_48_hours_alarms_and_restarting_clears_it():
    stopped_at = NOW + timedelta(hours=1)
    pump = program_at(quarter_ml_pump(), Prescription.stopped("morphine", MORPHINE_10), stopped_at)
    pump, alarms = advance(pump, stopped_at + timedelta(hours=48) - TICK)
    assert alarms == []
    pump, alarms = advance(pump, stopped_at + timedelta(hours=48))
    assert [(a.kind, a.raised_at) for a in alarms] == [(AlarmKind.PUMP_STOPPED, stopped_at + timedelta(hours=48))]
    assert pump.reservoir_ml == pytest.approx(20 - 0.25 / 24, abs=1e-9)  # one hour of delivery, then none
    restarted = program_at(pump, Prescription.simple_continuous("morphine", MORPHINE_10, DoseRate(2.5, MG)),
                           stopped_at + timedelta(hours=50))
    assert not restarted.has_alarm(AlarmKind.PUMP_STOPPED) and restarted.stopped_since is None
    assert restarted.events[-1].kind is EventKind.ALARM_CLEARED
    assert restarted.events[-1].text == "Pump stopped for more than 48 h cleared: delivery restarted"


# --- one jump or many steps ------------------------------------------------------------------------

ML_PER_DAY = st.floats(min_value=0.05, max_value=6.0, allow_nan=False)


@st.composite
def day_schedules(draw):
    starts = sorted(draw(st.sets(st.integers(1, 1439), max_size=12)))
    starts = [0, *starts] if draw(st.booleans()) or not starts else starts
    return DaySchedule(tuple(FlexStep(start, MORPHINE_10.rate_for(draw(ML_PER_DAY))) for start in starts))


@st.composite
def prescriptions(draw, start, capacity_ml=40.0):
    """Any prescription of morphine 10 mg/mL from `start`; a bolus never holds more than `capacity_ml` (a PX-40)."""
    kind = draw(st.sampled_from(["simple", "flex", "weekly", "single", "stopped"]))
    if kind == "simple":
        prescription = Prescription.simple_continuous("morphine", MORPHINE_10, MORPHINE_10.rate_for(draw(ML_PER_DAY)))
    elif kind == "flex":
        prescription = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(draw(day_schedules())))
    elif kind == "weekly":
        days = tuple(draw(day_schedules()) for _ in range(7))
        prescription = Prescription.flex("morphine", MORPHINE_10, FlexSchedule(days))
    else:
        prescription = Prescription.stopped("morphine", MORPHINE_10)
    if kind == "single" or (kind != "stopped" and draw(st.booleans())):
        duration = timedelta(minutes=draw(st.integers(10, 3 * 24 * 60)))
        # 0.24 to 24 mL/day, and never more than the reservoir holds: the firmware refuses a bigger bolus.
        volume = min(draw(st.floats(0.01, 1.0)) * 24 * duration.total_seconds() / 86400, capacity_ml)
        bolus_start = start + timedelta(seconds=draw(st.integers(0, 3 * 86400)))
        bolus = Bolus(BolusKind.CLINICIAN, bolus_start, duration, volume, MORPHINE_10.dose_in(volume))
        if kind == "single":
            single = replace(bolus, kind=BolusKind.SINGLE)
            return Prescription("morphine", MORPHINE_10, InfusionMode.SINGLE_BOLUS, bolus=single)
        prescription = prescription.with_bolus(bolus)
    return prescription


@st.composite
def scenarios(draw):
    """A pump whose battery may run out within the scenario, refilled and programmed at NOW."""
    implant = NOW - timedelta(days=7 * 365) + timedelta(days=draw(st.integers(-80, 400)))
    pump = new_pump("PX-40", "morphine", 10, DoseRate(2.5, MG), implant)
    program = Program(draw(prescriptions(NOW)), draw(st.floats(1.0, 5.0)), None)
    pump = refill(pump, 0.0, draw(st.floats(0.0, 40.0)), NOW, program)
    horizon = timedelta(days=draw(st.floats(0.01, 400.0)))
    cuts = draw(st.lists(st.floats(0.0, 1.0), max_size=25))
    return pump, horizon, cuts, draw(st.booleans())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_one_jump_and_many_small_steps_reach_the_same_pump(scenario):
    pump, horizon, cuts, cut_at_every_event = scenario
    end = pump.clock + horizon
    jumped, jump_alarms = advance(pump, end)
    moments = {pump.clock + (horizon * cut) for cut in cuts}
    if cut_at_every_event:  # steps that end exactly on the instants where something happens
        moments |= {event.at for event in jumped.events if event.at > pump.clock}
    stepped, step_alarms = pump, []
    for moment in [*sorted(moment for moment in moments if moment <= end), end]:
        stepped, alarms = advance(stepped, moment)
        step_alarms += alarms
    assert stepped.reservoir_ml == pytest.approx(jumped.reservoir_ml, abs=1e-9)
    assert step_alarms == jump_alarms
    assert stepped.alarms == jumped.alarms
    assert stepped.events == jumped.events
    assert stepped.prescription == jumped.prescription and stepped.stopped_since == jumped.stopped_since
    assert stepped.clock == jumped.clock == end


@settings(max_examples=60, deadline=None)
@given(
    prescription=prescriptions(MONDAY).filter(lambda p: p.bolus is None),
    volume=st.one_of(st.just(0.0), st.floats(0.001, 20.0)),
    hours=st.lists(st.floats(0.0, 24 * 120), min_size=1, max_size=8),
)
def test_the_pump_delivers_what_the_projection_projects(prescription, volume, hours):
    pump = new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), MONDAY, reservoir_ml=volume)
    pump = program_at(pump, prescription, MONDAY)
    projection = project(prescription, MONDAY, volume, 2.0)
    for moment in sorted(MONDAY + timedelta(hours=h) for h in hours):
        pump, _ = advance(pump, moment)
        assert pump.reservoir_ml == pytest.approx(projection.volume_at(moment), abs=1e-9)
    expected = ((AlarmKind.LOW_RESERVOIR, projection.alarm_date), (AlarmKind.EMPTY_RESERVOIR, projection.empty_date))
    for kind, date in expected:
        raised = [alarm.raised_at for alarm in pump.alarms if alarm.kind is kind]
        assert raised == ([date] if date is not None and date <= pump.clock else [])
