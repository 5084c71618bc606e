"""Priming and clinician boluses as a nurse gives them: plan, program, watch progress, cancel, refusals."""

from datetime import datetime, timedelta

import msgspec.structs
import pytest

from programmer.pump.firmware import ProgramRejected
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump
from programmer.pump.telemetry import LinkLost
from programmer.session.bolus_history import BolusProgress, bolus_history
from programmer.session.bolus_workflow import (
    BolusRunning,
    BolusWorkflow,
    BolusWorkflowError,
    NoBolusRunning,
    PrimingOccasion,
)
from programmer.session.gate import BlockingFindings, ReasonRequired
from programmer.therapy.bolus import BolusError
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription
from programmer.therapy.units import Concentration, Dose, DrugUnit, UnitError
from programmer.wording import duration_text
from tests.helpers import connected, morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)
HOUR = timedelta(hours=1)
MG = DrugUnit.MG
IMPLANT, REVISION = PrimingOccasion.IMPLANT, PrimingOccasion.CATHETER_REVISION
MONTH_LATER = NOW + timedelta(days=30)  # a catheter revision, a month after the implant


@pytest.fixture
def pump_path(tmp_path):
    return morphine_pump(tmp_path / "pump.json", NOW, serial="PX20-B-1", patient_id="P-7")


@pytest.fixture
def session(pump_path):
    with connected(pump_path) as session:
        yield session


@pytest.fixture
def workflow(session):
    return BolusWorkflow(session)


# --- priming ------------------------------------------------------------------------------------------------


def test_priming_after_an_implant_fills_tubing_and_catheter_at_the_maximum_flow(workflow):
    # 110 cm trimmed by 40 cm = 70 cm × 0.0026 mL/cm = 0.182 mL, + 0.26 mL of pump tubing.
    plan = workflow.priming_plan(110, 40, IMPLANT)
    assert plan.catheter_ml == pytest.approx(0.182)
    assert plan.volume_ml == pytest.approx(0.442)
    assert str(plan.bolus.dose) == "4.42 mg"
    assert plan.bolus.ml_per_day == 24
    # 0.442 mL at 24 mL/day = 26 min 31.2 s
    assert plan.bolus.duration == timedelta(minutes=26, seconds=31.2)
    assert plan.bolus.start == NOW
    assert plan.then == "then simple continuous 1.5 mg/day resumes"
    lines = dict(plan.lines())
    # 26 min 31.2 s from 09:00: both the duration and the end round up, so 09:00 + 27 min reads 09:27.
    assert lines["Duration"] == "27 min, until 2026-11-21 09:27"
    assert lines["Primes"] == "pump tubing and catheter (a new implant: both are empty)"
    assert lines["Pump tubing"] == "0.26 mL"
    assert plan.findings == ()


def test_priming_after_a_catheter_revision_fills_the_new_catheter_only(workflow, session):
    # Walk-through finding: a revision pushed tubing + catheter, 0.26 mL of it drug already in the tubing.
    session.advance(MONTH_LATER)
    plan = workflow.priming_plan(110, 40, REVISION)  # the new catheter: 70 cm implanted = 0.182 mL
    assert plan.volume_ml == pytest.approx(0.182)
    assert str(plan.bolus.dose) == "1.82 mg"
    assert plan.bolus.duration == timedelta(minutes=10, seconds=55.2)  # 0.182 mL at 24 mL/day
    lines = dict(plan.lines())
    assert lines["Primes"] == "catheter only (a catheter revision: the pump tubing is still full of drug)"
    assert lines["Pump tubing"] == "0.26 mL, not primed: already full of drug"
    assert lines["Priming volume"] == "0.182 mL (1.82 mg)"
    assert lines["Duration"] == "11 min, until 2026-12-21 09:11"
    assert lines["Holds now"] == (
        "the pump tubing 0.26 mL of morphine 10 mg/mL (2.6 mg) (the pump has been delivering since the implant "
        "on 2026-11-21); the new catheter: empty"
    )
    assert plan.findings == ()
    # The pump's own catheter record is the default: the plan says to type the new catheter's lengths.
    recorded = dict(workflow.priming_plan(110, 0, REVISION).lines())["Catheter"]
    assert recorded == (
        "110 cm − 0 cm trimmed = 110 cm implanted: 0.286 mL (the pump's record: type the new catheter's lengths "
        "if they differ)"
    )


