"""Firmware rules: what the pump accepts and refuses, how it stores a program and a refill; the new-pump factory."""

import re
from datetime import datetime, timedelta

import pytest
from msgspec.structs import force_setattr, replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import (
    ClockError,
    Program,
    ProgramRejected,
    advance,
    apply_program,
    program_problems,
    refill,
)
from programmer.pump.log import Acknowledged
from programmer.pump.memory import AlarmKind, Catheter, EventKind
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule, FlexStep
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, UnitError

NOW = datetime(2026, 11, 21, 9, 0)
MG = DrugUnit.MG
MORPHINE_10 = Concentration(10, MG)


def morphine_pump(model="PX-20", **kwargs):
    return new_pump(model, "morphine", 10, DoseRate(1.5, MG), NOW, serial="T-1", **kwargs)


def program_of(prescription, low_alarm_ml=2.0, **kwargs):
    return Program(prescription, low_alarm_ml, None, **kwargs)


def simple(per_day, concentration=MORPHINE_10):
    return Prescription.simple_continuous("morphine", concentration, DoseRate(per_day, concentration.unit))


def flex(*days, concentration=MORPHINE_10):
    """Each day as [(start minute, mg/day), ...]."""
    schedule = FlexSchedule(
        tuple(DaySchedule(tuple(FlexStep(start, DoseRate(rate, MG)) for start, rate in day)) for day in days)
    )
    return Prescription.flex("morphine", concentration, schedule)


def only_problem(memory, program):
    problems = program_problems(memory, program)
    assert len(problems) == 1, problems
    return problems[0]


# --- the factory ---------------------------------------------------------------------------------


def test_a_new_pump_is_full_with_model_defaults_and_an_implant_event():
    pump = morphine_pump()
    assert pump.model_name == "PX-20" and pump.serial == "T-1"
    assert pump.reservoir_ml == 20.0 and pump.last_refill_ml == 20.0 and pump.last_refill_at == NOW
    assert pump.low_alarm_ml == 2.0
    assert pump.catheter == Catheter(110.0, 0.0, "T10")
    assert pump.implant_date == NOW.date() and pump.clock == NOW and pump.prescription_entered_at == NOW
    assert pump.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    assert str(pump.prescription.daily_dose) == "1.5 mg/day"
    # Service life 7 years, then 90 days to end of service.
    assert pump.eri_at == datetime(2033, 11, 21, 9, 0)
    assert pump.replace_by == datetime(2034, 2, 19).date()
    assert [event.kind for event in pump.events] == [EventKind.IMPLANT]
    assert pump.events[0].details.anchor_ml == 20.0
    assert pump.stopped_since is None and pump.alarms == ()


def test_a_new_pump_takes_given_values_and_other_models_defaults():
    pump = new_pump(
        "VG-20", "baclofen", 500, DoseRate(250, DrugUnit.MCG), NOW,
        patient_id="P-7", reservoir_ml=12.5, catheter=Catheter(90, 10, "T8"),
    )
    assert pump.low_alarm_ml == 3.0  # the VG-20's default
    assert pump.reservoir_ml == 12.5 and pump.patient_id == "P-7"
    assert pump.catheter.implanted_length_cm == 80
    assert pump.eri_at == datetime(2036, 11, 21, 9, 0)  # 10-year service life
    assert pump.serial  # one is made up when none is given


def test_pumps_made_in_the_same_minute_get_different_serials():
    """A serial is an identity: made up from the model and the minute, plus a suffix that tells them apart."""
    serials = {new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW).serial for _ in range(10)}
    assert len(serials) == 10  # a clash among 10 is about 1 in 20,000 runs
    assert all(re.fullmatch(r"PX-20-20261121-0900-[2-9A-HJ-NP-Z]{4}", serial) for serial in serials), serials


def test_a_leap_day_implant_reaches_eri_on_28_february():
    pump = new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), datetime(2024, 2, 29, 9, 0))
    assert pump.eri_at == datetime(2031, 2, 28, 9, 0)


def test_unknown_model_or_drug_names_the_known_ones():
    with pytest.raises(ValueError, match="PX-20, PX-40, VG-20"):
        new_pump("PX-99", "morphine", 10, DoseRate(1.5, MG), NOW)
    with pytest.raises(ValueError, match="morphine, ziconotide, baclofen"):
        new_pump("PX-20", "aspirin", 10, DoseRate(1.5, MG), NOW)


