"""The engine: planted faults on their triggers, the instructor's actions, modes, the truth and the patient."""

from __future__ import annotations

import time
from datetime import timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from programmer.pump.telemetry import LinkFaults, LinkLost, ProgramRejected
from programmer.session.refill.steps import Port
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import DoseRate, DrugUnit
from programmer.training.debrief import build_debrief
from programmer.training.engine import AttemptError, Mode
from programmer.training.faults import FaultError
from programmer.training.patient import last_reached, patient_state, score_for
from programmer.training.recording import CueShown, Delivered, FaultCleared, FaultFired, HintGiven, decode, encode
from programmer.training.rules import State
from programmer.training.scenario import PatientModel

from .scenarios import START, Wall, scenario, started

LOST_ON_PROGRAM = '\n[[faults]]\nid = "lost"\nkind = "lost_link"\nwhen = [{ action = "program_sent" }]\n'


def edit_dose(programmer, per_day: float) -> None:
    session = programmer.session
    old = session.current.prescription
    session.edit(prescription=Prescription.simple_continuous(old.drug, old.concentration,
                                                             DoseRate(per_day, DrugUnit.MG)))


def kinds(attempt, kind) -> list:
    return [entry.what for entry in attempt.recording if isinstance(entry.what, kind)]


def test_a_lost_link_planted_on_program_sent_fails_that_exchange_then_the_link_works(tmp_path):
    attempt, programmer = started(scenario(LOST_ON_PROGRAM), tmp_path)
    programmer.open(attempt.pump_path)
    edit_dose(programmer, 1.2)
    with pytest.raises(LinkLost):
        programmer.session.program()
    assert programmer.session.current.prescription.daily_dose == DoseRate(1.5, DrugUnit.MG)  # kept its program
    assert programmer.faults == LinkFaults()  # one exchange spoiled: the link works again
    programmer.session.program()
    assert programmer.session.current.prescription.daily_dose == DoseRate(1.2, DrugUnit.MG)
    assert [fault.trigger for fault in kinds(attempt, FaultFired)] == ["action program_sent"]
    assert [cleared.fault_id for cleared in kinds(attempt, FaultCleared)] == ["lost"]


def test_the_first_trigger_to_fire_wins_and_a_fault_fires_once(tmp_path):
    found = scenario('\n[[faults]]\nid = "refused"\nkind = "program_refused"\nexchanges = 0\n'
                     'when = [{ pump_minutes = 60 }, { action = "interrogated" }]\n')
    attempt, programmer = started(found, tmp_path)
    programmer.open(attempt.pump_path)
    programmer.session.advance_days(1)
    programmer.session.interrogate()
    assert [fault.trigger for fault in kinds(attempt, FaultFired)] == ["action interrogated"]
    edit_dose(programmer, 1.2)
    for _ in range(3):  # exchanges = 0: it lasts to the end of the attempt
        with pytest.raises(ProgramRejected):
            programmer.session.program()
    attempt.end()
    assert programmer.faults == LinkFaults()  # the attempt's end puts the switches back


def test_a_refusal_lasts_for_the_exchanges_the_scenario_says(tmp_path):
    found = scenario('\n[[faults]]\nid = "refused"\nkind = "program_refused"\nexchanges = 2\n'
                     'when = [{ action = "visit_opened" }]\n')
    attempt, programmer = started(found, tmp_path)
    programmer.open(attempt.pump_path)
    edit_dose(programmer, 1.2)
    for _ in range(2):
        with pytest.raises(ProgramRejected, match="simulated fault"):
            programmer.session.program()
    programmer.session.program()
    assert programmer.session.current.prescription.daily_dose == DoseRate(1.2, DrugUnit.MG)


def test_a_slow_link_answers_late_until_its_exchanges_are_spent(tmp_path):
    found = scenario('\n[[faults]]\nid = "slow"\nkind = "slow_link"\nseconds = 0.2\nexchanges = 2\n'
                     'when = [{ minutes = 0 }]\n')
    attempt, programmer = started(found, tmp_path)
    assert programmer.faults.delay_s == 0.2
    begun = time.monotonic()
    programmer.open(attempt.pump_path)
    programmer.session.interrogate()
    assert time.monotonic() - begun >= 0.4
    assert programmer.faults.delay_s == 0  # two exchanges answered late, then the link is quick again