def test_a_revision_just_after_an_implant_warns_that_the_tubing_is_empty_too(workflow):
    plan = workflow.priming_plan(110, 40, REVISION)  # the pump's clock is the implant time: never primed
    assert plan.can_give
    assert [finding.message for finding in plan.findings] == [
        "the pump was implanted 2026-11-21 and has not been primed: its tubing (0.26 mL) is empty too, so priming "
        "the catheter only leaves the drug 0.26 mL short of the tip. Just after an implant, choose 'the pump was "
        "just implanted'"
    ]


def test_the_priming_projection_drops_before_the_continuous_rate(workflow, session):
    plan = workflow.review_priming(110, 40, IMPLANT)
    projection = session.pending_projection()
    end = plan.bolus.end
    series = projection.series(NOW + timedelta(days=2))
    # The step: 0.442 mL in 27 minutes, then 0.15 mL/day.
    assert series[0] == (NOW, 20.0)
    assert series[1][0] == end and series[1][1] == pytest.approx(19.558)
    assert projection.volume_at(end + timedelta(days=1)) == pytest.approx(19.408)
    # The current program (no priming) is still 20 mL minus the continuous rate.
    assert session.current_projection().volume_at(end) == pytest.approx(20 - 0.15 * (end - NOW) / timedelta(days=1))
    assert session.review().rows  # the review shows the pending bolus program


def test_priming_is_programmed_and_the_continuous_rate_follows(workflow, session, pump_path):
    result = workflow.give_priming(110, 40, IMPLANT, clinician="Dr Ames")
    assert result.after.prescription.bolus.kind is BolusKind.PRIMING
    kinds = [event.kind for event in result.after.events[-2:]]
    assert kinds == [EventKind.PROGRAMMING, EventKind.BOLUS]
    assert result.after.events[-2].details.record.clinician == "Dr Ames"
    assert "Bolus: none → priming bolus 0.442 mL (4.42 mg) over 27 min" in result.changes
    session.advance(NOW + HOUR)
    memory = load_pump(pump_path)
    assert memory.prescription.bolus is None
    assert memory.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    after_bolus = HOUR - timedelta(minutes=26, seconds=31.2)
    assert memory.reservoir_ml == pytest.approx(20 - 0.442 - 0.15 * (after_bolus / timedelta(days=1)))
    assert "Priming bolus finished (0.442 mL): simple continuous resumed" in [e.text for e in memory.events]


def test_priming_asks_why_and_shows_what_the_catheter_holds(workflow, session):
    # Just implanted (the pump's clock is the implant time): the path is empty, priming is what it needs.
    plan = workflow.priming_plan(110, 40)
    assert [finding.rule for finding in plan.blocking] == ["priming_occasion"]
    assert plan.blocking[0].message.startswith("say why the catheter needs priming: the pump was just implanted")
    just_implanted = workflow.priming_plan(110, 40, PrimingOccasion.IMPLANT)
    assert just_implanted.blocking == []
    assert dict(just_implanted.lines())["Holds now"] == "not yet primed: the pump was implanted 2026-11-21"


def test_a_second_priming_within_24_h_is_blocked_whatever_the_occasion(workflow, session):
    # Walk-through BLOCKER: right after a priming, "catheter revised" still selected gave a live button again.
    workflow.give_priming(110, 40, IMPLANT)
    session.advance(NOW + HOUR)  # the priming ended at 09:27
    for occasion, pushed in ((REVISION, "0.182 mL (1.82 mg) in 11 min"), (IMPLANT, "0.442 mL (4.42 mg) in 27 min")):
        plan = workflow.priming_plan(110, 40, occasion)
        assert [finding.message for finding in plan.blocking] == [
            f"the catheter was primed 2026-11-21 09:00 (1 h ago) and is full of drug: priming it again would push "
            f"{pushed} into the patient — an overdose. A second priming within 24 h of the last is refused, "
            "whatever the reason"
        ]
        with pytest.raises(BlockingFindings, match="A second priming within 24 h"):
            workflow.give_priming(110, 40, occasion)
        assert session.pending is None
    assert dict(plan.lines())["Holds now"] == (
        "0.546 mL of morphine 10 mg/mL (5.46 mg): it was primed 2026-11-21 09:00"
    )