def test_a_dose_in_the_wrong_unit_for_the_drug_is_a_unit_error():
    with pytest.raises(UnitError, match="baclofen is dosed in mcg"):
        new_pump("PX-20", "baclofen", 500, DoseRate(0.25, MG), NOW)


def test_the_factory_refuses_what_the_firmware_refuses():
    with pytest.raises(ProgramRejected) as refused:
        new_pump("PX-20", "morphine", 10, DoseRate(300, MG), NOW, reservoir_ml=25, low_alarm_ml=9,
                 catheter=Catheter(110, 120, "T10"))
    text = "\n".join(refused.value.reasons)
    assert "30 mL/day" in text and "24 mL/day" in text  # 300 mg/day at 10 mg/mL
    assert "25 mL" in text and "20 mL" in text
    assert "9 mL" in text and "1–5 mL" in text
    assert "120 cm" in text
    assert len(refused.value.reasons) == 4


# --- limits of the model -------------------------------------------------------------------------


def test_a_program_within_every_limit_has_no_problems():
    pump = morphine_pump()
    assert program_problems(pump, program_of(simple(2.0))) == []
    assert program_problems(pump, program_of(Prescription.stopped("morphine", MORPHINE_10))) == []
    assert program_problems(pump, program_of(Prescription.minimum_rate("morphine", MORPHINE_10, 0.048))) == []


def test_a_flow_above_the_maximum_names_the_flow_and_the_limit():
    problem = only_problem(morphine_pump(), program_of(simple(300)))
    assert "30 mL/day" in problem and "maximum" in problem and "24 mL/day" in problem


def test_a_flow_below_the_minimum_names_the_flow_and_the_limit():
    problem = only_problem(morphine_pump(), program_of(simple(0.4)))  # 0.04 mL/day
    assert "0.04 mL/day" in problem and "minimum" in problem and "0.048 mL/day" in problem


def test_a_flow_limit_is_named_as_the_dose_it_is_at_this_concentration():
    # The PX-20 runs 0.048–24 mL/day: at 10 mg/mL that is 0.48–240 mg/day, not the dose asked for.
    assert only_problem(morphine_pump(), program_of(simple(0.1))) == (
        "Simple continuous 0.1 mg/day at 10 mg/mL: 0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day "
        "(0.48 mg/day at 10 mg/mL)"
    )
    assert only_problem(morphine_pump(), program_of(simple(300))) == (
        "Simple continuous 300 mg/day at 10 mg/mL: 30 mL/day is above the PX-20 maximum flow of 24 mL/day "
        "(240 mg/day at 10 mg/mL)"
    )


def test_one_flow_limit_check_words_every_path():
    """The firmware, the schedule and the boluses all say the model's own sentence (the editor: its own tests)."""
    from programmer.therapy.bolus import BolusError, clinician_bolus
    from programmer.therapy.pump_models import pump_models
    from programmer.therapy.schedule import step_problems

    model = pump_models()["PX-20"]
    limit = "0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day (0.48 mg/day at 10 mg/mL)"
    assert model.flow_problem(0.01, MORPHINE_10) == limit
    assert model.flow_problem(0.048, MORPHINE_10) is None and model.flow_problem(24, MORPHINE_10) is None
    assert only_problem(morphine_pump(), program_of(simple(0.1))).endswith(limit)
    day = DaySchedule((FlexStep(0, DoseRate(2, MG)), FlexStep(600, DoseRate(0.1, MG))))
    assert step_problems(day, 1, model, MORPHINE_10)[0].endswith(limit)
    with pytest.raises(BolusError) as refused:
        clinician_bolus(Dose(0.1, MG), timedelta(days=1), MORPHINE_10, NOW, model)
    assert str(refused.value).endswith(limit)


def test_zero_flow_is_only_allowed_in_stopped_mode():
    # A simple-continuous dose of zero cannot even be written down; a flex step of zero is refused by the pump.
    problem = only_problem(morphine_pump(), program_of(flex([(0, 2.0), (600, 0.0)])))
    assert "10:00" in problem and "0 mL/day" in problem and "0.048 mL/day" in problem


def test_the_minimum_rate_mode_is_held_to_the_flow_range_too():
    low = Prescription.minimum_rate("morphine", MORPHINE_10, 0.01)
    assert "0.01 mL/day" in only_problem(morphine_pump(), program_of(low))