def test_the_instructor_injects_a_fault_by_kind_or_by_id_and_is_told_the_choices(tmp_path):
    attempt, programmer = started(scenario('\n[[faults]]\nid = "lost"\nkind = "lost_link"\n'), tmp_path)
    programmer.open(attempt.pump_path)
    attempt.inject_fault("program_refused")
    edit_dose(programmer, 1.2)
    with pytest.raises(ProgramRejected):
        programmer.session.program()
    with pytest.raises(FaultError, match="no fault 'fire' in this scenario; inject one of: lost, lost_link, "):
        attempt.inject_fault("fire")
    assert [(fault.fault_id, fault.trigger) for fault in kinds(attempt, FaultFired)] == [
        ("program_refused", "the instructor's command")
    ]


def test_a_pause_stops_the_attempt_clock_and_its_timed_triggers(tmp_path):
    wall = Wall()
    found = scenario('\n[[faults]]\nid = "late"\nkind = "lost_link"\nwhen = [{ minutes = 10 }]\n')
    attempt, programmer = started(found, tmp_path, wall=wall)
    wall.wait(4)
    attempt.pause()
    wall.wait(30)
    attempt.tick()
    assert attempt.elapsed_s == 4 * 60 and kinds(attempt, FaultFired) == []
    attempt.resume()
    wall.wait(5)
    attempt.tick()
    assert attempt.elapsed_s == 9 * 60 and kinds(attempt, FaultFired) == []
    wall.wait(1)
    attempt.tick()
    assert [fault.trigger for fault in kinds(attempt, FaultFired)] == ["10 min into the attempt"]
    assert programmer.faults.lose_link_mid_program


HINTED = ('\n[[hints]]\ntext = "Check the label."\nwhen = [{ action = "visit_opened" }]\n'
          '\n[[hints]]\ntext = "Book the next refill."\n'
          '\n[[cues]]\ntext = "The patient winces."\nwhen = [{ action = "interrogated" }]\n')


def test_practice_mode_shows_hints_on_their_trigger_and_assessment_mode_does_not(tmp_path):
    for mode, shown in ((Mode.PRACTICE, ["Check the label."]), (Mode.ASSESSMENT, [])):
        attempt, programmer = started(scenario(HINTED), tmp_path / mode.value, mode=mode)
        hints, cues = [], []
        attempt.events.hint.connect(hints.append)
        attempt.events.cue.connect(cues.append)
        programmer.open(attempt.pump_path)
        assert hints == shown and attempt.shows_hints is (mode is Mode.PRACTICE)
        assert cues == ["The patient winces."]  # what happens in the room shows in every mode
        programmer.close(confirm=True)


def test_the_instructor_gives_the_next_hint_until_none_is_left(tmp_path):
    attempt, _ = started(scenario(HINTED), tmp_path)
    assert attempt.give_hint() == "Check the label."
    assert attempt.give_hint("Look at the alarm date.") == "Look at the alarm date."
    assert attempt.give_hint() == "Book the next refill."
    with pytest.raises(AttemptError, match="every hint of this scenario has been given"):
        attempt.give_hint()
    assert [hint.by for hint in kinds(attempt, HintGiven)] == ["instructor"] * 3
    assert [hint.text for hint in attempt.end().hints] == ["Check the label.", "Look at the alarm date.",
                                                           "Book the next refill."]