def test_after_24_h_only_a_revision_may_prime_again(workflow, session):
    workflow.give_priming(110, 40, IMPLANT)
    session.advance(NOW + timedelta(hours=25))
    assert workflow.priming_plan(110, 40, REVISION).blocking == []  # a new catheter is empty
    plan = workflow.priming_plan(110, 40, IMPLANT)
    assert [finding.message for finding in plan.blocking] == [
        "the catheter is already full of drug (it was primed 2026-11-21 09:00): priming it again would push "
        "0.442 mL (4.42 mg) in 27 min into the patient — an overdose. Prime only a new pump before its first "
        "priming, or after a catheter revision"
    ]


def test_a_pump_implanted_days_ago_counts_as_primed_even_without_a_logged_priming(workflow, session):
    session.advance(NOW + timedelta(days=3))
    plan = workflow.priming_plan(110, 40, PrimingOccasion.IMPLANT)
    assert "the pump has been delivering since the implant on 2026-11-21" in plan.blocking[0].message


def test_priming_with_impossible_lengths_is_refused_with_both_numbers(workflow):
    with pytest.raises(BolusError, match=r"trimmed length 120 cm must be from 0 up to less than the catheter.s 110 cm"):
        workflow.priming_plan(110, 120, REVISION)


def test_priming_a_stopped_pump_says_what_to_do(workflow, session):
    stopped = Prescription.stopped("morphine", Concentration(10, MG))
    session.edit(prescription=stopped)
    session.program(clinician="Dr Ames")
    with pytest.raises(BolusWorkflowError, match="use Single bolus mode"):
        workflow.priming_plan(110, 40, REVISION)


# --- clinician bolus ---------------------------------------------------------------------------------------------


def test_clinician_bolus_plan_gives_volume_flow_and_what_follows(workflow):
    plan = workflow.clinician_plan(Dose(2, MG), 2 * HOUR)
    assert plan.bolus.volume_ml == pytest.approx(0.2)
    assert plan.bolus.ml_per_day == pytest.approx(2.4)
    assert plan.can_give
    assert dict(plan.lines()) == {
        "Dose": "2 mg",
        "Volume": "0.2 mL",
        "Flow": "2.4 mL/day",
        "Duration": "2 h, until 2026-11-21 11:00",
        "Afterwards": "then simple continuous 1.5 mg/day resumes",
    }


def test_clinician_bolus_cancelled_half_way_records_half_the_volume(workflow, session, pump_path):
    workflow.give_clinician(Dose(2, MG), 2 * HOUR, clinician="Dr Ames")
    session.advance(NOW + HOUR)  # half the duration
    progress = workflow.progress()
    assert progress.fraction == 0.5
    assert progress.delivered_ml == pytest.approx(0.1)
    assert progress.delivered_text() == "0.1 of 0.2 mL (1 of 2 mg)"
    assert progress.remaining_text() == "1 h left, ends 2026-11-21 11:00"

    cancelled = workflow.cancel()
    assert cancelled.delivered_ml == pytest.approx(0.1)
    assert str(cancelled.delivered_dose) == "1 mg"
    assert cancelled.reservoir_ml == pytest.approx(19.9)
    memory = load_pump(pump_path)
    event = memory.events[-1]
    assert event.kind is EventKind.BOLUS
    assert event.details.delivered_ml == pytest.approx(0.1)
    assert event.text == (
        "Clinician bolus cancelled after 0.1 mL (1 mg) of 0.2 mL (2 mg): simple continuous resumed"
    )
    assert memory.reservoir_ml == pytest.approx(19.9)
    assert memory.prescription.bolus is None
    assert workflow.progress() is None
    # The continuous rate runs on from the cancel: 0.15 mL a day.
    session.advance(NOW + HOUR + timedelta(days=1))
    assert load_pump(pump_path).reservoir_ml == pytest.approx(19.75)


