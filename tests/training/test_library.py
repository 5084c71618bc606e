"""The scenario library: every scenario checks, and every scripted attempt beside it comes to what it expects.

Each scenario has a scripted correct attempt that passes and at least one wrong attempt that fails on the
right critical action; they run headless here, as `programmer training run` plays them.
"""

from __future__ import annotations

import pytest

from programmer.pump.telemetry import LinkFaults
from programmer.session.visit import ClinicianProgrammer
from programmer.training.actions import ScriptClock, ScriptedTrainee, load_script
from programmer.training.engine import Attempt, Mode
from programmer.training.library import attempt_files, scenario_library
from programmer.training.recording import PumpRead, Refused

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