def test_a_hint_the_trainee_asks_for_is_recorded_as_hers_apart_from_the_instructor_s_and_costs_no_points(tmp_path):
    wall = Wall()
    found = scenario(HINTED + '\n[[scored]]\nid = "opened"\nrule = "done"\naction = "visit_opened"\nweight = 2\n')
    attempt, programmer = started(found, tmp_path, mode=Mode.PRACTICE, wall=wall)
    programmer.open(attempt.pump_path)  # "Check the label." comes on its trigger
    wall.wait(0.5)
    assert attempt.ask_hint() == "Book the next refill."  # the attempt panel's "Ask for a hint"
    wall.wait(0.5)
    attempt.give_hint("Look at the alarm date.")  # the Instructor panel's "Give hint"
    debrief = attempt.end()
    assert [(entry.who, entry.describe()) for entry in attempt.recording if isinstance(entry.what, HintGiven)] == [
        ("engine", "hint shown by the scenario: Check the label."),
        ("trainee", "hint asked for by the trainee: Book the next refill."),
        ("instructor", "hint given by the instructor: Look at the alarm date."),
    ]
    assert [hint.line() for hint in debrief.hints] == [
        "0:00, shown by the scenario: Check the label.",
        "0:30, asked for by the trainee: Book the next refill.",
        "1:00, given by the instructor: Look at the alarm date.",
    ]
    assert debrief.hints_summary() == ("1 shown by the scenario, 1 given by the instructor, 1 asked for by the "
                                       "trainee; hints cost no points")
    assert "0:30  2026-11-23 09:00  trainee    hint asked for by the trainee" in debrief.plain_text()
    assert (debrief.score, debrief.scored[0].earned) == (100.0, 2.0)  # three hints, full marks


def test_an_assessment_offers_the_trainee_no_hint(tmp_path):
    attempt, _ = started(scenario(HINTED), tmp_path, mode=Mode.ASSESSMENT)
    with pytest.raises(AttemptError, match="an assessment offers no hints"):
        attempt.ask_hint()
    assert kinds(attempt, HintGiven) == []
    assert attempt.give_hint() == "Check the label."  # the instructor still may, in any mode


def test_revealing_the_truth_says_it_and_the_debrief_tells(tmp_path):
    found = scenario('\n[truth]\nreservoir_ml = 1.0\npocket_ml = 3\n[truth.syringe]\ndrug = "morphine"\n'
                     'concentration = 25\nvolume_ml = 20\nlabel_concentration = 10\n')
    attempt, _ = started(found, tmp_path)
    assert attempt.reveal_truth() == [
        "the reservoir really holds 1 mL; the pump counts 5 mL",
        "the syringe holds morphine 25 per mL, 20 mL; its label says 10 per mL",
        "the needle misses the septum: 3 mL of the fill goes under the skin",
    ]
    assert str(attempt.syringe) == "morphine 10 mg/mL, 20 mL"  # what the nurse is handed: the label
    assert attempt.end().truth_revealed


def test_a_reservoir_really_emptier_than_counted_runs_dry_and_withdrawal_follows(tmp_path):
    attempt, programmer = started(scenario('\n[truth]\nreservoir_ml = 1.0\n'), tmp_path)
    programmer.open(attempt.pump_path)
    programmer.session.advance_days(6)  # 0.9 mL of the real 1 mL
    assert attempt.patient.signs == ()
    programmer.session.advance_days(2)  # dry after 6 2/3 days: more than 24 h without drug by day 8
    assert attempt.patient.withdrawal and attempt.patient.signs == ("pain back",)
    assert attempt.patient.hours_without_drug == pytest.approx(32.0)
    reached = sum(delivery.spine_ml for delivery in kinds(attempt, Delivered)[1:])
    assert reached == pytest.approx(1.0) and programmer.session.current.reservoir_ml == pytest.approx(3.8)


def test_a_higher_pass_mark_set_by_the_instructor_decides_the_result(tmp_path):
    found = scenario('\n[[scored]]\nrule = "session_closed"\nweight = 1\n\n[[scored]]\nrule = "label_checked"\n'
                     'weight = 3\n')
    attempt, programmer = started(found, tmp_path)
    programmer.open(attempt.pump_path)
    refill = programmer.visit.start_refill(attempt.syringe)
    refill.confirm_label(True)
    refill.choose_port(Port.RESERVOIR_FILL)
    with pytest.raises(AttemptError, match="not 120 %"):
        attempt.set_pass_mark(120)
    attempt.set_pass_mark(100)
    debrief = attempt.end()
    assert (debrief.score, debrief.pass_mark, debrief.passed) == (75.0, 100.0, False)
    assert debrief.verdict() == "FAILED: every critical action met; score 75 % (pass mark 100 %)"