def test_a_clinician_bolus_above_the_hard_limit_is_refused_and_nothing_is_left_pending(workflow, session, pump_path):
    before = pump_path.read_bytes()
    # 29 mg over 4 h (17.4 mL/day, within the pump's flow) + 1.25 mg at the base rate in the rest of the day.
    plan = workflow.clinician_plan(Dose(29, MG), 4 * HOUR)
    assert not plan.can_give
    assert [finding.message for finding in plan.blocking] == [
        "the 24 h from the start of the bolus would deliver 30.25 mg (bolus 29 mg + 1.25 mg at the base rate), "
        "above the morphine hard limit of 30 mg/day"
    ]
    with pytest.raises(BlockingFindings, match="cannot program: the 24 h from the start of the bolus"):
        workflow.give_clinician(Dose(29, MG), 4 * HOUR, reason="breakthrough pain")
    assert not session.has_pending_changes
    assert pump_path.read_bytes() == before


def test_a_clinician_bolus_above_the_soft_limit_needs_a_reason_which_the_pump_logs(workflow, session, pump_path):
    # Walk-through BLOCKER: a bolus taking the day above the soft limit only asked "Give … now?".
    before = pump_path.read_bytes()
    # 14 mg over 2 h (16.8 mL/day) + 1.5 mg/day over the remaining 22 h (1.375 mg) = 15.375 mg in 24 h.
    plan = workflow.clinician_plan(Dose(14, MG), 2 * HOUR)
    assert plan.can_give
    assert [finding.message for finding in plan.needs_reason] == [
        "the 24 h from the start of the bolus would deliver 15.375 mg (bolus 14 mg + 1.375 mg at the base rate), "
        "above the morphine soft limit of 15 mg/day (hard limit 30 mg/day): give a reason"
    ]
    with pytest.raises(ReasonRequired, match="a reason is required"):
        workflow.give_clinician(Dose(14, MG), 2 * HOUR)
    assert not session.has_pending_changes
    assert pump_path.read_bytes() == before
    result = workflow.give_clinician(Dose(14, MG), 2 * HOUR, reason="breakthrough pain, Dr Lee")
    record = result.after.events[-2].details.record
    assert record.reason == "breakthrough pain, Dr Lee"
    assert [passed.rule for passed in record.acknowledged] == ["soft_max_bolus"]


def test_a_clinician_bolus_faster_than_the_pump_can_run_is_refused(workflow):
    message = r"72 mL/day is above the PX-20 maximum flow of 24 mL/day \(240 mg/day at 10 mg/mL\)"
    with pytest.raises(BolusError, match=message):
        workflow.clinician_plan(Dose(5, MG), timedelta(minutes=10))


def test_a_bolus_in_the_other_unit_is_refused_with_the_conversion(workflow):
    with pytest.raises(UnitError, match=r"enter the bolus in mg \(2000 mcg = 2 mg\)"):
        workflow.clinician_plan(Dose(2000, DrugUnit.MCG), HOUR)


def test_a_second_bolus_waits_for_the_first(workflow, session):
    workflow.give_clinician(Dose(2, MG), 2 * HOUR)
    session.advance(NOW + 30 * timedelta(minutes=1))
    with pytest.raises(BolusRunning, match=r"0.05 of 0.2 mL \(0.5 of 2 mg\) delivered, 1 h 30 min left"):
        workflow.clinician_plan(Dose(1, MG), HOUR)


def test_a_bolus_runs_to_its_end_and_the_mode_resumes(workflow, session, pump_path):
    workflow.give_clinician(Dose(2, MG), 2 * HOUR)
    session.advance(NOW + 3 * HOUR)
    assert workflow.progress() is None
    memory = load_pump(pump_path)
    assert memory.prescription.mode is InfusionMode.SIMPLE_CONTINUOUS
    assert memory.reservoir_ml == pytest.approx(20 - 0.2 - 0.15 / 24)
    with pytest.raises(NoBolusRunning, match="no bolus is running"):
        workflow.cancel()