def test_each_flex_step_outside_the_flow_range_is_named():
    # 00:00 at 300 mg/day = 30 mL/day; 12:00 at 0.2 mg/day = 0.02 mL/day.
    problems = program_problems(morphine_pump(), program_of(flex([(0, 300), (720, 0.2), (1080, 2)])))
    assert len(problems) == 2
    assert "30 mL/day" in problems[0] and "24 mL/day" in problems[0] and "00:00" in problems[0]
    assert "0.02 mL/day" in problems[1] and "0.048 mL/day" in problems[1] and "12:00" in problems[1]


def test_more_flex_steps_than_the_model_allows_is_refused():
    thirteen = [(index * 60, 2.0 + index / 10) for index in range(13)]
    assert program_problems(morphine_pump(), program_of(flex(thirteen))) == []
    fourteen = [*thirteen, (13 * 60, 1.0)]
    problem = only_problem(morphine_pump(), program_of(flex(fourteen)))
    assert "14" in problem and "13" in problem


def test_per_weekday_schedules_only_on_models_that_have_them():
    week = [[(0, 1.0), (480, 2.0 + weekday / 10)] for weekday in range(7)]
    assert program_problems(morphine_pump("PX-20"), program_of(flex(*week))) == []
    vg = morphine_pump("VG-20")
    problem = only_problem(vg, program_of(flex(*week), low_alarm_ml=3.0))
    assert "VG-20" in problem and "weekday" in problem


def test_a_bolus_faster_than_the_pump_can_run_is_refused():
    # 2 mL in 1 h is 48 mL/day.
    bolus = Bolus(BolusKind.CLINICIAN, NOW, timedelta(hours=1), 2.0, Dose(20, MG))
    problem = only_problem(morphine_pump(), program_of(simple(1.5).with_bolus(bolus)))
    assert "48 mL/day" in problem and "24 mL/day" in problem


def test_a_bolus_cannot_start_before_the_pumps_clock():
    bolus = Bolus(BolusKind.CLINICIAN, NOW - timedelta(hours=1), timedelta(hours=2), 0.5, Dose(5, MG))
    problem = only_problem(morphine_pump(), program_of(simple(1.5).with_bolus(bolus)))
    assert "before the pump's clock" in problem


def test_reservoir_volume_within_capacity():
    pump = morphine_pump()
    assert "25 mL" in only_problem(pump, program_of(simple(1.5), reservoir_ml=25))
    assert "-1 mL" in only_problem(pump, program_of(simple(1.5), reservoir_ml=-1))
    assert program_problems(pump, program_of(simple(1.5), reservoir_ml=20)) == []


def test_low_alarm_within_the_model_range():
    pump = morphine_pump()
    assert "0.5 mL" in only_problem(pump, program_of(simple(1.5), low_alarm_ml=0.5))
    assert "6 mL" in only_problem(pump, program_of(simple(1.5), low_alarm_ml=6))
    assert program_problems(pump, program_of(simple(1.5), low_alarm_ml=5)) == []


def test_an_unknown_mode_is_refused():
    prescription = simple(1.5)
    force_setattr(prescription, "mode", "turbo")
    problem = only_problem(morphine_pump(), program_of(prescription))
    assert "'turbo'" in problem and "Simple continuous" in problem


def test_a_unit_that_does_not_fit_the_drug_library_is_refused():
    mcg = DrugUnit.MCG
    in_mcg = Prescription.simple_continuous("morphine", Concentration(10000, mcg), DoseRate(1500, mcg))
    problem = only_problem(morphine_pump(), program_of(in_mcg))
    assert "morphine is dosed in mg" in problem


def test_a_drug_outside_the_library_is_refused():
    unknown = Prescription.simple_continuous("aspirin", MORPHINE_10, DoseRate(1.5, MG))
    assert "aspirin" in only_problem(morphine_pump(), program_of(unknown))


def test_patient_bolus_in_the_wrong_unit_is_refused():
    ptm = PtmSettings(Dose(100, DrugUnit.MCG), timedelta(minutes=10), 4, timedelta(hours=3))
    problem = only_problem(morphine_pump(), Program(simple(1.5), 2.0, ptm))
    assert "100 mcg" in problem


def test_after_end_of_service_the_pump_only_accepts_stopped():
    pump, _ = advance(morphine_pump(), datetime(2034, 2, 20))
    assert pump.prescription.mode is InfusionMode.STOPPED
    assert "end of service on 2034-02-19" in only_problem(pump, program_of(simple(1.5)))
    assert program_problems(pump, program_of(Prescription.stopped("morphine", MORPHINE_10))) == []


