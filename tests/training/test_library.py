"""The scenario library: every scenario checks, and every scripted attempt beside it comes to what it expects.

Each scenario has a scripted correct attempt that passes and at least one wrong attempt that fails on the
right critical action; they run headless here, as `programmer training run` plays them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from programmer.pump.log import EventKind
from programmer.pump.telemetry import LinkFaults
from programmer.session.visit import ClinicianProgrammer
from programmer.training.actions import ScriptClock, ScriptedTrainee, load_script
from programmer.training.engine import Attempt, Mode
from programmer.training.library import attempt_files, scenario_library
from programmer.training.recording import Bolus, Mri, Patient, Programmed, PumpRead, Refused
from programmer.training.starting_pump import starting_pump

LIBRARY = scenario_library()
ATTEMPTS = [(scenario, path) for scenario in LIBRARY.scenarios for path in attempt_files(scenario)]


def play(scenario, path, tmp_path, mode=Mode.ASSESSMENT):
    script = load_script(path)
    clock = ScriptClock()
    programmer = ClinicianProgrammer(faults=LinkFaults())
    attempt = Attempt(scenario, programmer, trainee=script.trainee, mode=mode, folder=tmp_path, wall=clock)
    attempt.start()
    ScriptedTrainee(attempt, clock).play(script)
    debrief = attempt.end()
    programmer.close(confirm=True)
    return script, attempt, debrief


def test_every_scenario_in_the_library_checks():
    assert LIBRARY.broken == {}
    assert {"01-routine-refill", "05-suspected-pocket-fill", "13-unfinished-session"} <= {
        scenario.id for scenario in LIBRARY.scenarios
    }


@pytest.mark.parametrize("scenario", LIBRARY.scenarios, ids=lambda scenario: scenario.id)
def test_a_scenario_pumps_history_shows_it_refilled_before_each_alarm_until_its_last_refill(scenario):
    """A routine visit's pump was cared for: no alarm, and never dry, before what the story is about begins."""
    memory = starting_pump(scenario)
    refills = [event.at for event in memory.events if event.kind is EventKind.REFILL]
    before_last = [
        event.text for event in memory.events
        if event.kind is EventKind.ALARM_RAISED and refills and event.at < refills[-1]
    ]
    assert before_last == []
    daily_ml = memory.prescription.nominal_daily_volume_ml
    if refills and daily_ml > 0:  # never longer between refills than a full reservoir lasts to its alarm
        lasts = timedelta(days=(memory.model.reservoir_capacity_ml - memory.low_alarm_ml) / daily_ml)
        gaps = [later - earlier for earlier, later in pairwise(refills)]
        assert max(gaps, default=timedelta(0)) < lasts


def test_the_routine_refill_pump_was_refilled_every_113_days_since_its_implant_three_years_ago():
    memory = starting_pump(LIBRARY.find("01-routine-refill"))
    refills = [event.at for event in memory.events if event.kind is EventKind.REFILL]
    # 20 mL at 0.15 mL/day reaches its 2 mL alarm in 120 days: booked a week before, after 113 days
    assert len(refills) == 9
    assert {later - earlier for earlier, later in pairwise(refills[:-1])} == {timedelta(days=113)}
    assert refills[-1] == datetime(2026, 11, 23, 9, 0) - timedelta(days=100)
    assert memory.reservoir_ml == pytest.approx(5.0)


@pytest.mark.parametrize("scenario", LIBRARY.scenarios, ids=lambda scenario: scenario.id)
def test_every_scenario_has_a_passing_and_a_failing_scripted_attempt(scenario):
    expected = [load_script(path).expect for path in attempt_files(scenario)]
    assert "pass" in expected and "fail" in expected


@pytest.mark.parametrize(
    ("scenario", "path"), ATTEMPTS, ids=[f"{scenario.id}/{path.stem}" for scenario, path in ATTEMPTS]
)
def test_each_scripted_attempt_comes_to_what_it_expects(scenario, path, tmp_path):
    script, attempt, debrief = play(scenario, path, tmp_path)
    missed = {action.key for action in debrief.missed_critical}
    assert debrief.passed is (script.expect == "pass"), debrief.plain_text()
    assert missed == set(script.expect_missed), debrief.plain_text()
    if script.expect == "pass":  # a correct attempt is never refused by the programmer
        assert [entry.describe() for entry in attempt.recording if isinstance(entry.what, Refused)] == []