def test_a_scored_action_met_after_its_time_target_earns_half_its_weight(tmp_path):
    wall = Wall()
    found = scenario('\n[[scored]]\nrule = "label_checked"\nweight = 2\nwithin_minutes = 5\n')
    attempt, programmer = started(found, tmp_path, wall=wall)
    programmer.open(attempt.pump_path)
    wall.wait(6)
    programmer.visit.start_refill(attempt.syringe).confirm_label(True)
    debrief = attempt.end()
    (label,) = debrief.scored
    assert (label.earned, label.late, label.at_s) == (1.0, True, 360.0) and debrief.score == 50.0


def test_a_missed_action_never_done_says_not_done_and_one_done_wrong_says_when(tmp_path):
    found = scenario('\n[[scored]]\nrule = "label_checked"\nweight = 1\n')
    wall = Wall()
    attempt, programmer = started(found, tmp_path / "idle", wall=wall)
    programmer.open(attempt.pump_path)
    wall.wait(0.5)
    debrief = attempt.end()
    (port,), (label,) = debrief.critical, debrief.scored
    assert (port.when(), label.when()) == ("not done", "not done")  # not "0:30", the end's time
    assert port.line() == "✗ Needle placed in the reservoir fill port (not done): no port was chosen"
    assert debrief.timeline[-1].said == "attempt ended by the trainee"  # decided by the end: marked on its row
    assert debrief.timeline[-1].expected == ("✗ Needle placed in the reservoir fill port",
                                             "✗ Syringe label checked against the pump")
    # The one time not on the pump's clock says so; the pump's clock is given beside the attempt's time.
    assert "T. Nurse, assessment mode, started 2026-12-01 14:00 by the computer's clock" in debrief.plain_text()
    assert debrief.time_text() == ("Attempt time 0:30 (pauses left out); pump clock 2026-11-23 09:00 → "
                                   "2026-11-23 09:00")

    wall = Wall()
    attempt, programmer = started(found, tmp_path / "wrong", wall=wall)
    programmer.open(attempt.pump_path)
    wall.wait(0.75)
    refill = programmer.visit.start_refill(attempt.syringe)
    refill.confirm_label(True)
    refill.choose_port(Port.CATHETER_ACCESS)
    (port,), (label,) = attempt.end().critical, attempt.debrief().scored
    assert (port.when(), label.when()) == ("0:45", "0:45")  # done, wrongly or rightly: when it was done
    assert port.line() == ("✗ Needle placed in the reservoir fill port (at 0:45): the needle was placed in the "
                           "catheter access port")


def test_the_checklist_follows_the_attempt_and_practice_mode_shows_it(tmp_path):
    attempt, programmer = started(scenario(), tmp_path, mode=Mode.PRACTICE)
    seen = []
    attempt.events.checklist.connect(seen.append)
    programmer.open(attempt.pump_path)
    programmer.visit.start_refill(attempt.syringe).confirm_label(True)
    assert attempt.checklist[0].state is State.PENDING and attempt.shows_checklist
    programmer.visit.start_refill(attempt.syringe)
    refill = programmer.visit.start_refill(attempt.syringe)
    refill.confirm_label(True)
    refill.choose_port(Port.CATHETER_ACCESS)
    assert seen[-1][0].state is State.MISSED
    assert seen[-1][0].detail == "the needle was placed in the catheter access port"


def test_after_the_end_the_instructor_is_refused_and_nothing_more_is_recorded(tmp_path):
    attempt, programmer = started(scenario(), tmp_path)
    attempt.end(by="instructor")
    count = len(attempt.recording)
    programmer.open(attempt.pump_path)
    assert len(attempt.recording) == count
    for action in (attempt.pause, attempt.give_hint, attempt.reveal_truth):
        with pytest.raises(AttemptError, match="the attempt has ended"):
            action()


