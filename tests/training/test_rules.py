"""The rule vocabulary, judged on recordings built by hand: met, missed (and where), or pending until the end."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import pytest

from programmer.therapy.prescription import BolusKind
from programmer.training.recording import (
    Appointment,
    Bolus,
    Entry,
    LinkFailed,
    Mri,
    Programmed,
    PumpRead,
    RefillEnded,
    RefillStep,
    Refused,
    Started,
    VisitClosed,
)
from programmer.training.rules import (
    RULES,
    AppointmentBeforeAlarm,
    AppointmentBeforeEndOfService,
    BolusGiven,
    DiscrepancyAcknowledged,
    DoseNotRaised,
    FindingNotOverridden,
    InterrogatedAfter,
    PortChosen,
    ProgrammedDose,
    PumpNotLeftStopped,
    RaisesApart,
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


def programmed(*, dose_changed=True, checker="", reason="", bolus=None, acknowledged=()) -> Programmed:
    return Programmed(refill=True, changes=("Daily dose: 1.5 mg/day → 2 mg/day",), drug_changed=False,
                      concentration_changed=False, dose_changed=dose_changed, old_dose_per_day=1.5,
                      new_dose_per_day=2, unit="mg", new_mode="simple_continuous", second_checker=checker,
                      reason=reason, bolus=bolus, acknowledged=acknowledged)


def test_every_rule_has_its_words_and_a_verdict_on_an_empty_attempt():
    for name, rule in RULES.items():
        parameters = {"action": "interrogated", "after": "link_failed", "dose": "1mg/day", "bolus": "bridge",
                      "findings": ["soft_max"], "hours": 2}
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


def test_a_pump_whose_delivery_an_mri_scan_holds_is_neither_delivering_nor_on_its_dose():
    held = msgspec.structs.replace(read("time"), held_since=CLOCK - timedelta(hours=1))
    found = PumpNotLeftStopped().judge(recording(held, VisitClosed()), ended=True)
    assert (found.state, found.at) == (State.MISSED, 3)
    assert found.detail == ("the pump was left with its delivery held since the MRI scan of 2026-11-23 08:00: it "
                            "delivers no drug until it is interrogated")
    dose = ProgrammedDose(dose="1.5mg/day").judge(recording(held), ended=True)
    assert dose.state is State.MISSED
    assert dose.detail == "the pump is set to 1.5 mg/day, but delivers nothing since the MRI scan of 2026-11-23 08:00"
    resumed = read("interrogated")  # the interrogation after the scan restarted it
    assert PumpNotLeftStopped().judge(recording(held, resumed), ended=True).met
    assert ProgrammedDose(dose="1.5mg/day").judge(recording(held, resumed), ended=True).met


def test_interrogated_after_an_mri_scan_is_judged_on_the_scan_the_pump_logged():
    scanned = Mri(phase="scanned", effect="motor_stalled", hours=1, said="MRI scan of 1 h: motor stalled")
    rule = InterrogatedAfter(after="mri_scanned")
    assert rule.judge(recording(read("interrogated"), scanned, read("time")), ended=True).state is State.MISSED
    assert rule.judge(recording(scanned, read("interrogated")), ended=False).met


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


def test_the_next_visit_must_come_before_the_pump_stops_at_end_of_service_as_last_read():
    end = datetime(2027, 2, 1, 9, 0)  # end of service: 90 days after the replacement indicator
    last = msgspec.structs.replace(read(), end_of_service=end)
    rule = AppointmentBeforeEndOfService(days_before=14)
    assert rule.expected == "Next visit booked 14 days before the end of service"
    met = rule.judge(recording(last, Appointment(at=datetime(2027, 1, 11, 9, 0))), ended=True)
    assert met.met and met.detail == "booked for 2027-01-11 09:00, end of service 2027-02-01 09:00"
    short = rule.judge(recording(last, Appointment(at=datetime(2027, 1, 25, 9, 0))), ended=True)
    assert short.detail == "booked for 2027-01-25 09:00, end of service 2027-02-01 09:00: less than 14 days before it"
    after = Appointment(at=datetime(2027, 3, 1, 9, 0))
    late = AppointmentBeforeEndOfService().judge(recording(last, after), ended=False)
    assert (late.state, late.at) == (State.MISSED, 3)
    assert late.detail == ("booked for 2027-03-01 09:00, end of service 2027-02-01 09:00: after it: by then the pump "
                           "has stopped and delivers nothing")
    assert AppointmentBeforeEndOfService().judge(recording(last), ended=True).detail == "no visit appointment booked"


def test_the_programmed_dose_is_the_pump_as_last_read_in_its_unit():
    assert ProgrammedDose(dose="1.5mg/day").judge(recording(read()), ended=True).met
    assert ProgrammedDose(dose="1500mcg/day").judge(recording(read()), ended=True).state is State.MISSED
    assert ProgrammedDose(dose="2mg/day").judge(recording(read()), ended=False).state is State.PENDING


def test_a_dose_raised_again_before_the_interval_is_missed_where_it_was_read():
    def at(hours, dose):
        return msgspec.structs.replace(read("programmed", dose=dose), clock=CLOCK + timedelta(hours=hours))

    rule = RaisesApart(hours=2)
    assert rule.expected == "Each dose rise at least 2 h after the last"
    every_2_h = recording(read(dose=0.5), at(0, 0.75), at(2, 1.0), at(4, 1.0))
    assert rule.judge(every_2_h, ended=False).state is State.PENDING
    assert rule.judge(every_2_h, ended=True).detail == "2 rises, each at least 2 h after the last"
    found = rule.judge(recording(read(dose=0.5), at(0, 0.75), at(1, 1.0), at(3, 1.25)), ended=False)
    assert (found.state, found.at) == (State.MISSED, 4)
    assert found.detail == ("raised to 1 mg/day at 2026-11-23 10:00, 1 h after the rise to 0.75 mg/day at "
                            "2026-11-23 09:00")
    lowered_then_raised = recording(read(dose=1.0), at(0, 1.25), at(0.5, 1.0), at(2, 1.25))
    assert rule.judge(lowered_then_raised, ended=True).met  # counted from the last rise, not from the cut


def test_a_raised_dose_is_missed_where_it_was_read():
    found = DoseNotRaised().judge(recording(read(dose=1.5), read("programmed", dose=1.8)), ended=False)
    assert (found.state, found.at, found.detail) == (State.MISSED, 3, "raised to 1.8 mg/day from 1.5 mg/day")
    assert DoseNotRaised().judge(recording(read(dose=1.0)), ended=True).met


def test_trying_to_program_a_change_without_a_second_checker_is_missed_even_when_refused():
    refused = Refused(action="program_refill", error="SecondCheckRequired",
                      said="a second person must check this refill before programming (concentration 10 mg/mL → "
                           "25 mg/mL): enter their name")
    found = SecondPersonCheck().judge(recording(refused, programmed(checker="R. Patel")), ended=True)
    assert (found.state, found.at) == (State.MISSED, 2)
    assert found.detail == "programming was tried without a second check (the programmer refused it)"
    other = Refused(action="program", error="ReasonRequired", said="a reason is required")
    assert SecondPersonCheck().judge(recording(other, programmed(checker="R. Patel")), ended=True).met


def test_a_finding_typed_past_with_a_reason_is_missed_where_it_was_programmed():
    rule = FindingNotOverridden(findings=["per_hour_per_day"])
    assert rule.expected == "Not programmed past the finding “per hour per day”"
    slip = programmed(reason="as ordered", acknowledged=("soft_max", "per_hour_per_day"))
    found = rule.judge(recording(read(), slip), ended=False)
    assert (found.state, found.at) == (State.MISSED, 3)
    assert found.detail == "programmed past the finding “per hour per day” (reason typed: 'as ordered')"
    other = programmed(reason="pain 6/10", acknowledged=("soft_max",))
    assert rule.judge(recording(other), ended=False).state is State.PENDING  # a must-not: judged at the end
    assert rule.judge(recording(other), ended=True).detail == "no program went past the finding “per hour per day”"
    assert msgspec.convert({"findings": ["titration_step"]}, FindingNotOverridden).findings == ["titration_step"]
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert({"findings": []}, FindingNotOverridden)


def test_a_bridge_bolus_is_given_by_the_refill_that_starts_it_or_by_the_boluses_screen():
    rule = BolusGiven(bolus=BolusKind.BRIDGE)
    assert rule.judge(recording(programmed(bolus="bridge")), ended=False).detail == "bridge bolus programmed"
    assert rule.judge(recording(programmed(bolus=None)), ended=True).detail == "no bridge bolus was given"
    screen = Bolus(phase="programmed", bolus_kind="bridge", said="Bridge bolus programmed")
    assert rule.judge(recording(screen), ended=False).met
    priming = Bolus(phase="programmed", bolus_kind="priming", said="Priming bolus programmed")
    assert rule.judge(recording(priming, programmed(bolus="priming")), ended=True).state is State.MISSED