def test_routine_refill_done_right_scores_full_marks_and_leaves_the_patient_comfortable(tmp_path):
    scenario = LIBRARY.find("01-routine-refill")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    assert debrief.score == 100.0 and debrief.passed
    assert debrief.attempt_s == 5 * 60  # two `wait` steps: 2 and 3 minutes
    removed = next(action for action in debrief.scored if action.key == "removed")
    assert removed.detail == "recorded 4.8 mL"  # the truth: 4.8 mL, not the 5 mL the pump counts
    appointment = next(action for action in debrief.critical if action.key == "appointment")
    assert appointment.detail == "booked for 2027-03-16 09:00, alarm date 2027-03-23 09:00"  # 18 mL at 0.15 mL/day
    assert debrief.patient.score == pytest.approx(3.0) and debrief.patient.signs == ()


def test_catheter_port_fails_the_attempt_even_when_everything_after_is_right(tmp_path):
    scenario = LIBRARY.find("01-routine-refill")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "catheter_port.toml", tmp_path)
    assert debrief.score == 100.0 and not debrief.passed
    port = debrief.missed_critical[0]
    assert port.detail == "the needle was placed in the catheter access port"
    assert "ISMP" in port.source
    assert debrief.verdict().startswith("FAILED: critical action missed: Needle placed in the reservoir fill port")


def test_pocket_fill_recorded_as_prepared_leaves_a_reservoir_that_runs_dry_without_alarm(tmp_path):
    scenario = LIBRARY.find("05-suspected-pocket-fill")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "prepared_as_added.toml", tmp_path)
    assert attempt.true_reservoir_ml == pytest.approx(14.0)  # 20 mL instilled, 6 mL under the skin
    assert list(debrief.consequences) == [
        "60 mg went under the skin at 2026-11-24 10:00 (a pocket fill), not into the reservoir",
        "at 2026-11-24 10:00 the patient has pain 4/10 (3 mg reached the spine in the last 24 h); "
        "drowsy, hard to wake, slow breathing (8 breaths/min), pinpoint pupils",
        "the reservoir really holds 14 mL; the pump counts 20 mL",
        # 14 mL at 0.3 mL/day: 46.7 days; the pump's alarm (2 mL of its 20) comes after 60 days.
        "it runs dry on 2027-01-10 02:00, 13.3 days before its low-reservoir alarm date and with no alarm "
        "(its alarms are calculated from what it counts, not measured); withdrawal signs from 2027-01-11 02:00",
    ]


def test_pocket_fill_caught_leaves_the_pump_counting_what_is_really_there(tmp_path):
    scenario = LIBRARY.find("05-suspected-pocket-fill")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    last = [entry.what for entry in attempt.recording if isinstance(entry.what, PumpRead)][-1]
    assert last.reservoir_ml == pytest.approx(14.0 - 0.3 * 2 / 24)  # two hours at 0.3 mL/day since the refill
    assert attempt.true_reservoir_ml == pytest.approx(last.reservoir_ml)
    assert not any("runs dry" in said for said in debrief.consequences)


def test_unfinished_session_left_stopped_says_when_withdrawal_begins(tmp_path):
    scenario = LIBRARY.find("13-unfinished-session")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "closed_while_stopped.toml", tmp_path)
    assert "the pump is stopped since 2026-11-24 15:00: no drug reaches the patient; withdrawal signs from " \
           "2026-11-25 03:00" in debrief.consequences
    assert debrief.faults == ("fault lost-link (lost link) on action program_sent",)
    assert attempt.programmer.faults == LinkFaults()  # the planted fault is gone once the attempt ends


