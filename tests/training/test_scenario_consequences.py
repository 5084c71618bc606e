"""Scenarios 2, 3, 4, 6 and 7 played by their scripted trainees: the numbers a debrief shows, what the patient lives.

Each attempt also runs in test_library (pass or fail on the right critical action); here the doses, volumes and
dates behind those verdicts are checked, with the arithmetic beside them.
"""

from __future__ import annotations

import pytest

from tests.training.test_library import LIBRARY, play


def _played(scenario_id, attempt, tmp_path):
    scenario = LIBRARY.find(scenario_id)
    return play(scenario, scenario.folder / "attempts" / f"{attempt}.toml", tmp_path)


def _action(debrief, key):
    return next(action for action in (*debrief.critical, *debrief.scored) if action.key == key)


def test_a_bridge_bolus_keeps_3_mg_a_day_through_a_change_to_25_mg_per_ml(tmp_path):
    _, _, debrief = _played("02-concentration-change", "correct", tmp_path)
    # A day later the bridge (0.546 mL of the old 10 mg/mL at 0.3 mL/day) is still running: 3 mg/day, no more.
    assert debrief.patient.dose_24h == pytest.approx(3.0)
    assert debrief.patient.signs == ()
    assert _action(debrief, "bridge").detail == "bridge bolus programmed"
    assert _action(debrief, "appointment").detail == "booked for 2027-04-15 09:00, alarm date 2027-04-22 15:29"


def test_without_the_bridge_the_old_fluid_runs_at_the_new_rate_and_the_pain_comes_back(tmp_path):
    _, _, debrief = _played("02-concentration-change", "bridge_declined", tmp_path)
    # 0.12 mL/day of the 10 mg/mL still in the tubing and catheter: 1.2 mg/day instead of 3.
    assert debrief.patient.dose_24h == pytest.approx(1.2)
    assert round(debrief.patient.score) == 6
    assert [action.key for action in debrief.missed_critical] == ["bridge"]


def test_keeping_the_old_rate_in_ml_per_day_gives_two_and_a_half_times_the_dose(tmp_path):
    _, _, debrief = _played("02-concentration-change", "old_rate_kept", tmp_path)
    assert _action(debrief, "dose").detail == "the pump runs 7.5 mg/day (simple continuous)"  # 0.3 mL/day × 25 mg/mL
    assert debrief.patient.dose_24h == pytest.approx(7.5)
    assert "slow breathing (8 breaths/min)" in debrief.patient.signs


def test_a_second_check_asked_for_only_after_the_programmer_refused_fails(tmp_path):
    _, _, debrief = _played("02-concentration-change", "no_second_check", tmp_path)
    assert _action(debrief, "second-check").detail == (
        "programming was tried without a second check (the programmer refused it)")


def test_a_beeping_pump_not_refilled_runs_empty_and_withdrawal_follows_a_day_later(tmp_path):
    _, _, debrief = _played("03-beeping-pump", "not_refilled", tmp_path)
    # 1.4 mL at 0.2 mL/day: empty on 2026-12-10 10:00; nothing reaches the spine from then on.
    assert list(debrief.consequences) == [
        "at 2026-12-11 10:00 the patient has pain 8/10 (0 mg reached the spine in the last 24 h); pain back at 8/10, "
        "sweating, restless, goose flesh, diarrhoea and cramps",
    ]
    assert debrief.patient.hours_without_drug == pytest.approx(24.0)


def test_a_beeping_pump_refilled_is_booked_two_weeks_before_its_new_alarm(tmp_path):
    _, _, debrief = _played("03-beeping-pump", "correct", tmp_path)
    # 38 mL to the 2 mL alarm at 0.2 mL/day: 190 days from 2026-12-03.
    assert _action(debrief, "appointment").detail == "booked for 2027-05-28 10:00, alarm date 2027-06-11 10:00"
    assert _action(debrief, "removed").detail == "recorded 1.4 mL"


def test_over_infusion_recorded_as_expected_hides_the_6_5_ml_that_went_into_the_patient(tmp_path):
    _, _, debrief = _played("04-over-infusion", "as_expected", tmp_path)
    assert _action(debrief, "removed-truly").detail == "recorded 7.5 mL, but 1 mL came out of the reservoir"
    assert _action(debrief, "appointment").detail == (
        "booked for 2027-01-05 09:00, alarm date 2027-01-12 14:00: less than 14 days before it")


def test_over_infusion_investigated_brings_the_next_visit_before_the_pump_could_run_dry(tmp_path):
    _, _, debrief = _played("04-over-infusion", "correct", tmp_path)
    # At the 0.76 mL/day it really ran, 20 mL last 26.3 days: dry on 2027-01-02; the recheck is on 2026-12-21.
    assert _action(debrief, "appointment").detail == "booked for 2026-12-21 14:00, alarm date 2027-01-12 14:00"
    assert _action(debrief, "discrepancy").detail.startswith("acknowledged: 1 mL removed, 7.5 mL expected")


def test_a_flex_step_typed_per_hour_overdoses_within_six_hours(tmp_path):
    _, _, debrief = _played("06-flex-per-hour-slip", "typed_per_hour", tmp_path)
    assert _action(debrief, "slip").detail == (
        "programmed past the finding “per hour per day” (reason typed: 'as ordered by Dr Ahmed')")
    # 80 mcg/h × 14 h + 170 mcg/day × 10/24 = 1190.8 mcg/day.
    assert _action(debrief, "schedule").detail == "the pump runs 1190.8 mcg/day (flex)"
    # The 18 h before at 105 mcg/day (78.75 mcg) and 6 h at 80 mcg/h (480 mcg).
    assert debrief.patient.dose_24h == pytest.approx(558.75)
    assert debrief.patient.signs == ("drowsy", "floppy, weak legs", "slow breathing")


def test_a_flex_schedule_typed_per_day_delivers_the_order(tmp_path):
    _, _, debrief = _played("06-flex-per-hour-slip", "correct", tmp_path)
    # 80 mcg/day × 14/24 + 170 mcg/day × 10/24 = 46.67 + 70.83 mcg.
    assert _action(debrief, "schedule").detail == "the pump runs 117.5 mcg/day"
    assert debrief.score == 100.0


@pytest.mark.parametrize(("attempt", "missed", "detail"), [
    ("step_too_big", "step", "programmed past the finding “titration step” (reason typed: "
                             "'patient in severe pain, asks for more')"),
    ("too_soon", "interval", "programmed past the finding “titration interval” (reason typed: "
                             "'still 6/10, asked to come in')"),
])
def test_ziconotide_raised_past_its_step_or_interval_fails_on_that_rule(tmp_path, attempt, missed, detail):
    _, _, debrief = _played("07-ziconotide-titration", attempt, tmp_path)
    assert [(action.key, action.detail) for action in debrief.missed_critical] == [(missed, detail)]


def test_ziconotide_reaches_7_2_mcg_a_day_in_two_raises_48_hours_apart(tmp_path):
    _, _, debrief = _played("07-ziconotide-titration", "correct", tmp_path)
    assert _action(debrief, "target").detail == "the pump runs 7.2 mcg/day"
    assert debrief.patient.dose_24h == pytest.approx(4.8)  # Wednesday 10:00: the day before ran at 4.8 mcg/day
