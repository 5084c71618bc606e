"""The rule vocabulary, judged on recordings built by hand: met, missed (and where), or pending until the end."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import pytest

from programmer.training.recording import (
    Appointment,
    Entry,
    LinkFailed,
    Programmed,
    PumpRead,
    RefillEnded,
    RefillStep,
    Started,
    VisitClosed,
)
from programmer.training.rules import (
    RULES,
    AppointmentBeforeAlarm,
    DiscrepancyAcknowledged,
    DoseNotRaised,
    InterrogatedAfter,
    PortChosen,
    ProgrammedDose,
    PumpNotLeftStopped,
    RemovedRecordedTruly,
    SecondPersonCheck,
    State,
)

CLOCK = datetime(2026, 11, 23, 9, 0)
WALL = datetime(2026, 12, 1, 14, 0).astimezone()


def read(why="interrogated", *, mode="simple_continuous", dose=1.5, alarm=CLOCK + timedelta(days=20),
         stopped_since=None) -> PumpRead:
    return PumpRead(why=why, serial="S-1", clock=CLOCK, mode=mode, drug="morphine", unit="mg",
                    concentration_per_ml=10, daily_dose_per_day=dose, daily_ml=dose / 10, reservoir_ml=5,
                    low_alarm_ml=2, alarm_date=alarm, empty_date=None, alarms=(), stopped_since=stopped_since)


def recording(*payloads) -> list[Entry]:
    start = Started(scenario_id="x", version=1, title="x", mode="practice", trainee="t", pass_mark=80,
                    scenario_text="", pump_file="")
    return [Entry(n=n, wall=WALL, elapsed_s=n * 10.0, pump=CLOCK, who="trainee", what=what)
            for n, what in enumerate((start, read("start"), *payloads))]


def step(action, value=None, true_ml=None) -> RefillStep:
    return RefillStep(step="s", action=action, value=value, said=action, true_ml=true_ml)


def programmed(*, dose_changed=True, checker="") -> Programmed:
    return Programmed(refill=True, changes=("Daily dose: 1.5 mg/day → 2 mg/day",), drug_changed=False,
                      concentration_changed=False, dose_changed=dose_changed, old_dose_per_day=1.5,
                      new_dose_per_day=2, unit="mg", new_mode="simple_continuous", second_checker=checker, reason="")


def test_every_rule_has_its_words_and_a_verdict_on_an_empty_attempt():
    for name, rule in RULES.items():
        parameters = {"action": "interrogated", "after": "link_failed", "dose": "1mg/day", "bolus": "bridge"}
        fields = {field.name for field in msgspec.structs.fields(rule)}
        made = msgspec.convert({key: value for key, value in parameters.items() if key in fields}, rule)
        assert made.expected and made.name == name
        assert made.judge(recording(), ended=True).state in (State.MET, State.MISSED)


def test_a_wrong_port_fails_at_once_even_if_the_right_one_follows():
    rule = PortChosen()
    assert rule.judge(recording(), ended=False).state is State.PENDING
    found = rule.judge(recording(step("port_chosen", "catheter access port"),
                                 step("port_chosen", "reservoir fill port")), ended=False)
    assert (found.state, found.at) == (State.MISSED, 2)
    assert found.detail == "the needle was placed in the catheter access port"
    assert rule.judge(recording(step("port_chosen", "reservoir fill port")), ended=True).met


def test_a_discrepancy_is_missed_once_a_refill_is_programmed_without_its_acknowledgement():
    rule = DiscrepancyAcknowledged()
    assert rule.judge(recording(step("removed_recorded", 2.0)), ended=False).state is State.PENDING
    programmed_refill = RefillEnded(outcome="programmed", port="reservoir fill port", removed_ml=2.0, added_ml=20,
                                    prepared_ml=20, second_checker="", said="")
    assert rule.judge(recording(step("removed_recorded", 2.0), programmed_refill), ended=False).state is State.MISSED
    assert rule.judge(recording(step("discrepancy_acknowledged", "checked the catheter")), ended=False).met


def test_the_volume_removed_must_be_what_really_came_out():
    rule = RemovedRecordedTruly(tolerance_ml=0.5)
    assert rule.judge(recording(step("removed_recorded", 4.6, true_ml=4.8)), ended=True).met
    found = rule.judge(recording(step("removed_recorded", 5.0, true_ml=2.0)), ended=True)
    assert found.detail == "recorded 5 mL, but 2 mL came out of the reservoir"


def test_a_dose_change_without_a_second_checker_is_missed_and_no_change_is_met_at_the_end():
    rule = SecondPersonCheck()
    assert rule.judge(recording(programmed(checker="R. Patel")), ended=False).detail == "checked by R. Patel"
    assert rule.judge(recording(programmed()), ended=False).state is State.MISSED
    assert rule.judge(recording(programmed(dose_changed=False)), ended=False).state is State.PENDING
    assert rule.judge(recording(programmed(dose_changed=False)), ended=True).met


def test_a_pump_left_stopped_is_judged_only_at_the_end_on_the_pump_as_last_read():
    rule = PumpNotLeftStopped()
    stopped = read(mode="stopped", dose=0, stopped_since=CLOCK - timedelta(hours=18))
    assert rule.judge(recording(stopped), ended=False).state is State.PENDING
    found = rule.judge(recording(stopped, VisitClosed()), ended=True)
    assert (found.state, found.at) == (State.MISSED, 3)
    assert found.detail == "the pump was left stopped since 2026-11-22 15:00: it delivers no drug"
    assert rule.judge(recording(stopped, read("programmed")), ended=True).met


def test_interrogated_after_needs_an_interrogation_after_the_first_such_action():
    rule = InterrogatedAfter(after="link_failed")
    lost = LinkFailed(error="LinkLost", said="link lost")
    assert rule.judge(recording(), ended=True).detail == "link failed never happened: nothing to check"
    assert rule.judge(recording(lost), ended=True).state is State.MISSED
    assert rule.judge(recording(lost, read("programmed")), ended=True).state is State.MISSED  # not an interrogation
    assert rule.judge(recording(lost, read("interrogated")), ended=False).met


@pytest.mark.parametrize(("days_early", "margin", "met"), [(7, 3, True), (3, 3, True), (2.9, 3, False), (-1, 0, False)])
def test_the_appointment_must_come_the_margin_before_the_alarm_as_last_read(days_early, margin, met):
    alarm = CLOCK + timedelta(days=20)
    booked = Appointment(at=alarm - timedelta(days=days_early))
    assert AppointmentBeforeAlarm(days_before=margin).judge(recording(booked), ended=True).met is met


def test_the_programmed_dose_is_the_pump_as_last_read_in_its_unit():
    assert ProgrammedDose(dose="1.5mg/day").judge(recording(read()), ended=True).met
    assert ProgrammedDose(dose="1500mcg/day").judge(recording(read()), ended=True).state is State.MISSED
    assert ProgrammedDose(dose="2mg/day").judge(recording(read()), ended=False).state is State.PENDING


def test_a_raised_dose_is_missed_where_it_was_read():
    found = DoseNotRaised().judge(recording(read(dose=1.5), read("programmed", dose=1.8)), ended=False)
    assert (found.state, found.at, found.detail) == (State.MISSED, 3, "raised to 1.8 mg/day from 1.5 mg/day")
    assert DoseNotRaised().judge(recording(read(dose=1.0)), ended=True).met