def test_unfinished_session_restarted_clears_the_withdrawal_signs(tmp_path):
    scenario = LIBRARY.find("13-unfinished-session")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    assert debrief.patient.withdrawal is False and debrief.patient.signs == ()
    dose = next(action for action in debrief.scored if action.key == "dose")
    assert dose.detail == "the pump runs 200 mcg/day" and not dose.late


def test_end_of_battery_booked_by_the_reservoir_finds_the_pump_stopped_for_13_days(tmp_path):
    scenario = LIBRARY.find("11-end-of-battery")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "booked_by_the_reservoir.toml", tmp_path)
    replacement = debrief.missed_critical[0]
    assert replacement.detail == ("booked for 2027-02-23 09:00, end of service 2027-02-10 09:00: after it: by then "
                                  "the pump has stopped and delivers nothing")
    # Nothing is delivered after the end of service, though the clock ran across it in one jump.
    assert list(debrief.consequences) == [
        "at 2027-02-23 09:00 the patient has pain 8/10 (0 mg reached the spine in the last 24 h); pain back at 8/10, "
        "sweating, restless, goose flesh",
        "the pump is stopped since 2027-02-10 09:00: no drug reaches the patient; withdrawal signs from "
        "2027-02-11 09:00",
    ]


def test_end_of_battery_replacement_booked_four_weeks_before_the_pump_stops(tmp_path):
    scenario = LIBRARY.find("11-end-of-battery")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    margin = next(action for action in debrief.scored if action.key == "replacement-margin")
    assert margin.earned == 2 and margin.detail == "booked for 2027-01-13 09:00, end of service 2027-02-10 09:00"
    assert debrief.score == 100.0


def test_missed_refill_restarted_at_the_same_dose_ends_the_withdrawal(tmp_path):
    scenario = LIBRARY.find("12-missed-refill")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    start = next(entry.what for entry in attempt.recording if isinstance(entry.what, PumpRead))
    assert (start.reservoir_ml, start.alarms) == (0.0, ("low_reservoir", "empty_reservoir"))
    assert debrief.patient.withdrawal is False
    # Two hours at 400 mcg/day since the refill: 33.3 mcg in the last 24 h, so the spasticity eases only slowly.
    assert debrief.patient.dose_24h == pytest.approx(400 * 2 / 24)
    appointment = next(action for action in debrief.critical if action.key == "appointment")
    assert appointment.detail == "booked for 2027-01-07 09:00, alarm date 2027-01-14 09:00"  # 18 mL at 0.4 mL/day


def patient_scores(attempt) -> list[tuple[str, int]]:
    return [(f"{entry.pump:%H:%M}", round(entry.what.score)) for entry in attempt.recording
            if isinstance(entry.what, Patient)]


def test_after_implant_the_priming_bolus_fills_the_empty_path_and_the_starting_dose_reaches_the_spine(tmp_path):
    scenario = LIBRARY.find("08-after-implant")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    primed = next(entry.what for entry in attempt.recording if isinstance(entry.what, Bolus))
    # 0.26 mL of tubing + 110 cm × 0.0026 mL/cm of catheter, at the PX-20's 24 mL/day.
    assert primed.said == "Priming bolus programmed: 5.46 mg over 33 min"
    # The priming fluid carries no drug to the spine; then 1 mg/day for the 23.45 h after the 33 min priming.
    assert debrief.patient.dose_24h == pytest.approx(1.0 * (24 - 0.546 / 24 * 24) / 24)
    assert round(debrief.patient.score) == 4 and debrief.patient.signs == ()


def test_after_implant_without_priming_no_morphine_reaches_the_spine_by_the_next_morning(tmp_path):
    scenario = LIBRARY.find("08-after-implant")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "no_priming.toml", tmp_path)
    last = [entry.what for entry in attempt.recording if isinstance(entry.what, PumpRead)][-1]
    assert last.reservoir_ml == pytest.approx(19.9)  # 0.1 mL pushed into the 0.546 mL of empty tubing and catheter
    assert debrief.consequences[0] == ("at 2026-12-04 09:00 the patient has pain 8/10 (0 mg reached the spine in "
                                       "the last 24 h); no overdose or withdrawal signs")