def test_a_cancelled_single_bolus_leaves_the_pump_stopped(workflow, session, pump_path):
    concentration = Concentration(10, MG)
    bolus = Bolus(BolusKind.SINGLE, NOW, 2 * HOUR, 0.2, Dose(2, MG))
    session.edit(prescription=Prescription("morphine", concentration, InfusionMode.SINGLE_BOLUS, bolus=bolus))
    session.program(clinician="Dr Ames")
    session.advance(NOW + HOUR)
    cancelled = workflow.cancel()
    assert cancelled.text() == (
        "Single bolus cancelled at 2026-11-21 10:00 after 0.1 mL (1 mg) of 0.2 mL (2 mg); "
        "the pump stops: no drug until it is reprogrammed"
    )
    memory = load_pump(pump_path)
    assert memory.prescription.mode is InfusionMode.STOPPED
    assert memory.stopped_since == NOW + HOUR
    assert [event.kind for event in memory.events[-2:]] == [EventKind.BOLUS, EventKind.MODE_CHANGE]


def test_a_lost_link_during_cancel_leaves_the_bolus_running(workflow, session, pump_path):
    workflow.give_clinician(Dose(2, MG), 2 * HOUR)
    session.advance(NOW + HOUR)
    session.faults.lose_link_mid_program = True
    with pytest.raises(LinkLost):
        workflow.cancel()
    assert load_pump(pump_path).prescription.bolus is not None


def test_the_firmware_refuses_a_cancel_without_a_bolus(session):
    with pytest.raises(ProgramRejected, match="nothing to cancel"):
        session.cancel_bolus()


def test_bolus_history_pairs_each_bolus_with_its_ending(workflow, session):
    workflow.give_priming(110, 40, IMPLANT)
    session.advance(NOW + HOUR)
    workflow.give_clinician(Dose(2, MG), 2 * HOUR)
    session.advance(NOW + 2 * HOUR)
    workflow.cancel()
    workflow.give_clinician(Dose(1, MG), HOUR)
    session.advance(NOW + 2 * HOUR + timedelta(minutes=15))
    entries = bolus_history(session.current)
    assert [(entry.kind, entry.outcome) for entry in entries] == [
        (BolusKind.PRIMING, "completed 2026-11-21 09:27: 0.442 mL delivered"),  # ended 09:26:31.2
        (BolusKind.CLINICIAN, "cancelled 2026-11-21 11:00 after 0.1 mL (1 mg)"),
        (BolusKind.CLINICIAN, "running: 0.025 of 0.1 mL (0.25 of 1 mg) delivered, 45 min left, ends 2026-11-21 12:00"),
    ]
    assert entries[1].given == "0.2 mL (2 mg) over 2 h from 2026-11-21 10:00"
    assert [entry.delivered_ml for entry in entries] == [pytest.approx(0.442), pytest.approx(0.1), None]
    assert bolus_history(session.current, since=NOW + HOUR)[0].kind is BolusKind.CLINICIAN


def test_bolus_progress_reads_three_significant_digits_never_more_than_delivered():
    # Walk-through finding: "0.003125 of 0.5148 mL (0.03125 of 5.148 mg)".
    start, duration = NOW, timedelta(minutes=30, seconds=53.28)  # 0.5148 mL at 24 mL/day
    progress = BolusProgress(Bolus(BolusKind.PRIMING, start, duration, 0.5148, Dose(5.148, MG)), start, "then")

    def at(elapsed: timedelta) -> str:
        return msgspec.structs.replace(progress, now=start + elapsed).delivered_text()

    # The bolus's 0.5148 mL reads to the microlitre, as every volume does (wording.ml_text).
    assert at(timedelta(seconds=11.25)) == "0.00312 of 0.515 mL (0.0312 of 5.148 mg)"
    assert at(duration / 2) == "0.257 of 0.515 mL (2.57 of 5.148 mg)"
    assert at(duration - timedelta(seconds=1)) == "0.514 of 0.515 mL (5.14 of 5.148 mg)"  # not 0.515 before the end
    assert at(duration) == "0.515 of 0.515 mL (5.148 of 5.148 mg)"
    assert at(timedelta(0)) == "0 of 0.515 mL (0 of 5.148 mg)"


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(minutes=26, seconds=31.2), "27 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(days=1, hours=4, minutes=5), "1 d 4 h 5 min"),
        (timedelta(0), "0 min"),
    ],
)
def test_durations_read_to_the_minute(duration, text):
    assert duration_text(duration) == text