# --- programming ------------------------------------------------------------------------------


def test_a_refused_program_lists_every_reason_and_changes_nothing():
    pump = morphine_pump()
    with pytest.raises(ProgramRejected) as refused:
        apply_program(pump, program_of(simple(300), low_alarm_ml=9, reservoir_ml=30), NOW + timedelta(hours=1))
    assert len(refused.value.reasons) == 3
    assert "30 mL/day" in str(refused.value) and "9 mL" in str(refused.value)
    assert pump.prescription == simple(1.5) and len(pump.events) == 1


def test_programming_replaces_the_therapy_and_logs_who_why_and_what():
    pump = morphine_pump()
    later = NOW + timedelta(days=10)
    ptm = PtmSettings(Dose(0.1, MG), timedelta(minutes=10), 4, timedelta(hours=3))
    acknowledged = (Acknowledged("soft_max", "daily dose 2 mg/day is above the soft limit", "pain not controlled"),)
    program = Program(
        simple(2.0), 3.0, ptm, reason="pain not controlled", clinician="Dr B", acknowledged=acknowledged
    )
    after = apply_program(pump, program, later)
    assert after.prescription == simple(2.0)
    assert after.prescription_entered_at == later and after.clock == later
    assert after.low_alarm_ml == 3.0 and after.ptm == ptm
    # The pump delivered 10 days at 0.15 mL/day before the new program.
    assert after.reservoir_ml == pytest.approx(18.5, abs=1e-9)
    programming = after.events[-1]
    assert programming.kind is EventKind.PROGRAMMING and programming.at == later
    assert programming.text == (
        "Programmed: morphine 10 mg/mL, simple continuous, 1.5 mg/day → morphine 10 mg/mL, simple continuous, 2 mg/day "
        "(daily dose +33.3 %)"
    )
    assert programming.details.record.reason == "pain not controlled"
    assert programming.details.record.clinician == "Dr B"
    assert programming.details.record.acknowledged == (
        Acknowledged("soft_max", "daily dose 2 mg/day is above the soft limit", "pain not controlled"),
    )
    assert not any(event.kind is EventKind.MODE_CHANGE for event in after.events)


def test_a_mode_change_is_logged_and_a_stopped_pump_remembers_since_when():
    pump = morphine_pump()
    stopped = apply_program(pump, program_of(Prescription.stopped("morphine", MORPHINE_10)), NOW + timedelta(hours=2))
    assert stopped.stopped_since == NOW + timedelta(hours=2)
    mode_change = stopped.events[-1]
    assert mode_change.kind is EventKind.MODE_CHANGE
    assert mode_change.text == "Mode: Simple continuous → Stopped"
    # Stopped again later: still stopped since the first stop.
    again = apply_program(stopped, program_of(Prescription.stopped("morphine", MORPHINE_10)), NOW + timedelta(hours=5))
    assert again.stopped_since == NOW + timedelta(hours=2)
    restarted = apply_program(again, program_of(simple(1.5)), NOW + timedelta(hours=6))
    assert restarted.stopped_since is None


def test_a_program_cannot_go_back_in_time():
    pump = morphine_pump()
    with pytest.raises(ClockError, match="2026-11-21 09:00:00"):
        apply_program(pump, program_of(simple(2.0)), NOW - timedelta(minutes=1))


def test_a_program_carrying_a_reservoir_volume_sets_it():
    after = apply_program(morphine_pump(), program_of(simple(1.5), reservoir_ml=12.0), NOW)
    assert after.reservoir_ml == 12.0
    assert after.last_refill_at == NOW and after.last_refill_ml == 20.0  # not a refill


# --- refill ------------------------------------------------------------------------------------


def low_and_empty_pump():
    """2.5 mg/day at 10 mg/mL = 0.25 mL/day: low alarm (2 mL) on day 72, empty on day 80."""
    pump = new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), NOW)
    pump, alarms = advance(pump, NOW + timedelta(days=81))
    assert [alarm.kind for alarm in alarms] == [AlarmKind.LOW_RESERVOIR, AlarmKind.EMPTY_RESERVOIR]
    return pump