def test_after_implant_a_tenfold_starting_dose_needs_a_reason_and_overdoses_by_the_next_morning(tmp_path):
    scenario = LIBRARY.find("08-after-implant")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "tenfold_dose.toml", tmp_path)
    refused = next(entry.what for entry in attempt.recording if isinstance(entry.what, Refused))
    assert "morphine starts at 10 mg/day from no delivery of it: the usual starting dose is 0.1–1 mg/day" \
        in refused.said
    assert {action.key for action in debrief.missed_critical} == {"starting-dose", "starting-check"}
    assert debrief.patient.overdose and debrief.patient.dose_24h == pytest.approx(10 * (24 - 0.546) / 24)


def test_screening_trial_pain_follows_each_step_two_hours_on_until_half_relief(tmp_path):
    scenario = LIBRARY.find("09-screening-trial")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    # 8/10 without drug: 0.5 mg/day gives 6, 0.75 gives 5, 1 mg/day gives 4 (50 % relief).
    assert patient_scores(attempt) == [("09:00", 6), ("11:00", 5), ("13:00", 4)]
    assert debrief.consequences == ("at 2026-12-01 15:00 the patient has pain 4/10 (1 mg/day reached the spine "
                                    "over the last 2 h); no overdose or withdrawal signs",)


def test_screening_trial_raised_every_hour_overshoots_to_a_dose_above_the_usual_start(tmp_path):
    scenario = LIBRARY.find("09-screening-trial")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "raised_every_hour.toml", tmp_path)
    interval, dose = debrief.missed_critical
    assert interval.detail == ("raised to 1 mg/day at 2026-12-01 10:00, 1 h after the rise to 0.75 mg/day at "
                               "2026-12-01 09:00")
    assert dose.detail == "the pump runs 1.25 mg/day (simple continuous)"
    assert round(debrief.patient.score) == 3  # more relief than the trial asked for, at 1.25 mg/day


def test_mri_scan_interrogated_after_restarts_delivery_after_an_hour_and_a_half(tmp_path):
    scenario = LIBRARY.find("10-mri-scan")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    scans = [entry.what for entry in attempt.recording if isinstance(entry.what, Mri)]
    assert [(scan.phase, scan.effect, scan.hours) for scan in scans] == [
        ("scanned", "motor_stalled", 1.0), ("resumed", "motor_stalled", 1.5)]  # held 10:00-11:30
    # 300 mcg/day but for the 1.5 h held: 281.25 mcg in the 24 h to 13:30.
    assert debrief.patient.dose_24h == pytest.approx(300 * 22.5 / 24)
    assert debrief.patient.signs == ()


def test_mri_scan_not_interrogated_after_leaves_no_baclofen_from_the_scan_on(tmp_path):
    scenario = LIBRARY.find("10-mri-scan")
    _, _, debrief = play(scenario, scenario.folder / "attempts" / "not_interrogated.toml", tmp_path)
    assert debrief.consequences[-1] == ("the pump's delivery is held since the MRI scan of 2026-12-04 10:00: no drug "
                                        "reaches the patient until it is interrogated; withdrawal signs from "
                                        "2026-12-04 22:00")


def test_mri_with_a_valve_gated_pump_the_emptying_is_no_refill_and_the_refill_after_restores_the_dose(tmp_path):
    scenario = LIBRARY.find("10-mri-valve-gated")
    _, attempt, debrief = play(scenario, scenario.folder / "attempts" / "correct.toml", tmp_path)
    programs = [entry.what for entry in attempt.recording if isinstance(entry.what, Programmed)]
    assert [program.refill for program in programs] == [False, True]  # 11.992 mL withdrawn, then 20 mL put in
    assert debrief.patient.dose_24h == pytest.approx(5 * 22.5 / 24)  # 5 mg/day, held 10:00-11:30
    _, _, forgot = play(scenario, scenario.folder / "attempts" / "no_refill.toml", tmp_path)
    assert forgot.consequences == ("at 2026-12-05 11:30 the patient has pain 8/10 (0 mg reached the spine in the "
                                   "last 24 h); pain back at 8/10, sweating, restless, goose flesh",)