def test_reset_ends_the_attempt_and_starts_the_scenario_afresh(tmp_path):
    attempt, programmer = started(scenario(), tmp_path)
    programmer.open(attempt.pump_path)
    programmer.session.advance_days(3)
    again = attempt.reset()
    assert attempt.ended and attempt.debrief().status == "reset" and not attempt.debrief().passed
    assert attempt.debrief().verdict() == "RESET by the instructor: not judged; score 100 % (pass mark 80 %) so far"
    assert programmer.visit is None and again.pump_path != attempt.pump_path
    programmer.open(again.pump_path)
    assert programmer.session.current.clock == scenario().spec.pump.clock  # the scenario's pump, as it starts


def test_a_debrief_rebuilt_from_the_encoded_recording_is_the_attempt_s_debrief(tmp_path):
    attempt, programmer = started(scenario(LOST_ON_PROGRAM + HINTED), tmp_path, mode=Mode.PRACTICE)
    programmer.open(attempt.pump_path)
    edit_dose(programmer, 1.2)
    with pytest.raises(LinkLost):
        programmer.session.program()
    programmer.session.advance(programmer.session.now + timedelta(hours=5))
    live = attempt.end()
    rebuilt = build_debrief([decode(encode(entry)) for entry in attempt.recording])
    assert rebuilt.as_json() == live.as_json()
    assert kinds(attempt, CueShown)[0].cue == "The patient winces."


@given(dose=st.floats(min_value=0, max_value=10, allow_nan=False))
def test_the_patient_s_score_lies_between_the_model_s_points(dose):
    model = scenario().spec.patient  # [[0, 8], [1.5, 3], [3, 2]]
    score = score_for(model, dose)
    assert 2 <= score <= 8
    if dose <= 1.5:
        assert score == pytest.approx(8 - dose / 1.5 * 5)
    assert score_for(model, min(dose + 0.5, 10)) <= score + 1e-9  # more drug, less pain


def test_a_patient_model_with_a_2_hour_window_scores_the_dose_per_day_since_the_last_step():
    model = msgspec.convert({"unit": "mg", "score": [[0, 8], [1, 4]], "window_hours": 2}, PatientModel)
    at = START + timedelta(hours=24)

    def delivered(hours_before: float, hours: float, per_day: float) -> Delivered:
        start = at - timedelta(hours=hours_before)
        dose = per_day * hours / 24
        return Delivered(start=start, end=start + timedelta(hours=hours), pump_ml=dose / 10, spine_ml=dose / 10,
                         spine_dose=dose, pocket_dose=0, unit="mg", true_reservoir_ml=5)

    steps = [delivered(24, 22, 0.25), delivered(2, 2, 1.0)]  # 0.25 mg/day all day, 1 mg/day for the last 2 h
    state = patient_state(model, steps, at)
    assert (state.dose_24h, state.score) == (pytest.approx(1.0), pytest.approx(4.0))
    assert state.describe() == ("pain 4/10 (1 mg/day reached the spine over the last 2 h); no overdose or "
                                "withdrawal signs")
    day = patient_state(msgspec.structs.replace(model, window_hours=24.0), steps, at)
    assert day.dose_24h == pytest.approx(0.25 * 22 / 24 + 1.0 * 2 / 24)  # the 24 h dose: 0.3125 mg
    assert day.describe().startswith("pain 7/10 (0.3125 mg reached the spine in the last 24 h)")


def test_fluid_pushed_out_of_an_unprimed_catheter_is_no_drug_reaching_the_spine():
    at = START + timedelta(hours=24)
    drug_free = Delivered(start=START, end=at, pump_ml=0.1, spine_ml=0.1, spine_dose=0.0, pocket_dose=0, unit="mg",
                          true_reservoir_ml=19.9)  # a day at 0.1 mL/day into 0.546 mL of empty tubing and catheter
    assert last_reached([drug_free]) is None