def test_a_refill_records_expected_removed_and_added_and_clears_reservoir_alarms():
    pump = advance(new_pump("PX-20", "morphine", 10, DoseRate(2.5, MG), NOW), NOW + timedelta(days=74))[0]
    assert pump.has_alarm(AlarmKind.LOW_RESERVOIR)
    assert pump.reservoir_ml == pytest.approx(1.5, abs=1e-9)
    when = NOW + timedelta(days=74)
    after = refill(pump, removed_ml=1.2, added_ml=20.0, now=when)
    assert after.reservoir_ml == 20.0 and after.last_refill_at == when and after.last_refill_ml == 20.0
    assert not after.alarms
    refill_event = next(event for event in after.events if event.kind is EventKind.REFILL)
    assert refill_event.at == when
    assert refill_event.details.expected_ml == pytest.approx(1.5, abs=1e-9)
    assert refill_event.details.removed_ml == 1.2 and refill_event.details.added_ml == 20.0
    assert refill_event.details.discrepancy_ml == pytest.approx(-0.3, abs=1e-9)
    assert refill_event.text == "Refill: expected 1.5 mL, removed 1.2 mL, added 20 mL morphine 10 mg/mL"
    cleared = [event for event in after.events if event.kind is EventKind.ALARM_CLEARED]
    assert [event.details.alarm for event in cleared] == ["low_reservoir"]
    assert cleared[0].text == "Low reservoir cleared: reservoir refilled"


def test_refilling_an_empty_pump_clears_both_alarms_and_delivery_restarts():
    pump = low_and_empty_pump()
    when = NOW + timedelta(days=81)
    after = refill(pump, removed_ml=0.0, added_ml=20.0, now=when)
    assert after.alarms == ()
    assert [e.details.alarm for e in after.events if e.kind is EventKind.ALARM_CLEARED] == [
        "low_reservoir",
        "empty_reservoir",
    ]
    later, _ = advance(after, when + timedelta(days=4))
    assert later.reservoir_ml == pytest.approx(19.0, abs=1e-9)


def test_an_overfill_is_refused_with_the_capacity():
    pump = morphine_pump()
    with pytest.raises(ProgramRejected, match="21 mL overfills the PX-20: its reservoir holds 20 mL"):
        refill(pump, removed_ml=19.0, added_ml=21.0, now=NOW + timedelta(days=5))
    with pytest.raises(ProgramRejected, match="removed volume -1 mL must be a volume of 0 mL or more"):
        refill(pump, removed_ml=-1.0, added_ml=10.0, now=NOW)
    with pytest.raises(ProgramRejected, match="added volume nan mL must be a volume of 0 mL or more"):
        refill(pump, removed_ml=1.0, added_ml=float("nan"), now=NOW)


def test_a_refill_with_a_new_concentration_programs_it_at_the_same_time():
    pump = morphine_pump()
    when = NOW + timedelta(days=30)
    new = Prescription.simple_continuous("morphine", Concentration(25, MG), DoseRate(2.0, MG))
    after = refill(pump, removed_ml=15.5, added_ml=18.0, now=when, program=program_of(new, reason="stronger"))
    assert after.prescription == new and after.reservoir_ml == 18.0
    assert [event.kind for event in after.events[-2:]] == [EventKind.REFILL, EventKind.PROGRAMMING]
    # 18 mL at 0.08 mL/day: the low alarm (2 mL) comes 200 days later.
    _, alarms = advance(after, when + timedelta(days=201))
    assert alarms[0].kind is AlarmKind.LOW_RESERVOIR and alarms[0].raised_at == when + timedelta(days=200)


def test_a_refill_and_its_program_are_refused_together():
    pump = morphine_pump()
    with pytest.raises(ProgramRejected) as refused:
        refill(pump, 15.0, 25.0, NOW, program=program_of(simple(300), reservoir_ml=18.0))
    text = str(refused.value)
    assert "25 mL overfills" in text and "30 mL/day" in text and "18 mL" in text
    assert len(refused.value.reasons) == 3


def test_the_rejection_can_be_a_single_message():
    refused = ProgramRejected("pump refused the program (simulated fault)")
    assert refused.reasons == ["pump refused the program (simulated fault)"]
    assert str(refused) == "pump refused the program (simulated fault)"


def test_a_program_from_memory_is_what_the_pump_runs():
    pump = morphine_pump()
    program = Program.from_memory(pump)
    assert program == Program(pump.prescription, 2.0, None)
    assert replace(program, reason="x").reason == "x"


def test_the_same_program_sent_again_is_not_logged_as_a_change():
    pump = morphine_pump()
    after = apply_program(pump, Program.from_memory(pump), NOW)
    assert after.events[-1].text == "Program sent again, unchanged: morphine 10 mg/mL, simple continuous, 1.5 mg/day"
    assert "→" not in after.events[-1].text
